//! What of a conversation is sent back to the server.

use crate::api::{RequestMessage, Role};
use crate::message::{Message, MessageState};

/// The `messages` of a request: the system prompt, then every message that carries something
/// the model should see. Failed or empty answers are left out; an answer the user stopped is
/// sent as far as it got.
pub fn request_messages<'a>(
    system_prompt: Option<&str>,
    history: impl IntoIterator<Item = &'a Message>,
) -> Vec<RequestMessage> {
    let mut out = Vec::new();
    if let Some(prompt) = system_prompt.filter(|p| !p.trim().is_empty()) {
        out.push(RequestMessage::text(Role::System, prompt));
    }
    for m in history {
        if m.state == MessageState::Streaming {
            continue;
        }
        let Some(choice) = m.choice() else { continue };
        let has_calls = !choice.tool_calls.is_empty() || choice.function_call.is_some();
        if m.role == Role::Assistant && choice.content.is_empty() && !has_calls {
            continue;
        }
        let mut r = RequestMessage::text(m.role, choice.content.clone());
        r.name = m.name.clone();
        if has_calls {
            if choice.content.is_empty() {
                r.content = None;
            }
            r.function_call = choice.function_call.clone();
            r.tool_calls = Some(choice.tool_calls.clone()).filter(|c| !c.is_empty());
        }
        out.push(r);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ChatError;

    #[test]
    fn failed_and_streaming_answers_are_not_sent_but_stopped_ones_are() {
        let mut failed = Message::pending_reply(2);
        failed.fail(ChatError::Network("down".into()));
        let mut stopped = Message::pending_reply(4);
        stopped.apply_chunk(
            &serde_json::from_str(r#"{"choices":[{"index":0,"delta":{"content":"par"}}]}"#)
                .unwrap(),
        );
        stopped.stop();
        let history = vec![
            Message::text(1, Role::User, "a"),
            failed,
            Message::text(3, Role::User, "b"),
            stopped,
            Message::text(5, Role::User, "c"),
            Message::pending_reply(6),
        ];
        let got = request_messages(Some("be brief"), &history);
        let got: Vec<_> = got
            .iter()
            .map(|m| (m.role, m.content.as_deref().unwrap_or("")))
            .collect();
        assert_eq!(
            got,
            vec![
                (Role::System, "be brief"),
                (Role::User, "a"),
                (Role::User, "b"),
                (Role::Assistant, "par"),
                (Role::User, "c"),
            ]
        );
    }
}
