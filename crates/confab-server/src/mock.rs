//! The OpenAI-compatible mock: `POST /v1/chat/completions` (streamed and not) and
//! `GET /v1/models`, with pacing and fault injection.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Body;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use bytes::Bytes;
use serde_json::{json, Value};
use tokio::sync::mpsc;

use crate::answer;
use crate::scenario::{Scenario, MODELS};
use crate::Config;

/// How streamed answers are paced.
#[derive(Clone, Copy, Debug)]
pub struct Pace {
    /// Tokens per second; 0 or less sends as fast as the socket takes them.
    pub tokens_per_second: f64,
    /// Split every SSE event into writes of this many bytes; 0 keeps events whole.
    pub bytes_per_write: usize,
}

#[derive(Clone)]
struct AppState {
    pace: Pace,
    /// Prompts that already got their one 429 (`mock-429-once`).
    rate_limited: Arc<Mutex<HashSet<String>>>,
}

pub fn router(config: &Config) -> Router {
    let state = AppState {
        pace: config.pace,
        rate_limited: Arc::default(),
    };
    Router::new()
        .route("/v1/chat/completions", post(chat_completions))
        .route("/chat/completions", post(chat_completions))
        .route("/v1/models", get(models))
        .route("/models", get(models))
        .with_state(state)
}

/// The widget may be served from another origin than the API (a CDN and an API host): the mock
/// allows every origin.
pub fn cors() -> tower_http::cors::CorsLayer {
    tower_http::cors::CorsLayer::permissive().expose_headers([
        HeaderName::from_static("retry-after"),
        HeaderName::from_static("retry-after-ms"),
    ])
}

async fn models() -> Json<Value> {
    let data: Vec<Value> = MODELS
        .iter()
        .map(|(id, description)| {
            json!({"id": id, "object": "model", "created": 0, "owned_by": "confab-mock", "description": description})
        })
        .collect();
    Json(json!({"object": "list", "data": data}))
}

fn error_response(status: StatusCode, message: &str, kind: &str, code: &str) -> Response {
    let body = json!({"error": {"message": message, "type": kind, "param": null, "code": code}});
    (status, Json(body)).into_response()
}

async fn chat_completions(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let req: Value = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(e) => {
            return error_response(
                StatusCode::BAD_REQUEST,
                &format!("The request body is not valid JSON: {e}"),
                "invalid_request_error",
                "invalid_json",
            )
        }
    };
    let model = req["model"].as_str().unwrap_or("").to_owned();
    let Some(messages) = req["messages"].as_array().filter(|m| !m.is_empty()) else {
        return error_response(
            StatusCode::BAD_REQUEST,
            "`messages` must be a non-empty array.",
            "invalid_request_error",
            "invalid_messages",
        );
    };
    if model.is_empty() {
        return error_response(
            StatusCode::BAD_REQUEST,
            "`model` is required.",
            "invalid_request_error",
            "missing_model",
        );
    }
    let prompt = messages
        .iter()
        .rev()
        .find(|m| m["role"] == "user")
        .and_then(|m| m["content"].as_str())
        .unwrap_or("")
        .to_owned();
    let stream = req["stream"].as_bool().unwrap_or(false);
    let include_usage = req["stream_options"]["include_usage"]
        .as_bool()
        .unwrap_or(false);
    let n = req["n"].as_u64().unwrap_or(1).clamp(1, 8) as u32;
    let max_tokens = req["max_tokens"]
        .as_u64()
        .or_else(|| req["max_completion_tokens"].as_u64())
        .map(|m| m as usize);
    let scenario = Scenario::from_model(&model);

    match scenario {
        Scenario::RateLimited => return rate_limited(),
        Scenario::RateLimitedOnce
            if state.rate_limited.lock().expect("lock").insert(prompt.clone()) => {
                return rate_limited();
            }
        Scenario::Status(401) => {
            return error_response(
                StatusCode::UNAUTHORIZED,
                "Incorrect API key provided: sk-mock****. You can find your API key in your account settings.",
                "invalid_request_error",
                "invalid_api_key",
            )
        }
        Scenario::Status(403) => {
            return error_response(
                StatusCode::FORBIDDEN,
                "You are not allowed to use this model.",
                "permission_error",
                "forbidden",
            )
        }
        Scenario::Status(404) => {
            return error_response(
                StatusCode::NOT_FOUND,
                &format!("The model `{model}` does not exist or you do not have access to it."),
                "invalid_request_error",
                "model_not_found",
            )
        }
        Scenario::Status(code) => {
            let status = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            return error_response(status, "The mock was asked to fail.", "server_error", "mock_failure");
        }
        Scenario::NoStreamOptions if req.get("stream_options").is_some() => {
            return error_response(
                StatusCode::BAD_REQUEST,
                "Unrecognized request argument supplied: stream_options",
                "invalid_request_error",
                "unknown_parameter",
            )
        }
        Scenario::MaxCompletionTokens if req.get("max_tokens").is_some() => {
            return error_response(
                StatusCode::BAD_REQUEST,
                "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead.",
                "invalid_request_error",
                "unsupported_parameter",
            )
        }
        Scenario::HtmlBadGateway => {
            return (
                StatusCode::BAD_GATEWAY,
                [(header::CONTENT_TYPE, "text/html")],
                "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>",
            )
                .into_response()
        }
        Scenario::NotEventStream => {
            return (
                StatusCode::OK,
                [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
                "<!doctype html><html><head><title>Welcome</title></head><body>This is a web page, not an API.</body></html>",
            )
                .into_response()
        }
        _ => {}
    }

    let texts: Vec<String> = (0..n)
        .map(|i| match scenario {
            Scenario::Echo | Scenario::SplitSurrogates => prompt.clone(),
            Scenario::Inspect => inspect(&headers, &req),
            Scenario::Long(tokens) => answer::long(tokens),
            Scenario::Refusal | Scenario::Tools | Scenario::Empty => String::new(),
            // Reasoning inline, as a server without a reasoning parser sends it. The tokenizer
            // splits both tags across chunks.
            Scenario::ThinkTags => format!(
                "<think>\nThe user wants a demonstration. I will think briefly, then answer.\n</think>\n\n{}",
                answer::normal(&prompt, i)
            ),
            _ => answer::normal(&prompt, i),
        })
        .collect();
    let completion_id = format!("chatcmpl-mock-{}", fnv(&prompt));

    if !stream {
        return Json(whole_completion(
            &completion_id,
            &model,
            &texts,
            scenario,
            max_tokens,
        ))
        .into_response();
    }

    let pace = match scenario {
        Scenario::Slow => Pace {
            tokens_per_second: 8.0,
            ..state.pace
        },
        Scenario::Fast => Pace {
            tokens_per_second: 0.0,
            ..state.pace
        },
        _ => state.pace,
    };
    let events = stream_events(
        &completion_id,
        &model,
        &texts,
        scenario,
        include_usage,
        max_tokens,
    );
    let (tx, rx) = mpsc::channel::<Result<Bytes, std::io::Error>>(64);
    tokio::spawn(send_paced(events, pace, tx));
    let body = Body::from_stream(futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|item| (item, rx))
    }));
    let content_type = if scenario == Scenario::PlainTextStream {
        "text/plain"
    } else {
        "text/event-stream"
    };
    Response::builder()
        .header(header::CONTENT_TYPE, content_type)
        .header(header::CACHE_CONTROL, "no-cache")
        .body(body)
        .expect("response")
}

/// The request as received, for `mock-inspect`: body and headers, the key masked.
fn inspect(headers: &HeaderMap, req: &Value) -> String {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let authorization = header("authorization").map(|v| match v.strip_prefix("Bearer ") {
        Some(key) => format!("Bearer <{} characters>", key.len()),
        None => "<not a Bearer token>".to_owned(),
    });
    json!({
        "headers": {
            "content-type": header("content-type"),
            "accept": header("accept"),
            "authorization": authorization,
            "api-key": header("api-key").map(|k| format!("<{} characters>", k.len())),
            "http-referer": header("http-referer"),
            "x-title": header("x-title"),
        },
        "body": req,
    })
    .to_string()
}

fn rate_limited() -> Response {
    let mut r = error_response(
        StatusCode::TOO_MANY_REQUESTS,
        "Rate limit reached for requests. Please try again in 1.5s.",
        "requests",
        "rate_limit_exceeded",
    );
    r.headers_mut()
        .insert("retry-after-ms", HeaderValue::from_static("1500"));
    r.headers_mut()
        .insert("retry-after", HeaderValue::from_static("2"));
    r
}

/// One piece of the streamed body.
enum Event {
    /// An SSE event, paced as one token.
    Token(String),
    /// An SSE event sent without waiting.
    Immediate(String),
    /// Cut the connection here.
    Drop,
}

/// `text` cut every `units` UTF-16 code units, each piece as the inside of a JSON string
/// literal, with every code unit outside ASCII written as a `\uXXXX` escape, as
/// `JSON.stringify` on a JavaScript string sliced that way would give (so a surrogate pair
/// may be split between two pieces).
fn utf16_pieces(text: &str, units: usize) -> Vec<String> {
    let all: Vec<u16> = text.encode_utf16().collect();
    all.chunks(units.max(1))
        .map(|piece| {
            let mut out = String::new();
            for &u in piece {
                match u {
                    0x22 => out.push_str("\\\""),
                    0x5C => out.push_str("\\\\"),
                    0x20..=0x7E => out.push(u as u8 as char),
                    _ => out.push_str(&format!("\\u{u:04x}")),
                }
            }
            out
        })
        .collect()
}

fn data(v: &Value) -> String {
    format!("data: {v}\n\n")
}

fn chunk(id: &str, model: &str, choices: Value) -> Value {
    json!({"id": id, "object": "chat.completion.chunk", "created": 1_700_000_000, "model": model, "choices": choices})
}

fn stream_events(
    id: &str,
    model: &str,
    texts: &[String],
    scenario: Scenario,
    include_usage: bool,
    max_tokens: Option<usize>,
) -> Vec<Event> {
    let mut events = Vec::new();
    let roles: Vec<Value> = (0..texts.len())
        .map(|i| json!({"index": i, "delta": {"role": "assistant", "content": ""}, "finish_reason": null}))
        .collect();
    events.push(Event::Immediate(data(&chunk(
        id,
        model,
        Value::Array(roles),
    ))));

    let cut = match scenario {
        Scenario::Drop
        | Scenario::ErrorMidStream
        | Scenario::BadJson
        | Scenario::NoDone
        | Scenario::ContentFilter => Some(12),
        Scenario::Length => Some(max_tokens.unwrap_or(24).min(24)),
        _ => max_tokens,
    };
    let mut completion_tokens = 0;
    let mut finish = Vec::new();
    for (i, text) in texts.iter().enumerate() {
        if scenario == Scenario::Reasoning {
            for tok in answer::tokenize(
                "The user wants a demonstration. I will think briefly, then answer.",
            ) {
                events.push(Event::Token(data(&chunk(
                    id,
                    model,
                    json!([{"index": i, "delta": {"reasoning_content": tok}, "finish_reason": null}]),
                ))));
            }
        }
        if scenario == Scenario::SplitSurrogates {
            for piece in utf16_pieces(text, 3) {
                events.push(Event::Token(format!(
                    "data: {{\"id\":\"{id}\",\"object\":\"chat.completion.chunk\",\"model\":{},\"choices\":[{{\"index\":{i},\"delta\":{{\"content\":\"{piece}\"}},\"finish_reason\":null}}]}}\n\n",
                    json!(model)
                )));
            }
            finish.push((i, "stop"));
            continue;
        }
        let tokens = answer::tokenize(text);
        let take = cut.unwrap_or(tokens.len()).min(tokens.len());
        for tok in &tokens[..take] {
            events.push(Event::Token(data(&chunk(
                id,
                model,
                json!([{"index": i, "delta": {"content": tok}, "finish_reason": null}]),
            ))));
        }
        completion_tokens += take;
        let reason = if scenario == Scenario::ContentFilter {
            "content_filter"
        } else if take < tokens.len() {
            "length"
        } else {
            "stop"
        };
        finish.push((i, reason));
    }
    match scenario {
        Scenario::Drop => {
            events.push(Event::Drop);
            return events;
        }
        Scenario::ErrorMidStream => {
            events.push(Event::Immediate(data(&json!({"error": {
                "message": "The mock's upstream model crashed in the middle of the answer.",
                "type": "server_error", "param": null, "code": "mock_midstream_error"}}))));
            events.push(Event::Immediate("data: [DONE]\n\n".into()));
            return events;
        }
        Scenario::BadJson => {
            events.push(Event::Immediate(
                "data: {\"choices\": [{\"delta\": oops}\n\n".into(),
            ));
            events.push(Event::Immediate("data: [DONE]\n\n".into()));
            return events;
        }
        Scenario::NoDone => return events,
        Scenario::Refusal => {
            for tok in answer::tokenize(
                "I can't help with that request, because the mock was told to refuse.",
            ) {
                events.push(Event::Token(data(&chunk(
                    id,
                    model,
                    json!([{"index": 0, "delta": {"refusal": tok}, "finish_reason": null}]),
                ))));
            }
        }
        Scenario::Tools => {
            let calls = [
                (
                    0,
                    "call_mock_weather",
                    "get_weather",
                    "{\"city\": \"Paris\", \"unit\": \"celsius\"}",
                ),
                (
                    1,
                    "call_mock_time",
                    "get_time",
                    "{\"timezone\": \"Europe/Paris\"}",
                ),
            ];
            for (index, call_id, name, args) in calls {
                events.push(Event::Token(data(&chunk(id, model, json!([{"index": 0, "delta": {"tool_calls": [
                    {"index": index, "id": call_id, "type": "function", "function": {"name": name, "arguments": ""}}
                ]}, "finish_reason": null}])))));
                for piece in answer::tokenize(args) {
                    events.push(Event::Token(data(&chunk(
                        id,
                        model,
                        json!([{"index": 0, "delta": {"tool_calls": [
                        {"index": index, "function": {"arguments": piece}}
                    ]}, "finish_reason": null}]),
                    ))));
                }
            }
            finish = vec![(0, "tool_calls")];
        }
        _ => {}
    }
    let finishes: Vec<Value> = finish
        .iter()
        .rev()
        .map(|(i, reason)| json!({"index": i, "delta": {}, "finish_reason": reason}))
        .collect();
    events.push(Event::Immediate(data(&chunk(
        id,
        model,
        Value::Array(finishes),
    ))));
    if include_usage {
        let mut last = chunk(id, model, json!([]));
        last["usage"] = usage(texts, completion_tokens);
        events.push(Event::Immediate(data(&last)));
    }
    events.push(Event::Immediate("data: [DONE]\n\n".into()));
    events
}

fn usage(texts: &[String], completion_tokens: usize) -> Value {
    let prompt_tokens = 10 + texts.len();
    json!({"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
           "total_tokens": prompt_tokens + completion_tokens})
}

fn whole_completion(
    id: &str,
    model: &str,
    texts: &[String],
    scenario: Scenario,
    max_tokens: Option<usize>,
) -> Value {
    let mut completion_tokens = 0;
    let choices: Vec<Value> = texts
        .iter()
        .enumerate()
        .map(|(i, text)| {
            let tokens = answer::tokenize(text);
            let take = max_tokens.unwrap_or(tokens.len()).min(tokens.len());
            completion_tokens += take;
            let mut message = json!({"role": "assistant", "content": tokens[..take].concat()});
            let mut reason = if take < tokens.len() { "length" } else { "stop" };
            match scenario {
                Scenario::Tools => {
                    message["content"] = Value::Null;
                    message["tool_calls"] = json!([{"id": "call_mock_weather", "type": "function",
                        "function": {"name": "get_weather", "arguments": "{\"city\": \"Paris\"}"}}]);
                    reason = "tool_calls";
                }
                Scenario::Refusal => {
                    message["content"] = Value::Null;
                    message["refusal"] = json!("I can't help with that request.");
                }
                Scenario::Reasoning => message["reasoning_content"] = json!("The user wants a demonstration."),
                _ => {}
            }
            json!({"index": i, "message": message, "finish_reason": reason, "logprobs": null})
        })
        .collect();
    json!({"id": id, "object": "chat.completion", "created": 1_700_000_000, "model": model,
           "choices": choices, "usage": usage(texts, completion_tokens)})
}

async fn send_paced(
    events: Vec<Event>,
    pace: Pace,
    tx: mpsc::Sender<Result<Bytes, std::io::Error>>,
) {
    let delay = (pace.tokens_per_second > 0.0)
        .then(|| Duration::from_secs_f64(1.0 / pace.tokens_per_second));
    for event in events {
        let text = match event {
            Event::Token(text) => {
                if let Some(d) = delay {
                    tokio::time::sleep(d).await;
                }
                text
            }
            Event::Immediate(text) => text,
            Event::Drop => {
                if let Some(d) = delay {
                    tokio::time::sleep(d).await;
                }
                let _ = tx
                    .send(Err(std::io::Error::new(
                        std::io::ErrorKind::ConnectionReset,
                        "mock-drop",
                    )))
                    .await;
                return;
            }
        };
        let bytes = Bytes::from(text);
        let pieces: Vec<Bytes> = if pace.bytes_per_write == 0 {
            vec![bytes]
        } else {
            (0..bytes.len())
                .step_by(pace.bytes_per_write)
                .map(|at| bytes.slice(at..(at + pace.bytes_per_write).min(bytes.len())))
                .collect()
        };
        for piece in pieces {
            if tx.send(Ok(piece)).await.is_err() {
                return; // The client went away (Stop).
            }
        }
    }
}

/// A stable id from the prompt, so answers are deterministic.
fn fnv(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ b as u64).wrapping_mul(0x0100_0000_01b3)
    })
}
