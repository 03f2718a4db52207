//! Several conversations: the index (ids, titles, times) kept beside each conversation's
//! messages, and export/import of one conversation as JSON or Markdown.

use std::collections::BTreeMap;

use crate::api::{Role, ToolCall, Usage};
use crate::export::conversation_json;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::lenient;
use crate::message::Message;

pub const INDEX_VERSION: u32 = 2;

/// What the list shows of a conversation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConversationMeta {
    pub id: String,
    pub title: String,
    /// The user gave the title; it no longer follows the first message.
    #[serde(default, deserialize_with = "lenient::null_as_default")]
    pub renamed: bool,
    pub created_ms: u64,
    pub updated_ms: u64,
    /// Settings the user changed for this conversation (name → value), over the widget's
    /// configuration.
    #[serde(
        default,
        deserialize_with = "lenient::null_as_default",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub settings: BTreeMap<String, String>,
}

/// The list of conversations and which one is open.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Index {
    pub version: u32,
    #[serde(default)]
    pub active: Option<String>,
    pub conversations: Vec<ConversationMeta>,
}

/// The title a conversation gets from its first user message.
pub fn title_from(messages: &[Message]) -> String {
    let first = messages
        .iter()
        .find(|m| m.role == Role::User)
        .map(|m| m.content())
        .unwrap_or("");
    let line = first.split_whitespace().collect::<Vec<_>>().join(" ");
    if line.is_empty() {
        return "New conversation".to_owned();
    }
    let mut title: String = line.chars().take(60).collect();
    if line.chars().count() > 60 {
        title.push('…');
    }
    title
}

impl Index {
    /// Reads an index; anything unreadable gives an empty one (the conversations' own data is
    /// kept under its keys, so nothing is destroyed).
    pub fn decode(text: &str) -> Result<Index, String> {
        let index: Index = crate::lenient::parse(text)
            .map_err(|e| format!("the conversation list is damaged ({e})"))?;
        if index.version > INDEX_VERSION {
            return Err(format!(
                "the conversation list was written by a newer version of Confab (format {})",
                index.version
            ));
        }
        Ok(index)
    }

    pub fn encode(&self) -> String {
        let index = Index {
            version: INDEX_VERSION,
            ..self.clone()
        };
        serde_json::to_string(&index).unwrap_or_default()
    }

    /// Adds a conversation and makes it the open one.
    pub fn create(&mut self, id: String, title: String, now_ms: u64) {
        self.conversations.push(ConversationMeta {
            id: id.clone(),
            title,
            renamed: false,
            created_ms: now_ms,
            updated_ms: now_ms,
            settings: BTreeMap::new(),
        });
        self.active = Some(id);
    }

    /// Records that the open conversation changed: its time, and its title unless renamed.
    pub fn touch(&mut self, id: &str, messages: &[Message], now_ms: u64) {
        if let Some(c) = self.conversations.iter_mut().find(|c| c.id == id) {
            c.updated_ms = now_ms;
            if !c.renamed {
                c.title = title_from(messages);
            }
        }
    }

    pub fn rename(&mut self, id: &str, title: &str) {
        if let Some(c) = self.conversations.iter_mut().find(|c| c.id == id) {
            let t = title.trim();
            c.renamed = !t.is_empty();
            if !t.is_empty() {
                c.title = t.to_owned();
            }
        }
    }

    /// Records a setting the user changed for one conversation.
    pub fn set_setting(&mut self, id: &str, name: &str, value: &str) {
        if let Some(c) = self.conversations.iter_mut().find(|c| c.id == id) {
            c.settings.insert(name.to_owned(), value.to_owned());
        }
    }

    /// The settings of a conversation that differ from the widget's configuration.
    pub fn settings(&self, id: &str) -> BTreeMap<String, String> {
        self.conversations
            .iter()
            .find(|c| c.id == id)
            .map(|c| c.settings.clone())
            .unwrap_or_default()
    }

    /// Removes a conversation; if it was open, the newest remaining one opens.
    pub fn remove(&mut self, id: &str) {
        self.conversations.retain(|c| c.id != id);
        if self.active.as_deref() == Some(id) {
            self.active = self.newest_first().first().map(|c| c.id.clone());
        }
    }

    /// Takes in the list another page saved (another tab or frame with the same storage): a
    /// conversation this list does not have joins it, and of two entries for one conversation
    /// the more recently updated is kept. Which conversation is open here stays as it is.
    pub fn merge(&mut self, other: &Index) {
        // A linear search per entry: lists hold hundreds at most, and a map here would be a
        // few KB more of wasm.
        for theirs in &other.conversations {
            match self.conversations.iter().position(|c| c.id == theirs.id) {
                Some(i) => {
                    if theirs.updated_ms > self.conversations[i].updated_ms {
                        self.conversations[i] = theirs.clone();
                    }
                }
                None => self.conversations.push(theirs.clone()),
            }
        }
    }

    /// Keeps the entries whose messages are saved (`saved`), and the open conversation's even
    /// before it is: a conversation deleted elsewhere leaves the list.
    pub fn retain_saved(&mut self, saved: impl Fn(&str) -> bool) {
        let active = self.active.clone();
        self.conversations
            .retain(|c| saved(&c.id) || active.as_deref() == Some(c.id.as_str()));
    }

    /// The conversations, newest first.
    pub fn newest_first(&self) -> Vec<ConversationMeta> {
        let mut list = self.conversations.clone();
        list.sort_by(|a, b| {
            b.updated_ms
                .cmp(&a.updated_ms)
                .then(b.created_ms.cmp(&a.created_ms))
        });
        list
    }
}

/// One conversation as a JSON document: the API's messages format plus metadata.
pub fn export_json(title: &str, model: &str, messages: &[Message], now_ms: u64) -> String {
    let document = json!({
        "format": "confab.conversation",
        "version": 1,
        "title": title,
        "model": model,
        "exported_at_ms": now_ms,
        "messages": conversation_json(messages),
    });
    serde_json::to_string_pretty(&document).unwrap_or_default()
}

/// One conversation as Markdown, for reading.
pub fn export_markdown(title: &str, messages: &[Message]) -> String {
    let mut out = format!("# {title}\n");
    for m in messages {
        let who = match m.role {
            Role::User => "You",
            Role::Assistant => "Assistant",
            Role::System | Role::Developer => "System",
            Role::Function | Role::Tool => "Tool",
        };
        out += &format!("\n## {who}\n\n{}\n", m.content());
        if let Some(c) = m.choice() {
            for call in &c.tool_calls {
                out += &format!(
                    "\n*Tool call* `{}`:\n\n```json\n{}\n```\n",
                    call.function.name, call.function.arguments
                );
            }
        }
    }
    out
}

/// Reads a conversation exported as JSON (or a bare array of `{role, content}` messages).
/// Returns its title and messages, numbered from 1.
pub fn import_json(text: &str) -> Result<(String, Vec<Message>), String> {
    let value: Value =
        serde_json::from_str(text).map_err(|e| format!("This file is not JSON ({e})."))?;
    let (title, items) = match &value {
        Value::Array(items) => (None, items.clone()),
        Value::Object(o) => match o.get("messages") {
            Some(Value::Array(items)) => (
                o.get("title").and_then(Value::as_str).map(str::to_owned),
                items.clone(),
            ),
            _ => {
                return Err(
                    "This JSON has no `messages` list, so it is not a conversation.".to_owned(),
                )
            }
        },
        _ => return Err("This JSON is not a conversation.".to_owned()),
    };
    let mut messages = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let role = Role::deserialize(item["role"].clone())
            .map_err(|_| format!("Message {} has no valid role.", i + 1))?;
        let content = match item.get("content") {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Null) | None => String::new(),
            // The API's content parts: the text parts, joined.
            Some(Value::Array(parts)) if parts.iter().all(|p| p.get("type").is_some()) => parts
                .iter()
                .filter(|p| p["type"] == "text")
                .filter_map(|p| p["text"].as_str())
                .collect::<Vec<_>>()
                .join("\n\n"),
            Some(other) => {
                return Err(format!(
                    "Message {} has content that is not text: {}",
                    i + 1,
                    crate::error::truncate(&other.to_string(), 120)
                ))
            }
        };
        let mut m = Message::text(i as u64 + 1, role, content);
        if let Some(name) = item.get("name").and_then(Value::as_str) {
            m.name = Some(name.to_owned());
        }
        if let Some(Value::Array(calls)) = item.get("tool_calls") {
            m.choices[0].tool_calls = calls
                .iter()
                .filter_map(|c| ToolCall::deserialize(c.clone()).ok())
                .collect();
        }
        if let Some(u) = item.get("usage").filter(|u| !u.is_null()) {
            m.usage = Usage::deserialize(u.clone()).ok();
        }
        messages.push(m);
    }
    let title = title.unwrap_or_else(|| title_from(&messages));
    Ok((title, messages))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn convo() -> Vec<Message> {
        let mut a = Message::pending_reply(2);
        a.apply_chunk(&serde_json::from_str(r#"{"choices":[{"index":0,"delta":{"content":"Hi **there**"},"finish_reason":"stop"}]}"#).unwrap());
        a.end_stream(true);
        vec![Message::text(1, Role::User, "Hello,   how are\nyou?"), a]
    }

    fn meta(id: &str, title: &str, updated_ms: u64) -> ConversationMeta {
        ConversationMeta {
            id: id.into(),
            title: title.into(),
            renamed: false,
            created_ms: 1,
            updated_ms,
            settings: BTreeMap::new(),
        }
    }

    #[test]
    fn another_pages_list_is_merged_not_overwritten() {
        // This tab: a and b open; the other tab saved a (later, retitled), c, and opened c.
        let mut mine = Index {
            version: INDEX_VERSION,
            active: Some("b".into()),
            conversations: vec![meta("a", "old a", 10), meta("b", "b", 20)],
        };
        let theirs = Index {
            version: INDEX_VERSION,
            active: Some("c".into()),
            conversations: vec![
                meta("a", "new a", 30),
                meta("c", "c", 5),
                meta("b", "stale b", 15),
            ],
        };
        mine.merge(&theirs);
        assert_eq!(
            mine.active.as_deref(),
            Some("b"),
            "what is open here stays open"
        );
        let got: Vec<(&str, &str)> = mine
            .conversations
            .iter()
            .map(|c| (c.id.as_str(), c.title.as_str()))
            .collect();
        assert_eq!(got, [("a", "new a"), ("b", "b"), ("c", "c")]);

        // Merging the same list again changes nothing.
        let before = mine.clone();
        mine.merge(&theirs);
        assert_eq!(mine, before);

        // Deleted elsewhere (no saved messages): gone, except the one open here.
        mine.retain_saved(|id| id == "c");
        let ids: Vec<&str> = mine.conversations.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(ids, ["b", "c"]);
    }

    #[test]
    fn titles_come_from_the_first_user_message_until_renamed() {
        assert_eq!(title_from(&convo()), "Hello, how are you?");
        assert_eq!(title_from(&[]), "New conversation");
        let long = "word ".repeat(40);
        assert!(title_from(&[Message::text(1, Role::User, long)]).ends_with('…'));
        let mut index = Index::default();
        index.create("a".into(), "New conversation".into(), 1);
        index.touch("a", &convo(), 2);
        assert_eq!(index.conversations[0].title, "Hello, how are you?");
        index.rename("a", "Mine");
        index.touch("a", &convo(), 3);
        assert_eq!(index.conversations[0].title, "Mine");
    }

    #[test]
    fn newest_first_and_removing_the_open_one_opens_the_newest() {
        let mut index = Index::default();
        index.create("old".into(), "o".into(), 1);
        index.create("new".into(), "n".into(), 5);
        index.create("mid".into(), "m".into(), 3);
        let order: Vec<String> = index.newest_first().into_iter().map(|c| c.id).collect();
        assert_eq!(order, ["new", "mid", "old"]);
        index.remove("mid");
        assert_eq!(index.active.as_deref(), Some("new"));
        let back = Index::decode(&index.encode()).unwrap();
        assert_eq!(back.conversations.len(), 2);
        assert!(Index::decode("{").is_err());
        assert!(Index::decode(r#"{"version":9,"active":null,"conversations":[]}"#).is_err());
    }

    #[test]
    fn export_then_import_round_trips() {
        let json = export_json("Greeting", "mock", &convo(), 7);
        let (title, back) = import_json(&json).unwrap();
        assert_eq!(title, "Greeting");
        assert_eq!(
            back.iter()
                .map(|m| (m.role, m.content().to_owned()))
                .collect::<Vec<_>>(),
            convo()
                .iter()
                .map(|m| (m.role, m.content().to_owned()))
                .collect::<Vec<_>>()
        );
        let md = export_markdown("Greeting", &convo());
        assert!(
            md.starts_with("# Greeting\n") && md.contains("## Assistant\n\nHi **there**"),
            "{md}"
        );
    }

    #[test]
    fn imports_say_what_is_wrong() {
        assert!(import_json("nope").unwrap_err().contains("not JSON"));
        assert!(import_json(r#"{"a":1}"#)
            .unwrap_err()
            .contains("no `messages`"));
        assert!(import_json(r#"[{"role":"wizard","content":"x"}]"#)
            .unwrap_err()
            .contains("Message 1 has no valid role"));
        let (title, m) = import_json(r#"[{"role":"user","content":"bare array"}]"#).unwrap();
        assert_eq!((title.as_str(), m.len()), ("bare array", 1));
    }

    #[test]
    fn imported_content_parts_keep_their_text() {
        let (_, m) = import_json(
            r#"[{"role":"user","content":[{"type":"text","text":"Look"},{"type":"image_url","image_url":{"url":"x"}},{"type":"text","text":"at this"}]}]"#,
        )
        .unwrap();
        assert_eq!(m[0].content(), "Look\n\nat this");
        assert!(import_json(r#"[{"role":"user","content":{"a":1}}]"#)
            .unwrap_err()
            .contains("not text"));
    }
}
