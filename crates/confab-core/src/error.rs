//! Every way a chat request can fail, each with a sentence a user understands.

use crate::api::ErrorObject;
use serde::{Deserialize, Serialize};

use crate::lenient;
use crate::params::ValidationError;

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[serde(into = "SavedError", from = "SavedError")]
pub enum ChatError {
    /// The server answered with an HTTP error status.
    #[error("HTTP {status}: {}", detail(.error, .body))]
    Http {
        status: u16,
        /// The API's own error object, when the body carried one.
        error: Option<ErrorObject>,
        /// The body as text (a proxy's plain text or HTML page reduced to its text), shortened.
        body: String,
        /// How long the server asked us to wait before retrying.
        retry_after_ms: Option<u64>,
    },
    /// The server reported an error in the middle of the stream.
    #[error("error in stream: {}", .0.message)]
    Stream(ErrorObject),
    /// An event's data was not the JSON of a chunk.
    #[error("invalid JSON in the stream ({reason}): {payload}")]
    InvalidJson { payload: String, reason: String },
    /// The connection failed or dropped.
    #[error("network error: {0}")]
    Network(String),
    /// A streamed answer was asked for and something else came back.
    #[error("expected an event stream, got {content_type}")]
    NotEventStream { content_type: String, body: String },
    /// The stream ended with neither `[DONE]` nor a finish reason.
    #[error("the answer ended early")]
    Incomplete,
    /// A request parameter was out of range; nothing was sent.
    #[error("{0}")]
    Invalid(ValidationError),
}

fn detail(error: &Option<ErrorObject>, body: &str) -> String {
    match error {
        Some(e) if !e.message.is_empty() => e.message.clone(),
        _ => body.to_owned(),
    }
}

impl ChatError {
    /// Builds the error for a non-success HTTP response from its status, body and headers.
    pub fn from_http(status: u16, body: &str, retry_after_ms: Option<u64>) -> ChatError {
        let error = serde_json::from_str::<serde_json::Value>(body)
            .ok()
            .and_then(|v| ErrorObject::find_in(&v));
        ChatError::Http {
            status,
            error,
            body: body_text(body),
            retry_after_ms,
        }
    }

    /// The HTTP status, when the server sent one.
    pub fn status(&self) -> Option<u16> {
        match self {
            ChatError::Http { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// The server's error code (`invalid_api_key`, `rate_limit_exceeded`, `503`, …) as it sent
    /// it, if any.
    pub fn code(&self) -> Option<&serde_json::Value> {
        match self {
            ChatError::Http { error: Some(e), .. } | ChatError::Stream(e) => {
                e.code.as_ref().map(|c| &c.0)
            }
            _ => None,
        }
    }

    /// The server's error `type` (`invalid_request_error`, …), if any.
    pub fn kind(&self) -> Option<&str> {
        match self {
            ChatError::Http { error: Some(e), .. } | ChatError::Stream(e) => e.kind.as_deref(),
            _ => None,
        }
    }

    /// What the server itself said, exactly as it said it: its error object's `message`, or
    /// the text of its body. `None` when the server said nothing (a network failure, a stream
    /// cut short, a request never sent).
    pub fn server_message(&self) -> Option<&str> {
        let said = match self {
            ChatError::Http { error, body, .. } => match error {
                Some(e) if !e.message.is_empty() => e.message.as_str(),
                _ => body.as_str(),
            },
            ChatError::Stream(e) => e.message.as_str(),
            _ => "",
        };
        (!said.is_empty()).then_some(said)
    }

    pub fn retry_after_ms(&self) -> Option<u64> {
        match self {
            ChatError::Http { retry_after_ms, .. } => *retry_after_ms,
            _ => None,
        }
    }

    /// Whether the server refused the request because of the parameter `name` (HTTP 400 or
    /// 422 naming it, as servers that do not know a parameter answer): sent without it, the
    /// request may succeed.
    pub fn rejects_parameter(&self, name: &str) -> bool {
        match self {
            ChatError::Http {
                status: 400 | 422,
                error,
                body,
                ..
            } => {
                body.contains(name)
                    || error.as_ref().is_some_and(|e| {
                        e.message.contains(name) || e.param.as_deref() == Some(name)
                    })
            }
            _ => false,
        }
    }

    /// Whether the server's words (its error message or the body) mention `text`.
    pub fn mentions(&self, text: &str) -> bool {
        match self {
            ChatError::Http { error, body, .. } => {
                body.contains(text) || error.as_ref().is_some_and(|e| e.message.contains(text))
            }
            ChatError::Stream(e) => e.message.contains(text),
            _ => false,
        }
    }

    /// Whether retrying the same request later may succeed on its own.
    pub fn is_rate_limit(&self) -> bool {
        self.status() == Some(429)
    }

    /// What happened and what to do, in one or two sentences for the person chatting.
    pub fn user_message(&self) -> String {
        match self {
            ChatError::Http { status, error, body, .. } => {
                let said = detail(error, body);
                let said = if said.is_empty() {
                    String::new()
                } else {
                    format!(" The server said: {}", quoted(&said))
                };
                let what = match status {
                    400 => "The server rejected the request (HTTP 400). Check the model and the request settings.".to_owned(),
                    401 => "The server refused the API key (HTTP 401). Check the key in the settings.".to_owned(),
                    403 => "The API key is not allowed to do this (HTTP 403). Check the key and its permissions.".to_owned(),
                    404 => "The server found no such model or endpoint (HTTP 404). Check the endpoint URL and the model name.".to_owned(),
                    405 => "The server does not take chat requests at this address (HTTP 405). Check the endpoint URL.".to_owned(),
                    408 | 504 => format!("The server took too long to answer (HTTP {status}). Try again."),
                    413 => "The conversation is too long for the server (HTTP 413). Start a new conversation or delete some messages.".to_owned(),
                    429 => "The server is rate-limiting requests (HTTP 429). Wait a moment and try again.".to_owned(),
                    500..=599 => format!("The server had a problem (HTTP {status}). Try again in a moment."),
                    _ => format!("The server answered with an error (HTTP {status})."),
                };
                format!("{what}{said}")
            }
            ChatError::Stream(e) => format!(
                "The server reported an error while answering: {} Try again.",
                quoted(if e.message.is_empty() { "no details given" } else { &e.message })
            ),
            ChatError::InvalidJson { payload, .. } => format!(
                "The server sent data that is not valid JSON, so the answer stopped there: {}",
                truncate(payload, 120)
            ),
            ChatError::Network(reason) => format!(
                "The connection to the server failed ({reason}). Check the endpoint and your network, and that the server allows requests from this page (CORS); then try again."
            ),
            ChatError::NotEventStream { content_type, body } => {
                let body = truncate(body, 120);
                format!("The server did not stream the answer: it sent “{content_type}” instead of an event stream. Check the endpoint URL.{}",
                    if body.is_empty() { String::new() } else { format!(" It said: “{body}”") })
            }
            ChatError::Incomplete => {
                "The answer ended before the server said it was finished; it may be incomplete. Try again.".to_owned()
            }
            ChatError::Invalid(v) => format!("Nothing was sent: {v}."),
        }
    }
}

/// The saved form: an object tagged with `kind`, the fields of the variant beside it.
#[derive(Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum SavedError {
    Http {
        status: u16,
        #[serde(default)]
        error: Option<ErrorObject>,
        #[serde(default, deserialize_with = "lenient::null_as_default")]
        body: String,
        #[serde(default)]
        retry_after_ms: Option<u64>,
    },
    Stream(ErrorObject),
    InvalidJson {
        #[serde(default, deserialize_with = "lenient::null_as_default")]
        payload: String,
        #[serde(default, deserialize_with = "lenient::null_as_default")]
        reason: String,
    },
    Network {
        #[serde(default, deserialize_with = "lenient::null_as_default")]
        reason: String,
    },
    NotEventStream {
        #[serde(default, deserialize_with = "lenient::null_as_default")]
        content_type: String,
        #[serde(default, deserialize_with = "lenient::null_as_default")]
        body: String,
    },
    Incomplete,
    Invalid {
        #[serde(default, deserialize_with = "lenient::null_as_default")]
        field: String,
        #[serde(default, deserialize_with = "lenient::null_as_default")]
        message: String,
    },
}

impl From<ChatError> for SavedError {
    fn from(e: ChatError) -> Self {
        match e {
            ChatError::Http {
                status,
                error,
                body,
                retry_after_ms,
            } => SavedError::Http {
                status,
                error,
                body,
                retry_after_ms,
            },
            ChatError::Stream(e) => SavedError::Stream(e),
            ChatError::InvalidJson { payload, reason } => {
                SavedError::InvalidJson { payload, reason }
            }
            ChatError::Network(reason) => SavedError::Network { reason },
            ChatError::NotEventStream { content_type, body } => {
                SavedError::NotEventStream { content_type, body }
            }
            ChatError::Incomplete => SavedError::Incomplete,
            ChatError::Invalid(v) => SavedError::Invalid {
                field: v.field,
                message: v.message,
            },
        }
    }
}

impl From<SavedError> for ChatError {
    fn from(e: SavedError) -> Self {
        match e {
            SavedError::Http {
                status,
                error,
                body,
                retry_after_ms,
            } => ChatError::Http {
                status,
                error,
                body,
                retry_after_ms,
            },
            SavedError::Stream(e) => ChatError::Stream(e),
            SavedError::InvalidJson { payload, reason } => {
                ChatError::InvalidJson { payload, reason }
            }
            SavedError::Network { reason } => ChatError::Network(reason),
            SavedError::NotEventStream { content_type, body } => {
                ChatError::NotEventStream { content_type, body }
            }
            SavedError::Incomplete => ChatError::Incomplete,
            SavedError::Invalid { field, message } => {
                ChatError::Invalid(ValidationError { field, message })
            }
        }
    }
}

/// A body as a short text: a proxy's HTML error page reduced to its title or its text.
pub fn body_text(body: &str) -> String {
    let trimmed = body.trim();
    let looks_html = trimmed.starts_with('<');
    let text = if looks_html {
        let lower = trimmed.to_ascii_lowercase();
        match (lower.find("<title>"), lower.find("</title>")) {
            (Some(a), Some(b)) if b > a + 7 => trimmed[a + 7..b].to_owned(),
            _ => strip_tags(trimmed),
        }
    } else {
        trimmed.to_owned()
    };
    let collapsed = text.split_whitespace().collect::<Vec<_>>().join(" ");
    truncate(&collapsed, 300)
}

fn strip_tags(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut in_tag = false;
    for c in s.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                out.push(' ');
            }
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

/// The server's words in quotation marks, ending the sentence: a full stop after them unless
/// they end a sentence themselves.
fn quoted(words: &str) -> String {
    let words = words.trim();
    let ended = words.ends_with(['.', '!', '?', '…']);
    format!("“{words}”{}", if ended { "" } else { "." })
}

/// At most `max` bytes of `s`, cut at a character boundary.
pub(crate) fn truncate(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_owned();
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &s[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_parameter_the_server_does_not_know_is_recognised() {
        let refused = [
            // Azure OpenAI, older API versions.
            (
                400,
                r#"{"error":{"message":"Unrecognized request argument supplied: stream_options","type":"invalid_request_error","param":null,"code":null}}"#,
            ),
            // Groq.
            (
                400,
                r#"{"error":{"message":"'stream_options' : property 'stream_options' is unsupported","type":"invalid_request_error"}}"#,
            ),
            // Mistral (pydantic): the message is an object.
            (
                422,
                r#"{"object":"error","message":{"detail":[{"type":"extra_forbidden","loc":["body","stream_options"],"msg":"Extra inputs are not permitted"}]},"type":"invalid_request_message_error"}"#,
            ),
            // Only the param field names it.
            (
                400,
                r#"{"error":{"message":"Unknown parameter.","type":"invalid_request_error","param":"stream_options"}}"#,
            ),
        ];
        for (status, body) in refused {
            assert!(
                ChatError::from_http(status, body, None).rejects_parameter("stream_options"),
                "{status} {body}"
            );
        }
        let other = [
            (
                400,
                r#"{"error":{"message":"max_tokens is too large","param":"max_tokens"}}"#,
            ),
            (401, r#"{"error":{"message":"stream_options needs a key"}}"#),
            (500, "stream_options"),
        ];
        for (status, body) in other {
            assert!(
                !ChatError::from_http(status, body, None).rejects_parameter("stream_options"),
                "{status} {body}"
            );
        }
        assert!(!ChatError::Network("stream_options".into()).rejects_parameter("stream_options"));
    }

    #[test]
    fn http_errors_say_what_to_do() {
        let cases: &[(u16, &str, &[&str])] = &[
            (401, r#"{"error":{"message":"Incorrect API key provided","type":"invalid_request_error","code":"invalid_api_key"}}"#,
                &["API key", "401", "Incorrect API key provided"]),
            (403, "forbidden", &["key", "403"]),
            (404, r#"{"error":"model \"llama9\" not found, try pulling it first"}"#, &["model", "endpoint", "llama9"]),
            (429, r#"{"error":{"message":"Rate limit reached","code":"rate_limit_exceeded"}}"#, &["rate-limiting", "Rate limit reached"]),
            (502, "<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1><hr>nginx</body></html>",
                &["HTTP 502", "“502 Bad Gateway”"]),
            (500, "", &["HTTP 500", "Try again"]),
            (405, "Method Not Allowed", &["HTTP 405", "endpoint URL"]),
        ];
        for (status, body, needles) in cases {
            let msg = ChatError::from_http(*status, body, None).user_message();
            for n in *needles {
                assert!(msg.contains(n), "{status}: {msg:?} lacks {n:?}");
            }
            assert!(!msg.contains('<'), "HTML leaked into {msg:?}");
        }
    }

    #[test]
    fn code_and_status_are_exposed() {
        let e = ChatError::from_http(
            401,
            r#"{"error":{"message":"m","code":"invalid_api_key"}}"#,
            None,
        );
        assert_eq!(e.status(), Some(401));
        assert_eq!(e.code(), Some(&serde_json::Value::from("invalid_api_key")));
    }

    #[test]
    fn the_servers_words_end_the_sentence_once() {
        let stream = |message: &str| {
            ChatError::Stream(ErrorObject {
                message: message.into(),
                ..ErrorObject::default()
            })
            .user_message()
        };
        assert_eq!(
            stream("The model crashed."),
            "The server reported an error while answering: “The model crashed.” Try again."
        );
        assert_eq!(
            stream("overloaded"),
            "The server reported an error while answering: “overloaded”. Try again."
        );
        assert!(
            ChatError::from_http(500, r#"{"error":{"message":"boom"}}"#, None)
                .user_message()
                .ends_with("The server said: “boom”.")
        );
        assert!(
            ChatError::from_http(500, r#"{"error":{"message":"Boom!"}}"#, None)
                .user_message()
                .ends_with("The server said: “Boom!”")
        );
    }

    #[test]
    fn every_error_survives_saving() {
        let errors = [
            ChatError::from_http(
                429,
                r#"{"error":{"message":"slow","type":"t","code":7}}"#,
                Some(1500),
            ),
            ChatError::from_http(502, "<title>Bad Gateway</title>", None),
            ChatError::Stream(ErrorObject {
                message: "overloaded".into(),
                kind: Some("server_error".into()),
                param: None,
                code: Some(crate::api::ErrorCode(503.into())),
            }),
            ChatError::InvalidJson {
                payload: "{x".into(),
                reason: "key must be a string".into(),
            },
            ChatError::Network("Failed to fetch".into()),
            ChatError::NotEventStream {
                content_type: "text/html".into(),
                body: "hi".into(),
            },
            ChatError::Incomplete,
            ChatError::Invalid(ValidationError {
                field: "temperature".into(),
                message: "must be a number".into(),
            }),
        ];
        for e in errors {
            let text = serde_json::to_string(&e).unwrap();
            let back: ChatError = serde_json::from_str(&text).unwrap();
            assert_eq!(back, e, "{text}");
        }
    }
}
