//! Component tests in headless Chromium (wasm-bindgen-test): mount into a fresh element, let
//! the reactive system run, and assert on the DOM.
#![cfg(target_arch = "wasm32")]

use confab::chat::Chat;
use confab::components::composer::Composer;
use confab::components::message_list::MessageList;
use confab::WidgetConfig;
use confab_core::{ChatError, Message, Role};
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::{Element, HtmlElement};

wasm_bindgen_test_configure!(run_in_browser);

fn fresh_host() -> HtmlElement {
    let document = web_sys::window().unwrap().document().unwrap();
    let host: HtmlElement = document.create_element("div").unwrap().unchecked_into();
    document.body().unwrap().append_child(&host).unwrap();
    host
}

/// Lets Leptos run its effects (scheduled asynchronously) and the markdown renderer its
/// animation frame.
async fn tick() {
    confab::timing::sleep_ms(0).await;
    next_frame().await;
    confab::timing::sleep_ms(0).await;
}

/// Waits (up to two seconds) until `check` holds: renders of a streaming answer are paced, so
/// the last piece may show a few frames after it arrived.
async fn eventually(what: &str, check: impl Fn() -> bool) {
    for _ in 0..120 {
        if check() {
            return;
        }
        next_frame().await;
    }
    panic!("{what} did not happen within two seconds");
}

async fn next_frame() {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        let _ = web_sys::window().unwrap().request_animation_frame(&resolve);
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}

fn chunk(text: &str) -> confab_core::api::ChatCompletionChunk {
    let text = serde_json::Value::from(text);
    serde_json::from_str(&format!(
        r#"{{"choices": [{{"index": 0, "delta": {{"content": {text}}}}}]}}"#
    ))
    .unwrap()
}

fn all(root: &Element, sel: &str) -> Vec<Element> {
    let list = root.query_selector_all(sel).unwrap();
    (0..list.length())
        .filter_map(|i| list.item(i))
        .map(|n| n.unchecked_into())
        .collect()
}

fn text(root: &Element, sel: &str) -> String {
    root.query_selector(sel)
        .unwrap()
        .unwrap_or_else(|| panic!("no {sel}"))
        .text_content()
        .unwrap_or_default()
}

/// Mounts a message list over a chat holding `messages`; returns the host and the chat.
fn mount_list(messages: Vec<Message>) -> (HtmlElement, Chat) {
    mount_list_with(WidgetConfig::default(), messages)
}

fn mount_list_with(config: WidgetConfig, messages: Vec<Message>) -> (HtmlElement, Chat) {
    let host = fresh_host();
    let (tx, rx) = std::sync::mpsc::channel();
    leptos::mount::mount_to(host.clone(), move || {
        let chat = Chat::new(config);
        chat.restore(messages);
        provide_context(chat);
        tx.send(chat).unwrap();
        view! { <MessageList/> }
    })
    .forget();
    (host, rx.recv().unwrap())
}

#[wasm_bindgen_test]
async fn empty_conversation_names_the_model() {
    let (host, _) = mount_list(vec![]);
    tick().await;
    assert!(text(&host, ".confab__empty").contains("mock"));
    assert_eq!(
        host.query_selector(".confab__log")
            .unwrap()
            .unwrap()
            .get_attribute("role")
            .as_deref(),
        Some("log")
    );
}

#[wasm_bindgen_test]
async fn user_text_is_shown_as_text_with_whitespace_kept() {
    let hostile = "<script>alert(1)</script>\n  <img src=x onerror=alert(2)>";
    let (host, _) = mount_list(vec![Message::text(1, Role::User, hostile)]);
    tick().await;
    assert_eq!(text(&host, ".confab__msg--user .confab__content"), hostile);
    assert!(
        all(&host, "script").is_empty(),
        "no element was created from the text"
    );
    assert!(
        all(&host, "img").is_empty(),
        "no element was created from the text"
    );
}

#[wasm_bindgen_test]
async fn a_failed_answer_shows_a_readable_error_and_keeps_partial_text() {
    let mut reply = Message::pending_reply(2);
    reply.apply_chunk(
        &serde_json::from_str(r#"{"choices":[{"index":0,"delta":{"content":"Half an"}}]}"#)
            .unwrap(),
    );
    reply.fail(ChatError::from_http(
        401,
        r#"{"error":{"message":"bad key","code":"invalid_api_key"}}"#,
        None,
    ));
    let (host, _) = mount_list(vec![Message::text(1, Role::User, "hi"), reply]);
    tick().await;
    assert_eq!(
        text(&host, ".confab__msg--assistant .confab__content"),
        "Half an"
    );
    let error = text(&host, ".confab__error");
    assert!(
        error.contains("API key") && error.contains("bad key"),
        "{error}"
    );
    assert_eq!(
        host.query_selector(".confab__msg--assistant")
            .unwrap()
            .unwrap()
            .get_attribute("data-state")
            .as_deref(),
        Some("error")
    );
}

#[wasm_bindgen_test]
async fn a_restored_streaming_answer_is_marked_incomplete() {
    let mut reply = Message::pending_reply(2);
    reply.apply_chunk(
        &serde_json::from_str(r#"{"choices":[{"index":0,"delta":{"content":"So far"}}]}"#).unwrap(),
    );
    let (host, chat) = mount_list(vec![Message::text(1, Role::User, "hi"), reply]);
    tick().await;
    assert_eq!(
        host.query_selector(".confab__msg--assistant")
            .unwrap()
            .unwrap()
            .get_attribute("data-state")
            .as_deref(),
        Some("incomplete")
    );
    assert!(text(&host, ".confab__error").contains("incomplete"));
    assert!(!chat.busy.get_untracked());
}

#[wasm_bindgen_test]
async fn a_token_updates_only_its_own_bubble() {
    let mut streaming = Message::pending_reply(2);
    streaming.apply_chunk(
        &serde_json::from_str(r#"{"choices":[{"index":0,"delta":{"content":"a"}}]}"#).unwrap(),
    );
    let (host, chat) = mount_list(vec![Message::text(1, Role::User, "hi")]);
    tick().await;
    let first_user = host.query_selector(".confab__msg--user").unwrap().unwrap();
    // Append an answer and stream into it: the user's bubble must stay the very same node.
    chat.messages.update(|v| {
        v.push(confab::chat::MessageHandle {
            id: 2,
            data: RwSignal::new(streaming),
        })
    });
    tick().await;
    let reply = chat.messages.get_untracked()[1].data;
    for piece in ["b", "c", "d"] {
        let chunk = format!(r#"{{"choices":[{{"index":0,"delta":{{"content":"{piece}"}}}}]}}"#);
        reply.update(|m| m.apply_chunk(&serde_json::from_str(&chunk).unwrap()));
        tick().await;
    }
    eventually("the last piece to show", || {
        text(&host, ".confab__msg--assistant .confab__content") == "abcd"
    })
    .await;
    let same = host.query_selector(".confab__msg--user").unwrap().unwrap();
    assert!(
        first_user.is_same_node(Some(&same)),
        "the user's bubble was not re-created"
    );
}

#[wasm_bindgen_test]
async fn send_is_disabled_until_there_is_text() {
    let host = fresh_host();
    leptos::mount::mount_to(host.clone(), || {
        provide_context(Chat::new(WidgetConfig::default()));
        view! { <Composer/> }
    })
    .forget();
    tick().await;
    let button: web_sys::HtmlButtonElement = host
        .query_selector(".confab__send")
        .unwrap()
        .unwrap()
        .unchecked_into();
    assert!(button.disabled());
    let input: web_sys::HtmlTextAreaElement = host
        .query_selector("textarea")
        .unwrap()
        .unwrap()
        .unchecked_into();
    input.set_value("   ");
    input
        .dispatch_event(&web_sys::Event::new("input").unwrap())
        .unwrap();
    tick().await;
    assert!(button.disabled(), "whitespace only is not sendable");
    input.set_value("hello");
    input
        .dispatch_event(&web_sys::Event::new("input").unwrap())
        .unwrap();
    tick().await;
    assert!(!button.disabled());
}

#[wasm_bindgen_test]
async fn configuration_problems_are_shown_and_defaults_used() {
    let host = fresh_host();
    let mut config = WidgetConfig::default();
    config.set("temperature", Some("7"));
    config.set("model", Some(""));
    assert_eq!(config.model, "mock");
    let widget = confab::mount_in_shadow(&host, config);
    std::mem::forget(widget);
    tick().await;
    let shadow = host.shadow_root().expect("an open shadow root");
    let root: Element = shadow.query_selector(".confab").unwrap().unwrap();
    let problems: Vec<String> = all(&root, ".confab__problem")
        .iter()
        .map(|e| e.text_content().unwrap())
        .collect();
    assert_eq!(problems.len(), 2, "{problems:?}");
    assert!(
        problems[0].contains("`temperature` must be a number from 0 to 2"),
        "{problems:?}"
    );
    assert!(problems[1].contains("`model`"), "{problems:?}");
    assert_eq!(
        shadow.adopted_style_sheets().length(),
        1,
        "the stylesheet is adopted inside the shadow root"
    );
}

#[wasm_bindgen_test]
async fn hostile_markdown_never_becomes_markup() {
    let mut reply = Message::pending_reply(2);
    reply.apply_chunk(&chunk(
        "<script>window.__pwned = 1</script>\n\n<img src=x onerror=\"window.__pwned = 2\">\n\n\
         [click](javascript:window.__pwned=3) [ok](https://example.com) ![i](javascript:alert(1))\n\n\
         <a href=\"javascript:alert(1)\">raw link</a> <iframe src=\"https://evil.example\"></iframe>",
    ));
    reply.end_stream(true);
    let (host, _) = mount_list(vec![Message::text(1, Role::User, "x"), reply]);
    tick().await;
    let md = host.query_selector(".confab__md").unwrap().unwrap();
    for tag in ["script", "img", "iframe"] {
        assert!(
            all(&md, tag).is_empty(),
            "no <{tag}> element from the model's text"
        );
    }
    let links: Vec<String> = all(&md, "a")
        .iter()
        .map(|a| a.get_attribute("href").unwrap())
        .collect();
    // The iframe is shown as text; the https address in it is a link like any bare address.
    assert_eq!(
        links,
        ["https://example.com", "https://evil.example"],
        "only safe addresses are links"
    );
    let a = md.query_selector("a").unwrap().unwrap();
    assert_eq!(
        a.get_attribute("rel").as_deref(),
        Some("noopener noreferrer")
    );
    assert_eq!(a.get_attribute("target").as_deref(), Some("_blank"));
    let text = md.text_content().unwrap();
    assert!(
        text.contains("<script>window.__pwned = 1</script>"),
        "raw HTML is shown as text: {text}"
    );
    assert!(text.contains("<iframe"), "{text}");
    let pwned = js_sys::Reflect::get(&web_sys::window().unwrap(), &"__pwned".into()).unwrap();
    assert!(pwned.is_undefined(), "nothing ran");
}

#[wasm_bindgen_test]
async fn markdown_renders_blocks_and_finished_blocks_are_frozen() {
    let (host, chat) = mount_list(vec![
        Message::text(1, Role::User, "x"),
        Message::pending_reply(2),
    ]);
    let reply = chat.messages.get_untracked()[1].data;
    reply.update(|m| {
        m.apply_chunk(&chunk(
            "# Title\n\nA **bold** start.\n\n```rust\nfn main() {",
        ))
    });
    tick().await;
    let md = host.query_selector(".confab__md").unwrap().unwrap();
    let h1 = md.query_selector("h1").unwrap().expect("a heading");
    assert_eq!(h1.text_content().unwrap(), "Title");
    assert_eq!(
        md.query_selector("strong")
            .unwrap()
            .unwrap()
            .text_content()
            .unwrap(),
        "bold"
    );
    // The fence is still open, yet it already shows as a code block with its language.
    let code = md
        .query_selector(".confab__code pre code")
        .unwrap()
        .expect("an open code block");
    assert_eq!(code.text_content().unwrap(), "fn main() {");
    assert_eq!(
        md.query_selector(".confab__code-lang")
            .unwrap()
            .unwrap()
            .text_content()
            .unwrap(),
        "rust"
    );

    reply.update(|m| m.apply_chunk(&chunk("}\n```\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\nTail")));
    tick().await;
    eventually("the second piece to show", || {
        md.query_selector(".confab__block--tail")
            .ok()
            .flatten()
            .and_then(|t| t.text_content())
            .as_deref()
            == Some("Tail")
    })
    .await;
    let h1_after = md.query_selector("h1").unwrap().unwrap();
    assert!(
        h1.is_same_node(Some(&h1_after)),
        "a finished block is not rendered again"
    );
    assert_eq!(
        md.query_selector(".confab__code pre code")
            .unwrap()
            .unwrap()
            .text_content()
            .unwrap(),
        "fn main() {}\n"
    );
    assert_eq!(all(&md, "td").len(), 2);
    let tail = md.query_selector(".confab__block--tail").unwrap().unwrap();
    assert_eq!(tail.text_content().unwrap(), "Tail");
    assert_eq!(
        md.last_element_child().unwrap().class_name(),
        "confab__block confab__block--tail",
        "the tail stays last"
    );
}

#[wasm_bindgen_test]
async fn images_can_be_turned_off() {
    let answer = || {
        let mut m = Message::pending_reply(2);
        m.apply_chunk(&chunk("![a cat](https://example.com/cat.png)"));
        m.end_stream(true);
        m
    };
    let (host, _) = mount_list(vec![answer()]);
    tick().await;
    let img = host
        .query_selector(".confab__md img")
        .unwrap()
        .expect("an image");
    assert_eq!(
        img.get_attribute("src").as_deref(),
        Some("https://example.com/cat.png")
    );
    assert_eq!(img.get_attribute("alt").as_deref(), Some("a cat"));

    let mut config = WidgetConfig::default();
    config.set("images", Some("false"));
    let (host, _) = mount_list_with(config, vec![answer()]);
    tick().await;
    assert!(host.query_selector(".confab__md img").unwrap().is_none());
    let a = host
        .query_selector(".confab__md a")
        .unwrap()
        .expect("a link instead");
    assert_eq!(
        a.get_attribute("href").as_deref(),
        Some("https://example.com/cat.png")
    );
    assert_eq!(a.text_content().as_deref(), Some("a cat"));
}

/// The DOM left by `dom::patch` equals the DOM built from scratch, and a paragraph that grew
/// kept its text node: only the new characters were appended.
#[wasm_bindgen_test]
async fn the_tail_is_patched_not_rebuilt() {
    use confab::dom;
    use confab_core::markdown::{render, RenderOptions};
    let document = web_sys::window().unwrap().document().unwrap();
    let patched = document.create_element("div").unwrap();
    let steps = [
        "A growing para",
        "A growing paragraph with **bold",
        "A growing paragraph with **bold** text\n\n- one\n- tw",
        "A growing paragraph with **bold** text\n\n- one\n- two\n- three",
        "Something else entirely, `code`",
        "",
        "> quote\n\n```rust\nfn main() {",
        "> quote\n\n```rust\nfn main() {}\n```\n\n| a | b |\n|---|---|\n| 1 | 2 |",
    ];
    let mut old = Vec::new();
    for step in steps {
        let new = render(step, RenderOptions::default());
        let first_text = patched.first_child().and_then(|p| p.first_child());
        dom::patch(&document, &patched, &old, &new);
        let fresh = document.create_element("div").unwrap();
        dom::append(&document, &fresh, &new);
        assert!(
            patched.is_equal_node(Some(&fresh)),
            "after patching to {step:?}"
        );
        if step.starts_with("A growing paragraph with **bold**") {
            let now = patched.first_child().and_then(|p| p.first_child());
            assert!(
                first_text.is_some()
                    && now.is_some_and(|n| first_text.unwrap().is_same_node(Some(&n))),
                "the paragraph's first text node is kept"
            );
        }
        old = new;
    }
    // Someone else changed the element: patch rebuilds instead of guessing.
    patched
        .append_child(&document.create_text_node("stray"))
        .unwrap();
    let new = render("clean", RenderOptions::default());
    dom::patch(&document, &patched, &old, &new);
    assert_eq!(patched.text_content().unwrap(), "clean");
}

/// A long conversation opens at its end: only the newest messages are rendered, and earlier
/// ones come a page at a time when asked for, in order, until the first.
#[wasm_bindgen_test]
async fn a_long_conversation_opens_at_its_end_and_shows_earlier_messages_on_request() {
    let messages: Vec<Message> = (0..250)
        .map(|i| {
            if i % 2 == 0 {
                Message::text(i + 1, Role::User, format!("question {i}"))
            } else {
                let mut m = Message::pending_reply(i + 1);
                m.apply_chunk(&chunk(&format!("answer {i}")));
                m.end_stream(true);
                m
            }
        })
        .collect();
    let (host, chat) = mount_list(messages);
    tick().await;
    let shown = all(&host, ".confab__msg").len();
    assert!(
        (1..250).contains(&shown),
        "only the newest are rendered ({shown})"
    );
    eventually("the last answer to be rendered", || {
        all(&host, ".confab__md")
            .last()
            .and_then(|e| e.text_content())
            .as_deref()
            == Some("answer 249")
    })
    .await;
    let earlier = || host.query_selector(".confab__earlier").unwrap();
    assert_eq!(
        earlier()
            .expect("a button for earlier messages")
            .text_content()
            .unwrap(),
        format!("Show earlier messages ({} more)", 250 - shown)
    );
    let mut clicks = 0;
    while let Some(button) = earlier() {
        button.unchecked_into::<HtmlElement>().click();
        tick().await;
        clicks += 1;
        assert!(clicks < 10, "each click shows a page of earlier messages");
    }
    let list = all(&host, ".confab__msg");
    assert_eq!(list.len(), 250, "all shown, the button gone");
    for (i, m) in list.iter().enumerate().step_by(37) {
        let text = m.text_content().unwrap();
        assert!(
            text.contains(&format!(" {i}")),
            "message {i} in its place: {text}"
        );
    }
    // Another long conversation opens at its end again.
    chat.restore(
        (0..100)
            .map(|i| Message::text(1000 + i, Role::User, format!("other {i}")))
            .collect(),
    );
    tick().await;
    let list = all(&host, ".confab__msg");
    assert!(
        list.len() < 100,
        "the other conversation opens at its end ({})",
        list.len()
    );
    assert!(list
        .last()
        .unwrap()
        .text_content()
        .unwrap()
        .contains("other 99"));
    assert!(earlier().is_some());
}

/// Tokens change the message at once, but its subscribers are told at most every few
/// milliseconds, except when its shape changes (first text, end of the stream).
#[wasm_bindgen_test]
async fn streamed_tokens_notify_subscribers_coalesced() {
    use confab::coalesce::Coalesced;
    let owner = Owner::new();
    owner.set();
    let signal = RwSignal::new(Message::pending_reply(1));
    let runs = std::rc::Rc::new(std::cell::Cell::new(0));
    let counted = runs.clone();
    Effect::new(move |_| {
        signal.track();
        counted.set(counted.get() + 1);
    });
    tick().await;
    let base = runs.get();
    let streamed = Coalesced::new(signal);
    streamed.update(|m| m.apply_chunk(&chunk("a")));
    tick().await;
    assert_eq!(runs.get(), base + 1, "the first text is announced at once");
    for t in ["b", "c", "d", "e", "f"] {
        streamed.update(|m| m.apply_chunk(&chunk(t)));
    }
    assert_eq!(
        signal.with_untracked(|m| m.content().to_owned()),
        "abcdef",
        "the text is up to date at once"
    );
    confab::timing::sleep_ms(confab::coalesce::INTERVAL_MS as i32 * 3).await;
    tick().await;
    assert_eq!(runs.get(), base + 2, "five tokens, one notification");
    streamed.update(|m| m.end_stream(true));
    tick().await;
    assert_eq!(
        runs.get(),
        base + 3,
        "the end of the stream is announced at once"
    );
}

/// A burst of finished text (here a restored 30 KB answer) is turned into blocks a slice per
/// frame, never in one long task, and ends up shown exactly once.
#[wasm_bindgen_test]
async fn a_long_answer_is_rendered_a_slice_per_frame() {
    let text: String = (0..100)
        .map(|i| format!("Paragraph {i}: {}\n\n", "words ".repeat(50)))
        .collect();
    let mut answer = Message::pending_reply(2);
    answer.apply_chunk(&chunk(&text));
    answer.end_stream(true);
    let (host, _) = mount_list(vec![Message::text(1, Role::User, "x"), answer]);
    eventually("the first slice", || {
        !all(&host, ".confab__md p").is_empty()
    })
    .await;
    let first = all(&host, ".confab__md p").len();
    assert!(
        first < 100,
        "the first frame shows a slice, not all ({first})"
    );
    eventually("the whole answer", || {
        all(&host, ".confab__md p").len() == 100
    })
    .await;
    let paragraphs = all(&host, ".confab__md p");
    for (i, p) in paragraphs.iter().enumerate() {
        assert!(
            p.text_content()
                .unwrap()
                .starts_with(&format!("Paragraph {i}:")),
            "paragraph {i} in order, once"
        );
    }
}
