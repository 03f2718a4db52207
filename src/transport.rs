//! The network side: one chat completions request through the browser's fetch (gloo-net),
//! its body read incrementally and decoded by `confab-core` as it arrives.

use confab_core::api::{ChatCompletion, ChatCompletionRequest};
use confab_core::retry::retry_after_ms;
use confab_core::{ChatError, ChunkDecoder, StreamEvent};
use gloo_net::http::{Request, Response};
use serde::Deserialize;
use wasm_bindgen::JsCast;
use web_sys::AbortSignal;

/// The longest stretch of stream handling before the browser gets a turn.
const YIELD_AFTER_MS: f64 = 8.0;

/// How much of one network read is decoded between checks of [`YIELD_AFTER_MS`].
const READ_SLICE: usize = 4 * 1024;

/// What a request delivered, in the order it arrived.
pub enum Received {
    /// Events decoded from one network read of a streamed body.
    Events(Vec<StreamEvent>),
    /// A whole non-streamed answer.
    Completion(ChatCompletion),
}

/// How a request ended.
#[derive(Debug)]
pub enum Outcome {
    /// The body ended; `saw_done` tells whether `[DONE]` (or an error event) ended it.
    Finished { saw_done: bool },
    /// The abort signal fired (the user pressed Stop).
    Aborted,
    /// The request failed before or while reading the body.
    Failed(ChatError),
}

/// Sends `request` to `url` and calls `on_update` as the answer arrives.
pub async fn send(
    url: &str,
    headers: &[(String, String)],
    request: &ChatCompletionRequest,
    signal: &AbortSignal,
    mut on_update: impl FnMut(Received),
) -> Outcome {
    let streaming = request.stream.unwrap_or(false);
    let body = match serde_json::to_string(request) {
        Ok(body) => body,
        Err(e) => {
            return Outcome::Failed(ChatError::Invalid(confab_core::ValidationError {
                field: "request".into(),
                message: format!("could not be written as JSON ({e})"),
            }))
        }
    };
    let mut builder = Request::post(url)
        .header("Content-Type", "application/json")
        .header(
            "Accept",
            if streaming {
                "text/event-stream"
            } else {
                "application/json"
            },
        )
        .abort_signal(Some(signal));
    for (name, value) in headers {
        builder = builder.header(name, value);
    }
    let response = match builder.body(body) {
        Ok(r) => r.send().await,
        Err(e) => Err(e),
    };
    let response = match response {
        Ok(r) => r,
        Err(_) if signal.aborted() => return Outcome::Aborted,
        Err(e) => return Outcome::Failed(ChatError::Network(network_reason(&e))),
    };
    if !response.ok() {
        return Outcome::Failed(http_error(&response).await);
    }
    let content_type = response.headers().get("content-type").unwrap_or_default();
    if content_type.contains("text/event-stream") {
        read_stream(response, signal, on_update).await
    } else {
        // A server that ignores `stream: true` and sends a whole answer is still understood;
        // anything else (an HTML page, plain text) is an error.
        let text = match response.text().await {
            Ok(t) => t,
            Err(_) if signal.aborted() => return Outcome::Aborted,
            Err(e) => return Outcome::Failed(ChatError::Network(network_reason(&e))),
        };
        let trimmed = text.trim_start();
        if streaming && (trimmed.starts_with("data:") || trimmed.starts_with(':')) {
            // An event stream with the wrong content type (some proxies): decode it all at once.
            let mut decoder = ChunkDecoder::new();
            let mut events = decoder.feed(text.as_bytes());
            events.extend(decoder.finish());
            let saw_done = decoder.ended();
            if !events.is_empty() {
                on_update(Received::Events(events));
            }
            return Outcome::Finished { saw_done };
        }
        let value =
            serde_json::from_str::<serde_json::Value>(&confab_core::surrogates::mark_lone(&text));
        let completion = value
            .as_ref()
            .ok()
            .filter(|v| v.is_object())
            .and_then(|v| ChatCompletion::deserialize(v.clone()).ok());
        match completion {
            Some(c) if !c.choices.is_empty() => {
                on_update(Received::Completion(c));
                Outcome::Finished { saw_done: true }
            }
            _ => {
                if let Some(e) = value
                    .ok()
                    .and_then(|v| confab_core::api::ErrorObject::find_in(&v))
                {
                    return Outcome::Failed(ChatError::Stream(e));
                }
                Outcome::Failed(ChatError::NotEventStream {
                    content_type: if content_type.is_empty() {
                        "no content type".into()
                    } else {
                        content_type
                    },
                    body: confab_core::error::body_text(&text),
                })
            }
        }
    }
}

async fn read_stream(
    response: Response,
    signal: &AbortSignal,
    mut on_update: impl FnMut(Received),
) -> Outcome {
    let Some(raw) = response.body() else {
        return Outcome::Finished { saw_done: false };
    };
    // Read with the stream's own reader: one `read()` promise at a time.
    let reader: web_sys::ReadableStreamDefaultReader = raw.get_reader().unchecked_into();
    let outcome = read_chunks(&reader, signal, &mut on_update).await;
    // Whatever ended the loop, let go of the body: after `[DONE]` the connection can close.
    // On an aborted or broken stream `cancel()` rejects with that error: it is awaited here, so
    // that no rejection reaches the host page's `unhandledrejection` handlers.
    let cancelled = reader.cancel();
    wasm_bindgen_futures::spawn_local(async move {
        let _ = wasm_bindgen_futures::JsFuture::from(cancelled).await;
    });
    outcome
}

/// The next chunk of the body: `Ok(None)` at its end.
async fn next_chunk(
    reader: &web_sys::ReadableStreamDefaultReader,
) -> Result<Option<Vec<u8>>, wasm_bindgen::JsValue> {
    let result = wasm_bindgen_futures::JsFuture::from(reader.read()).await?;
    let done = js_sys::Reflect::get(&result, &"done".into())?;
    if done.is_truthy() {
        return Ok(None);
    }
    let value = js_sys::Reflect::get(&result, &"value".into())?;
    Ok(Some(js_sys::Uint8Array::new(&value).to_vec()))
}

async fn read_chunks(
    reader: &web_sys::ReadableStreamDefaultReader,
    signal: &AbortSignal,
    on_update: &mut impl FnMut(Received),
) -> Outcome {
    let mut decoder = ChunkDecoder::new();
    let mut saw_done = false;
    // Buffered reads resolve as microtasks, so a fast stream could be handled in one long task
    // that blocks input and painting. Every few milliseconds of work, yield to the event loop.
    let mut slice_start = js_sys::Date::now();
    loop {
        let before = js_sys::Date::now();
        let read = match next_chunk(reader).await {
            Ok(Some(bytes)) => Ok(bytes),
            Ok(None) => break,
            Err(e) => Err(e),
        };
        let now = js_sys::Date::now();
        if now - before > 1.0 {
            // The read waited for the network: the browser had its turn meanwhile.
            slice_start = now;
        } else if now - slice_start > YIELD_AFTER_MS {
            crate::timing::sleep_ms(0).await;
            slice_start = js_sys::Date::now();
        }
        match read {
            Ok(bytes) => {
                // One read can bring a whole buffered burst (tens of KB, thousands of events
                // at full speed): it is decoded a slice at a time, with the browser's turn
                // between slices, so that no single task runs long.
                for piece in bytes.chunks(READ_SLICE) {
                    let events = decoder.feed(piece);
                    saw_done |= decoder.ended();
                    if !events.is_empty() {
                        on_update(Received::Events(events));
                    }
                    if saw_done {
                        // `[DONE]` or an error event: nothing after it matters.
                        return Outcome::Finished { saw_done };
                    }
                    if js_sys::Date::now() - slice_start > YIELD_AFTER_MS {
                        crate::timing::sleep_ms(0).await;
                        slice_start = js_sys::Date::now();
                    }
                }
            }
            Err(_) if signal.aborted() => return Outcome::Aborted,
            Err(e) => {
                let events = decoder.finish();
                if !events.is_empty() {
                    on_update(Received::Events(events));
                }
                let reason = js_error_text(&e);
                return Outcome::Failed(ChatError::Network(format!(
                    "the connection dropped mid-answer: {reason}"
                )));
            }
        }
    }
    let events = decoder.finish();
    saw_done |= decoder.ended();
    if !events.is_empty() {
        on_update(Received::Events(events));
    }
    Outcome::Finished { saw_done }
}

async fn http_error(response: &Response) -> ChatError {
    let headers = response.headers();
    let now = js_sys::Date::now() as u64;
    let retry = retry_after_ms(
        headers.get("retry-after-ms").as_deref(),
        headers.get("retry-after").as_deref(),
        now,
    );
    let body = response.text().await.unwrap_or_default();
    ChatError::from_http(response.status(), &body, retry)
}

fn network_reason(e: &gloo_net::Error) -> String {
    match e {
        gloo_net::Error::JsError(js) => js.message.clone(),
        other => other.to_string(),
    }
}

fn js_error_text(e: &wasm_bindgen::JsValue) -> String {
    e.dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| e.as_string())
        .unwrap_or_else(|| "unknown error".to_owned())
}

/// The model ids `GET {endpoint}/models` offers; an error when the server offers none.
pub async fn list_models(
    models_url: &str,
    headers: &[(String, String)],
) -> Result<Vec<String>, ChatError> {
    let mut builder = Request::get(models_url).header("Accept", "application/json");
    for (name, value) in headers {
        builder = builder.header(name, value);
    }
    let response = builder
        .send()
        .await
        .map_err(|e| ChatError::Network(network_reason(&e)))?;
    if !response.ok() {
        return Err(http_error(&response).await);
    }
    let text = response
        .text()
        .await
        .map_err(|e| ChatError::Network(network_reason(&e)))?;
    let list: confab_core::api::ModelList =
        confab_core::lenient::parse(&text).map_err(|e| ChatError::InvalidJson {
            payload: confab_core::error::body_text(&text),
            reason: e.to_string(),
        })?;
    Ok(list.data.into_iter().map(|m| m.id).collect())
}
