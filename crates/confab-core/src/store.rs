//! The saved form of a conversation, versioned. Reading never panics: an older form is
//! migrated, anything unreadable is reported so the caller can set it aside.

use crate::api::Role;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::message::Message;

pub const STORE_VERSION: u32 = 1;

/// Saved conversations nest four JSON levels per version fork (see `versions`): editing each of
/// 50 questions from the last to the first nests 200 deep, past serde_json's default limit of
/// 128. A saved text is read without that limit once it is known to nest no deeper than this.
pub const MAX_DEPTH: usize = 512;

/// Why a saved conversation could not be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    #[error("the saved conversation is damaged ({0})")]
    Corrupt(String),
    #[error("the saved conversation was written by a newer version of Confab (format {0})")]
    TooNew(u32),
}

/// The saved form: `{"version": 1, "messages": [...]}`.
#[derive(Serialize)]
struct Saved<'a> {
    version: u32,
    messages: &'a [Message],
}

pub fn encode(messages: &[Message]) -> String {
    serde_json::to_string(&Saved {
        version: STORE_VERSION,
        messages,
    })
    .unwrap_or_default()
}

/// Reads a saved conversation. Format 0 (a bare array of `{role, content}`, the API's own
/// messages format) is migrated.
pub fn decode(text: &str) -> Result<Vec<Message>, StoreError> {
    let corrupt = |e: serde_json::Error| StoreError::Corrupt(e.to_string());
    if nesting(text) > MAX_DEPTH {
        return Err(StoreError::Corrupt(format!(
            "nested deeper than {MAX_DEPTH} levels"
        )));
    }
    let mut reader = serde_json::Deserializer::from_str(text);
    reader.disable_recursion_limit();
    let mut value = Value::deserialize(&mut reader).map_err(corrupt)?;
    reader.end().map_err(corrupt)?;
    if let Value::Array(items) = &value {
        return migrate_v0(items);
    }
    let version = value.get("version").and_then(Value::as_u64).unwrap_or(0) as u32;
    if version > STORE_VERSION {
        return Err(StoreError::TooNew(version));
    }
    if !value.is_object() {
        return Err(StoreError::Corrupt(
            "a saved conversation must be an object".into(),
        ));
    }
    let mut messages: Vec<Message> = match value.get_mut("messages").map(Value::take) {
        None | Some(Value::Null) => Vec::new(),
        Some(list) => Vec::<Message>::deserialize(list).map_err(corrupt)?,
    };
    for m in &mut messages {
        if m.is_streaming() {
            // Saved mid-answer: it can never finish now.
            m.end_stream(false);
        }
        if m.selected >= m.choices.len() {
            m.selected = 0;
        }
    }
    Ok(messages)
}

/// How deep arrays and objects nest in a JSON text (brackets inside strings do not count).
fn nesting(text: &str) -> usize {
    let (mut depth, mut deepest, mut in_string, mut escaped) = (0usize, 0, false, false);
    for b in text.bytes() {
        if in_string {
            match b {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    deepest
}

fn migrate_v0(items: &[Value]) -> Result<Vec<Message>, StoreError> {
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let role = Role::deserialize(item["role"].clone())
            .map_err(|_| StoreError::Corrupt(format!("message {i} has no valid role")))?;
        let content = item
            .get("content")
            .and_then(Value::as_str)
            .unwrap_or_default();
        out.push(Message::text(i as u64 + 1, role, content));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::MessageState;

    #[test]
    fn round_trip_and_mid_answer_becomes_incomplete() {
        let mut streaming = Message::pending_reply(2);
        streaming.apply_chunk(
            &serde_json::from_str(r#"{"choices":[{"index":0,"delta":{"content":"par"}}]}"#)
                .unwrap(),
        );
        let saved = encode(&[Message::text(1, Role::User, "hi"), streaming]);
        let back = decode(&saved).unwrap();
        assert_eq!(back.len(), 2);
        assert_eq!(back[1].content(), "par");
        assert_eq!(back[1].state, MessageState::Incomplete);
    }

    #[test]
    fn older_format_is_migrated() {
        let back = decode(r#"[{"role":"user","content":"a"},{"role":"assistant","content":"b"}]"#)
            .unwrap();
        assert_eq!(
            back.iter().map(|m| m.content()).collect::<Vec<_>>(),
            ["a", "b"]
        );
        assert_eq!(back[1].role, Role::Assistant);
    }

    #[test]
    fn damage_is_reported_not_panicked_on() {
        for bad in [
            "",
            "{",
            "null",
            "42",
            r#"{"version":1,"messages":[{"id":"x"}]}"#,
            r#"[{"role":"wizard"}]"#,
            &("[".repeat(600) + &"]".repeat(600)),
        ] {
            assert!(matches!(decode(bad), Err(StoreError::Corrupt(_))), "{bad}");
        }
        assert_eq!(
            decode(r#"{"version":9,"messages":[]}"#),
            Err(StoreError::TooNew(9))
        );
    }

    /// A conversation whose last answer failed on the network used to be saved as an empty
    /// list: serde could not write an internally tagged variant holding a string.
    #[test]
    fn a_failed_answer_is_saved_with_its_error() {
        let mut failed = Message::pending_reply(2);
        failed.apply_chunk(
            &serde_json::from_str(r#"{"choices":[{"index":0,"delta":{"content":"So far"}}]}"#)
                .unwrap(),
        );
        failed.fail(crate::ChatError::Network("Failed to fetch".into()));
        let saved = encode(&[Message::text(1, Role::User, "hi"), failed.clone()]);
        let back = decode(&saved).unwrap();
        assert_eq!(back.len(), 2, "{saved}");
        assert_eq!(back[1], failed);
        assert_eq!(back[1].content(), "So far");
    }
}
