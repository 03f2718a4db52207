//! Several conversations: new, switch, rename, delete, export (JSON and Markdown), import, and
//! the list surviving a reload.

use std::time::Duration;

use confab_e2e::{Browser, Server, ENTER};
use serde_json::{json, Value};

const SECS: fn(u64) -> Duration = Duration::from_secs;
const STATE: &str = "((last('.confab__msg--assistant') || {dataset: {}}).dataset.state || '')";
const CONTENTS: &str =
    "[...root.querySelectorAll('.confab__msg .confab__content')].map(e => e.textContent)";
const TITLES: &str = "[...root.querySelectorAll('.confab__conversation-open, .confab__rename-input')].map(e => e.textContent || e.value)";

async fn ask(browser: &Browser, text: &str) {
    browser.type_in_composer(&format!("{text}{ENTER}")).await;
    browser
        .wait_for(
            "the answer",
            &format!("{STATE} === 'done' && root.querySelector('.confab__send')"),
            SECS(10),
        )
        .await;
}

async fn history(browser: &Browser) {
    browser
        .eval("(root.querySelector('.confab__history-btn').click(), true)")
        .await;
    browser
        .wait_for(
            "the list",
            "root.querySelector('.confab__history')",
            SECS(3),
        )
        .await;
}

/// Starts a new conversation from the open History panel and waits for the empty chat.
async fn new_conversation(browser: &Browser) {
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
}

/// Clicks `selector` inside the conversation titled `title`.
async fn in_row(browser: &Browser, title: &str, selector: &str) {
    let js = format!(
        "(() => {{ const row = [...root.querySelectorAll('.confab__conversation')].find(r => r.querySelector('.confab__conversation-open') && r.querySelector('.confab__conversation-open').textContent === {t}); \
         row.querySelector('{selector}').click(); return true; }})()",
        t = serde_json::to_string(title).unwrap()
    );
    browser.eval(&js).await;
}

#[tokio::test]
async fn conversations_can_be_listed_switched_renamed_deleted_exported_and_imported() {
    let server = Server::start(&["--tokens-per-second", "0"]);
    let browser = Browser::start().await;
    let url = format!("{}/?model=mock-echo&storage-key=conv", server.url);
    browser.open(&url).await;
    // Downloads are captured from the blob the widget makes.
    browser.page("(window.__blobs = [], URL.createObjectURL = ((orig) => (b) => { __blobs.push(b); return orig.call(URL, b); })(URL.createObjectURL), true)").await;

    ask(&browser, "alpha question").await;
    history(&browser).await;
    assert_eq!(browser.eval(TITLES).await, json!(["alpha question"]));
    // Each row says when the conversation last changed, in words and as a machine-readable time.
    let time = browser
        .eval("(() => { const t = root.querySelector('.confab__conversation time'); \
               return [Math.abs(Date.parse(t.dateTime) - Date.now()) < 60000, t.textContent.trim().length > 4]; })()")
        .await;
    assert_eq!(
        time,
        json!([true, true]),
        "the row's time is now, written out"
    );
    new_conversation(&browser).await;
    ask(&browser, "beta question").await;
    history(&browser).await;
    assert_eq!(
        browser.eval(TITLES).await,
        json!(["beta question", "alpha question"]),
        "newest first"
    );

    in_row(&browser, "alpha question", ".confab__conversation-open").await;
    browser.wait_for("alpha's messages", &format!("JSON.stringify({CONTENTS}) === JSON.stringify(['alpha question', 'alpha question'])"), SECS(3)).await;

    history(&browser).await;
    in_row(&browser, "alpha question", ".confab__rename").await;
    browser
        .wait_for(
            "the rename box",
            "root.querySelector('.confab__rename-input')",
            SECS(3),
        )
        .await;
    browser.eval("(() => { const i = root.querySelector('.confab__rename-input'); i.value = 'Renamed A'; i.dispatchEvent(new KeyboardEvent('keydown', {key: 'Enter'})); return true; })()").await;
    browser.wait_for("the new title", "[...root.querySelectorAll('.confab__conversation-open')].some(e => e.textContent === 'Renamed A')", SECS(3)).await;

    in_row(&browser, "Renamed A", ".confab__export-json").await;
    browser
        .page_wait("the JSON export", "window.__blobs.length === 1", SECS(3))
        .await;
    let exported = browser
        .client
        .execute_async(
            "const done = arguments[arguments.length - 1]; __blobs[0].text().then(done);",
            vec![],
        )
        .await
        .unwrap();
    let doc: Value = serde_json::from_str(exported.as_str().unwrap()).unwrap();
    assert_eq!(doc["title"], "Renamed A");
    assert_eq!(doc["format"], "confab.conversation");
    assert_eq!(
        doc["messages"][0],
        json!({"role": "user", "content": "alpha question"})
    );
    assert_eq!(doc["messages"][1]["state"], "done");
    in_row(&browser, "Renamed A", ".confab__export-md").await;
    browser
        .page_wait(
            "the Markdown export",
            "window.__blobs.length === 2",
            SECS(3),
        )
        .await;
    let md = browser
        .client
        .execute_async(
            "const done = arguments[arguments.length - 1]; __blobs[1].text().then(done);",
            vec![],
        )
        .await
        .unwrap();
    assert!(
        md.as_str()
            .unwrap()
            .starts_with("# Renamed A\n\n## You\n\nalpha question"),
        "{md}"
    );

    in_row(&browser, "beta question", ".confab__delete-conversation").await;
    browser
        .wait_for(
            "one left",
            "root.querySelectorAll('.confab__conversation').length === 1",
            SECS(3),
        )
        .await;

    // Import the exported JSON: it opens as a conversation of its own.
    browser
        .js(
            "const root = document.querySelector('#confab').shadowRoot; const input = root.querySelector('.confab__import-file'); \
             const dt = new DataTransfer(); dt.items.add(new File([arguments[0]], 'renamed-a.json', {type: 'application/json'})); \
             input.files = dt.files; input.dispatchEvent(new Event('change')); return true;",
            vec![Value::String(exported.as_str().unwrap().to_owned())],
        )
        .await;
    browser.wait_for("the imported messages", &format!("root.querySelector('.confab__msg') && JSON.stringify({CONTENTS}) === JSON.stringify(['alpha question', 'alpha question'])"), SECS(5)).await;
    history(&browser).await;
    assert_eq!(
        browser.eval(TITLES).await,
        json!(["Renamed A", "Renamed A"])
    );

    // A bad file says why.
    browser
        .js(
            "const root = document.querySelector('#confab').shadowRoot; const input = root.querySelector('.confab__import-file'); \
             const dt = new DataTransfer(); dt.items.add(new File(['{\"nope\": 1}'], 'bad.json')); \
             input.files = dt.files; input.dispatchEvent(new Event('change')); return true;",
            vec![],
        )
        .await;
    let status = browser
        .wait_for(
            "the import error",
            "root.querySelector('.confab__history-status').textContent",
            SECS(3),
        )
        .await;
    assert!(
        status.as_str().unwrap().contains("no `messages`"),
        "{status}"
    );

    // The list survives a reload.
    browser.goto(&url).await;
    browser
        .wait_for(
            "the restored chat",
            "root && root.querySelectorAll('.confab__msg').length === 2",
            SECS(10),
        )
        .await;
    history(&browser).await;
    assert_eq!(
        browser
            .eval("root.querySelectorAll('.confab__conversation').length")
            .await,
        2
    );
    browser.close().await;
}

/// With `persist=none` nothing reaches the browser's storage, yet History works for as long as
/// the page lives: conversations are listed and can be switched; a reload starts afresh.
#[tokio::test]
async fn without_persistence_history_lasts_as_long_as_the_page() {
    let server = Server::start(&["--tokens-per-second", "0"]);
    let browser = Browser::start().await;
    let url = format!(
        "{}/?model=mock-echo&storage-key=mem&persist=none",
        server.url
    );
    browser.open(&url).await;
    ask(&browser, "first talk").await;
    history(&browser).await;
    new_conversation(&browser).await;
    ask(&browser, "second talk").await;
    history(&browser).await;
    assert_eq!(
        browser.eval(TITLES).await,
        json!(["second talk", "first talk"])
    );
    in_row(&browser, "first talk", ".confab__conversation-open").await;
    browser
        .wait_for(
            "the first conversation",
            &format!("JSON.stringify({CONTENTS}) === JSON.stringify(['first talk', 'first talk'])"),
            SECS(3),
        )
        .await;
    assert_eq!(
        browser
            .page("Object.keys(localStorage).concat(Object.keys(sessionStorage)).filter(k => k.startsWith('confab'))")
            .await,
        json!([]),
        "nothing is written to the browser's storage"
    );
    browser.open(&url).await;
    browser
        .wait_for(
            "an empty chat",
            "root.querySelector('.confab__empty')",
            SECS(3),
        )
        .await;
    history(&browser).await;
    assert_eq!(
        browser.eval(TITLES).await.as_array().map(Vec::len),
        Some(1),
        "after a reload only the new, empty conversation is there"
    );
    browser.close().await;
}

#[tokio::test]
async fn each_conversation_keeps_its_own_draft() {
    const INPUT: &str = "root.querySelector('.confab__input')";
    const DRAFT_KEYS: &str =
        "Object.keys(localStorage).filter(k => k.startsWith('confab:drafts:draft')).sort()";
    let server = Server::start(&["--tokens-per-second", "0"]);
    let browser = Browser::start().await;
    let url = format!("{}/?model=mock-echo&storage-key=drafts", server.url);
    browser.open(&url).await;
    let type_draft = |text: &'static str| {
        format!("({INPUT}.value = {text:?}, {INPUT}.dispatchEvent(new Event('input')), true)")
    };
    let draft_is = |text: &str| format!("{INPUT} && {INPUT}.value === {text:?}");

    ask(&browser, "alpha question").await;
    browser.eval(&type_draft("alpha draft")).await;
    history(&browser).await;
    new_conversation(&browser).await;
    browser
        .wait_for("a new conversation's empty box", &draft_is(""), SECS(3))
        .await;
    browser.eval(&type_draft("fresh draft")).await;

    history(&browser).await;
    in_row(&browser, "alpha question", ".confab__conversation-open").await;
    browser
        .wait_for("alpha's draft back", &draft_is("alpha draft"), SECS(3))
        .await;

    // After a reload: alpha (the open one) with its draft; a new conversation with its own.
    browser.open(&url).await;
    browser
        .wait_for(
            "alpha's draft after a reload",
            &draft_is("alpha draft"),
            SECS(5),
        )
        .await;
    history(&browser).await;
    new_conversation(&browser).await;
    browser
        .wait_for(
            "the new conversation's draft",
            &draft_is("fresh draft"),
            SECS(3),
        )
        .await;

    // Sent, the new conversation's draft is gone; deleting alpha deletes its draft.
    browser
        .eval("(root.querySelector('.confab__send').click(), true)")
        .await;
    browser
        .wait_for(
            "the answer",
            &format!("{STATE} === 'done' && {INPUT}.value === ''"),
            SECS(10),
        )
        .await;
    let keys = browser.page(DRAFT_KEYS).await;
    assert_eq!(
        keys.as_array().map(Vec::len),
        Some(1),
        "alpha's only: {keys}"
    );
    history(&browser).await;
    in_row(&browser, "alpha question", ".confab__delete-conversation").await;
    browser
        .wait_for(
            "no draft left",
            &format!("{DRAFT_KEYS}.length === 0"),
            SECS(3),
        )
        .await;
    browser.close().await;
}

/// The widget's shadow root in frame `name` of the two-frame page.
fn frame(name: &str) -> String {
    format!("document.getElementById('{name}').contentDocument.querySelector('#confab').shadowRoot")
}

/// Sends `text` from the widget in frame `name` and waits for its answer there.
async fn ask_in(browser: &Browser, name: &str, text: &str) {
    let r = frame(name);
    browser
        .page(&format!(
            "(() => {{ const t = {r}.querySelector('.confab__input'); t.value = {text:?}; \
             t.dispatchEvent(new Event('input')); return true; }})()"
        ))
        .await;
    // Send is enabled once the widget has taken the text in.
    browser
        .page_wait(
            "Send enabled",
            &format!("!{r}.querySelector('.confab__send').disabled"),
            SECS(3),
        )
        .await;
    browser
        .page(&format!(
            "({r}.querySelector('.confab__send').click(), true)"
        ))
        .await;
    browser
        .page_wait(
            &format!("the answer to {text:?} in {name}"),
            &format!(
                "(() => {{ const m = [...{r}.querySelectorAll('.confab__msg')]; const last = m[m.length - 1]; \
                 return m.some(e => e.textContent.includes({text:?})) && last.dataset.state === 'done'; }})()"
            ),
            SECS(10),
        )
        .await;
}

/// The message texts the widget in frame `name` shows.
fn shown(name: &str) -> String {
    format!(
        "[...{}.querySelectorAll('.confab__msg .confab__content')].map(e => e.textContent)",
        frame(name)
    )
}

/// Two tabs with the same storage (here two frames of one page, which share localStorage and
/// hear each other's writes the same way): neither writes the other's conversations out of
/// the list, and a conversation open in both shows what either added, so nothing is lost.
#[tokio::test]
async fn two_tabs_keep_each_others_conversations_and_messages() {
    let page = r#"<!doctype html><html><body>
<iframe id="a" src="/?model=mock-echo&storage-key=tabs" style="width:600px;height:500px"></iframe>
<iframe id="b" src="/?model=mock-echo&storage-key=tabs" style="width:600px;height:500px"></iframe>
</body></html>"#;
    let site = confab_e2e::Site::new(&[("tabs.html", page.to_owned())], true);
    let server = Server::serving(&site.dir, &["--tokens-per-second", "0"]);
    let browser = Browser::start().await;
    browser.goto(&format!("{}/tabs.html", server.url)).await;
    for name in ["a", "b"] {
        browser
            .page_wait(
                &format!("the widget in {name}"),
                &format!("(() => {{ try {{ return !!{}.querySelector('.confab__input'); }} catch (e) {{ return false; }} }})()", frame(name)),
                SECS(10),
            )
            .await;
    }
    const INDEX: &str =
        "JSON.parse(localStorage.getItem('confab:tabs:index')).conversations.map(c => c.title).sort()";

    // Each tab starts its own conversation; the second save does not drop the first.
    ask_in(&browser, "a", "from tab a").await;
    ask_in(&browser, "b", "from tab b").await;
    assert_eq!(
        browser.page(INDEX).await,
        json!(["from tab a", "from tab b"])
    );
    // Tab a's History lists tab b's conversation too, without a reload.
    let a = frame("a");
    browser
        .page(&format!(
            "({a}.querySelector('.confab__history-btn').click(), true)"
        ))
        .await;
    browser
        .page_wait(
            "both conversations in tab a's list",
            &format!("[...{a}.querySelectorAll('.confab__conversation-open')].map(e => e.textContent).sort().join('|') === 'from tab a|from tab b'"),
            SECS(5),
        )
        .await;

    // Tab a opens tab b's conversation; then each adds to it in turn.
    browser
        .page(&format!(
            "([...{a}.querySelectorAll('.confab__conversation-open')].find(e => e.textContent === 'from tab b').click(), true)"
        ))
        .await;
    browser
        .page_wait(
            "tab b's conversation in tab a",
            &format!(
                "JSON.stringify({}) === JSON.stringify(['from tab b', 'from tab b'])",
                shown("a")
            ),
            SECS(5),
        )
        .await;
    ask_in(&browser, "b", "b adds").await;
    browser
        .page_wait(
            "tab b's addition in tab a",
            &format!("{}.length === 4", shown("a")),
            SECS(5),
        )
        .await;
    ask_in(&browser, "a", "a adds").await;
    browser
        .page_wait(
            "tab a's addition in tab b",
            &format!("{}.length === 6", shown("b")),
            SECS(5),
        )
        .await;
    let all = json!([
        "from tab b",
        "from tab b",
        "b adds",
        "b adds",
        "a adds",
        "a adds"
    ]);
    assert_eq!(browser.page(&shown("a")).await, all);
    assert_eq!(browser.page(&shown("b")).await, all);

    // What is stored has all of it, and a fresh page shows it.
    browser
        .goto(&format!("{}/?model=mock-echo&storage-key=tabs", server.url))
        .await;
    browser
        .wait_for(
            "the last conversation after a reload",
            &format!("JSON.stringify({CONTENTS}) === {:?}", all.to_string()),
            SECS(5),
        )
        .await;
    browser.close().await;
}

/// A conversation whose messages are saved but whose entry the list lost (an older version,
/// or a crash, between the two writes) is listed again when the widget loads.
#[tokio::test]
async fn a_saved_conversation_missing_from_the_list_comes_back() {
    let server = Server::start(&["--tokens-per-second", "0"]);
    let browser = Browser::start().await;
    browser
        .open(&format!("{}/?model=mock-echo&storage-key=lost", server.url))
        .await;
    ask(&browser, "still listed").await;
    let conversation = json!({"version": 1, "messages": [
        {"id": 1, "role": "user", "choices": [{"index": 0, "content": "found again"}], "selected": 0, "state": "done"},
        {"id": 2, "role": "assistant", "choices": [{"index": 0, "content": "yes", "finish_reason": "stop"}], "selected": 0, "state": "done"}
    ]});
    browser
        .js(
            "localStorage.setItem('confab:lost:c:0123abc', arguments[0]); return true;",
            vec![Value::String(conversation.to_string())],
        )
        .await;
    browser
        .open(&format!("{}/?model=mock-echo&storage-key=lost", server.url))
        .await;
    history(&browser).await;
    let mut titles: Vec<String> = serde_json::from_value(browser.eval(TITLES).await).unwrap();
    titles.sort();
    assert_eq!(titles, ["found again", "still listed"]);
    in_row(&browser, "found again", ".confab__conversation-open").await;
    browser
        .wait_for(
            "the found conversation",
            &format!("JSON.stringify({CONTENTS}) === '[\"found again\",\"yes\"]'"),
            SECS(5),
        )
        .await;
    browser.close().await;
}

/// Switching conversation mid-answer stops that answer: switching back shows what had arrived,
/// stopped by the user, not "ended before the server said it was finished".
#[tokio::test]
async fn switching_away_mid_answer_keeps_it_as_stopped() {
    let server = Server::start(&[]);
    let browser = Browser::start().await;
    browser
        .open(&format!(
            "{}/?model=mock-slow&storage-key=switch",
            server.url
        ))
        .await;
    browser.type_in_composer("first question").await;
    browser.type_in_composer(ENTER).await;
    browser
        .wait_for(
            "text streaming in",
            "last('.confab__msg--assistant') && last('.confab__msg--assistant').dataset.state === 'streaming' \
             && last('.confab__msg--assistant .confab__content').textContent.length > 0",
            SECS(10),
        )
        .await;
    history(&browser).await;
    new_conversation(&browser).await;
    history(&browser).await;
    in_row(&browser, "first question", ".confab__conversation-open").await;
    browser
        .wait_for(
            "the first conversation again",
            "root.querySelectorAll('.confab__msg').length === 2",
            SECS(5),
        )
        .await;
    assert_eq!(
        browser
            .eval("last('.confab__msg--assistant').dataset.state")
            .await,
        "stopped"
    );
    assert_eq!(
        browser.eval("!!root.querySelector('.confab__error')").await,
        false,
        "a stop by the user is no error"
    );
    assert!(
        browser
            .eval("last('.confab__msg--assistant .confab__content').textContent.length")
            .await
            .as_u64()
            .unwrap_or(0)
            > 0,
        "what had arrived is kept"
    );
    browser.close().await;
}
