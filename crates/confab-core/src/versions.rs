//! Versions of a conversation from one message on. Editing a message and sending it again, or
//! regenerating an answer, replaces what followed; the replaced messages are kept as an earlier
//! version, reachable from the first message of the new one ("‹ 1 / 2 ›").
//!
//! The versions live on the first message of the part they replace: a tree, with the live path
//! in the conversation's list and every other branch stored where it forks.

use crate::api::Role;
use crate::message::Message;
pub use crate::message::Versions;

/// Whether a replaced part holds nothing worth keeping: one answer that never got any text
/// (failed or stopped before the first token).
fn is_empty_answer(tail: &[Message]) -> bool {
    match tail {
        [m] => {
            m.role == Role::Assistant
                && m.choices.iter().all(|c| {
                    c.content.is_empty()
                        && c.reasoning.is_empty()
                        && c.tool_calls.is_empty()
                        && c.function_call.is_none()
                })
        }
        _ => false,
    }
}

/// The messages from a position on are being replaced by a new version: returns the versions
/// its first message is to carry, the replaced part kept among them, the new one last.
pub fn supersede(mut replaced: Vec<Message>) -> Option<Versions> {
    let mut versions = replaced
        .first_mut()
        .and_then(|m| m.versions.take())
        .map(|b| *b)
        .unwrap_or_default();
    if !replaced.is_empty() && !is_empty_answer(&replaced) {
        let at = versions.current.min(versions.others.len());
        versions.others.insert(at, replaced);
    }
    versions.current = versions.others.len();
    (!versions.others.is_empty()).then_some(versions)
}

/// Switches the messages from a position on (`live`, whose first message carries the
/// versions) to version `target`; returns the messages to show from that position on.
/// Out-of-range targets change nothing.
pub fn switch(mut live: Vec<Message>, target: usize) -> Vec<Message> {
    let Some(first) = live.first_mut() else {
        return live;
    };
    let Some(mut versions) = first.versions.take().map(|b| *b) else {
        return live;
    };
    if target >= versions.count() || target == versions.current {
        live[0].versions = Some(Box::new(versions));
        return live;
    }
    let at = versions.current.min(versions.others.len());
    versions.others.insert(at, live);
    let mut chosen = versions.others.remove(target);
    versions.current = target;
    if let Some(first) = chosen.first_mut() {
        first.versions = Some(Box::new(versions));
    }
    chosen
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(id: u64, text: &str) -> Message {
        Message::text(id, Role::User, text)
    }

    fn answer(id: u64, text: &str) -> Message {
        Message::text(id, Role::Assistant, text)
    }

    fn texts(list: &[Message]) -> Vec<&str> {
        list.iter().map(Message::content).collect()
    }

    #[test]
    fn editing_twice_then_walking_through_the_versions() {
        // "a" → answer "A"; edited to "b" → "B"; edited again to "c" → "C".
        let v1 = vec![user(1, "a"), answer(2, "A")];
        let mut v2 = vec![user(3, "b"), answer(4, "B")];
        v2[0].versions = supersede(v1).map(Box::new);
        let mut v3 = vec![user(5, "c"), answer(6, "C")];
        v3[0].versions = supersede(v2).map(Box::new);
        let versions = v3[0].versions.as_ref().unwrap();
        assert_eq!((versions.count(), versions.current), (3, 2));

        let first = switch(v3, 0);
        assert_eq!(texts(&first), ["a", "A"]);
        assert_eq!(first[0].versions.as_ref().unwrap().current, 0);
        let second = switch(first, 1);
        assert_eq!(texts(&second), ["b", "B"]);
        let third = switch(second, 2);
        assert_eq!(texts(&third), ["c", "C"]);
        // Out of range, or the live one: nothing changes.
        let same = switch(third.clone(), 7);
        assert_eq!(same, third);
        assert_eq!(switch(third.clone(), 2), third);

        // Editing while an earlier version is shown adds a fourth, last.
        let shown = switch(third, 0);
        let mut v4 = [user(7, "d")];
        v4[0].versions = supersede(shown).map(Box::new);
        let versions = v4[0].versions.as_ref().unwrap();
        assert_eq!((versions.count(), versions.current), (4, 3));
        let order: Vec<Vec<&str>> = versions.others.iter().map(|o| texts(o)).collect();
        assert_eq!(order, [vec!["a", "A"], vec!["b", "B"], vec!["c", "C"]]);
    }

    #[test]
    fn an_answer_that_never_got_text_is_not_kept() {
        let mut failed = Message::pending_reply(2);
        failed.fail(crate::ChatError::Network("down".into()));
        assert_eq!(supersede(vec![failed]), None);
        assert_eq!(supersede(Vec::new()), None);
        assert!(supersede(vec![answer(2, "kept")]).is_some());
    }

    #[test]
    fn versions_are_saved_and_read_back_nested() {
        let mut inner = vec![user(3, "b"), answer(4, "B")];
        inner[1].versions = supersede(vec![answer(9, "B0")]).map(Box::new);
        let mut live = vec![user(5, "c"), answer(6, "C")];
        live[0].versions = supersede(inner).map(Box::new);
        let back = crate::store::decode(&crate::store::encode(&live)).unwrap();
        assert_eq!(back, live);
        assert_eq!(crate::message::max_id(&back), 9);
    }

    /// Forks within forks nest in the saved form; 50 of them still read back.
    #[test]
    fn deeply_nested_versions_read_back() {
        let mut live: Vec<Message> = (0..50u64)
            .flat_map(|i| [user(2 * i + 1, "q"), answer(2 * i + 2, "a")])
            .collect();
        // Edit every question from the last to the first: each edit keeps the part it
        // replaces, which holds the versions of the edits after it.
        let mut id = 100;
        for i in (0..50).rev() {
            let replaced = live.split_off(2 * i);
            let mut edited = vec![user(id + 1, "e"), answer(id + 2, "E")];
            id += 2;
            edited[0].versions = supersede(replaced).map(Box::new);
            live.extend(edited);
        }
        assert_eq!(live.len(), 2);
        let saved = crate::store::encode(&live);
        let depth = saved
            .bytes()
            .scan(0i32, |d, b| {
                *d += match b {
                    b'[' | b'{' => 1,
                    b']' | b'}' => -1,
                    _ => 0,
                };
                Some(*d)
            })
            .max();
        assert!(depth > Some(150), "nested {depth:?} deep");
        let back = crate::store::decode(&saved).unwrap();
        assert_eq!(back, live);
        assert_eq!(crate::message::max_id(&back), 200);
    }
}
