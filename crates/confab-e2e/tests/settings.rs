//! The settings panel: validation next to each field, the model list from `GET /models`, and
//! settings reaching the request; the API key kept in memory unless remembered.

use std::time::Duration;

use confab_e2e::{Browser, Server, ENTER};
use serde_json::Value;

const SECS: fn(u64) -> Duration = Duration::from_secs;
const STATE: &str = "((last('.confab__msg--assistant') || {dataset: {}}).dataset.state || '')";

/// Sets a settings field the way a person does: type, then leave the field (change event).
async fn set_field(browser: &Browser, id: &str, value: &str) {
    let js = format!(
        "(() => {{ const el = root.querySelector('#confab-setting-{id}'); el.value = {v}; \
         el.dispatchEvent(new Event('change')); return true; }})()",
        v = serde_json::to_string(value).unwrap()
    );
    browser.eval(&js).await;
}

async fn open_settings(browser: &Browser) {
    browser
        .eval("(root.querySelector('.confab__settings-btn').click(), true)")
        .await;
    browser
        .wait_for(
            "the settings",
            "root.querySelector('.confab__settings')",
            SECS(3),
        )
        .await;
}

async fn back_to_chat(browser: &Browser) {
    browser
        .eval("(root.querySelector('.confab__settings-btn').click(), true)")
        .await;
    browser
        .wait_for(
            "the composer",
            "root.querySelector('textarea.confab__input')",
            SECS(3),
        )
        .await;
}

async fn inspect(browser: &Browser, text: &str) -> Value {
    browser.type_in_composer(&format!("{text}{ENTER}")).await;
    browser
        .wait_for("the echo", &format!("{STATE} === 'done'"), SECS(10))
        .await;
    let t = browser
        .eval("last('.confab__msg--assistant .confab__content').textContent")
        .await;
    serde_json::from_str(t.as_str().unwrap()).unwrap_or_else(|e| panic!("{e}: {t}"))
}

#[tokio::test]
async fn settings_validate_and_reach_the_request() {
    let server = Server::start(&["--tokens-per-second", "0"]);
    let browser = Browser::start().await;
    browser
        .open(&format!(
            "{}/?persist=none&storage-key=settings",
            server.url
        ))
        .await;
    open_settings(&browser).await;

    let note = browser
        .wait_for(
            "the model list",
            "root.querySelector('.confab__models-note').textContent",
            SECS(5),
        )
        .await;
    assert!(
        note.as_str()
            .unwrap()
            .contains("models offered by the server"),
        "{note}"
    );
    let options = browser
        .eval("[...root.querySelectorAll('#confab-models option')].map(o => o.value)")
        .await;
    assert!(
        options
            .as_array()
            .unwrap()
            .iter()
            .any(|o| o == "mock-inspect"),
        "{options}"
    );

    set_field(&browser, "temperature", "5").await;
    let error = browser.wait_for("the error", "(root.querySelector('[data-field=temperature] .confab__field-error') || {}).textContent", SECS(3)).await;
    assert!(
        error
            .as_str()
            .unwrap()
            .contains("`temperature` must be a number from 0 to 2"),
        "{error}"
    );
    set_field(&browser, "temperature", "0.7").await;
    browser
        .wait_for(
            "the error to go",
            "!root.querySelector('[data-field=temperature] .confab__field-error')",
            SECS(3),
        )
        .await;
    set_field(&browser, "model", "mock-inspect").await;
    set_field(&browser, "max-tokens", "4000").await;
    set_field(&browser, "system-prompt", "Be terse").await;
    set_field(&browser, "api-key", "sk-in-memory").await;
    back_to_chat(&browser).await;

    let got = inspect(&browser, "settings?").await;
    let body = &got["body"];
    assert!((body["temperature"].as_f64().unwrap() - 0.7).abs() < 1e-6);
    assert_eq!(body["max_tokens"], 4000);
    assert_eq!(body["model"], "mock-inspect");
    assert_eq!(body["messages"][0]["content"], "Be terse");
    assert_eq!(got["headers"]["authorization"], "Bearer <12 characters>");

    // Reset puts a field back to the configuration's value (unset here).
    open_settings(&browser).await;
    browser
        .eval("(root.querySelector('[data-field=temperature] .confab__field-reset').click(), true)")
        .await;
    browser
        .wait_for(
            "the reset",
            "root.querySelector('#confab-setting-temperature').value === ''",
            SECS(3),
        )
        .await;

    // The key was not remembered: a reload forgets it.
    browser
        .open(&format!(
            "{}/?persist=none&storage-key=settings&model=mock-inspect",
            server.url
        ))
        .await;
    let got = inspect(&browser, "after reload").await;
    assert_eq!(
        got["headers"]["authorization"],
        Value::Null,
        "a key is not kept unless asked"
    );

    // Remembered on this device: a reload keeps it.
    open_settings(&browser).await;
    set_field(&browser, "api-key", "sk-remember-me").await;
    browser
        .eval("(root.querySelector('.confab__remember').click(), true)")
        .await;
    browser
        .open(&format!(
            "{}/?persist=none&storage-key=settings&model=mock-inspect",
            server.url
        ))
        .await;
    let got = inspect(&browser, "remembered").await;
    assert_eq!(got["headers"]["authorization"], "Bearer <14 characters>");
    // Unticking forgets it.
    open_settings(&browser).await;
    browser
        .eval("(root.querySelector('.confab__remember').click(), true)")
        .await;
    browser
        .wait_for(
            "forgotten",
            "!localStorage.getItem('confab:settings:api-key')",
            SECS(3),
        )
        .await;
    browser.close().await;
}

#[tokio::test]
async fn request_settings_belong_to_the_conversation() {
    let server = Server::start(&["--tokens-per-second", "0"]);
    let browser = Browser::start().await;
    browser
        .open(&format!(
            "{}/?storage-key=per-conv&model=mock-inspect&temperature=1",
            server.url
        ))
        .await;
    // Conversation A: its own temperature.
    open_settings(&browser).await;
    set_field(&browser, "temperature", "0.3").await;
    back_to_chat(&browser).await;
    let got = inspect(&browser, "in A").await;
    assert!((got["body"]["temperature"].as_f64().unwrap() - 0.3).abs() < 1e-6);

    // A new conversation starts from the widget's configuration.
    browser
        .eval("(root.querySelector('.confab__history-btn').click(), true)")
        .await;
    browser
        .wait_for("the list", "root.querySelector('.confab__new')", SECS(3))
        .await;
    browser
        .eval("(root.querySelector('.confab__new').click(), true)")
        .await;
    browser
        .wait_for(
            "an empty chat",
            "root.querySelector('.confab__empty')",
            SECS(3),
        )
        .await;
    let got = inspect(&browser, "in B").await;
    assert_eq!(
        got["body"]["temperature"], 1.0,
        "B uses the configured temperature"
    );

    // Back in A, A's setting is back.
    browser
        .eval("(root.querySelector('.confab__history-btn').click(), true)")
        .await;
    browser
        .wait_for(
            "the list",
            "root.querySelectorAll('.confab__conversation').length === 2",
            SECS(3),
        )
        .await;
    browser
        .eval("([...root.querySelectorAll('.confab__conversation-open')].find(b => b.textContent === 'in A').click(), true)")
        .await;
    browser
        .wait_for(
            "A",
            "root.querySelectorAll('.confab__msg').length === 2",
            SECS(3),
        )
        .await;
    open_settings(&browser).await;
    assert_eq!(
        browser
            .eval("root.querySelector('#confab-setting-temperature').value")
            .await,
        "0.3"
    );
    browser.close().await;
}
