//! The mock over a real socket: start the binary on a free port, speak HTTP to it, and decode
//! what it streams with confab-core, as the widget does.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};

use confab_core::{ChunkDecoder, Message, MessageState, StreamEvent};

struct Mock {
    child: Child,
    addr: String,
}

impl Drop for Mock {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(args: &[&str]) -> Mock {
    let mut child = Command::new(env!("CARGO_BIN_EXE_confab-server"))
        .args(["--mock", "--port", "0"])
        .args(args)
        .stdout(Stdio::piped())
        .spawn()
        .expect("start the mock");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let addr = line.trim().rsplit("http://").next().unwrap().to_owned();
    Mock { child, addr }
}

/// Sends one HTTP/1.0 request (so the body is not chunked) and returns (status line, headers, body).
fn http(mock: &Mock, method: &str, path: &str, body: &str) -> (String, String, Vec<u8>) {
    let mut s = TcpStream::connect(&mock.addr).unwrap();
    write!(
        s,
        "{method} {path} HTTP/1.0\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut raw = Vec::new();
    let _ = s.read_to_end(&mut raw); // A dropped stream ends with a reset; keep what came.
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("headers end");
    let head = String::from_utf8_lossy(&raw[..split]).to_string();
    let (status, headers) = head.split_once("\r\n").unwrap_or((&head, ""));
    (
        status.to_owned(),
        headers.to_ascii_lowercase(),
        raw[split + 4..].to_vec(),
    )
}

fn chat(model: &str, extra: &str) -> String {
    format!(
        r#"{{"model":"{model}","messages":[{{"role":"user","content":"Hello mock"}}],"stream":true{extra}}}"#
    )
}

/// Decodes a streamed body in pieces of `piece` bytes into a message.
fn decode(body: &[u8], piece: usize) -> Message {
    let mut d = ChunkDecoder::new();
    let mut m = Message::pending_reply(1);
    let mut done = false;
    let mut events = Vec::new();
    for p in body.chunks(piece.max(1)) {
        events.extend(d.feed(p));
    }
    events.extend(d.finish());
    for e in events {
        match e {
            StreamEvent::Chunk(c) => m.apply_chunk(&c),
            StreamEvent::Done => done = true,
            StreamEvent::Error(e) => m.fail(e),
        }
    }
    if m.is_streaming() {
        m.end_stream(done);
    }
    m
}

#[test]
fn streams_a_markdown_answer_with_usage() {
    let mock = start(&["--tokens-per-second", "0", "--bytes-per-write", "7"]);
    let (status, headers, body) = http(
        &mock,
        "POST",
        "/v1/chat/completions",
        &chat("mock", r#","stream_options":{"include_usage":true}"#),
    );
    assert!(status.contains("200"), "{status}");
    assert!(
        headers.contains("content-type: text/event-stream"),
        "{headers}"
    );
    for piece in [1, 5, 64, 100_000] {
        let m = decode(&body, piece);
        assert_eq!(m.state, MessageState::Done);
        assert!(
            m.content().contains("confab-server --mock"),
            "{}",
            m.content()
        );
        assert!(m.content().contains("```rust"), "markdown-rich");
        assert!(m.usage.as_ref().unwrap().completion_tokens > 10);
    }
}

#[test]
fn n_alternatives_and_whole_answers() {
    let mock = start(&["--tokens-per-second", "0"]);
    let m = decode(
        &http(
            &mock,
            "POST",
            "/v1/chat/completions",
            &chat("mock", r#","n":3"#),
        )
        .2,
        33,
    );
    assert_eq!(m.choices.len(), 3);
    assert!(m.choices[2].content.starts_with("(Alternative 3)"));

    let body = r#"{"model":"mock-echo","messages":[{"role":"user","content":"same words"}],"stream":false}"#;
    let (status, _, body) = http(&mock, "POST", "/v1/chat/completions", body);
    assert!(status.contains("200"));
    let completion: confab_core::api::ChatCompletion = serde_json::from_slice(&body).unwrap();
    assert_eq!(
        completion.choices[0].message.content.as_deref(),
        Some("same words")
    );
    assert!(completion.usage.is_some());
}

#[test]
fn faults_by_model_name() {
    let mock = start(&["--tokens-per-second", "0"]);
    let (status, headers, body) =
        http(&mock, "POST", "/v1/chat/completions", &chat("mock-429", ""));
    assert!(status.contains("429"));
    assert!(
        headers.contains("retry-after-ms: 1500") && headers.contains("retry-after: 2"),
        "{headers}"
    );
    assert!(String::from_utf8_lossy(&body).contains("rate_limit_exceeded"));

    let (first, ..) = http(
        &mock,
        "POST",
        "/v1/chat/completions",
        &chat("mock-429-once", ""),
    );
    let (second, ..) = http(
        &mock,
        "POST",
        "/v1/chat/completions",
        &chat("mock-429-once", ""),
    );
    assert!(
        first.contains("429") && second.contains("200"),
        "{first} / {second}"
    );

    for (model, status) in [
        ("mock-401", "401"),
        ("mock-403", "403"),
        ("mock-404", "404"),
        ("mock-500", "500"),
        ("mock-502-html", "502"),
    ] {
        let (got, ..) = http(&mock, "POST", "/v1/chat/completions", &chat(model, ""));
        assert!(got.contains(status), "{model}: {got}");
    }

    let m = decode(
        &http(
            &mock,
            "POST",
            "/v1/chat/completions",
            &chat("mock-error-midstream", ""),
        )
        .2,
        9,
    );
    assert_eq!(m.state, MessageState::Failed);
    assert!(!m.content().is_empty(), "partial text before the error");

    let m = decode(
        &http(
            &mock,
            "POST",
            "/v1/chat/completions",
            &chat("mock-no-done", ""),
        )
        .2,
        9,
    );
    assert_eq!(m.state, MessageState::Incomplete);

    let m = decode(
        &http(
            &mock,
            "POST",
            "/v1/chat/completions",
            &chat("mock-length", ""),
        )
        .2,
        9,
    );
    assert_eq!(m.finish_reason().map(|f| f.as_str()), Some("length"));

    let m = decode(
        &http(
            &mock,
            "POST",
            "/v1/chat/completions",
            &chat("mock-tools", ""),
        )
        .2,
        9,
    );
    let calls = &m.choices[0].tool_calls;
    assert_eq!(calls.len(), 2);
    assert_eq!(
        calls[0].function.arguments,
        r#"{"city": "Paris", "unit": "celsius"}"#
    );

    let (_, headers, _) = http(
        &mock,
        "POST",
        "/v1/chat/completions",
        &chat("mock-not-sse", ""),
    );
    assert!(headers.contains("content-type: text/html"));
}

#[test]
fn lists_models_and_rejects_bad_requests() {
    let mock = start(&[]);
    let (status, _, body) = http(&mock, "GET", "/v1/models", "");
    assert!(status.contains("200"));
    let list: confab_core::api::ModelList = serde_json::from_slice(&body).unwrap();
    assert!(list.data.iter().any(|m| m.id == "mock-429-once"));

    let (status, _, body) = http(&mock, "POST", "/v1/chat/completions", "{not json");
    assert!(status.contains("400"));
    assert!(String::from_utf8_lossy(&body).contains("not valid JSON"));
}
