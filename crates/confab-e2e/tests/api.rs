//! The whole API surface in a real browser: every error class the mock can provoke, retries,
//! alternatives, continuation, tool calls, reasoning, refusals, usage, and what is sent.

use std::time::Duration;

use confab_e2e::{Browser, Server, ENTER};
use serde_json::Value;

const SECS: fn(u64) -> Duration = Duration::from_secs;
const ANSWER: &str = "(last('.confab__msg--assistant .confab__content') || {}).textContent || ''";
const ANSWER_STATE: &str =
    "((last('.confab__msg--assistant') || {dataset: {}}).dataset.state || '')";

async fn open(browser: &Browser, server: &Server, query: &str) {
    // Each page starts from an empty conversation (history persistence has tests of its own).
    browser
        .open(&format!("{}/?{query}&persist=none", server.url))
        .await;
}

async fn ask(browser: &Browser, text: &str) {
    browser.type_in_composer(&format!("{text}{ENTER}")).await;
}

#[tokio::test]
async fn every_error_class_is_explained_and_nothing_is_lost() {
    let server = Server::start(&["--tokens-per-second", "200"]);
    let browser = Browser::start().await;
    let cases: &[(&str, &str, &[&str], bool)] = &[
        (
            "mock-401",
            "error",
            &["API key", "HTTP 401", "Incorrect API key"],
            false,
        ),
        ("mock-403", "error", &["HTTP 403", "not allowed"], false),
        (
            "mock-404",
            "error",
            &["model", "endpoint", "HTTP 404", "does not exist"],
            false,
        ),
        (
            "mock-502-html",
            "error",
            &["HTTP 502", "502 Bad Gateway"],
            false,
        ),
        (
            "mock-error-midstream",
            "error",
            &["crashed in the middle"],
            true,
        ),
        ("mock-bad-json", "error", &["not valid JSON"], true),
        (
            "mock-not-sse",
            "error",
            &["event stream", "text/html"],
            false,
        ),
        ("mock-no-done", "incomplete", &["incomplete"], true),
    ];
    for (model, state, needles, keeps_partial) in cases {
        open(&browser, &server, &format!("model={model}")).await;
        ask(&browser, "hello there").await;
        browser
            .wait_for(
                &format!("{model} to end"),
                &format!("['error','incomplete'].includes({ANSWER_STATE})"),
                SECS(10),
            )
            .await;
        assert_eq!(browser.eval(ANSWER_STATE).await, *state, "{model}");
        let error = browser
            .eval("(last('.confab__error') || {}).textContent || ''")
            .await;
        let error = error.as_str().unwrap_or_default();
        for n in *needles {
            assert!(error.contains(n), "{model}: {error:?} lacks {n:?}");
        }
        assert!(!error.contains('<'), "{model}: no markup in {error:?}");
        let partial = browser.eval(ANSWER).await;
        assert_eq!(
            partial.as_str().is_some_and(|p| p.starts_with("This is")),
            *keeps_partial,
            "{model}: {partial}"
        );
        assert_eq!(
            browser
                .eval("last('.confab__msg--user .confab__content').textContent")
                .await,
            "hello there"
        );
        assert_eq!(
            browser
                .eval("!!root.querySelector('.confab__retry-btn')")
                .await,
            true,
            "{model}: Try again offered"
        );
    }
    browser.close().await;
}

#[tokio::test]
async fn an_event_stream_labelled_as_plain_text_is_still_read() {
    let server = Server::start(&["--tokens-per-second", "0"]);
    let browser = Browser::start().await;
    open(&browser, &server, "model=mock-sse-as-text").await;
    ask(&browser, "mislabelled").await;
    browser
        .wait_for(
            "the answer",
            &format!("{ANSWER_STATE} === 'done'"),
            SECS(10),
        )
        .await;
    assert!(browser
        .eval(ANSWER)
        .await
        .as_str()
        .unwrap()
        .contains("mislabelled"));
    browser.close().await;
}

#[tokio::test]
async fn a_429_is_retried_after_a_countdown_and_then_succeeds() {
    let server = Server::start(&["--tokens-per-second", "200"]);
    let browser = Browser::start().await;
    open(&browser, &server, "model=mock-429-once").await;
    ask(&browser, "rate limit me once").await;
    let notice = browser
        .wait_for(
            "the countdown",
            "(root.querySelector('.confab__retry') || {}).textContent",
            SECS(5),
        )
        .await;
    assert!(
        notice
            .as_str()
            .unwrap_or_default()
            .contains("retrying in 2 s"),
        "{notice}"
    );
    browser
        .wait_for(
            "the answer",
            &format!("{ANSWER_STATE} === 'done'"),
            SECS(10),
        )
        .await;
    let answer = browser
        .eval("root.querySelector('.confab__log').textContent")
        .await;
    assert!(
        answer
            .as_str()
            .unwrap_or_default()
            .contains("rate limit me once"),
        "{answer}"
    );
    assert_eq!(
        browser
            .eval("(root.querySelector('.confab__error') || {}).textContent || null")
            .await,
        Value::Null
    );
    browser
        .wait_for(
            "the countdown to go",
            "!root.querySelector('.confab__retry')",
            SECS(2),
        )
        .await;
    browser.close().await;
}

#[tokio::test]
async fn stop_cancels_a_pending_retry() {
    let server = Server::start(&[]);
    let browser = Browser::start().await;
    open(&browser, &server, "model=mock-429").await;
    ask(&browser, "always limited").await;
    browser
        .wait_for(
            "the countdown",
            "root.querySelector('.confab__retry')",
            SECS(5),
        )
        .await;
    browser
        .eval("(root.querySelector('.confab__stop').click(), true)")
        .await;
    browser
        .wait_for("stopped", &format!("{ANSWER_STATE} === 'stopped'"), SECS(3))
        .await;
    let error = browser
        .wait_for(
            "the reason",
            "(last('.confab__error') || {}).textContent",
            SECS(3),
        )
        .await;
    assert!(
        error.as_str().unwrap_or_default().contains("HTTP 429"),
        "the reason stays visible: {error}"
    );
    browser
        .wait_for("Send back", "root.querySelector('.confab__send')", SECS(3))
        .await;
    browser.close().await;
}

#[tokio::test]
async fn alternatives_can_be_switched_and_the_chosen_one_continues() {
    let server = Server::start(&["--tokens-per-second", "0"]);
    let browser = Browser::start().await;
    open(&browser, &server, "model=mock&n=3").await;
    ask(&browser, "give me options").await;
    browser
        .wait_for(
            "the answer",
            &format!("{ANSWER_STATE} === 'done'"),
            SECS(10),
        )
        .await;
    assert_eq!(
        browser
            .eval("root.querySelector('.confab__alts-pos').textContent")
            .await,
        "1 / 3"
    );
    assert!(browser
        .eval(ANSWER)
        .await
        .as_str()
        .unwrap()
        .starts_with("This is"));
    browser
        .eval("(root.querySelector('.confab__alts-next').click(), true)")
        .await;
    browser
        .wait_for(
            "alternative 2",
            "root.querySelector('.confab__alts-pos').textContent === '2 / 3'",
            SECS(2),
        )
        .await;
    assert!(browser
        .eval(ANSWER)
        .await
        .as_str()
        .unwrap()
        .starts_with("(Alternative 2)"));
    browser.eval("(root.querySelector('.confab__alts-prev').click(), root.querySelector('.confab__alts-prev').click(), true)").await;
    browser
        .wait_for(
            "alternative 3",
            "root.querySelector('.confab__alts-pos').textContent === '3 / 3'",
            SECS(2),
        )
        .await;
    browser.close().await;
}

#[tokio::test]
async fn a_content_filter_stop_is_said_and_what_came_is_kept() {
    let server = Server::start(&["--tokens-per-second", "0"]);
    let browser = Browser::start().await;
    open(&browser, &server, "model=mock-content-filter").await;
    ask(&browser, "something filtered").await;
    let note = browser
        .wait_for(
            "the note",
            "root.querySelector('.confab__filtered') && root.querySelector('.confab__filtered').textContent",
            SECS(10),
        )
        .await;
    assert_eq!(note, "The server's content filter stopped this answer.");
    assert_eq!(browser.eval(ANSWER_STATE).await, "done");
    assert!(
        !browser.eval(ANSWER).await.as_str().unwrap().is_empty(),
        "the words before the filter stay"
    );
    assert_eq!(
        browser
            .eval("!!root.querySelector('.confab__continue')")
            .await,
        false,
        "nothing to continue"
    );
    browser.close().await;
}

#[tokio::test]
async fn an_empty_answer_is_said() {
    let server = Server::start(&["--tokens-per-second", "0"]);
    let browser = Browser::start().await;
    open(&browser, &server, "model=mock-empty").await;
    ask(&browser, "say nothing").await;
    let note = browser
        .wait_for(
            "the note",
            "root.querySelector('.confab__empty-answer') && root.querySelector('.confab__empty-answer').textContent",
            SECS(10),
        )
        .await;
    assert_eq!(note, "The model sent an empty answer.");
    assert_eq!(browser.eval(ANSWER_STATE).await, "done");
    browser.close().await;
}

#[tokio::test]
async fn a_cut_off_answer_offers_continue_which_appends() {
    let server = Server::start(&["--tokens-per-second", "0"]);
    let browser = Browser::start().await;
    open(&browser, &server, "model=mock-length").await;
    ask(&browser, "write a lot").await;
    browser
        .wait_for(
            "the cut",
            "root.querySelector('.confab__continue')",
            SECS(10),
        )
        .await;
    let first = browser.eval(ANSWER).await.as_str().unwrap().to_owned();
    browser
        .eval("(root.querySelector('.confab__continue').click(), true)")
        .await;
    browser
        .wait_for(
            "the continuation",
            &format!(
                "{ANSWER_STATE} === 'done' && ({ANSWER}).length > {}",
                first.len()
            ),
            SECS(10),
        )
        .await;
    let second = browser.eval(ANSWER).await.as_str().unwrap().to_owned();
    assert!(second.starts_with(&first), "appended to the same message");
    assert_eq!(
        browser
            .eval("root.querySelectorAll('.confab__msg--assistant').length")
            .await,
        1
    );
    browser.close().await;
}

#[tokio::test]
async fn tool_calls_reasoning_refusal_and_usage_are_shown() {
    let server = Server::start(&["--tokens-per-second", "0"]);
    let browser = Browser::start().await;

    open(&browser, &server, "model=mock-tools").await;
    ask(&browser, "weather?").await;
    browser
        .wait_for("done", &format!("{ANSWER_STATE} === 'done'"), SECS(10))
        .await;
    let names = browser
        .eval("[...root.querySelectorAll('.confab__tool-name')].map(e => e.textContent)")
        .await;
    assert_eq!(names, serde_json::json!(["get_weather", "get_time"]));
    let args = browser
        .eval("root.querySelector('.confab__tool-args').textContent")
        .await;
    assert_eq!(
        args, "{\n  \"city\": \"Paris\",\n  \"unit\": \"celsius\"\n}",
        "pretty-printed"
    );
    assert_eq!(
        browser
            .eval("root.querySelector('.confab__tool').open")
            .await,
        false,
        "collapsed"
    );

    open(&browser, &server, "model=mock-reasoning").await;
    ask(&browser, "think").await;
    browser
        .wait_for("done", &format!("{ANSWER_STATE} === 'done'"), SECS(10))
        .await;
    assert_eq!(
        browser
            .eval("root.querySelector('.confab__reasoning').open")
            .await,
        false
    );
    let reasoning = browser
        .eval("root.querySelector('.confab__reasoning-text').textContent")
        .await;
    assert!(reasoning
        .as_str()
        .unwrap()
        .starts_with("The user wants a demonstration."));
    assert!(
        !browser
            .eval(ANSWER)
            .await
            .as_str()
            .unwrap()
            .contains("demonstration"),
        "kept apart from the answer"
    );
    let meta = browser
        .eval("root.querySelector('.confab__meta').textContent")
        .await;
    assert!(
        meta.as_str().unwrap().contains("completion tokens"),
        "{meta}"
    );

    // The same reasoning, sent inline as a `<think>` block split across chunks, is taken out of
    // the answer; both when streamed and when not.
    for query in ["model=mock-think", "model=mock-think&stream=false"] {
        open(&browser, &server, query).await;
        ask(&browser, "show me").await;
        browser
            .wait_for("done", &format!("{ANSWER_STATE} === 'done'"), SECS(10))
            .await;
        let reasoning = browser
            .eval("root.querySelector('.confab__reasoning-text').textContent")
            .await;
        assert_eq!(
            reasoning, "The user wants a demonstration. I will think briefly, then answer.",
            "{query}"
        );
        let answer = browser.eval(ANSWER).await;
        let answer = answer.as_str().unwrap();
        assert!(
            answer.starts_with("This is confab-server") && !answer.contains("demonstration"),
            "{query}: {answer:?}"
        );
    }

    open(&browser, &server, "model=mock-refusal").await;
    ask(&browser, "do something bad").await;
    browser
        .wait_for("done", &format!("{ANSWER_STATE} === 'done'"), SECS(10))
        .await;
    let refusal = browser
        .eval("root.querySelector('.confab__refusal').textContent")
        .await;
    assert!(
        refusal
            .as_str()
            .unwrap()
            .contains("I can't help with that request"),
        "{refusal}"
    );
    browser.close().await;
}

/// Parses the answer of `mock-inspect`: what the server received.
async fn received(browser: &Browser) -> Value {
    browser
        .wait_for("the echo", &format!("{ANSWER_STATE} === 'done'"), SECS(10))
        .await;
    let text = browser.eval(ANSWER).await;
    serde_json::from_str(text.as_str().unwrap()).unwrap_or_else(|e| panic!("{e}: {text}"))
}

#[tokio::test]
async fn requests_carry_exactly_the_configured_parameters_and_headers() {
    let server = Server::start(&["--tokens-per-second", "0"]);
    let browser = Browser::start().await;

    open(&browser, &server, "model=mock-inspect").await;
    ask(&browser, "plain").await;
    let got = received(&browser).await;
    assert_eq!(
        got["headers"]["authorization"],
        Value::Null,
        "no key, no Authorization header"
    );
    assert_eq!(got["headers"]["accept"], "text/event-stream");
    assert_eq!(got["headers"]["content-type"], "application/json");
    let body = got["body"].as_object().unwrap();
    let mut keys: Vec<&str> = body.keys().map(String::as_str).collect();
    keys.sort();
    assert_eq!(
        keys,
        ["messages", "model", "stream", "stream_options"],
        "unset parameters are left out"
    );
    assert_eq!(got["body"]["stream_options"]["include_usage"], true);

    open(
        &browser,
        &server,
        "model=mock-inspect&api-key=sk-test-123&temperature=0.5&top-p=0.9&max-tokens=4000&presence-penalty=-1\
         &frequency-penalty=1.5&stop=END&user=u-42&logit-bias=%7B%2250256%22%3A-100%7D&include-usage=false\
         &system-prompt=Be%20brief&extra-body=%7B%22top_k%22%3A40%2C%22seed%22%3A7%7D\
         &headers=%7B%22X-Title%22%3A%22Confab%20test%22%7D",
    )
    .await;
    ask(&browser, "with everything").await;
    let got = received(&browser).await;
    assert_eq!(got["headers"]["authorization"], "Bearer <11 characters>");
    assert_eq!(
        got["headers"]["x-title"], "Confab test",
        "the headers setting is sent"
    );
    let b = &got["body"];
    assert_eq!(b["temperature"], 0.5);
    assert!((b["top_p"].as_f64().unwrap() - 0.9).abs() < 1e-6);
    assert_eq!(b["max_tokens"], 4000);
    assert_eq!(b["presence_penalty"], -1.0);
    assert_eq!(b["frequency_penalty"], 1.5);
    assert_eq!(b["stop"], "END");
    assert_eq!(b["user"], "u-42");
    assert_eq!(b["logit_bias"]["50256"], -100.0);
    assert_eq!(b["top_k"], 40, "extra-body's fields are sent as they are");
    assert_eq!(b["seed"], 7);
    assert_eq!(
        b["stream_options"],
        Value::Null,
        "include-usage=false turns stream_options off"
    );
    assert_eq!(
        b["messages"][0],
        serde_json::json!({"role": "system", "content": "Be brief"})
    );
    assert_eq!(
        b["messages"][1],
        serde_json::json!({"role": "user", "content": "with everything"})
    );

    // A key header other than Authorization (Azure OpenAI's `api-key`, a gateway's own) carries
    // the key unchanged, and no Authorization header goes with it.
    open(
        &browser,
        &server,
        "model=mock-inspect&api-key=azure-key-1&auth-header=api-key",
    )
    .await;
    ask(&browser, "azure").await;
    let got = received(&browser).await;
    assert_eq!(got["headers"]["api-key"], "<11 characters>");
    assert_eq!(got["headers"]["authorization"], Value::Null);

    // Not streamed: the whole answer arrives at once and is shown the same way.
    open(&browser, &server, "model=mock-inspect&stream=false").await;
    ask(&browser, "whole").await;
    let got = received(&browser).await;
    assert_eq!(got["headers"]["accept"], "application/json");
    assert_eq!(got["body"]["stream"], false);
    browser.close().await;
}

/// A server that refuses a parameter it does not know (`stream_options`, asked for by default
/// for token counts) or takes under another name (`max_tokens`, which OpenAI's reasoning
/// models want as `max_completion_tokens`) answers HTTP 400 naming it: the widget asks again
/// as the server wants, at once and for the rest of the conversation, and the answer comes as
/// if nothing happened.
#[tokio::test]
async fn a_server_that_refuses_a_parameter_still_answers() {
    let server = Server::start(&["--tokens-per-second", "0"]);
    let browser = Browser::start().await;
    for query in [
        "model=mock-no-stream-options",
        "model=mock-max-completion-tokens&max-tokens=60",
    ] {
        open(&browser, &server, query).await;
        for (i, text) in ["first question", "second question"]
            .into_iter()
            .enumerate()
        {
            ask(&browser, text).await;
            browser
                .wait_for(
                    "the answer",
                    &format!(
                        "root.querySelectorAll('.confab__msg--assistant').length === {} && {ANSWER_STATE} === 'done'",
                        i + 1
                    ),
                    SECS(10),
                )
                .await;
            assert_eq!(
                browser
                    .eval("root.querySelectorAll('.confab__error').length")
                    .await,
                0,
                "{query}: no error is shown"
            );
            assert!(browser.eval(ANSWER).await.as_str().unwrap().contains(text));
        }
        // Refused once, then asked as the server wants: three requests for two answers.
        assert_eq!(
            browser
                .page("performance.getEntriesByType('resource').filter(e => e.name.endsWith('/chat/completions')).length")
                .await,
            3,
            "{query}"
        );
    }
    browser.close().await;
}
