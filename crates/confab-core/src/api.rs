//! Wire types of the OpenAI chat completions API, named as the API names them.
//!
//! Deserialization is lenient the way real servers need: unknown fields are ignored, `null` is
//! treated like an absent field, and unknown enum values are kept rather than rejected.

use std::collections::BTreeMap;

use crate::json::{expect_object, Error, FromJson, Map, ToJson, Value};

/// Who wrote a message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
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

/// Token counts. Fields servers leave out count as zero.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Usage {
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
    pub total_tokens: u64,
}

/// A function call as the legacy `function_call` field and `tool_calls[].function` carry it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FunctionCall {
    pub name: String,
    pub arguments: String,
}

/// One complete tool call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ToolCall {
    pub id: String,
    pub kind: String,
    pub function: FunctionCall,
}

/// `stop`: one string or several.
#[derive(Clone, Debug, PartialEq)]
pub enum Stop {
    One(String),
    Many(Vec<String>),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StreamOptions {
    pub include_usage: bool,
}

/// A message as sent in a request.
#[derive(Clone, Debug, PartialEq)]
pub struct RequestMessage {
    pub role: Role,
    pub content: Option<String>,
    pub name: Option<String>,
    pub function_call: Option<FunctionCall>,
    pub tool_calls: Option<Vec<ToolCall>>,
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
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ChatCompletionRequest {
    pub model: String,
    pub messages: Vec<RequestMessage>,
    pub temperature: Option<f32>,
    pub top_p: Option<f32>,
    pub n: Option<u32>,
    pub stream: Option<bool>,
    pub stream_options: Option<StreamOptions>,
    pub stop: Option<Stop>,
    pub max_tokens: Option<u32>,
    /// The newer name of `max_tokens`, sent instead where a server asks for it
    /// (see [`crate::adapt`]).
    pub max_completion_tokens: Option<u32>,
    pub presence_penalty: Option<f32>,
    pub frequency_penalty: Option<f32>,
    pub logit_bias: Option<BTreeMap<String, f32>>,
    pub user: Option<String>,
    /// Further fields, as the `extra-body` setting gives them (never one of the above).
    pub extra_body: Vec<(String, Value)>,
}

/// The message of a non-streamed choice.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ResponseMessage {
    pub role: Option<Role>,
    pub content: Option<String>,
    pub reasoning_content: Option<String>,
    pub reasoning: Option<String>,
    pub refusal: Option<String>,
    pub tool_calls: Vec<ToolCall>,
    pub function_call: Option<FunctionCall>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct ResponseChoice {
    pub index: u32,
    pub message: ResponseMessage,
    pub finish_reason: Option<FinishReason>,
}

/// A whole `chat.completion` (non-streamed answer).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ChatCompletion {
    pub id: String,
    pub model: String,
    pub choices: Vec<ResponseChoice>,
    pub usage: Option<Usage>,
}

/// A delta of one function call inside a streamed chunk.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FunctionCallDelta {
    pub name: Option<String>,
    pub arguments: Option<String>,
}

/// A delta of one tool call. `index` is missing on servers that send each call whole.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ToolCallDelta {
    pub index: Option<u32>,
    pub id: Option<String>,
    pub kind: Option<String>,
    pub function: Option<FunctionCallDelta>,
}

#[derive(Clone, Debug, Default, PartialEq)]
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

#[derive(Clone, Debug, Default, PartialEq)]
pub struct ChunkChoice {
    pub index: u32,
    pub delta: Option<Delta>,
    pub finish_reason: Option<FinishReason>,
}

/// Groq reports usage under `x_groq.usage` on the last chunk.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct XGroq {
    pub usage: Option<Usage>,
}

/// One `chat.completion.chunk` of a stream.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ChatCompletionChunk {
    pub id: Option<String>,
    pub model: Option<String>,
    pub choices: Vec<ChunkChoice>,
    pub usage: Option<Usage>,
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
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ErrorObject {
    pub message: String,
    pub kind: Option<String>,
    pub param: Option<String>,
    /// A string on OpenAI, a number on some servers.
    pub code: Option<String>,
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
                .filter(|v| v.as_object().is_some())
                .and_then(Self::find_in);
        }
        match value.get("error") {
            Some(Value::String(s)) => Some(ErrorObject {
                message: s.clone(),
                ..ErrorObject::default()
            }),
            Some(obj @ Value::Object(_)) => {
                let mut e = <ErrorObject as FromJson>::from_json(obj).ok()?;
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
                    let mut e = <ErrorObject as FromJson>::from_json(value).ok()?;
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
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ModelList {
    pub data: Vec<Model>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Model {
    pub id: String,
}

// ---------------------------------------------------------------------------------------------
// JSON forms. Requests are written with unset fields left out; answers are read leniently:
// a field that is absent, `null` or of an unexpected shape counts as absent.

impl ToJson for Role {
    fn to_json(&self) -> Value {
        self.as_str().into()
    }
}

impl FromJson for Role {
    fn from_json(value: &Value) -> Result<Self, Error> {
        Ok(match value.as_str() {
            Some("system") => Role::System,
            Some("developer") => Role::Developer,
            Some("user") => Role::User,
            Some("assistant") => Role::Assistant,
            Some("function") => Role::Function,
            Some("tool") => Role::Tool,
            _ => return Err(Error::new(format!("unknown role {value}"))),
        })
    }
}

impl ToJson for FinishReason {
    fn to_json(&self) -> Value {
        self.as_str().into()
    }
}

impl FromJson for FinishReason {
    fn from_json(value: &Value) -> Result<Self, Error> {
        String::from_json(value).map(|s| FinishReason::from(s.as_str()))
    }
}

/// The elements of the list `key` that read as `T`; the others are skipped.
fn list<T: FromJson>(o: &Map, key: &str) -> Vec<T> {
    o.get(key)
        .and_then(Value::as_array)
        .map(|items| items.iter().filter_map(|v| T::from_json(v).ok()).collect())
        .unwrap_or_default()
}

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

/// Arguments are a JSON text; a server that sends them as an object gets them written out.
fn arguments(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::String(s) => Some(s.clone()),
        Value::Null => None,
        other => Some(other.to_string()),
    }
}

impl ToJson for Usage {
    fn to_json(&self) -> Value {
        crate::json::object(vec![
            ("prompt_tokens", self.prompt_tokens.into()),
            ("completion_tokens", self.completion_tokens.into()),
            ("total_tokens", self.total_tokens.into()),
        ])
    }
}

impl FromJson for Usage {
    fn from_json(value: &Value) -> Result<Self, Error> {
        let o = expect_object(value, "usage")?;
        Ok(Usage {
            prompt_tokens: o.lenient("prompt_tokens").unwrap_or_default(),
            completion_tokens: o.lenient("completion_tokens").unwrap_or_default(),
            total_tokens: o.lenient("total_tokens").unwrap_or_default(),
        })
    }
}

impl ToJson for FunctionCall {
    fn to_json(&self) -> Value {
        crate::json::object(vec![
            ("name", self.name.to_json()),
            ("arguments", self.arguments.to_json()),
        ])
    }
}

impl FromJson for FunctionCall {
    fn from_json(value: &Value) -> Result<Self, Error> {
        let o = expect_object(value, "function")?;
        Ok(FunctionCall {
            name: o.lenient("name").unwrap_or_default(),
            arguments: arguments(o.get("arguments")).unwrap_or_default(),
        })
    }
}

impl ToJson for ToolCall {
    fn to_json(&self) -> Value {
        crate::json::object(vec![
            ("id", self.id.to_json()),
            ("type", self.kind.to_json()),
            ("function", self.function.to_json()),
        ])
    }
}

impl FromJson for ToolCall {
    fn from_json(value: &Value) -> Result<Self, Error> {
        let o = expect_object(value, "tool call")?;
        Ok(ToolCall {
            id: o.lenient("id").unwrap_or_default(),
            kind: o.lenient("type").unwrap_or_else(|| "function".to_owned()),
            function: o.lenient("function").unwrap_or_default(),
        })
    }
}

impl ToJson for Stop {
    fn to_json(&self) -> Value {
        match self {
            Stop::One(s) => s.to_json(),
            Stop::Many(v) => v.to_json(),
        }
    }
}

impl ToJson for RequestMessage {
    fn to_json(&self) -> Value {
        let mut o = Map::new();
        o.insert("role", self.role.to_json());
        o.insert_some("content", &self.content);
        o.insert_some("name", &self.name);
        o.insert_some("function_call", &self.function_call);
        o.insert_some("tool_calls", &self.tool_calls);
        o.insert_some("tool_call_id", &self.tool_call_id);
        Value::Object(o)
    }
}

impl ToJson for ChatCompletionRequest {
    fn to_json(&self) -> Value {
        let mut o = Map::new();
        o.insert("model", self.model.to_json());
        o.insert("messages", self.messages.to_json());
        o.insert_some("temperature", &self.temperature);
        o.insert_some("top_p", &self.top_p);
        o.insert_some("n", &self.n);
        o.insert_some("stream", &self.stream);
        if let Some(s) = &self.stream_options {
            let options = crate::json::object(vec![("include_usage", s.include_usage.into())]);
            o.insert("stream_options", options);
        }
        o.insert_some("stop", &self.stop);
        o.insert_some("max_tokens", &self.max_tokens);
        o.insert_some("max_completion_tokens", &self.max_completion_tokens);
        o.insert_some("presence_penalty", &self.presence_penalty);
        o.insert_some("frequency_penalty", &self.frequency_penalty);
        o.insert_some("logit_bias", &self.logit_bias);
        o.insert_some("user", &self.user);
        for (k, v) in &self.extra_body {
            o.insert(k, v.clone());
        }
        Value::Object(o)
    }
}

/// What a whole message and a streamed delta both carry, read the same way.
struct Texts {
    role: Option<Role>,
    content: Option<String>,
    reasoning_content: Option<String>,
    reasoning: Option<String>,
    refusal: Option<String>,
}

impl Texts {
    fn read(o: &Map) -> Texts {
        Texts {
            role: o.lenient("role"),
            content: text(o.get("content"), "text"),
            reasoning_content: o.lenient("reasoning_content"),
            reasoning: o
                .lenient("reasoning")
                .or_else(|| text(o.get("content"), "thinking")),
            refusal: o.lenient("refusal"),
        }
    }
}

impl FromJson for ResponseMessage {
    fn from_json(value: &Value) -> Result<Self, Error> {
        let o = expect_object(value, "message")?;
        let t = Texts::read(o);
        Ok(ResponseMessage {
            role: t.role,
            content: t.content,
            reasoning_content: t.reasoning_content,
            reasoning: t.reasoning,
            refusal: t.refusal,
            tool_calls: list(o, "tool_calls"),
            function_call: o.lenient("function_call"),
        })
    }
}

impl FromJson for ResponseChoice {
    fn from_json(value: &Value) -> Result<Self, Error> {
        let o = expect_object(value, "choice")?;
        Ok(ResponseChoice {
            index: o.lenient("index").unwrap_or_default(),
            message: o.lenient("message").unwrap_or_default(),
            finish_reason: o.lenient("finish_reason"),
        })
    }
}

impl FromJson for ChatCompletion {
    fn from_json(value: &Value) -> Result<Self, Error> {
        let o = expect_object(value, "a chat completion")?;
        Ok(ChatCompletion {
            id: o.lenient("id").unwrap_or_default(),
            model: o.lenient("model").unwrap_or_default(),
            choices: list(o, "choices"),
            usage: o.lenient("usage"),
        })
    }
}

impl FromJson for FunctionCallDelta {
    fn from_json(value: &Value) -> Result<Self, Error> {
        let o = expect_object(value, "function")?;
        Ok(FunctionCallDelta {
            name: o.lenient("name"),
            arguments: arguments(o.get("arguments")),
        })
    }
}

impl FromJson for ToolCallDelta {
    fn from_json(value: &Value) -> Result<Self, Error> {
        let o = expect_object(value, "tool call")?;
        Ok(ToolCallDelta {
            index: o.lenient("index"),
            id: o.lenient("id"),
            kind: o.lenient("type"),
            function: o.lenient("function"),
        })
    }
}

impl FromJson for Delta {
    fn from_json(value: &Value) -> Result<Self, Error> {
        let o = expect_object(value, "delta")?;
        let t = Texts::read(o);
        Ok(Delta {
            role: t.role,
            content: t.content,
            reasoning_content: t.reasoning_content,
            reasoning: t.reasoning,
            refusal: t.refusal,
            tool_calls: list(o, "tool_calls"),
            function_call: o.lenient("function_call"),
        })
    }
}

impl FromJson for ChunkChoice {
    fn from_json(value: &Value) -> Result<Self, Error> {
        let o = expect_object(value, "choice")?;
        Ok(ChunkChoice {
            index: o.lenient("index").unwrap_or_default(),
            delta: o.lenient("delta"),
            finish_reason: o.lenient("finish_reason"),
        })
    }
}

impl FromJson for ChatCompletionChunk {
    fn from_json(value: &Value) -> Result<Self, Error> {
        let o = expect_object(value, "a chunk")?;
        Ok(ChatCompletionChunk {
            id: o.lenient("id"),
            model: o.lenient("model"),
            choices: list(o, "choices"),
            usage: o.lenient("usage"),
            x_groq: o
                .get("x_groq")
                .and_then(|x| x.get("usage"))
                .and_then(|u| Usage::from_json(u).ok())
                .map(|usage| XGroq { usage: Some(usage) }),
        })
    }
}

impl ToJson for ErrorObject {
    fn to_json(&self) -> Value {
        let mut o = Map::new();
        o.insert("message", self.message.to_json());
        o.insert_some("type", &self.kind);
        o.insert_some("param", &self.param);
        o.insert_some("code", &self.code);
        Value::Object(o)
    }
}

impl FromJson for ErrorObject {
    fn from_json(value: &Value) -> Result<Self, Error> {
        let o = expect_object(value, "error")?;
        let string = |key| match o.get(key) {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(s.clone()),
            // A number on some servers.
            Some(other) => Some(other.to_string()),
        };
        Ok(ErrorObject {
            message: o.lenient("message").unwrap_or_default(),
            kind: string("type"),
            param: string("param"),
            code: string("code"),
        })
    }
}

impl FromJson for ModelList {
    fn from_json(value: &Value) -> Result<Self, Error> {
        let o = expect_object(value, "the model list")?;
        Ok(ModelList {
            data: list(o, "data"),
        })
    }
}

impl FromJson for Model {
    fn from_json(value: &Value) -> Result<Self, Error> {
        Ok(Model {
            id: expect_object(value, "model")?.field("id")?,
        })
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
            crate::json::stringify(&req),
            r#"{"model":"m","messages":[{"role":"user","content":"hi"}]}"#
        );
    }

    #[test]
    fn unknown_finish_reason_passes_through() {
        let c: ChunkChoice = crate::json::parse(r#"{"index":0,"finish_reason":"eos"}"#).unwrap();
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
            (
                r#"[{"error":{"code":400,"message":"API key not valid.","status":"INVALID_ARGUMENT"}}]"#,
                Some(("API key not valid.", Some("400"))),
            ),
            (r#"[[{"error":"nested too deep"}]]"#, None),
            ("[]", None),
        ];
        for (json, expected) in cases {
            let v = crate::json::parse_value(json).unwrap();
            let got = ErrorObject::find_in(&v);
            let got = got
                .as_ref()
                .map(|e| (e.message.as_str(), e.code.as_deref()));
            assert_eq!(got, expected, "{json}");
        }
    }

    #[test]
    fn content_parts_and_odd_shapes_are_read_not_rejected() {
        // Mistral streams content as parts, reasoning among them.
        let c: ChatCompletionChunk = crate::json::parse(
            r#"{"choices":[{"index":0,"delta":{"content":[
                {"type":"thinking","thinking":[{"type":"text","text":"Let me see."}]},
                {"type":"text","text":"Four"},{"type":"image_url","image_url":"x"}]}}]}"#,
        )
        .unwrap();
        let d = c.choices[0].delta.as_ref().unwrap();
        assert_eq!(d.content.as_deref(), Some("Four"));
        assert_eq!(d.reasoning.as_deref(), Some("Let me see."));
        // Arguments as an object, an unknown role, a float token count, a model without id.
        let c: ChatCompletion = crate::json::parse(
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
            crate::json::parse(r#"{"data":[{"id":"a"},{"name":"no id"},{"id":"b"}]}"#).unwrap();
        assert_eq!(
            list.data.iter().map(|m| m.id.as_str()).collect::<Vec<_>>(),
            ["a", "b"]
        );
        // What is not an object at all is an error, not an empty chunk.
        assert!(crate::json::parse::<ChatCompletionChunk>("[1]").is_err());
    }
}
