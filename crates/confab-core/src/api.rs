//! Wire types of the OpenAI chat completions API, named as the API names them.
//!
//! Deserialization is lenient the way real servers need: unknown fields are ignored, `null` is
//! treated like an absent field, and unknown enum values are kept rather than rejected.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

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

/// Why a choice stopped. Servers send values of their own (`eos`, `end_turn`, …); those pass
/// through as [`FinishReason::Other`].
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
        let s = String::deserialize(d)?;
        Ok(FinishReason::from(s.as_str()))
    }
}

/// `null` and absent both become the default value.
fn null_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// A role that a server may spell in a way we do not know is treated as absent, not as an error.
fn lenient_role<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Role>, D::Error> {
    let v = Option::<Value>::deserialize(d)?;
    Ok(v.and_then(|v| serde_json::from_value(v).ok()))
}

/// Token counts. Fields servers leave out count as zero.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Usage {
    #[serde(default, deserialize_with = "null_default")]
    pub prompt_tokens: u64,
    #[serde(default, deserialize_with = "null_default")]
    pub completion_tokens: u64,
    #[serde(default, deserialize_with = "null_default")]
    pub total_tokens: u64,
}

/// A function call as the legacy `function_call` field and `tool_calls[].function` carry it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FunctionCall {
    #[serde(default, deserialize_with = "null_default")]
    pub name: String,
    #[serde(default, deserialize_with = "null_default")]
    pub arguments: String,
}

/// One complete tool call.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ToolCall {
    #[serde(default, deserialize_with = "null_default")]
    pub id: String,
    #[serde(rename = "type", default = "function_type")]
    pub kind: String,
    #[serde(default)]
    pub function: FunctionCall,
}

fn function_type() -> String {
    "function".to_owned()
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
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
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
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
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
    #[serde(skip_serializing_if = "Option::is_none")]
    pub presence_penalty: Option<f32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub frequency_penalty: Option<f32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub logit_bias: Option<BTreeMap<String, f32>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
}

/// The message of a non-streamed choice.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
pub struct ResponseMessage {
    #[serde(default, deserialize_with = "lenient_role")]
    pub role: Option<Role>,
    #[serde(default)]
    pub content: Option<String>,
    #[serde(default)]
    pub reasoning_content: Option<String>,
    #[serde(default)]
    pub reasoning: Option<String>,
    #[serde(default)]
    pub refusal: Option<String>,
    #[serde(default, deserialize_with = "null_default")]
    pub tool_calls: Vec<ToolCall>,
    #[serde(default)]
    pub function_call: Option<FunctionCall>,
}

#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
pub struct ResponseChoice {
    #[serde(default, deserialize_with = "null_default")]
    pub index: u32,
    #[serde(default, deserialize_with = "null_default")]
    pub message: ResponseMessage,
    #[serde(default)]
    pub finish_reason: Option<FinishReason>,
}

/// A whole `chat.completion` (non-streamed answer).
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
pub struct ChatCompletion {
    #[serde(default, deserialize_with = "null_default")]
    pub id: String,
    #[serde(default, deserialize_with = "null_default")]
    pub model: String,
    #[serde(default, deserialize_with = "null_default")]
    pub choices: Vec<ResponseChoice>,
    #[serde(default)]
    pub usage: Option<Usage>,
}

/// A delta of one function call inside a streamed chunk.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
pub struct FunctionCallDelta {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub arguments: Option<String>,
}

/// A delta of one tool call. `index` is missing on servers that send each call whole.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
pub struct ToolCallDelta {
    #[serde(default)]
    pub index: Option<u32>,
    #[serde(default)]
    pub id: Option<String>,
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub function: Option<FunctionCallDelta>,
}

#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
pub struct Delta {
    #[serde(default, deserialize_with = "lenient_role")]
    pub role: Option<Role>,
    #[serde(default)]
    pub content: Option<String>,
    /// DeepSeek, vLLM and llama.cpp spell reasoning `reasoning_content`.
    #[serde(default)]
    pub reasoning_content: Option<String>,
    /// OpenRouter, Ollama and Groq spell it `reasoning`.
    #[serde(default)]
    pub reasoning: Option<String>,
    #[serde(default)]
    pub refusal: Option<String>,
    #[serde(default, deserialize_with = "null_default")]
    pub tool_calls: Vec<ToolCallDelta>,
    #[serde(default)]
    pub function_call: Option<FunctionCallDelta>,
}

#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
pub struct ChunkChoice {
    #[serde(default, deserialize_with = "null_default")]
    pub index: u32,
    #[serde(default)]
    pub delta: Option<Delta>,
    #[serde(default)]
    pub finish_reason: Option<FinishReason>,
}

/// Groq reports usage under `x_groq.usage` on the last chunk.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
pub struct XGroq {
    #[serde(default)]
    pub usage: Option<Usage>,
}

/// One `chat.completion.chunk` of a stream.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
pub struct ChatCompletionChunk {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub model: Option<String>,
    #[serde(default, deserialize_with = "null_default")]
    pub choices: Vec<ChunkChoice>,
    #[serde(default)]
    pub usage: Option<Usage>,
    #[serde(default)]
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
    #[serde(default, deserialize_with = "null_default")]
    pub message: String,
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub param: Option<String>,
    /// A string on OpenAI, a number on some servers.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "code_as_string"
    )]
    pub code: Option<String>,
}

fn code_as_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match Option::<Value>::deserialize(d)? {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s),
        Some(other) => Some(other.to_string()),
    })
}

impl ErrorObject {
    /// Finds the error in a JSON body: `{"error": {...}}`, `{"error": "text"}` (Ollama),
    /// `{"message": "..."}` or a bare error object. `None` when the JSON carries no error.
    pub fn from_json(value: &Value) -> Option<ErrorObject> {
        match value.get("error") {
            Some(Value::String(s)) => Some(ErrorObject {
                message: s.clone(),
                ..ErrorObject::default()
            }),
            Some(obj @ Value::Object(_)) => {
                let mut e: ErrorObject = serde_json::from_value(obj.clone()).ok()?;
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
                    let mut e: ErrorObject = serde_json::from_value(value.clone()).ok()?;
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
    #[serde(default, deserialize_with = "null_default")]
    pub data: Vec<Model>,
}

#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
pub struct Model {
    pub id: String,
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
                Some(("bad key", Some("invalid_api_key"))),
            ),
            (
                r#"{"error":"model 'x' not found"}"#,
                Some(("model 'x' not found", None)),
            ),
            (
                r#"{"error":{"message":"overloaded","code":503}}"#,
                Some(("overloaded", Some("503"))),
            ),
            (
                r#"{"message":"Unauthorized"}"#,
                Some(("Unauthorized", None)),
            ),
            (r#"{"choices":[]}"#, None),
        ];
        for (json, expected) in cases {
            let v: Value = serde_json::from_str(json).unwrap();
            let got = ErrorObject::from_json(&v);
            let got = got
                .as_ref()
                .map(|e| (e.message.as_str(), e.code.as_deref()));
            assert_eq!(got, expected, "{json}");
        }
    }
}
