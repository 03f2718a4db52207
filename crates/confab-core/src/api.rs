//! Wire types of the OpenAI chat completions API, named as the API names them.
//!
//! Deserialization is lenient the way real servers need (see `lenient`): unknown fields are
//! ignored, `null` is treated like an absent field, a field of an unexpected shape counts as
//! absent, and unknown enum values are kept rather than rejected.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

use crate::lenient;

/// Who wrote a message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    System,
    Developer,
    User,
    Assistant,
    Function,
    Tool,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::System => "system",
            Role::Developer => "developer",
            Role::User => "user",
            Role::Assistant => "assistant",
            Role::Function => "function",
            Role::Tool => "tool",
        }
    }
}

/// Why a choice stopped. Servers send values of their own (`eos`, `end_turn`, OpenRouter's
/// `error`, …); those pass through as [`FinishReason::Other`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FinishReason {
    Stop,
    Length,
    ToolCalls,
    FunctionCall,
    ContentFilter,
    Other(String),
}

impl FinishReason {
    pub fn as_str(&self) -> &str {
        match self {
            FinishReason::Stop => "stop",
            FinishReason::Length => "length",
            FinishReason::ToolCalls => "tool_calls",
            FinishReason::FunctionCall => "function_call",
            FinishReason::ContentFilter => "content_filter",
            FinishReason::Other(s) => s,
        }
    }
}

impl From<&str> for FinishReason {
    fn from(s: &str) -> Self {
        match s {
            "stop" => FinishReason::Stop,
            "length" => FinishReason::Length,
            "tool_calls" => FinishReason::ToolCalls,
            "function_call" => FinishReason::FunctionCall,
            "content_filter" => FinishReason::ContentFilter,
            other => FinishReason::Other(other.to_owned()),
        }
    }
}

impl Serialize for FinishReason {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for FinishReason {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(|s| FinishReason::from(s.as_str()))
    }
}

/// Token counts. Fields servers leave out (or send oddly) count as zero.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Usage {
    #[serde(default, deserialize_with = "lenient::count")]
    pub prompt_tokens: u64,
    #[serde(default, deserialize_with = "lenient::count")]
    pub completion_tokens: u64,
    #[serde(default, deserialize_with = "lenient::count")]
    pub total_tokens: u64,
}

/// A function call as the legacy `function_call` field and `tool_calls[].function` carry it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FunctionCall {
    #[serde(default, deserialize_with = "lenient::or_default")]
    pub name: String,
    /// A JSON text; a server that sends an object gets it written out.
    #[serde(default, deserialize_with = "arguments")]
    pub arguments: String,
}

fn arguments<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    lenient::text(d).map(Option::unwrap_or_default)
}

fn function_kind() -> String {
    "function".to_owned()
}

fn kind_or_function<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    lenient::optional(d).map(|k| k.unwrap_or_else(function_kind))
}

/// One complete tool call.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ToolCall {
    #[serde(default, deserialize_with = "lenient::or_default")]
    pub id: String,
    #[serde(
        rename = "type",
        default = "function_kind",
        deserialize_with = "kind_or_function"
    )]
    pub kind: String,
    #[serde(default, deserialize_with = "lenient::or_default")]
    pub function: FunctionCall,
}

/// `stop`: one string or several.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Stop {
    One(String),
    Many(Vec<String>),
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StreamOptions {
    pub include_usage: bool,
}

/// A message as sent in a request.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RequestMessage {
    pub role: Role,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub function_call: Option<FunctionCall>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tool_calls: Option<Vec<ToolCall>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tool_call_id: Option<String>,
}

impl RequestMessage {
    pub fn text(role: Role, content: impl Into<String>) -> Self {
        RequestMessage {
            role,
            content: Some(content.into()),
            name: None,
            function_call: None,
            tool_calls: None,
            tool_call_id: None,
        }
    }
}

/// The body of `POST /chat/completions`. Unset parameters are left out of the JSON entirely,
/// because several servers reject unknown or `null` fields.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ChatCompletionRequest {
    pub model: String,
    pub messages: Vec<RequestMessage>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub temperature: Option<f32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub top_p: Option<f32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub n: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stream: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stream_options: Option<StreamOptions>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stop: Option<Stop>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_tokens: Option<u32>,
    /// The newer name of `max_tokens`, sent instead where a server asks for it
    /// (see [`crate::adapt`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_completion_tokens: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub presence_penalty: Option<f32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub frequency_penalty: Option<f32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub logit_bias: Option<BTreeMap<String, f32>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// Further fields, as the `extra-body` setting gives them (never one of the above).
    #[serde(flatten)]
    pub extra_body: Map<String, Value>,
}

/// The message of a non-streamed choice.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(from = "Texts")]
pub struct ResponseMessage {
    pub role: Option<Role>,
    pub content: Option<String>,
    pub reasoning_content: Option<String>,
    pub reasoning: Option<String>,
    pub refusal: Option<String>,
    pub tool_calls: Vec<ToolCall>,
    pub function_call: Option<FunctionCall>,
}

#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
pub struct ResponseChoice {
    #[serde(default, deserialize_with = "lenient::or_default")]
    pub index: u32,
    #[serde(default, deserialize_with = "lenient::or_default")]
    pub message: ResponseMessage,
    #[serde(default, deserialize_with = "lenient::optional")]
    pub finish_reason: Option<FinishReason>,
}

/// A whole `chat.completion` (non-streamed answer).
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
pub struct ChatCompletion {
    #[serde(default, deserialize_with = "lenient::or_default")]
    pub id: String,
    #[serde(default, deserialize_with = "lenient::or_default")]
    pub model: String,
    #[serde(default, deserialize_with = "lenient::list")]
    pub choices: Vec<ResponseChoice>,
    #[serde(default, deserialize_with = "lenient::optional")]
    pub usage: Option<Usage>,
}

/// A delta of one function call inside a streamed chunk.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
pub struct FunctionCallDelta {
    #[serde(default, deserialize_with = "lenient::optional")]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "lenient::text")]
    pub arguments: Option<String>,
}

/// A delta of one tool call. `index` is missing on servers that send each call whole.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
pub struct ToolCallDelta {
    #[serde(default, deserialize_with = "lenient::optional")]
    pub index: Option<u32>,
    #[serde(default, deserialize_with = "lenient::optional")]
    pub id: Option<String>,
    #[serde(rename = "type", default, deserialize_with = "lenient::optional")]
    pub kind: Option<String>,
    #[serde(default, deserialize_with = "lenient::optional")]
    pub function: Option<FunctionCallDelta>,
}

#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(from = "Texts")]
pub struct Delta {
    pub role: Option<Role>,
    pub content: Option<String>,
    /// DeepSeek, vLLM and llama.cpp spell reasoning `reasoning_content`.
    pub reasoning_content: Option<String>,
    /// OpenRouter, Ollama and Groq spell it `reasoning`.
    pub reasoning: Option<String>,
    pub refusal: Option<String>,
    pub tool_calls: Vec<ToolCallDelta>,
    pub function_call: Option<FunctionCallDelta>,
}

#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
pub struct ChunkChoice {
    #[serde(default, deserialize_with = "lenient::or_default")]
    pub index: u32,
    #[serde(default, deserialize_with = "lenient::optional")]
    pub delta: Option<Delta>,
    #[serde(default, deserialize_with = "lenient::optional")]
    pub finish_reason: Option<FinishReason>,
}

/// Groq reports usage under `x_groq.usage` on the last chunk.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
pub struct XGroq {
    #[serde(default, deserialize_with = "lenient::optional")]
    pub usage: Option<Usage>,
}

/// One `chat.completion.chunk` of a stream.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
pub struct ChatCompletionChunk {
    #[serde(default, deserialize_with = "lenient::optional")]
    pub id: Option<String>,
    #[serde(default, deserialize_with = "lenient::optional")]
    pub model: Option<String>,
    #[serde(default, deserialize_with = "lenient::list")]
    pub choices: Vec<ChunkChoice>,
    #[serde(default, deserialize_with = "lenient::optional")]
    pub usage: Option<Usage>,
    #[serde(default, deserialize_with = "lenient::optional")]
    pub x_groq: Option<XGroq>,
}

impl ChatCompletionChunk {
    /// Usage wherever this server put it.
    pub fn usage(&self) -> Option<&Usage> {
        self.usage
            .as_ref()
            .or_else(|| self.x_groq.as_ref().and_then(|x| x.usage.as_ref()))
    }
}

/// The error object of the API: `{"error": {"message", "type", "param", "code"}}`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorObject {
    #[serde(default, deserialize_with = "lenient::or_default")]
    pub message: String,
    #[serde(
        rename = "type",
        default,
        deserialize_with = "lenient::text",
        skip_serializing_if = "Option::is_none"
    )]
    pub kind: Option<String>,
    #[serde(
        default,
        deserialize_with = "lenient::text",
        skip_serializing_if = "Option::is_none"
    )]
    pub param: Option<String>,
    /// A string on OpenAI, a number on some servers: kept as sent.
    #[serde(
        default,
        deserialize_with = "lenient::optional",
        skip_serializing_if = "Option::is_none"
    )]
    pub code: Option<ErrorCode>,
}

/// An error's `code`, kept as the server sent it: a string (`"invalid_api_key"`) or a number
/// (`503`), so that the JS API gives it back as it was.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ErrorCode(pub Value);

impl ErrorCode {
    /// The code as text (a number written out).
    pub fn text(&self) -> String {
        match &self.0 {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        }
    }
}

impl From<&str> for ErrorCode {
    fn from(s: &str) -> Self {
        ErrorCode(Value::String(s.to_owned()))
    }
}

/// Shown as the text it is (`"invalid_api_key"`) or the number (`503`).
impl std::fmt::Debug for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.0 {
            Value::String(s) => write!(f, "{s:?}"),
            other => write!(f, "{other}"),
        }
    }
}

impl ErrorObject {
    /// Finds the error in a JSON body: `{"error": {...}}`, `{"error": "text"}` (Ollama),
    /// `{"message": "..."}`, a bare error object, or any of these as the first element of an
    /// array (Google's endpoints answer `[{"error": {...}}]`). `None` when the JSON carries no
    /// error.
    pub fn find_in(value: &Value) -> Option<ErrorObject> {
        if let Value::Array(items) = value {
            return items
                .first()
                .filter(|v| v.is_object())
                .and_then(Self::find_in);
        }
        match value.get("error") {
            Some(Value::String(s)) => Some(ErrorObject {
                message: s.clone(),
                ..ErrorObject::default()
            }),
            Some(obj @ Value::Object(_)) => {
                let mut e = ErrorObject::deserialize(obj.clone()).ok()?;
                if e.message.is_empty() {
                    e.message = obj
                        .get("msg")
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_owned();
                }
                Some(e)
            }
            Some(_) | None => {
                // A bare `{"message": "...", "type": "..."}` with no choices.
                if value.get("choices").is_none() {
                    let message = value.get("message").and_then(Value::as_str)?;
                    let mut e = ErrorObject::deserialize(value.clone()).ok()?;
                    e.message = message.to_owned();
                    Some(e)
                } else {
                    None
                }
            }
        }
    }
}

/// `GET /models`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
pub struct ModelList {
    #[serde(default, deserialize_with = "lenient::list")]
    pub data: Vec<Model>,
}

#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
pub struct Model {
    pub id: String,
}

/// What a whole message and a streamed delta both carry, read the same way.
#[derive(Deserialize)]
struct Texts {
    #[serde(default, deserialize_with = "lenient::optional")]
    role: Option<Role>,
    #[serde(default)]
    content: Option<Value>,
    #[serde(default, deserialize_with = "lenient::optional")]
    reasoning_content: Option<String>,
    #[serde(default, deserialize_with = "lenient::optional")]
    reasoning: Option<String>,
    #[serde(default, deserialize_with = "lenient::optional")]
    refusal: Option<String>,
    #[serde(default, deserialize_with = "lenient::list")]
    tool_calls: Vec<Value>,
    #[serde(default, deserialize_with = "lenient::optional")]
    function_call: Option<Value>,
}

impl Texts {
    fn tool_calls<T: serde::de::DeserializeOwned>(&mut self) -> Vec<T> {
        std::mem::take(&mut self.tool_calls)
            .into_iter()
            .filter_map(|v| T::deserialize(v).ok())
            .collect()
    }

    fn function_call<T: serde::de::DeserializeOwned>(&mut self) -> Option<T> {
        self.function_call
            .take()
            .and_then(|v| T::deserialize(v).ok())
    }
}

/// A whole message and a delta are read alike; only their calls' types differ.
macro_rules! from_texts {
    ($message:ident) => {
        impl From<Texts> for $message {
            fn from(mut t: Texts) -> Self {
                $message {
                    tool_calls: t.tool_calls(),
                    function_call: t.function_call(),
                    role: t.role,
                    content: text(t.content.as_ref(), "text"),
                    reasoning_content: t.reasoning_content,
                    reasoning: t.reasoning.or_else(|| text(t.content.as_ref(), "thinking")),
                    refusal: t.refusal,
                }
            }
        }
    };
}

from_texts!(ResponseMessage);
from_texts!(Delta);

/// Text that a server sent either as a string or as a list of content parts
/// (`[{"type": "text", "text": "…"}]`, as Mistral streams it).
fn text(value: Option<&Value>, part: &str) -> Option<String> {
    match value? {
        Value::String(s) if part == "text" => Some(s.clone()),
        Value::Array(parts) => {
            let mut out = String::new();
            for p in parts {
                if p.get("type").and_then(Value::as_str) == Some(part) {
                    match p.get(part) {
                        Some(Value::String(s)) => out.push_str(s),
                        nested @ Some(Value::Array(_)) => {
                            out.push_str(&text(nested, "text").unwrap_or_default())
                        }
                        _ => {}
                    }
                }
            }
            (!out.is_empty()).then_some(out)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unset_parameters_are_left_out() {
        let req = ChatCompletionRequest {
            model: "m".into(),
            messages: vec![RequestMessage::text(Role::User, "hi")],
            ..Default::default()
        };
        assert_eq!(
            serde_json::to_string(&req).unwrap(),
            r#"{"model":"m","messages":[{"role":"user","content":"hi"}]}"#
        );
    }

    #[test]
    fn unknown_finish_reason_passes_through() {
        let c: ChunkChoice = serde_json::from_str(r#"{"index":0,"finish_reason":"eos"}"#).unwrap();
        assert_eq!(c.finish_reason, Some(FinishReason::Other("eos".into())));
        assert_eq!(c.finish_reason.unwrap().as_str(), "eos");
    }

    #[test]
    fn error_objects_in_their_several_shapes() {
        let cases = [
            (
                r#"{"error":{"message":"bad key","type":"invalid_request_error","param":null,"code":"invalid_api_key"}}"#,
                Some(("bad key", Some("invalid_api_key".to_owned()))),
            ),
            (
                r#"{"error":"model 'x' not found"}"#,
                Some(("model 'x' not found", None)),
            ),
            (
                r#"{"error":{"message":"overloaded","code":503}}"#,
                Some(("overloaded", Some("503".to_owned()))),
            ),
            (
                r#"{"message":"Unauthorized"}"#,
                Some(("Unauthorized", None)),
            ),
            (r#"{"choices":[]}"#, None),
            (
                r#"[{"error":{"code":400,"message":"API key not valid.","status":"INVALID_ARGUMENT"}}]"#,
                Some(("API key not valid.", Some("400".to_owned()))),
            ),
            (r#"[[{"error":"nested too deep"}]]"#, None),
            ("[]", None),
        ];
        for (json, expected) in cases {
            let v = serde_json::from_str::<Value>(json).unwrap();
            let got = ErrorObject::find_in(&v);
            let got = got
                .as_ref()
                .map(|e| (e.message.as_str(), e.code.as_ref().map(ErrorCode::text)));
            assert_eq!(got, expected, "{json}");
        }
    }

    #[test]
    fn content_parts_and_odd_shapes_are_read_not_rejected() {
        // Mistral streams content as parts, reasoning among them.
        let c: ChatCompletionChunk = serde_json::from_str(
            r#"{"choices":[{"index":0,"delta":{"content":[
                {"type":"thinking","thinking":[{"type":"text","text":"Let me see."}]},
                {"type":"text","text":"Four"},{"type":"image_url","image_url":"x"}]}}]}"#,
        )
        .unwrap();
        let d = c.choices[0].delta.as_ref().unwrap();
        assert_eq!(d.content.as_deref(), Some("Four"));
        assert_eq!(d.reasoning.as_deref(), Some("Let me see."));
        // Arguments as an object, an unknown role, a float token count, a model without id.
        let c: ChatCompletion = serde_json::from_str(
            r#"{"choices":[{"index":0,"message":{"role":"robot","content":"x",
                "tool_calls":[{"id":"c","function":{"name":"f","arguments":{"a":1}}}, 7]}}],
                "usage":{"prompt_tokens":3.0,"completion_tokens":"2"}}"#,
        )
        .unwrap();
        let m = &c.choices[0].message;
        assert_eq!(m.role, None);
        assert_eq!(m.tool_calls.len(), 1);
        assert_eq!(m.tool_calls[0].function.arguments, r#"{"a":1}"#);
        assert_eq!(m.tool_calls[0].kind, "function");
        let usage = c.usage.unwrap();
        assert_eq!((usage.prompt_tokens, usage.completion_tokens), (3, 0));
        let list: ModelList =
            serde_json::from_str(r#"{"data":[{"id":"a"},{"name":"no id"},{"id":"b"}]}"#).unwrap();
        assert_eq!(
            list.data.iter().map(|m| m.id.as_str()).collect::<Vec<_>>(),
            ["a", "b"]
        );
    }
}
