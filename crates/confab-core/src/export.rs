//! The conversation as JSON for the outside world: the API's messages format (`role`,
//! `content`, `name`, `tool_calls`, `function_call`) plus, on assistant messages, what the widget
//! knows about each answer (state, finish reason, usage, reasoning, refusal, error, alternatives).

use serde_json::{json, Map, Value};

use crate::api::Role;
use crate::error::ChatError;
use crate::message::{Choice, Message};

fn tool_calls_json(c: &Choice) -> Value {
    if c.tool_calls.is_empty() {
        Value::Null
    } else {
        json!(c.tool_calls)
    }
}

fn non_empty(s: &str) -> Value {
    if s.is_empty() {
        Value::Null
    } else {
        Value::String(s.to_owned())
    }
}

/// An error as the JS API gives it, as OpenAI's and Vercel's SDKs do: `message` is what the
/// server said, exactly (else what happened, in Confab's words); `description` is always the
/// sentence the widget shows.
pub fn error_json(e: &ChatError) -> Value {
    let description = e.user_message();
    json!({
        "message": e.server_message().unwrap_or(&description),
        "description": description,
        "status": e.status(),
        "code": e.code(),
        "type": e.kind(),
        "retry_after_ms": e.retry_after_ms(),
    })
}

/// One message as JSON.
pub fn message_json(m: &Message) -> Value {
    let mut o = Map::new();
    o.insert("role".into(), m.role.as_str().into());
    let choice = m.choice();
    let has_calls = choice.is_some_and(|c| !c.tool_calls.is_empty() || c.function_call.is_some());
    let content = m.content();
    o.insert(
        "content".into(),
        if content.is_empty() && has_calls {
            Value::Null
        } else {
            content.into()
        },
    );
    if let Some(name) = &m.name {
        o.insert("name".into(), name.as_str().into());
    }
    if let Some(c) = choice {
        if !c.tool_calls.is_empty() {
            o.insert("tool_calls".into(), tool_calls_json(c));
        }
        if let Some(f) = &c.function_call {
            o.insert("function_call".into(), json!(f));
        }
    }
    if m.role == Role::Assistant {
        o.insert("state".into(), m.state.as_str().into());
        o.insert("finish_reason".into(), json!(m.finish_reason()));
        o.insert("usage".into(), json!(m.usage));
        o.insert(
            "reasoning".into(),
            choice.map_or(Value::Null, |c| non_empty(&c.reasoning)),
        );
        o.insert(
            "refusal".into(),
            choice
                .and_then(|c| c.refusal.as_deref())
                .map_or(Value::Null, non_empty),
        );
        o.insert(
            "error".into(),
            m.error.as_ref().map_or(Value::Null, error_json),
        );
        let choices: Vec<Value> = m
            .choices
            .iter()
            .map(|c| {
                json!({
                    "index": c.index,
                    "content": c.content,
                    "finish_reason": c.finish_reason,
                    "tool_calls": tool_calls_json(c),
                    "reasoning": non_empty(&c.reasoning),
                })
            })
            .collect();
        o.insert("choices".into(), Value::Array(choices));
    }
    Value::Object(o)
}

/// The whole conversation as a JSON array.
pub fn conversation_json<'a>(messages: impl IntoIterator<Item = &'a Message>) -> Value {
    Value::Array(messages.into_iter().map(message_json).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ChatError;

    #[test]
    fn user_and_assistant_messages() {
        let mut a = Message::pending_reply(2);
        a.apply_chunk(&serde_json::from_str(
            r#"{"choices":[{"index":0,"delta":{"content":"Hi","reasoning_content":"hm"},"finish_reason":"stop"},{"index":1,"delta":{"content":"Yo"},"finish_reason":"length"}],"usage":{"prompt_tokens":1,"completion_tokens":2,"total_tokens":3}}"#,
        ).unwrap());
        a.end_stream(true);
        let json = conversation_json(&[Message::text(1, Role::User, "hello"), a]);
        let expect = |text: &str| serde_json::from_str::<Value>(text).unwrap();
        assert_eq!(json[0], expect(r#"{"role": "user", "content": "hello"}"#));
        assert_eq!(
            json[1],
            expect(
                r#"{
                "role": "assistant", "content": "Hi", "state": "done", "finish_reason": "stop",
                "usage": {"prompt_tokens": 1, "completion_tokens": 2, "total_tokens": 3},
                "reasoning": "hm", "refusal": null, "error": null,
                "choices": [
                    {"index": 0, "content": "Hi", "finish_reason": "stop", "tool_calls": null, "reasoning": "hm"},
                    {"index": 1, "content": "Yo", "finish_reason": "length", "tool_calls": null, "reasoning": null}
                ]
            }"#
            )
        );
    }

    #[test]
    fn errors_and_tool_calls() {
        let mut a = Message::pending_reply(2);
        a.apply_chunk(&serde_json::from_str(
            r#"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"c1","type":"function","function":{"name":"f","arguments":"{}"}}]}}]}"#,
        ).unwrap());
        a.fail(ChatError::from_http(
            429,
            r#"{"error":{"message":"slow down","code":"rate_limit_exceeded"}}"#,
            Some(1500),
        ));
        let j = message_json(&a);
        assert_eq!(j["content"], Value::Null);
        assert_eq!(j["tool_calls"][0]["function"]["name"], "f");
        assert_eq!(j["state"], "error");
        assert_eq!(j["error"]["status"], 429);
        assert_eq!(j["error"]["code"], "rate_limit_exceeded");
        assert_eq!(j["error"]["retry_after_ms"], 1500);
        // The server's words exactly, and the widget's sentence beside them.
        assert_eq!(j["error"]["message"], "slow down");
        assert!(j["error"]["description"]
            .as_str()
            .unwrap()
            .contains("rate-limiting"));
        // A code is given back as the server sent it: here a number.
        a.fail(ChatError::from_http(
            503,
            r#"{"error":{"message":"overloaded","type":"server_error","code":503}}"#,
            None,
        ));
        let j = message_json(&a);
        assert_eq!(j["error"]["code"], 503);
        assert_eq!(j["error"]["type"], "server_error");
        // Where the server said nothing, `message` says what happened.
        a.fail(ChatError::Network("Failed to fetch".into()));
        let j = message_json(&a);
        assert_eq!(j["error"]["message"], j["error"]["description"]);
        assert_eq!(j["error"]["status"], Value::Null);
    }
}
