//! Everyday flows on the standalone page: regenerate, edit and resend, delete, copy, history
//! across reloads (also mid-answer), following the stream while scrolling, and screenshots.

use std::path::PathBuf;
use std::time::Duration;

use confab_e2e::{Browser, Server, ENTER, ESCAPE};

/// WebDriver's Up arrow key.
const ARROW_UP: &str = "\u{E013}";
use serde_json::json;

const SECS: fn(u64) -> Duration = Duration::from_secs;
const STATE: &str = "((last('.confab__msg--assistant') || {dataset: {}}).dataset.state || '')";
const CONTENTS: &str =
    "[...root.querySelectorAll('.confab__msg .confab__content')].map(e => e.textContent)";

async fn open(browser: &Browser, server: &Server, query: &str) {
    browser.open(&format!("{}/?{query}", server.url)).await;
}

async fn ask_and_wait(browser: &Browser, text: &str) {
    browser.type_in_composer(&format!("{text}{ENTER}")).await;
    browser
        .wait_for(
            "the answer",
            &format!("{STATE} === 'done' && root.querySelector('.confab__send')"),
            SECS(10),
        )
        .await;
}

/// Opens the edit box of the first user message.
async fn open_edit_box(browser: &Browser) {
    browser
        .eval("(root.querySelector('.confab__action-edit').click(), true)")
        .await;
    browser
        .wait_for(
            "the edit box",
            "root.querySelector('.confab__edit-input')",
            SECS(3),
        )
        .await;
}

/// Replaces the open edit box's text with "edited", sends it, and waits for the new exchange.
async fn resend_edited_first_message(browser: &Browser) {
    browser.eval("(root.querySelector('.confab__edit-input').value = 'edited', root.querySelector('.confab__edit-input').dispatchEvent(new Event('input')), true)").await;
    browser
        .eval("(root.querySelector('.confab__edit-send').click(), true)")
        .await;
    browser
        .wait_for(
            "the edited exchange",
            &format!("root.querySelectorAll('.confab__msg').length === 2 && {STATE} === 'done'"),
            SECS(10),
        )
        .await;
}

#[tokio::test]
async fn regenerate_edit_resend_and_delete() {
    let server = Server::start(&["--tokens-per-second", "0"]);
    let browser = Browser::start().await;
    open(&browser, &server, "model=mock-echo&persist=none").await;
    ask_and_wait(&browser, "first").await;
    ask_and_wait(&browser, "second").await;
    assert_eq!(
        browser.eval(CONTENTS).await,
        json!(["first", "first", "second", "second"])
    );

    // Regenerate replaces the last answer (the echo gives the same text, as a new message).
    let before = browser.eval("last('.confab__msg--assistant')").await;
    browser
        .eval("(last('.confab__action-regenerate').click(), true)")
        .await;
    browser
        .wait_for(
            "a new answer",
            &format!("last('.confab__msg--assistant') && {STATE} === 'done'"),
            SECS(10),
        )
        .await;
    assert_eq!(
        browser.eval(CONTENTS).await,
        json!(["first", "first", "second", "second"])
    );
    assert_ne!(
        browser.eval("last('.confab__msg--assistant')").await,
        before,
        "a new message replaced the old one"
    );
    assert_eq!(
        browser
            .eval("root.querySelectorAll('.confab__action-regenerate').length")
            .await,
        1,
        "only the last answer"
    );

    // Up in the empty composer edits the last message (Escape leaves it as it was).
    browser
        .eval("(root.querySelector('.confab__input').focus(), true)")
        .await;
    browser.type_keys(ARROW_UP).await;
    browser
        .wait_for(
            "the last message in an edit box, focused",
            "root.activeElement === root.querySelector('.confab__edit-input') && root.querySelectorAll('.confab__edit-input').length === 1 && root.querySelector('.confab__edit-input').closest('.confab__msg') === last('.confab__msg--user')",
            SECS(3),
        )
        .await;
    browser.type_keys(ESCAPE).await;
    browser
        .wait_for(
            "the edit box gone",
            "!root.querySelector('.confab__edit-input')",
            SECS(3),
        )
        .await;

    // Edit the first message: what followed it is replaced by the new exchange.
    open_edit_box(&browser).await;
    assert_eq!(
        browser
            .eval("root.activeElement === root.querySelector('.confab__edit-input')")
            .await,
        true
    );
    resend_edited_first_message(&browser).await;
    assert_eq!(browser.eval(CONTENTS).await, json!(["edited", "edited"]));

    // Delete the answer, then the question.
    browser
        .eval("(last('.confab__action-delete').click(), true)")
        .await;
    browser
        .wait_for(
            "one message",
            "root.querySelectorAll('.confab__msg').length === 1",
            SECS(3),
        )
        .await;
    browser
        .eval("(last('.confab__action-delete').click(), true)")
        .await;
    browser
        .wait_for(
            "the empty state",
            "root.querySelector('.confab__empty')",
            SECS(3),
        )
        .await;
    browser.close().await;
}

/// The versions label of the first user message and of the last answer.
const VERSIONS: &str = "[(root.querySelector('.confab__msg--user .confab__versions-pos') || {}).textContent || '', \
     ((last('.confab__msg--assistant') || root).querySelector('.confab__versions-pos') || {}).textContent || '']";

async fn click_and_wait(browser: &Browser, selector: &str, what: &str, condition: &str) {
    browser
        .eval(&format!("(root.querySelector('{selector}').click(), true)"))
        .await;
    browser.wait_for(what, condition, SECS(10)).await;
}

/// Regenerating an answer and editing a message keep what they replace as earlier versions:
/// "‹ Version 1 / 2 ›" walks between them, the versions and the one shown survive reloads, and
/// only the version shown is sent to the model.
#[tokio::test]
async fn earlier_versions_stay_reachable_across_reloads() {
    let server = Server::start(&["--tokens-per-second", "0"]);
    let browser = Browser::start().await;
    open(&browser, &server, "model=mock-echo&storage-key=versions").await;
    ask_and_wait(&browser, "first").await;
    ask_and_wait(&browser, "second").await;
    assert_eq!(browser.eval(VERSIONS).await, json!(["", ""]), "none yet");

    browser
        .eval("(last('.confab__action-regenerate').click(), true)")
        .await;
    browser
        .wait_for(
            "the regenerated answer",
            &format!("{STATE} === 'done' && {VERSIONS}[1] === 'Version 2 / 2'"),
            SECS(10),
        )
        .await;

    // Edit the first message: the whole exchange that followed becomes version 1.
    open_edit_box(&browser).await;
    resend_edited_first_message(&browser).await;
    assert_eq!(browser.eval(CONTENTS).await, json!(["edited", "edited"]));
    assert_eq!(browser.eval(VERSIONS).await, json!(["Version 2 / 2", ""]));

    // Reload: the same version is shown, the earlier one still reachable.
    open(&browser, &server, "model=mock-echo&storage-key=versions").await;
    browser
        .wait_for(
            "the restored conversation",
            "root.querySelectorAll('.confab__msg').length === 2",
            SECS(5),
        )
        .await;
    assert_eq!(browser.eval(CONTENTS).await, json!(["edited", "edited"]));
    click_and_wait(
        &browser,
        ".confab__msg--user .confab__versions-prev",
        "version 1",
        "root.querySelectorAll('.confab__msg').length === 4",
    )
    .await;
    assert_eq!(
        browser.eval(CONTENTS).await,
        json!(["first", "first", "second", "second"])
    );
    assert_eq!(
        browser.eval(VERSIONS).await,
        json!(["Version 1 / 2", "Version 2 / 2"]),
        "the regenerated answer's own versions came back with its branch"
    );

    // The version shown is saved at once, and is what the next request continues from.
    open(&browser, &server, "model=mock-echo&storage-key=versions").await;
    browser
        .wait_for(
            "the restored branch",
            "root.querySelectorAll('.confab__msg').length === 4",
            SECS(5),
        )
        .await;
    assert_eq!(
        browser.eval(VERSIONS).await,
        json!(["Version 1 / 2", "Version 2 / 2"])
    );
    open(&browser, &server, "model=mock-inspect&storage-key=versions").await;
    browser
        .wait_for(
            "the restored branch",
            "root.querySelectorAll('.confab__msg').length === 4",
            SECS(5),
        )
        .await;
    ask_and_wait(&browser, "third").await;
    let sent = browser
        .eval("last('.confab__msg--assistant .confab__content').textContent")
        .await;
    let sent = sent.as_str().unwrap();
    assert!(
        sent.contains("second") && !sent.contains("edited"),
        "the request carries the branch shown: {sent}"
    );

    // And back to the edited version.
    click_and_wait(
        &browser,
        ".confab__msg--user .confab__versions-next",
        "version 2",
        "root.querySelectorAll('.confab__msg').length === 2",
    )
    .await;
    assert_eq!(browser.eval(CONTENTS).await, json!(["edited", "edited"]));
    browser.close().await;
}

/// Switching back to a version much longer than the one shown keeps the switched message
/// rendered and in view, with the focus on the same button: the list's windowing (long
/// conversations render their newest 30 messages first) is for conversations that appear, not
/// for versions.
#[tokio::test]
async fn switching_to_a_long_version_keeps_the_switch_in_view_and_focused() {
    let server = Server::start(&["--tokens-per-second", "0"]);
    let browser = Browser::start().await;
    open(&browser, &server, "model=mock-echo&persist=none").await;
    for i in 0..17 {
        ask_and_wait(&browser, &format!("message {i}")).await;
    }
    open_edit_box(&browser).await;
    resend_edited_first_message(&browser).await;
    browser
        .eval("(root.querySelector('.confab__msg--user .confab__versions-prev').focus(), true)")
        .await;
    click_and_wait(
        &browser,
        ".confab__msg--user .confab__versions-prev",
        "version 1",
        "root.querySelectorAll('.confab__msg').length === 34",
    )
    .await;
    let first = "root.querySelector('.confab__msg')";
    assert_eq!(
        browser
            .eval(&format!(
                "{first}.querySelector('.confab__content').textContent"
            ))
            .await,
        "message 0",
        "the whole version is rendered, from the message switched"
    );
    assert_eq!(browser.eval(VERSIONS).await[0], "Version 1 / 2");
    let focused = browser
        .wait_for(
            "the focus on the new switch",
            &format!(
                "root.activeElement && root.activeElement.classList.contains('confab__versions-prev')                  && root.activeElement.closest('.confab__msg') === {first}"
            ),
            SECS(3),
        )
        .await;
    assert_eq!(focused, true);
    let in_view = browser
        .eval(
            "(() => { const b = root.activeElement.getBoundingClientRect();              const l = root.querySelector('.confab__log').getBoundingClientRect();              return b.top >= l.top && b.bottom <= l.bottom; })()",
        )
        .await;
    assert_eq!(in_view, true, "the switch is in view");

    // Back to the short version, by keyboard: the focus follows again.
    browser.type_keys(ENTER).await;
    browser
        .wait_for(
            "version 2",
            "root.querySelectorAll('.confab__msg').length === 2              && root.activeElement && root.activeElement.classList.contains('confab__versions-prev')",
            SECS(5),
        )
        .await;
    assert_eq!(browser.eval(VERSIONS).await[0], "Version 2 / 2");
    browser.close().await;
}

/// A draft is kept while Settings or History is open and across reloads, and the text box
/// grows with it (Chromium sizes it itself, through `field-sizing: content`).
#[tokio::test]
async fn the_draft_survives_settings_history_and_reloads_and_the_box_fits_it() {
    draft_and_box(false).await;
}

/// The same where the browser has no `field-sizing` (Firefox and Safari at the time of
/// writing): the composer fits the box in script. Simulated in Chromium by a `CSS.supports`
/// that says no and a stylesheet without the property.
#[tokio::test]
async fn without_field_sizing_the_composer_fits_the_box_in_script() {
    draft_and_box(true).await;
}

async fn draft_and_box(without_field_sizing: bool) {
    const INPUT: &str = "root.querySelector('.confab__input')";
    const DRAFT: &str = "line 1\nline 2\nline 3\nline 4";
    let server = Server::start(&["--tokens-per-second", "0"]);
    let browser = Browser::start().await;
    if without_field_sizing {
        browser
            .cdp(
                "Page.addScriptToEvaluateOnNewDocument",
                json!({"source": r#"
                    const supports = CSS.supports;
                    CSS.supports = function (p, v) {
                        return String(p).trim() === 'field-sizing' ? false : supports.apply(CSS, arguments);
                    };
                    const replaceSync = CSSStyleSheet.prototype.replaceSync;
                    CSSStyleSheet.prototype.replaceSync = function (text) {
                        return replaceSync.call(this, String(text).replace(/field-sizing:\s*content;?/g, ''));
                    };
                "#}),
            )
            .await;
    }
    let query = "model=mock-echo&storage-key=draft";
    open(&browser, &server, query).await;
    let sized_by = format!("getComputedStyle({INPUT}).fieldSizing");
    assert_eq!(
        browser.eval(&sized_by).await,
        if without_field_sizing {
            "fixed"
        } else {
            "content"
        },
        "the browser is the one this test means"
    );
    let one_line = browser.eval(&format!("{INPUT}.offsetHeight")).await;
    let one_line = one_line.as_f64().unwrap();
    browser
        .eval(&format!(
            "({INPUT}.value = {DRAFT:?}, {INPUT}.dispatchEvent(new Event('input')), true)"
        ))
        .await;
    let grown = browser
        .wait_for(
            "the box grown to four lines",
            &format!("{INPUT}.offsetHeight >= {one_line} + 50 && {INPUT}.offsetHeight"),
            SECS(3),
        )
        .await;
    // All four lines show: nothing scrolled out of the box.
    assert_eq!(
        browser
            .eval(&format!("{INPUT}.scrollHeight <= {INPUT}.clientHeight"))
            .await,
        true
    );
    assert_eq!(
        browser.eval(&format!("{INPUT}.style.height !== ''")).await,
        without_field_sizing,
        "the script sets a height only where the browser does not size the box"
    );

    for pane in ["settings", "history"] {
        let button = format!("(root.querySelector('.confab__{pane}-btn').click(), true)");
        browser.eval(&button).await;
        browser.wait_for(pane, &format!("!{INPUT}"), SECS(3)).await;
        browser.eval(&button).await;
        browser
            .wait_for(
                "the composer again, fitted",
                &format!("{INPUT} && {INPUT}.offsetHeight === {grown}"),
                SECS(3),
            )
            .await;
        assert_eq!(
            browser.eval(&format!("{INPUT}.value")).await,
            DRAFT,
            "after {pane}"
        );
    }

    open(&browser, &server, query).await;
    browser
        .wait_for(
            "the draft after a reload",
            &format!("{INPUT} && {INPUT}.value === {DRAFT:?} && {INPUT}.offsetHeight === {grown}"),
            SECS(5),
        )
        .await;

    // Sent, the draft is gone (also after a reload) and the box is one line again.
    browser
        .eval("(root.querySelector('.confab__send').click(), true)")
        .await;
    browser
        .wait_for(
            "the answer",
            &format!(
                "{STATE} === 'done' && {INPUT}.value === '' && {INPUT}.offsetHeight === {one_line}"
            ),
            SECS(10),
        )
        .await;
    open(&browser, &server, query).await;
    browser
        .wait_for(
            "the conversation after a reload",
            &format!("{STATE} === 'done'"),
            SECS(5),
        )
        .await;
    assert_eq!(browser.eval(&format!("{INPUT}.value")).await, "");
    browser.close().await;
}

/// Clear can be undone until something else is sent, and what it leaves (empty, or undone) is
/// what the next page shows.
#[tokio::test]
async fn clear_can_be_undone_and_both_last_across_reloads() {
    const COUNT: &str = "root.querySelectorAll('.confab__msg').length";
    const UNDO: &str = "root.querySelector('.confab__undo')";
    let server = Server::start(&["--tokens-per-second", "0"]);
    let browser = Browser::start().await;
    let query = "model=mock-echo&storage-key=clear";
    open(&browser, &server, query).await;
    ask_and_wait(&browser, "keep me").await;
    let clear = "(root.querySelector('.confab__clear').click(), true)";

    browser.eval(clear).await;
    browser
        .wait_for(
            "the undo offer",
            &format!("{COUNT} === 0 && {UNDO}"),
            SECS(3),
        )
        .await;
    browser.eval(&format!("({UNDO}.click(), true)")).await;
    browser
        .wait_for(
            "the messages back",
            &format!("{COUNT} === 2 && !{UNDO}"),
            SECS(3),
        )
        .await;
    assert_eq!(browser.eval(CONTENTS).await, json!(["keep me", "keep me"]));
    open(&browser, &server, query).await;
    browser
        .wait_for("the undone clear, kept", &format!("{COUNT} === 2"), SECS(5))
        .await;

    // Cleared for good: a reload does not bring the messages back.
    browser.eval(clear).await;
    browser
        .wait_for("cleared", &format!("{COUNT} === 0 && {UNDO}"), SECS(3))
        .await;
    open(&browser, &server, query).await;
    browser
        .wait_for(
            "the page after a reload",
            "root.querySelector('.confab__empty')",
            SECS(5),
        )
        .await;
    assert_eq!(browser.eval(COUNT).await, 0);
    assert_eq!(
        browser.eval(&format!("!!{UNDO}")).await,
        false,
        "nothing to undo on a new page"
    );

    // Sending ends the offer.
    ask_and_wait(&browser, "new start").await;
    browser.eval(clear).await;
    browser
        .wait_for("cleared", &format!("{COUNT} === 0 && {UNDO}"), SECS(3))
        .await;
    ask_and_wait(&browser, "after clear").await;
    assert_eq!(browser.eval(&format!("!!{UNDO}")).await, false);
    assert_eq!(
        browser.eval(CONTENTS).await,
        json!(["after clear", "after clear"])
    );
    browser.close().await;
}

#[tokio::test]
async fn copy_buttons_give_feedback() {
    let server = Server::start(&["--tokens-per-second", "0"]);
    let browser = Browser::start().await;
    open(&browser, &server, "model=mock&persist=none").await;
    ask_and_wait(&browser, "code please").await;
    browser
        .eval("(root.querySelector('.confab__copy').click(), true)")
        .await;
    let label = browser.wait_for("feedback", "['Copied', 'Copy failed'].includes(root.querySelector('.confab__copy').textContent) && root.querySelector('.confab__copy').textContent", SECS(3)).await;
    assert_eq!(
        label, "Copied",
        "the code block's Copy button wrote to the clipboard"
    );
    browser
        .eval("(last('.confab__action-copy').click(), true)")
        .await;
    let label = browser.wait_for("feedback", "last('.confab__action-copy').textContent !== 'Copy' && last('.confab__action-copy').textContent", SECS(3)).await;
    assert_eq!(label, "Copied");
    browser
        .wait_for(
            "the label back",
            "root.querySelector('.confab__copy').textContent === 'Copy'",
            SECS(5),
        )
        .await;

    // A page over plain http (not localhost) has no clipboard API: copying still works, by the
    // user's own key press, and nothing breaks.
    browser
        .page("(Object.defineProperty(Navigator.prototype, 'clipboard', { get: () => undefined, configurable: true }), navigator.clipboard === undefined)")
        .await;
    browser
        .eval("(root.querySelector('.confab__copy').focus(), true)")
        .await;
    browser.type_keys(ENTER).await;
    let label = browser.wait_for("feedback", "['Copied', 'Copy failed'].includes(root.querySelector('.confab__copy').textContent) && root.querySelector('.confab__copy').textContent", SECS(3)).await;
    assert_eq!(label, "Copied", "copied without the clipboard API");
    ask_and_wait(&browser, "still working").await;
    browser.close().await;
}

#[tokio::test]
async fn a_reload_keeps_history_and_a_reload_mid_answer_keeps_what_arrived() {
    let server = Server::start(&["--tokens-per-second", "0"]);
    let browser = Browser::start().await;
    open(&browser, &server, "model=mock-echo&storage-key=reload").await;
    ask_and_wait(&browser, "remember me").await;
    open(&browser, &server, "model=mock-echo&storage-key=reload").await;
    browser
        .wait_for(
            "the restored history",
            "root.querySelectorAll('.confab__msg').length === 2",
            SECS(5),
        )
        .await;
    assert_eq!(
        browser.eval(CONTENTS).await,
        json!(["remember me", "remember me"])
    );

    // Reload while an answer streams: what had arrived stays, marked incomplete.
    open(&browser, &server, "model=mock-slow&storage-key=reload").await;
    browser
        .type_in_composer(&format!("long answer{ENTER}"))
        .await;
    browser
        .wait_for(
            "some text",
            "(last('.confab__msg--assistant .confab__content') || {}).textContent.length > 40",
            SECS(15),
        )
        .await;
    // While streaming, saving is at most once a second; leaving the page saves what is shown.
    let shown = browser
        .eval("last('.confab__msg--assistant .confab__content').textContent")
        .await;
    open(&browser, &server, "model=mock-slow&storage-key=reload").await;
    browser
        .wait_for(
            "the restored answer",
            &format!(
                "root.querySelectorAll('.confab__msg').length === 4 && {STATE} === 'incomplete'"
            ),
            SECS(5),
        )
        .await;
    let partial = browser
        .eval("last('.confab__msg--assistant .confab__content').textContent")
        .await;
    assert!(
        partial.as_str().unwrap().starts_with("This is"),
        "{partial}"
    );
    assert!(
        partial
            .as_str()
            .unwrap()
            .starts_with(shown.as_str().unwrap()),
        "all that was shown when the page was left is kept: {shown} / {partial}"
    );
    let error = browser.eval("last('.confab__error').textContent").await;
    assert!(error.as_str().unwrap().contains("incomplete"), "{error}");
    browser.close().await;
}

#[tokio::test]
async fn a_damaged_store_is_set_aside_and_reported() {
    let server = Server::start(&[]);
    let browser = Browser::start().await;
    open(&browser, &server, "storage-key=broken").await;
    browser
        .page("localStorage.setItem('confab:broken', '{\"version\":1,\"messages\":[{\"oops\":')")
        .await;
    open(&browser, &server, "storage-key=broken").await;
    let problem = browser
        .wait_for(
            "the report",
            "(root.querySelector('.confab__problem') || {}).textContent",
            SECS(5),
        )
        .await;
    assert!(
        problem.as_str().unwrap().contains("could not be read"),
        "{problem}"
    );
    let kept = browser.page("Object.keys(localStorage).filter(k => k.startsWith('confab:broken:unreadable:')).length").await;
    assert_eq!(kept, 1, "the damaged data is kept aside, not destroyed");
    assert_eq!(
        browser
            .eval("root.querySelectorAll('.confab__msg').length")
            .await,
        0
    );
    browser.close().await;
}

#[tokio::test]
async fn the_list_follows_the_stream_until_the_reader_scrolls_up() {
    let server = Server::start(&["--tokens-per-second", "60"]);
    let browser = Browser::start().await;
    open(&browser, &server, "model=mock-long-1500&persist=none").await;
    browser.type_in_composer(&format!("long{ENTER}")).await;
    let log = "root.querySelector('.confab__log')";
    let gap = format!("({log}.scrollHeight - {log}.scrollTop - {log}.clientHeight)");
    browser
        .wait_for(
            "overflow",
            &format!("{log}.scrollHeight > {log}.clientHeight * 2"),
            SECS(20),
        )
        .await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let state = browser
        .eval(&format!(
            "[{gap}, {log}.scrollHeight, {log}.clientHeight, {log}.scrollTop]"
        ))
        .await;
    assert!(
        browser.eval(&gap).await.as_f64().unwrap() < 48.0,
        "following the stream: {state}"
    );
    assert_eq!(
        browser.eval("root.querySelector('.confab__jump')").await,
        serde_json::Value::Null
    );

    browser.eval(&format!("({log}.scrollTop = 0, true)")).await;
    browser
        .wait_for(
            "Jump to latest",
            "root.querySelector('.confab__jump')",
            SECS(3),
        )
        .await;
    let height = browser
        .eval(&format!("{log}.scrollHeight"))
        .await
        .as_f64()
        .unwrap();
    browser
        .wait_for(
            "more text",
            &format!("{log}.scrollHeight > {height} + 50"),
            SECS(10),
        )
        .await;
    assert_eq!(
        browser.eval(&format!("{log}.scrollTop")).await,
        0,
        "the reader's position is kept"
    );

    browser
        .eval("(root.querySelector('.confab__jump').click(), true)")
        .await;
    browser
        .wait_for(
            "the jump button to go",
            "!root.querySelector('.confab__jump')",
            SECS(3),
        )
        .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        browser.eval(&gap).await.as_f64().unwrap() < 48.0,
        "following again"
    );
    browser.eval("(root.querySelector('.confab__stop') && root.querySelector('.confab__stop').click(), true)").await;
    browser.close().await;
}

#[tokio::test]
async fn screenshots_of_the_light_and_dark_themes() {
    let server = Server::start(&["--tokens-per-second", "0"]);
    let browser = Browser::start().await;
    // Under target/, never over the tracked copies in docs/screenshots (refresh those by hand).
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/screenshots");
    std::fs::create_dir_all(&dir).expect("target/screenshots");
    for theme in ["light", "dark"] {
        open(
            &browser,
            &server,
            &format!("model=mock&persist=none&theme={theme}&title=Confab"),
        )
        .await;
        ask_and_wait(&browser, "Show me what you can render").await;
        // Scrollbars and form controls are drawn for the theme too.
        assert_eq!(
            browser
                .eval("getComputedStyle(root.querySelector('.confab__log')).colorScheme")
                .await,
            theme
        );
        browser
            .eval("(root.querySelector('.confab__log').scrollTop = 0, true)")
            .await;
        browser.settle().await;
        let png = browser.client.screenshot().await.expect("screenshot");
        assert!(png.starts_with(b"\x89PNG"), "a PNG");
        assert!(
            png.len() > 10_000,
            "a real picture, not a blank one ({} bytes)",
            png.len()
        );
        std::fs::write(dir.join(format!("{theme}.png")), png).expect("write the screenshot");
    }
    browser.close().await;
}

#[tokio::test]
async fn a_full_storage_is_reported_and_nothing_in_memory_is_lost() {
    let server = Server::start(&["--tokens-per-second", "0"]);
    let browser = Browser::start().await;
    open(&browser, &server, "model=mock-echo&storage-key=full").await;
    browser
        .page(
            "(Storage.prototype.setItem = function (k) { if (String(k).startsWith('confab:')) \
             throw new DOMException('The quota has been exceeded.', 'QuotaExceededError'); }, true)",
        )
        .await;
    ask_and_wait(&browser, "keep me anyway").await;
    let notice = browser
        .wait_for(
            "the report",
            "(root.querySelector('.confab__problem') || {}).textContent",
            SECS(5),
        )
        .await;
    assert!(
        notice.as_str().unwrap().contains("storage is full"),
        "{notice}"
    );
    assert_eq!(
        browser.eval(CONTENTS).await,
        json!(["keep me anyway", "keep me anyway"])
    );
    browser.close().await;
}

#[tokio::test]
async fn storage_that_is_unavailable_is_reported_and_the_chat_still_works() {
    let server = Server::start(&["--tokens-per-second", "0"]);
    let browser = Browser::start().await;
    browser
        .cdp(
            "Page.addScriptToEvaluateOnNewDocument",
            json!({"source": "Object.defineProperty(window, 'localStorage', { get() { throw new DOMException('denied', 'SecurityError'); } });"}),
        )
        .await;
    open(&browser, &server, "model=mock-echo").await;
    let notice = browser
        .wait_for(
            "the report",
            "(root.querySelector('.confab__problem') || {}).textContent",
            SECS(5),
        )
        .await;
    assert!(
        notice.as_str().unwrap().contains("does not allow saving"),
        "{notice}"
    );
    ask_and_wait(&browser, "still works").await;
    assert_eq!(
        browser.eval(CONTENTS).await,
        json!(["still works", "still works"])
    );
    browser.close().await;
}

/// Opens the page with a stored conversation of 120 messages ("message number 0" to 119), and
/// waits for its newest message.
async fn open_long_conversation(browser: &Browser, server: &Server) {
    open(browser, server, "storage-key=long").await;
    let messages: Vec<serde_json::Value> = (0..120)
        .map(|i| {
            serde_json::json!({"id": i + 1, "role": if i % 2 == 0 { "user" } else { "assistant" },
                "choices": [{"index": 0, "content": format!("message number {i}"), "finish_reason": "stop"}],
                "selected": 0, "state": "done"})
        })
        .collect();
    browser
        .js(
            "localStorage.setItem('confab:long', arguments[0]); return true;",
            vec![serde_json::json!({"version": 1, "messages": messages})
                .to_string()
                .into()],
        )
        .await;
    open(browser, server, "storage-key=long").await;
    browser
        .wait_for("the newest message", "(last('.confab__msg') || {}).textContent && last('.confab__msg').textContent.includes('message number 119')", SECS(5))
        .await;
}

const COUNT: &str = "root.querySelectorAll('.confab__msg').length";

#[tokio::test]
async fn a_long_conversation_opens_at_its_end_and_scrolling_up_shows_earlier_messages() {
    let server = Server::start(&[]);
    let browser = Browser::start().await;
    open_long_conversation(&browser, &server).await;
    let count = COUNT;
    let first_shown = browser.eval(count).await.as_u64().unwrap();
    assert!(
        first_shown < 120,
        "only the newest are rendered at first ({first_shown})"
    );
    let log = "root.querySelector('.confab__log')";
    assert!(
        browser
            .eval(&format!(
                "{log}.scrollHeight - {log}.scrollTop - {log}.clientHeight"
            ))
            .await
            .as_f64()
            .unwrap()
            < 48.0,
        "opened at the bottom"
    );
    // Scrolling to the top, again and again, brings earlier messages until the first.
    for _ in 0..10 {
        if browser.eval(count).await == 120 {
            break;
        }
        let before = browser.eval(count).await.as_u64().unwrap();
        // At the top, the first rendered message is the one being read.
        let reading = browser
            .eval("root.querySelector('.confab__msg').textContent")
            .await;
        browser.eval(&format!("({log}.scrollTop = 0, true)")).await;
        browser
            .wait_for("earlier messages", &format!("{count} > {before}"), SECS(5))
            .await;
        // The message that was at the top is still in view: the new ones came above it.
        let place = browser
            .wait_for(
                "the list to keep its place",
                &format!("(() => {{ const m = [...root.querySelectorAll('.confab__msg')].find(m => m.textContent === {reading}); const l = {log}.getBoundingClientRect(), r = m.getBoundingClientRect(); return r.bottom > l.top && r.top < l.bottom; }})()"),
                SECS(3),
            )
            .await;
        assert_eq!(place, true);
    }
    assert_eq!(browser.eval(count).await, 120);
    let first = browser
        .eval("root.querySelector('.confab__msg').textContent")
        .await;
    assert!(
        first.as_str().unwrap().contains("message number 0"),
        "{first}"
    );
    assert_eq!(
        browser.eval("root.querySelector('.confab__earlier')").await,
        serde_json::Value::Null,
        "nothing left to show"
    );
    browser.close().await;
}

/// The browser's find in page can only find rendered text: Ctrl+F in the widget renders the
/// whole conversation, and the reader stays where they were.
#[tokio::test]
async fn find_in_page_renders_the_whole_conversation() {
    let server = Server::start(&[]);
    let browser = Browser::start().await;
    open_long_conversation(&browser, &server).await;
    let first_shown = browser.eval(COUNT).await.as_u64().unwrap();
    assert!(first_shown < 120, "{first_shown}");
    // Ctrl held (U+E009) while F is pressed, then released (U+E000).
    browser.type_in_composer("\u{E009}f\u{E000}").await;
    browser
        .wait_for("every message", &format!("{COUNT} === 120"), SECS(5))
        .await;
    let newest_in_view = browser
        .wait_for(
            "the newest message in view",
            "(() => { const l = root.querySelector('.confab__log').getBoundingClientRect(); \
             const r = last('.confab__msg').getBoundingClientRect(); \
             return r.bottom > l.top && r.top < l.bottom; })()",
            SECS(3),
        )
        .await;
    assert_eq!(newest_in_view, true, "the reader stays at the end");
    assert_eq!(
        browser.eval("root.querySelector('textarea').value").await,
        "",
        "the key typed nothing"
    );
    browser.close().await;
}

/// Opened from disk, the page cannot load WebAssembly (browsers refuse modules and fetches
/// from file://): it says so and how to serve it, instead of staying blank. Served, that text
/// is hidden by the widget.
#[tokio::test]
async fn opened_from_a_file_the_page_says_how_to_serve_it() {
    const SAYS: &str = "document.body.innerText.includes('serve this folder over http(s)')";
    let browser = Browser::start().await;
    let page = confab_e2e::dist().join("index.html");
    browser.goto(&format!("file://{}", page.display())).await;
    // Served, the page's stylesheet holds the reason back for a few seconds of loading; from
    // a file the stylesheet does not load either (its integrity check needs CORS), so the
    // reason shows at once.
    assert_eq!(
        browser
            .page("document.body.innerText.includes('Loading Confab')")
            .await,
        true
    );
    browser.page_wait("the reason", SAYS, SECS(8)).await;

    let server = Server::start(&[]);
    open(&browser, &server, "model=mock-echo&persist=none").await;
    assert_eq!(browser.page(SAYS).await, false);
    browser.close().await;
}
