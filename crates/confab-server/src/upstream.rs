//! `--upstream`: a key-holding streaming proxy, so a public page can carry the widget without an
//! API key. The browser talks to this server; this server adds the key and talks to the API.
//!
//! - `POST /v1/chat/completions` is checked (valid JSON; the model, if a list of models is set;
//!   `max_tokens` capped, if a cap is set), sent on with the key, and the answer is streamed back
//!   as it arrives, byte for byte, with the API's status and content type. When the browser goes
//!   away (Stop), the request to the API is dropped with it.
//! - `GET /v1/models` is the list of allowed models, or the API's own list.
//! - Nothing the browser sends as credentials (`Authorization`, `api-key`, cookies) is sent on;
//!   the key is read from an environment variable, never from the command line, and is never
//!   printed. The log has one line per request: method, path, model, status.
//!
//! `--rate-limit N` lets each client (by address) make N chat requests a minute; past that it
//! gets a 429 with `Retry-After`, which the widget waits out by itself.
//!
//! CORS is only for the origins given with `--allow-origin`; without one, only pages served
//! from this server's own origin (`--static`) can use it. CORS only keeps other sites' pages
//! out: anyone can still call the proxy directly, so the list of models, the token cap and the
//! rate limit are what bound the cost of the key.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::{ConnectInfo, DefaultBodyLimit, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use bytes::Bytes;
use serde_json::{json, Value};

/// The largest request accepted: a conversation with a few images as data URLs.
const MAX_BODY: usize = 16 * 1024 * 1024;

/// Response headers of the API that are passed back to the browser.
const PASSED_BACK: &[&str] = &[
    "content-type",
    "retry-after",
    "retry-after-ms",
    "x-request-id",
    "x-ratelimit-remaining-requests",
    "x-ratelimit-remaining-tokens",
];

/// How the proxy is set up (from the command line).
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// The API's base URL, without a trailing `/` (e.g. `https://api.openai.com/v1`).
    pub base: String,
    /// The name of the environment variable that holds the key.
    pub key_env: String,
    /// The header that carries the key: `authorization` sends `Bearer <key>`, any other name
    /// sends the key as it is (Azure's `api-key`).
    pub auth_header: String,
    /// The models a request may ask for; empty allows any.
    pub models: Vec<String>,
    /// The most tokens an answer may ask for.
    pub max_tokens: Option<u64>,
    /// Origins allowed by CORS (`*` for any); empty allows only this server's own.
    pub allow_origins: Vec<String>,
    /// The most chat requests one client may make in a minute; `None` for no limit.
    pub rate_limit: Option<u32>,
    /// Take the client's address from `X-Forwarded-For` (behind one reverse proxy).
    pub trust_forwarded_for: bool,
}

/// Requests per client in the current minute (a fixed window per client).
#[derive(Default)]
struct Counts {
    by_client: HashMap<IpAddr, (Instant, u32)>,
}

impl Counts {
    /// Counts a request of `client`; `Err(seconds)` until its minute is over when it is past
    /// `limit`.
    fn take(&mut self, client: IpAddr, limit: u32, now: Instant) -> Result<(), u64> {
        const MINUTE: Duration = Duration::from_secs(60);
        if self.by_client.len() > 100_000 {
            self.by_client
                .retain(|_, (start, _)| now.duration_since(*start) < MINUTE);
        }
        let entry = self.by_client.entry(client).or_insert((now, 0));
        if now.duration_since(entry.0) >= MINUTE {
            *entry = (now, 0);
        }
        if entry.1 >= limit {
            let left = MINUTE.saturating_sub(now.duration_since(entry.0));
            return Err(left.as_secs().max(1));
        }
        entry.1 += 1;
        Ok(())
    }
}

struct Proxy {
    options: Options,
    key: Option<String>,
    client: reqwest::Client,
    counts: Mutex<Counts>,
}

/// The proxy's routes; `key` is the environment variable's value, if it is set.
pub fn router(options: Options, key: Option<String>) -> Result<Router, String> {
    let client = reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(15))
        // Between two pieces of an answer; a reasoning model may think a while first.
        .read_timeout(Duration::from_secs(300))
        .build()
        .map_err(|e| format!("the HTTP client could not be set up: {e}"))?;
    let proxy = Arc::new(Proxy {
        options,
        key,
        client,
        counts: Mutex::default(),
    });
    Ok(Router::new()
        .route("/v1/chat/completions", post(chat_completions))
        .route("/chat/completions", post(chat_completions))
        .route("/v1/models", get(models))
        .route("/models", get(models))
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .with_state(proxy))
}

/// The CORS layer for `--allow-origin`, or `None` for same-origin use only.
pub fn cors(options: &Options) -> Option<tower_http::cors::CorsLayer> {
    use tower_http::cors::{AllowOrigin, Any, CorsLayer};
    if options.allow_origins.is_empty() {
        return None;
    }
    let origin = if options.allow_origins.iter().any(|o| o == "*") {
        AllowOrigin::any()
    } else {
        AllowOrigin::list(
            options
                .allow_origins
                .iter()
                .filter_map(|o| HeaderValue::from_str(o.trim_end_matches('/')).ok()),
        )
    };
    Some(
        CorsLayer::new()
            .allow_origin(origin)
            .allow_methods([Method::GET, Method::POST])
            .allow_headers(Any)
            .expose_headers([
                header::RETRY_AFTER,
                header::HeaderName::from_static("retry-after-ms"),
            ]),
    )
}

fn error(status: StatusCode, message: &str, code: &str) -> Response {
    let body =
        json!({"error": {"message": message, "type": "proxy_error", "param": null, "code": code}});
    (status, Json(body)).into_response()
}

impl Proxy {
    /// A request to the API at `path`, with the key.
    fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        let url = format!("{}/{path}", self.options.base);
        let mut builder = self.client.request(method, url);
        if let Some(key) = &self.key {
            builder = if self
                .options
                .auth_header
                .eq_ignore_ascii_case("authorization")
            {
                builder.bearer_auth(key)
            } else {
                builder.header(self.options.auth_header.as_str(), key.as_str())
            };
        }
        builder
    }

    /// The API's response, passed back as it arrives.
    fn pass_back(&self, response: reqwest::Response) -> Response {
        let status =
            StatusCode::from_u16(response.status().as_u16()).unwrap_or(StatusCode::BAD_GATEWAY);
        let mut headers = HeaderMap::new();
        for name in PASSED_BACK {
            if let Some(v) = response
                .headers()
                .get(*name)
                .and_then(|v| HeaderValue::from_bytes(v.as_bytes()).ok())
            {
                headers.insert(*name, v);
            }
        }
        // An event stream must not be buffered by a proxy in front of this one (nginx).
        headers.insert("x-accel-buffering", HeaderValue::from_static("no"));
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
        (status, headers, Body::from_stream(response.bytes_stream())).into_response()
    }

    /// The client's address: the socket's or, when trusted, the last of `X-Forwarded-For`,
    /// the one the reverse proxy in front of this server saw (the first ones come from the
    /// client and can be anything).
    fn client_address(&self, peer: SocketAddr, headers: &HeaderMap) -> IpAddr {
        if self.options.trust_forwarded_for {
            let forwarded = headers
                .get_all("x-forwarded-for")
                .iter()
                .next_back()
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.rsplit(',').next())
                .and_then(|v| v.trim().parse().ok());
            if let Some(ip) = forwarded {
                return ip;
            }
        }
        peer.ip()
    }

    fn unreachable(&self, e: &reqwest::Error) -> Response {
        let what = if e.is_timeout() {
            "did not answer in time"
        } else {
            "could not be reached"
        };
        // reqwest's message names the URL, never the headers: the key stays out of it.
        eprintln!(
            "confab-server: the API at {} {what}: {e}",
            self.options.base
        );
        error(
            StatusCode::BAD_GATEWAY,
            &format!("The proxy's API at {} {what}.", self.options.base),
            "upstream_unreachable",
        )
    }
}

async fn chat_completions(
    State(proxy): State<Arc<Proxy>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let started = Instant::now();
    if let Some(limit) = proxy.options.rate_limit {
        let client = proxy.client_address(peer, &headers);
        let taken = proxy
            .counts
            .lock()
            .map_or(Ok(()), |mut c| c.take(client, limit, started));
        if let Err(seconds) = taken {
            eprintln!("POST /v1/chat/completions refused: {client} is over {limit} a minute");
            let mut r = error(
                StatusCode::TOO_MANY_REQUESTS,
                &format!("Too many messages: this server takes {limit} a minute from each visitor. Try again in {seconds} s."),
                "rate_limit_exceeded",
            );
            if let Ok(v) = HeaderValue::from_str(&seconds.to_string()) {
                r.headers_mut().insert(header::RETRY_AFTER, v);
            }
            return r;
        }
    }
    let mut req: Value = match serde_json::from_slice(&body) {
        Ok(v @ Value::Object(_)) => v,
        _ => {
            return error(
                StatusCode::BAD_REQUEST,
                "The request body is not a JSON object.",
                "invalid_json",
            )
        }
    };
    let model = req["model"].as_str().unwrap_or_default().to_owned();
    let allowed = &proxy.options.models;
    if !allowed.is_empty() && !allowed.contains(&model) {
        eprintln!("POST /v1/chat/completions model={model:?} refused: not an allowed model");
        return error(
            StatusCode::BAD_REQUEST,
            &format!(
                "This server does not offer the model \u{201c}{model}\u{201d}. It offers: {}.",
                allowed.join(", ")
            ),
            "model_not_allowed",
        );
    }
    if let Some(cap) = proxy.options.max_tokens {
        cap_tokens(&mut req, cap);
    }
    let accept = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("text/event-stream, application/json")
        .to_owned();
    let sent = proxy
        .request(reqwest::Method::POST, "chat/completions")
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header(reqwest::header::ACCEPT, accept)
        .body(req.to_string())
        .send()
        .await;
    match sent {
        Ok(response) => {
            eprintln!(
                "POST /v1/chat/completions model={model:?} -> {} in {} ms",
                response.status().as_u16(),
                started.elapsed().as_millis()
            );
            proxy.pass_back(response)
        }
        Err(e) => proxy.unreachable(&e),
    }
}

/// Lowers `max_tokens` and `max_completion_tokens` to `cap`; a request with neither gets
/// `max_tokens` (the name every compatible server reads).
fn cap_tokens(req: &mut Value, cap: u64) {
    let mut set = false;
    for name in ["max_tokens", "max_completion_tokens"] {
        if let Some(v) = req.get(name).filter(|v| !v.is_null()) {
            if v.as_u64().is_none_or(|n| n > cap) {
                req[name] = json!(cap);
            }
            set = true;
        }
    }
    if !set {
        req["max_tokens"] = json!(cap);
    }
}

async fn models(State(proxy): State<Arc<Proxy>>) -> Response {
    if !proxy.options.models.is_empty() {
        let data: Vec<Value> = proxy
            .options
            .models
            .iter()
            .map(
                |id| json!({"id": id, "object": "model", "created": 0, "owned_by": "confab-proxy"}),
            )
            .collect();
        return Json(json!({"object": "list", "data": data})).into_response();
    }
    match proxy
        .request(reqwest::Method::GET, "models")
        .header(reqwest::header::ACCEPT, "application/json")
        .send()
        .await
    {
        Ok(response) => proxy.pass_back(response),
        Err(e) => proxy.unreachable(&e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_client_gets_its_own_minute() {
        let mut counts = Counts::default();
        let (a, b): (IpAddr, IpAddr) = ("10.0.0.1".parse().unwrap(), "10.0.0.2".parse().unwrap());
        let t0 = Instant::now();
        assert_eq!(counts.take(a, 2, t0), Ok(()));
        assert_eq!(counts.take(a, 2, t0 + Duration::from_secs(1)), Ok(()));
        assert_eq!(counts.take(a, 2, t0 + Duration::from_secs(20)), Err(40));
        assert_eq!(counts.take(b, 2, t0 + Duration::from_secs(20)), Ok(()));
        assert_eq!(counts.take(a, 2, t0 + Duration::from_secs(60)), Ok(()));
    }

    #[test]
    fn token_caps() {
        let cases = [
            (json!({"max_tokens": 50}), json!({"max_tokens": 50})),
            (json!({"max_tokens": 5000}), json!({"max_tokens": 100})),
            (
                json!({"max_completion_tokens": 5000}),
                json!({"max_completion_tokens": 100}),
            ),
            (json!({"max_tokens": "lots"}), json!({"max_tokens": 100})),
            (json!({}), json!({"max_tokens": 100})),
            (json!({"max_tokens": null}), json!({"max_tokens": 100})),
        ];
        for (mut req, want) in cases {
            cap_tokens(&mut req, 100);
            assert_eq!(req, want);
        }
    }
}
