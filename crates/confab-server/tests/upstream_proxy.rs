//! `--upstream`, the key-holding proxy, over real sockets: the proxy in front of the mock (or of
//! a hand-made API for what the mock cannot show), spoken to as a browser would.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The proxy's key: 38 characters, which the mock's `mock-inspect` reports as its length.
const KEY: &str = "sk-proxy-0123456789abcdef0123456789abc";

struct Running {
    child: Child,
    addr: String,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(args: &[&str], key: Option<&str>) -> Running {
    let mut command = Command::new(env!("CARGO_BIN_EXE_confab-server"));
    command
        .args(["--port", "0"])
        .args(args)
        .env_remove("CONFAB_UPSTREAM_KEY")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(key) = key {
        command.env("CONFAB_UPSTREAM_KEY", key);
    }
    let mut child = command.spawn().expect("start confab-server");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let addr = line
        .trim()
        .strip_prefix("confab-server listening on http://")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .to_owned();
    Running { child, addr }
}

/// A mock, and the proxy in front of it with `args`.
fn proxy_to_mock(mock_args: &[&str], args: &[&str]) -> (Running, Running) {
    let mut all = vec!["--mock"];
    all.extend_from_slice(mock_args);
    let mock = start(&all, None);
    let upstream = format!("http://{}/v1", mock.addr);
    let mut all = vec!["--upstream", upstream.as_str()];
    all.extend_from_slice(args);
    let proxy = start(&all, Some(KEY));
    (mock, proxy)
}

/// One HTTP/1.0 request with extra header lines; (status line, lower-case headers, body).
fn http(
    addr: &str,
    method: &str,
    path: &str,
    headers: &str,
    body: &str,
) -> (String, String, String) {
    let mut s = TcpStream::connect(addr).unwrap();
    write!(
        s,
        "{method} {path} HTTP/1.0\r\nHost: x\r\nContent-Type: application/json\r\n{headers}Content-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut raw = Vec::new();
    let _ = s.read_to_end(&mut raw);
    let raw = String::from_utf8_lossy(&raw).to_string();
    let (head, body) = raw.split_once("\r\n\r\n").expect("headers end");
    let (status, headers) = head.split_once("\r\n").unwrap_or((head, ""));
    (
        status.to_owned(),
        headers.to_ascii_lowercase(),
        body.to_owned(),
    )
}

fn json(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

#[test]
fn the_key_is_added_the_browsers_credentials_are_not_sent_and_tokens_are_capped() {
    let (_mock, proxy) = proxy_to_mock(&[], &["--max-tokens", "64"]);
    let (status, _, body) = http(
        &proxy.addr,
        "POST",
        "/v1/chat/completions",
        "Authorization: Bearer mine\r\napi-key: mine\r\nCookie: session=1\r\n",
        r#"{"model":"mock-inspect","stream":false,"max_tokens":5000,"messages":[{"role":"user","content":"hi"}]}"#,
    );
    assert!(status.contains(" 200 "), "{status} {body}");
    let seen = json(
        json(&body)["choices"][0]["message"]["content"]
            .as_str()
            .unwrap(),
    );
    assert_eq!(
        seen["headers"]["authorization"],
        format!("Bearer <{} characters>", KEY.len()),
        "the proxy's key, not the browser's"
    );
    assert_eq!(seen["headers"]["api-key"], serde_json::Value::Null);
    assert_eq!(seen["body"]["max_tokens"], 64);
    assert_eq!(seen["body"]["messages"][0]["content"], "hi");
}

#[test]
fn another_auth_header_carries_the_key_as_it_is() {
    let (_mock, proxy) = proxy_to_mock(&[], &["--auth-header", "api-key"]);
    let (_, _, body) = http(
        &proxy.addr,
        "POST",
        "/v1/chat/completions",
        "",
        r#"{"model":"mock-inspect","stream":false,"messages":[{"role":"user","content":"hi"}]}"#,
    );
    let seen = json(
        json(&body)["choices"][0]["message"]["content"]
            .as_str()
            .unwrap(),
    );
    assert_eq!(
        seen["headers"]["api-key"],
        format!("<{} characters>", KEY.len())
    );
    assert_eq!(seen["headers"]["authorization"], serde_json::Value::Null);
}

#[test]
fn answers_stream_through_as_they_arrive() {
    // 40 tokens at 20 per second: about two seconds from the first token to the last.
    let (_mock, proxy) = proxy_to_mock(&["--tokens-per-second", "20"], &[]);
    let body =
        r#"{"model":"mock-long-40","stream":true,"messages":[{"role":"user","content":"hi"}]}"#;
    let mut s = TcpStream::connect(&proxy.addr).unwrap();
    write!(
        s,
        "POST /v1/chat/completions HTTP/1.0\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let started = Instant::now();
    let (mut raw, mut buf) = (Vec::new(), [0u8; 4096]);
    let mut first_event_at = None;
    loop {
        let n = s.read(&mut buf).unwrap();
        if n == 0 {
            break;
        }
        raw.extend_from_slice(&buf[..n]);
        if first_event_at.is_none() && String::from_utf8_lossy(&raw).contains("\"content\":\"") {
            first_event_at = Some(started.elapsed());
        }
    }
    let total = started.elapsed();
    let text = String::from_utf8_lossy(&raw);
    assert!(
        text.contains("content-type: text/event-stream")
            || text.contains("Content-Type: text/event-stream"),
        "{text}"
    );
    assert!(text.trim_end().ends_with("data: [DONE]"), "{text}");
    let first = first_event_at.expect("an event");
    // A proxy that buffered the answer would show nothing until the end.
    assert!(
        first + Duration::from_millis(1000) < total,
        "the first words came at {first:?}, the end at {total:?}"
    );
}

#[test]
fn the_apis_errors_and_headers_come_back_and_a_missing_api_is_explained() {
    let (_mock, proxy) = proxy_to_mock(&[], &[]);
    let (status, headers, body) = http(
        &proxy.addr,
        "POST",
        "/v1/chat/completions",
        "",
        r#"{"model":"mock-429","messages":[{"role":"user","content":"hi"}]}"#,
    );
    assert!(status.contains(" 429 "), "{status}");
    assert!(headers.contains("retry-after-ms: 1500"), "{headers}");
    assert_eq!(json(&body)["error"]["code"], "rate_limit_exceeded");

    // Nothing listens at the upstream address.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let upstream = format!("http://127.0.0.1:{port}/v1");
    let proxy = start(&["--upstream", upstream.as_str()], Some(KEY));
    let (status, _, body) = http(
        &proxy.addr,
        "POST",
        "/v1/chat/completions",
        "",
        r#"{"model":"x","messages":[{"role":"user","content":"hi"}]}"#,
    );
    assert!(status.contains(" 502 "), "{status}");
    let error = json(&body);
    assert_eq!(error["error"]["code"], "upstream_unreachable");
    assert!(
        error["error"]["message"]
            .as_str()
            .unwrap()
            .contains("could not be reached"),
        "{error}"
    );
}

#[test]
fn only_the_listed_models_are_offered_and_bad_requests_stop_here() {
    let (_mock, proxy) = proxy_to_mock(&[], &["--model", "mock", "--model", "mock-echo"]);
    let (status, _, body) = http(&proxy.addr, "GET", "/v1/models", "", "");
    assert!(status.contains(" 200 "));
    let ids: Vec<String> = json(&body)["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids, ["mock", "mock-echo"]);
    let (status, _, body) = http(
        &proxy.addr,
        "POST",
        "/v1/chat/completions",
        "",
        r#"{"model":"gpt-4o","messages":[{"role":"user","content":"hi"}]}"#,
    );
    assert!(status.contains(" 400 "), "{status}");
    let error = json(&body);
    assert_eq!(error["error"]["code"], "model_not_allowed");
    assert_eq!(
        error["error"]["message"],
        "This server does not offer the model \u{201c}gpt-4o\u{201d}. It offers: mock, mock-echo."
    );
    let (status, _, body) = http(&proxy.addr, "POST", "/v1/chat/completions", "", "not json");
    assert!(status.contains(" 400 "), "{status}");
    assert_eq!(json(&body)["error"]["code"], "invalid_json");
}

#[test]
fn cors_is_only_for_the_allowed_origins() {
    let (_mock, proxy) = proxy_to_mock(&[], &["--allow-origin", "https://shop.example"]);
    let preflight = |origin: &str| {
        http(
            &proxy.addr,
            "OPTIONS",
            "/v1/chat/completions",
            &format!(
                "Origin: {origin}\r\nAccess-Control-Request-Method: POST\r\nAccess-Control-Request-Headers: content-type\r\n"
            ),
            "",
        )
        .1
    };
    assert!(preflight("https://shop.example")
        .contains("access-control-allow-origin: https://shop.example"));
    assert!(!preflight("https://evil.example").contains("access-control-allow-origin"));

    // Without --allow-origin, no page from elsewhere is let in.
    let (_mock, proxy) = proxy_to_mock(&[], &[]);
    let (_, headers, _) = http(
        &proxy.addr,
        "OPTIONS",
        "/v1/chat/completions",
        "Origin: https://shop.example\r\nAccess-Control-Request-Method: POST\r\n",
        "",
    );
    assert!(
        !headers.contains("access-control-allow-origin"),
        "{headers}"
    );
}

#[test]
fn when_the_browser_goes_away_the_request_to_the_api_is_dropped() {
    // A hand-made API: it sends the start of an event stream, then waits to see its connection
    // closed by the proxy.
    let api = TcpListener::bind("127.0.0.1:0").unwrap();
    let upstream = format!("http://{}/v1", api.local_addr().unwrap());
    let proxy = start(&["--upstream", upstream.as_str()], Some(KEY));
    let watcher = std::thread::spawn(move || {
        let (mut conn, _) = api.accept().unwrap();
        conn.set_read_timeout(Some(Duration::from_secs(20)))
            .unwrap();
        let mut request = Vec::new();
        let mut buf = [0u8; 4096];
        while !String::from_utf8_lossy(&request).contains("\"messages\"") {
            let n = conn.read(&mut buf).unwrap();
            request.extend_from_slice(&buf[..n]);
        }
        conn.write_all(
            b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n",
        )
        .unwrap();
        let event = b"data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hel\"}}]}\n\n";
        write!(conn, "{:x}\r\n", event.len()).unwrap();
        conn.write_all(event).unwrap();
        conn.write_all(b"\r\n").unwrap();
        // Closed by the proxy (0 bytes read, or a reset) rather than timed out.
        match conn.read(&mut buf) {
            Ok(0) => true,
            Ok(_) => false,
            Err(e) => e.kind() == std::io::ErrorKind::ConnectionReset,
        }
    });
    let body = r#"{"model":"x","stream":true,"messages":[{"role":"user","content":"hi"}]}"#;
    let mut s = TcpStream::connect(&proxy.addr).unwrap();
    write!(
        s,
        "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    while !String::from_utf8_lossy(&got).contains("Hel") {
        let n = s.read(&mut buf).unwrap();
        assert!(n > 0, "the proxy ended the answer early");
        got.extend_from_slice(&buf[..n]);
    }
    drop(s); // The browser stops.
    assert!(
        watcher.join().unwrap(),
        "the proxy closed its request to the API"
    );
}

#[test]
fn a_key_is_never_taken_from_the_command_line_or_printed() {
    let out = Command::new(env!("CARGO_BIN_EXE_confab-server"))
        .args(["--upstream", "http://127.0.0.1:9/v1", "--key", KEY])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("unknown argument --key"), "{err}");

    // What the proxy prints while it works: its start and one line per request.
    let (mock, mut proxy) = proxy_to_mock(&[], &[]);
    let _ = http(
        &proxy.addr,
        "POST",
        "/v1/chat/completions",
        "",
        r#"{"model":"mock","stream":false,"messages":[{"role":"user","content":"hi"}]}"#,
    );
    drop(mock);
    let _ = proxy.child.kill();
    let mut printed = String::new();
    proxy
        .child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut printed)
        .unwrap();
    assert!(
        printed.contains("with the key in $CONFAB_UPSTREAM_KEY"),
        "{printed}"
    );
    assert!(printed.contains("model=\"mock\" -> 200"), "{printed}");
    assert!(!printed.contains(KEY), "the key was printed: {printed}");
}

#[test]
fn each_visitor_gets_so_many_messages_a_minute() {
    let (_mock, proxy) = proxy_to_mock(&[], &["--rate-limit", "2", "--trust-forwarded-for"]);
    let ask = |visitor: &str| {
        http(
            &proxy.addr,
            "POST",
            "/v1/chat/completions",
            // The first address is the visitor's own claim; the last, the reverse proxy's.
            &format!("X-Forwarded-For: 10.9.9.9, {visitor}\r\n"),
            r#"{"model":"mock","stream":false,"messages":[{"role":"user","content":"hi"}]}"#,
        )
    };
    assert!(ask("203.0.113.7").0.contains(" 200 "));
    assert!(ask("203.0.113.7").0.contains(" 200 "));
    let (status, headers, body) = ask("203.0.113.7");
    assert!(status.contains(" 429 "), "{status}");
    assert!(headers.contains("retry-after: "), "{headers}");
    let error = json(&body);
    assert_eq!(error["error"]["code"], "rate_limit_exceeded");
    assert!(
        error["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("Too many messages: this server takes 2 a minute from each visitor."),
        "{error}"
    );
    assert!(ask("198.51.100.9").0.contains(" 200 "), "another visitor");
}
