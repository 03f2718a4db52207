//! Whole chat flows in a real headless Chromium against `confab-server --mock` over sockets.

use std::time::Duration;

use confab_e2e::{Browser, Server, ENTER};

const SECS: fn(u64) -> Duration = Duration::from_secs;

/// Text of the last assistant message's content.
const ANSWER: &str = "(last('.confab__msg--assistant .confab__content') || {}).textContent || ''";
const ANSWER_STATE: &str =
    "((last('.confab__msg--assistant') || {dataset: {}}).dataset.state || '')";

/// Puts `text` (blank lines and all) in the composer as a paste would, sends it, and waits for
/// the answer to finish.
async fn paste_and_send(browser: &Browser, text: &str) {
    browser
        .eval(&format!(
            "(() => {{ const t = root.querySelector('.confab__input'); t.value = {}; \
             t.dispatchEvent(new Event('input', {{ bubbles: true }})); return true; }})()",
            serde_json::json!(text)
        ))
        .await;
    browser.type_in_composer(ENTER).await;
    browser
        .wait_for(
            "the answer",
            &format!("{ANSWER_STATE} === 'done'"),
            SECS(20),
        )
        .await;
}

#[tokio::test]
async fn a_streamed_answer_arrives_in_pieces_and_finishes() {
    let server = Server::start(&["--tokens-per-second", "15"]);
    let browser = Browser::start().await;
    browser
        .open(&format!("{}/?model=mock-echo", server.url))
        .await;
    assert_eq!(
        browser
            .eval("root.activeElement === root.querySelector('.confab__input')")
            .await,
        true,
        "the standalone page is the chat: the cursor starts in the composer"
    );
    assert_eq!(
        browser
            .eval("root.querySelector('.confab__send').disabled")
            .await,
        true,
        "Send is disabled while the draft is empty"
    );

    let prompt = "one two three four five six seven eight nine ten eleven twelve";
    browser.type_in_composer(prompt).await;
    assert_eq!(
        browser
            .eval("root.querySelector('.confab__send').disabled")
            .await,
        false
    );
    browser.type_in_composer(ENTER).await;

    // Watch the answer grow: record every distinct text seen until it is done.
    let mut seen: Vec<String> = Vec::new();
    let deadline = std::time::Instant::now() + SECS(20);
    loop {
        let text = browser
            .eval(ANSWER)
            .await
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let state = browser
            .eval(ANSWER_STATE)
            .await
            .as_str()
            .unwrap_or_default()
            .to_owned();
        if seen.last() != Some(&text) && !text.is_empty() {
            seen.push(text.clone());
        }
        if state == "done" {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the answer never finished; saw {seen:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // The state attribute and the text are separate effects: the last text may land a frame
    // after "done".
    browser.settle().await;
    let last = browser
        .eval(ANSWER)
        .await
        .as_str()
        .unwrap_or_default()
        .to_owned();
    if seen.last() != Some(&last) {
        seen.push(last);
    }
    let final_text = seen.last().cloned().unwrap_or_default();
    assert_eq!(final_text, prompt, "mock-echo repeats the prompt");
    let partials: Vec<&String> = seen.iter().filter(|t| **t != final_text).collect();
    assert!(
        partials.len() >= 2,
        "expected at least two partial texts before the final one, saw {seen:?}"
    );
    for p in &partials {
        assert!(
            prompt.starts_with(p.as_str()),
            "partial {p:?} is a prefix of the answer"
        );
    }
    // The user's message is there, the draft is cleared, Send is back.
    assert_eq!(
        browser
            .eval("last('.confab__msg--user .confab__content').textContent")
            .await,
        prompt
    );
    assert_eq!(
        browser.eval("root.querySelector('textarea').value").await,
        ""
    );
    browser
        .wait_for(
            "Send to come back",
            "root.querySelector('.confab__send')",
            SECS(5),
        )
        .await;
    browser.close().await;
}

#[tokio::test]
async fn stop_keeps_the_partial_answer() {
    let server = Server::start(&[]);
    let browser = Browser::start().await;
    browser
        .open(&format!("{}/?model=mock-slow", server.url))
        .await;
    browser
        .type_in_composer(&format!("Tell me a story{ENTER}"))
        .await;

    browser
        .wait_for(
            "Stop to appear",
            "root.querySelector('.confab__stop')",
            SECS(5),
        )
        .await;
    browser
        .wait_for("some text", &format!("({ANSWER}).length > 10"), SECS(10))
        .await;
    browser
        .eval("(root.querySelector('.confab__stop').click(), true)")
        .await;
    browser
        .wait_for(
            "the stopped state",
            &format!("{ANSWER_STATE} === 'stopped'"),
            SECS(5),
        )
        .await;

    let stopped = browser
        .eval(ANSWER)
        .await
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(
        stopped.starts_with("This is "),
        "the partial answer is kept: {stopped:?}"
    );
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(
        browser.eval(ANSWER).await,
        stopped.as_str(),
        "nothing arrives after Stop"
    );
    let note = browser
        .eval("last('.confab__msg--assistant .confab__note').textContent")
        .await;
    assert_eq!(note, "Stopped.");
    browser
        .wait_for(
            "Send to come back",
            "root.querySelector('.confab__send')",
            SECS(5),
        )
        .await;
    browser.close().await;
}

#[tokio::test]
async fn escape_stops_generation() {
    let server = Server::start(&[]);
    let browser = Browser::start().await;
    browser
        .open(&format!("{}/?model=mock-slow", server.url))
        .await;
    browser.type_in_composer(&format!("hi{ENTER}")).await;
    browser
        .wait_for("some text", &format!("({ANSWER}).length > 3"), SECS(10))
        .await;
    browser.type_in_composer("\u{E00C}").await; // Escape
    browser
        .wait_for(
            "the stopped state",
            &format!("{ANSWER_STATE} === 'stopped'"),
            SECS(5),
        )
        .await;
    browser.close().await;
}

#[tokio::test]
async fn shift_enter_makes_a_new_line_and_blank_drafts_are_not_sent() {
    let server = Server::start(&["--tokens-per-second", "0"]);
    let browser = Browser::start().await;
    browser
        .open(&format!("{}/?model=mock-echo", server.url))
        .await;
    browser.type_in_composer(&format!("   {ENTER}")).await;
    assert_eq!(
        browser
            .eval("root.querySelectorAll('.confab__msg').length")
            .await,
        0
    );
    browser.eval("(root.querySelector('textarea').value = '', root.querySelector('textarea').dispatchEvent(new Event('input')), true)").await;
    // Shift+Enter: the WebDriver Shift key is held until released with the NULL key.
    browser
        .type_in_composer(&format!("line one\u{E008}{ENTER}\u{E000}line two{ENTER}"))
        .await;
    browser
        .wait_for(
            "the answer",
            &format!("{ANSWER_STATE} === 'done'"),
            SECS(10),
        )
        .await;
    assert_eq!(
        browser
            .eval("last('.confab__msg--user .confab__content').textContent")
            .await,
        "line one\nline two"
    );
    assert_eq!(browser.eval(ANSWER).await, "line one\nline two");
    browser.close().await;
}

#[tokio::test]
async fn an_http_error_is_shown_and_the_message_kept() {
    let server = Server::start(&[]);
    let browser = Browser::start().await;
    browser
        .open(&format!("{}/?model=mock-500", server.url))
        .await;
    browser
        .type_in_composer(&format!("please fail{ENTER}"))
        .await;
    let error = browser
        .wait_for(
            "the error",
            "(last('.confab__error') || {}).textContent",
            SECS(10),
        )
        .await;
    let error = error.as_str().unwrap_or_default();
    assert!(
        error.contains("HTTP 500") && error.contains("The mock was asked to fail"),
        "{error}"
    );
    assert_eq!(browser.eval(ANSWER_STATE).await, "error");
    assert_eq!(
        browser
            .eval("last('.confab__msg--user .confab__content').textContent")
            .await,
        "please fail"
    );
    assert_eq!(
        browser
            .eval("last('.confab__msg--assistant').querySelector('.confab__meta') === null")
            .await,
        true,
        "no time or speed line under an answer that never came"
    );
    browser.close().await;
}

#[tokio::test]
async fn a_dropped_connection_keeps_the_partial_answer_and_says_so() {
    let server = Server::start(&["--tokens-per-second", "50"]);
    let browser = Browser::start().await;
    browser
        .open(&format!("{}/?model=mock-drop", server.url))
        .await;
    browser.type_in_composer(&format!("hello{ENTER}")).await;
    let error = browser
        .wait_for(
            "the error",
            "(last('.confab__error') || {}).textContent",
            SECS(10),
        )
        .await;
    assert!(
        error.as_str().unwrap_or_default().contains("connection"),
        "{error}"
    );
    let partial = browser.eval(ANSWER).await;
    assert!(
        partial.as_str().unwrap_or_default().starts_with("This is"),
        "partial kept: {partial}"
    );

    // After a reload, the failed answer is still there, with its error. (It used to be saved
    // as an empty conversation: the network error could not be written.)
    browser
        .open(&format!("{}/?model=mock-drop", server.url))
        .await;
    browser
        .wait_for(
            "the restored conversation",
            "root.querySelectorAll('.confab__msg').length === 2",
            SECS(5),
        )
        .await;
    assert_eq!(browser.eval(ANSWER).await, partial);
    let restored = browser.eval("last('.confab__error').textContent").await;
    assert_eq!(restored, error);
    browser.close().await;
}

/// The list is laid out as a conversation: the greeting in the middle of an empty list, the
/// user's bubble against the right edge and only as wide as its text, the answer against the
/// left edge, at most 85% wide, one below the other with space between.
#[tokio::test]
async fn the_conversation_is_laid_out_as_bubbles() {
    let server = Server::start(&["--tokens-per-second", "0"]);
    let browser = Browser::start().await;
    browser
        .open(&format!("{}/?model=mock-long-300", server.url))
        .await;
    let rect = |sel: &str| {
        format!("(() => {{ const r = last('{sel}').getBoundingClientRect(); return [r.left, r.right, r.top, r.bottom]; }})()")
    };
    let nums = |v: serde_json::Value| -> Vec<f64> {
        v.as_array()
            .expect("a rect")
            .iter()
            .map(|x| x.as_f64().expect("a number"))
            .collect()
    };
    let log = nums(browser.eval(&rect(".confab__log-content")).await);
    let empty = nums(browser.eval(&rect(".confab__empty")).await);
    let (log_mid, empty_mid) = ((log[2] + log[3]) / 2.0, (empty[2] + empty[3]) / 2.0);
    assert!(
        (log_mid - empty_mid).abs() < 4.0,
        "the empty list's greeting is centred: list {log:?}, greeting {empty:?}"
    );

    browser.type_in_composer("hi").await;
    browser.type_in_composer(ENTER).await;
    browser
        .wait_for(
            "the answer",
            &format!("{ANSWER_STATE} === 'done'"),
            SECS(20),
        )
        .await;
    browser.settle().await;
    let log = nums(browser.eval(&rect(".confab__log-content")).await);
    let user = nums(browser.eval(&rect(".confab__msg--user")).await);
    let bot = nums(browser.eval(&rect(".confab__msg--assistant")).await);
    let width = log[1] - log[0];
    assert!(
        (log[1] - user[1]).abs() < 1.0,
        "the user's bubble is against the right edge: list {log:?}, bubble {user:?}"
    );
    assert!(
        user[1] - user[0] < width * 0.3,
        "the user's bubble is as wide as its text: list {log:?}, bubble {user:?}"
    );
    assert!(
        (bot[0] - log[0]).abs() < 1.0,
        "the answer is against the left edge: list {log:?}, bubble {bot:?}"
    );
    assert!(
        bot[1] - bot[0] <= width * 0.85 + 1.0 && bot[1] - bot[0] > width * 0.5,
        "a long answer is 85% wide: list {log:?}, bubble {bot:?}"
    );
    assert!(
        bot[2] > user[3] + 4.0,
        "the answer comes below the question, with space between: {user:?}, {bot:?}"
    );
    browser.close().await;
}

#[tokio::test]
async fn right_to_left_paragraphs_read_and_align_right_to_left() {
    let server = Server::start(&["--tokens-per-second", "0"]);
    let browser = Browser::start().await;
    browser
        .open(&format!("{}/?model=mock-echo", server.url))
        .await;
    let english = "This English paragraph is long enough to make the whole answer bubble wide.";
    let hebrew = "שלום עולם, מה שלומך?";
    let arabic = "- مرحبا بالعالم";
    paste_and_send(&browser, &format!("{english}\n\n{hebrew}\n\n{arabic}")).await;
    // Where each block's text sits inside the block: [gap on the left, gap on the right].
    let gaps = browser
        .eval(
            "[...last('.confab__msg--assistant .confab__content').querySelectorAll('p, li')].map(el => { \
             const b = el.getBoundingClientRect(); const r = document.createRange(); r.selectNodeContents(el); \
             const t = r.getBoundingClientRect(); return [el.textContent, t.left - b.left, b.right - t.right]; })",
        )
        .await;
    let gaps = gaps.as_array().expect("blocks");
    assert_eq!(gaps.len(), 3, "three blocks: {gaps:?}");
    let gap = |i: usize, side: usize| gaps[i][side].as_f64().expect("a number");
    assert!(gap(0, 1) < 2.0, "English starts at the left: {gaps:?}");
    for i in [1, 2] {
        assert!(
            gap(i, 2) < 2.0 && gap(i, 1) > 40.0,
            "Hebrew and Arabic start at the right: {gaps:?}"
        );
    }
    browser.close().await;
}

#[tokio::test]
async fn bare_addresses_are_links_and_wide_tables_scroll_sideways() {
    let server = Server::start(&["--tokens-per-second", "0"]);
    let browser = Browser::start().await;
    browser
        .open(&format!("{}/?model=mock-echo", server.url))
        .await;
    let columns: Vec<String> = (0..14).map(|i| format!("column{i}")).collect();
    let text = format!(
        "See https://example.com/docs/a_(b). Or www.example.org!\n\n| {} |\n|{}\n| {} |",
        columns.join(" | "),
        "---|".repeat(14),
        (0..14)
            .map(|i| format!("v{i}"))
            .collect::<Vec<_>>()
            .join(" | ")
    );
    paste_and_send(&browser, &text).await;
    let answer = "last('.confab__msg--assistant .confab__content')";
    assert_eq!(
        browser
            .eval(&format!(
                "[...{answer}.querySelectorAll('a')].map(a => [a.textContent, a.getAttribute('href'), a.target])"
            ))
            .await,
        serde_json::json!([
            ["https://example.com/docs/a_(b)", "https://example.com/docs/a_(b)", "_blank"],
            ["www.example.org", "http://www.example.org", "_blank"]
        ])
    );
    let table = browser
        .eval(&format!(
            "(() => {{ const box = {answer}.querySelector('.confab__table'); \
             return [box.scrollWidth > box.clientWidth + 100, \
             Math.min(...[...box.querySelectorAll('th')].map(th => th.getBoundingClientRect().width)) > 50]; }})()"
        ))
        .await;
    assert_eq!(
        table,
        serde_json::json!([true, true]),
        "the wide table scrolls in its box, its headings whole"
    );
    browser.close().await;
}

/// The shadow DOM of the last answer's content as a string of tags, attributes and texts, with
/// the widget's own grouping of blocks (`.confab__block`, which depends on how the text
/// arrived) left out.
const ANSWER_TREE: &str = "(() => { \
    const walk = (n) => n.nodeType === 3 ? JSON.stringify(n.data) \
      : n.classList && n.classList.contains('confab__block') ? [...n.childNodes].map(walk).join('') \
      : '<' + n.localName + [...n.attributes].map(a => ' ' + a.name + '=' + JSON.stringify(a.value)).join('') + '>' \
        + [...n.childNodes].map(walk).join('') + '</' + n.localName + '>'; \
    return [...last('.confab__msg--assistant .confab__content').childNodes].map(walk).join(''); })()";

/// What the user read while the answer streamed in, token by token, is what a reload shows: a
/// loose numbered list with code blocks and sub-bullets in its items, a quote with a list, a
/// table after a list, headings right after lists, footnotes (each of which the streaming
/// renderer used to freeze too early and show wrongly until a reload).
#[tokio::test]
async fn a_streamed_answer_renders_as_it_does_after_a_reload() {
    let server = Server::start(&["--tokens-per-second", "400"]);
    let browser = Browser::start().await;
    let url = format!("{}/?model=mock-echo", server.url);
    browser.open(&url).await;
    let text = "Here is how:\n\n1. Install it:\n\n   ```sh\n   cargo install confab\n   ```\n\n\
        2. Configure it:\n   - on Linux:\n     ```sh\n     confab --serve\n     ```\n   - on Windows,\n     use the installer.\n\n\
        3. Done.\n\n> Notes:\n>\n> 1. first\n>    - nested\n> 2. second\n\n- a\n- b\n\n| x | y |\n|---|---|\n| 1 | 2 |\n\n\
        ## Heading after a table\n- item\n## Heading after a list\nA footnote.[^1]\n\n[^1]: The note.\n\nThe end, see https://example.com.";
    paste_and_send(&browser, text).await;
    browser.settle().await;
    let streamed = browser.eval(ANSWER_TREE).await;
    let streamed = streamed.as_str().unwrap_or_default().to_owned();
    assert!(
        streamed.contains("<ol><li><p>\"Install it:\"</p><div class=\"confab__code\">")
            && !streamed.contains("<ol start=\"2\">")
            && streamed.contains(
                "<blockquote><p>\"Notes:\"</p><ol><li>\"first\"<ul><li>\"nested\"</li></ul></li>"
            ),
        "the list is one list with its code inside, the quote holds its list: {streamed}"
    );
    browser.open(&url).await;
    browser
        .wait_for(
            "the restored conversation",
            "root.querySelectorAll('.confab__msg').length === 2",
            SECS(5),
        )
        .await;
    browser.settle().await;
    assert_eq!(
        browser.eval(ANSWER_TREE).await.as_str().unwrap_or_default(),
        streamed
    );
    browser.close().await;
}

/// Answers that overflowed the stack of the parser this replaced (and so killed the widget on
/// every reload, the answer being saved): each streams in at full speed, renders, survives a
/// reload, and the widget answers the next message.
#[tokio::test]
async fn hostile_markdown_neither_crashes_the_widget_nor_its_reload() {
    let server = Server::start(&["--tokens-per-second", "0"]);
    let browser = Browser::start().await;
    let url = format!("{}/?model=mock-echo", server.url);
    browser.open(&url).await;
    let emphasis = "*".repeat(10_078) + "a" + &"*".repeat(10_078);
    let quotes = ">".repeat(10_000) + " deep";
    let brackets = "[".repeat(10_000) + "x" + &"]".repeat(10_000);
    for (i, text) in [emphasis, quotes, brackets].iter().enumerate() {
        paste_and_send(&browser, text).await;
        browser
            .wait_for(
                "the answer",
                &format!(
                    "root.querySelectorAll('.confab__msg--assistant').length === {}",
                    i + 1
                ),
                SECS(10),
            )
            .await;
    }
    let shown = browser.eval(ANSWER).await;
    assert!(
        shown.as_str().unwrap_or_default().contains('x'),
        "the brackets' text is shown: {shown}"
    );
    browser.open(&url).await;
    browser
        .wait_for(
            "the restored conversation",
            "root.querySelectorAll('.confab__msg').length === 6",
            SECS(10),
        )
        .await;
    paste_and_send(&browser, "still here").await;
    assert_eq!(browser.eval(ANSWER).await, "still here");
    browser.close().await;
}

/// A JavaScript server cuts text by UTF-16 code unit, so an emoji's two halves can arrive in two
/// events as lone `\uXXXX` escapes: the browser's `JSON.parse` would join them; so does Confab
/// (it used to show two U+FFFD).
#[tokio::test]
async fn emoji_split_between_events_arrive_whole() {
    let server = Server::start(&["--tokens-per-second", "0"]);
    let browser = Browser::start().await;
    browser
        .open(&format!("{}/?model=mock-utf16", server.url))
        .await;
    let text = "Hello 🌍, 😀😀 and é — 𝔘𝔫𝔦𝔠𝔬𝔡𝔢!";
    paste_and_send(&browser, text).await;
    assert_eq!(browser.eval(ANSWER).await, text);
    browser.close().await;
}
