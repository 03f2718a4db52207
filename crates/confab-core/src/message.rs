//! A message of the conversation, and the accumulator that builds an assistant message from
//! streamed chunks: deltas are merged per choice `index`, tool calls per tool call `index`.

use crate::api::{
    ChatCompletion, ChatCompletionChunk, Delta, FinishReason, FunctionCall, Role, ToolCall,
    ToolCallDelta, Usage,
};
use crate::error::ChatError;
use serde::{Deserialize, Serialize};

use crate::lenient;
use crate::surrogates::Joiner;

pub type MessageId = u64;

/// Where a message is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MessageState {
    /// Text is still arriving.
    Streaming,
    /// The server said the answer is finished.
    Done,
    /// The user stopped it; the text so far is kept.
    Stopped,
    /// The stream ended without the server saying it was finished.
    Incomplete,
    /// The request or the stream failed; see the message's error.
    #[serde(rename = "error")]
    Failed,
}

impl MessageState {
    /// The name used in CSS classes and in the JS API.
    pub fn as_str(self) -> &'static str {
        match self {
            MessageState::Streaming => "streaming",
            MessageState::Done => "done",
            MessageState::Stopped => "stopped",
            MessageState::Incomplete => "incomplete",
            MessageState::Failed => "error",
        }
    }
}

/// One alternative of an answer (`n` > 1 gives several); a user message has exactly one.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "SavedChoice")]
pub struct Choice {
    pub index: u32,
    pub content: String,
    /// Reasoning ("thinking") text, kept apart from the answer.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub reasoning: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refusal: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tool_calls: Vec<ToolCall>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub function_call: Option<FunctionCall>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub finish_reason: Option<FinishReason>,
    /// The stream's `index` of each entry of `tool_calls`, for merging deltas.
    #[serde(skip)]
    tool_call_indices: Vec<u32>,
    /// Where the text is relative to a leading `<think>` block.
    #[serde(skip)]
    think: Think,
    /// Surrogate halves split across deltas, of the text and of the reasoning.
    #[serde(skip)]
    joiners: [Joiner; 2],
}

/// A choice as saved: what is only needed while it streams is not kept.
#[derive(Deserialize)]
struct SavedChoice {
    index: u32,
    content: String,
    #[serde(default, deserialize_with = "lenient::null_as_default")]
    reasoning: String,
    #[serde(default)]
    refusal: Option<String>,
    #[serde(default, deserialize_with = "lenient::null_as_default")]
    tool_calls: Vec<ToolCall>,
    #[serde(default)]
    function_call: Option<FunctionCall>,
    #[serde(default)]
    finish_reason: Option<FinishReason>,
}

impl From<SavedChoice> for Choice {
    fn from(c: SavedChoice) -> Self {
        Choice {
            index: c.index,
            content: c.content,
            reasoning: c.reasoning,
            refusal: c.refusal,
            tool_call_indices: (0..c.tool_calls.len() as u32).collect(),
            tool_calls: c.tool_calls,
            function_call: c.function_call,
            finish_reason: c.finish_reason,
            think: Think::Answer,
            joiners: Default::default(),
        }
    }
}

/// Models served without a reasoning parser (DeepSeek R1, Qwen 3 or QwQ on vLLM, llama.cpp,
/// LM Studio or Ollama set up that way) write their reasoning into the answer itself, as a
/// leading `<think>…</think>` block. That block goes to `reasoning`, the rest to `content`,
/// also when the tags arrive split across chunks.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum Think {
    /// Nothing but whitespace, or the start of `<think>`, has arrived.
    #[default]
    Undecided,
    /// Inside the block: text is reasoning.
    Inside,
    /// The block just closed: whitespace before the answer is dropped.
    Closed,
    /// Text is the answer.
    Answer,
}

const THINK_OPEN: &str = "<think>";
const THINK_CLOSE: &str = "</think>";

impl Choice {
    /// Nothing to show yet: no text (but white space), reasoning, refusal or call.
    pub fn is_blank(&self) -> bool {
        self.content.trim().is_empty()
            && self.reasoning.trim().is_empty()
            && self.refusal.as_deref().is_none_or(|r| r.trim().is_empty())
            && self.tool_calls.is_empty()
            && self.function_call.is_none()
    }

    fn new(index: u32) -> Self {
        Choice {
            index,
            ..Choice::default()
        }
    }

    /// Appends answer text, separating a leading `<think>` block.
    fn push_content(&mut self, text: &str) {
        match self.think {
            Think::Answer => self.content.push_str(text),
            Think::Inside => self.push_thinking(text),
            Think::Closed => {
                let text = text.trim_start();
                if !text.is_empty() {
                    self.think = Think::Answer;
                    self.content.push_str(text);
                }
            }
            Think::Undecided => {
                self.content.push_str(text);
                let start = self.content.trim_start();
                if let Some(rest) = start.strip_prefix(THINK_OPEN) {
                    let rest = rest.to_owned();
                    self.content.clear();
                    self.think = Think::Inside;
                    self.push_thinking(&rest);
                } else if !THINK_OPEN.starts_with(start) {
                    self.think = Think::Answer;
                }
            }
        }
    }

    fn push_thinking(&mut self, text: &str) {
        // The closing tag may have begun in an earlier piece.
        let mut from = self.reasoning.len().saturating_sub(THINK_CLOSE.len() - 1);
        while !self.reasoning.is_char_boundary(from) {
            from -= 1;
        }
        // Whitespace after `<think>` is not part of the reasoning.
        let text = if self.reasoning.is_empty() {
            text.trim_start()
        } else {
            text
        };
        self.reasoning.push_str(text);
        if let Some(at) = self.reasoning[from..].find(THINK_CLOSE) {
            let at = from + at;
            let after = self.reasoning[at + THINK_CLOSE.len()..].to_owned();
            self.reasoning
                .truncate(self.reasoning[..at].trim_end().len());
            self.think = Think::Closed;
            self.push_content(&after);
        }
    }

    fn apply_delta(&mut self, delta: &Delta) {
        if let Some(text) = &delta.content {
            let text = self.joiners[0].push(text);
            self.push_content(&text);
        }
        if let Some(text) = delta
            .reasoning_content
            .as_ref()
            .or(delta.reasoning.as_ref())
        {
            let text = self.joiners[1].push(text);
            self.reasoning.push_str(&text);
        }
        if let Some(text) = &delta.refusal {
            self.refusal.get_or_insert_with(String::new).push_str(text);
        }
        for call in &delta.tool_calls {
            self.apply_tool_call(call);
        }
        if let Some(f) = &delta.function_call {
            let call = self.function_call.get_or_insert_with(FunctionCall::default);
            if let Some(name) = &f.name {
                if call.name.is_empty() {
                    call.name = name.clone();
                }
            }
            if let Some(args) = &f.arguments {
                call.arguments.push_str(args);
            }
        }
    }

    fn apply_tool_call(&mut self, delta: &ToolCallDelta) {
        let position = match (delta.index, delta.id.as_deref().filter(|id| !id.is_empty())) {
            (Some(index), _) => self.tool_call_indices.iter().position(|&i| i == index),
            // Servers that send each call whole, without an index: match by id, else it is new.
            (None, Some(id)) => self.tool_calls.iter().position(|c| c.id == id),
            // Neither: a continuation of the last call.
            (None, None) => self.tool_calls.len().checked_sub(1),
        };
        let position = position.unwrap_or_else(|| {
            let index = delta.index.unwrap_or(self.tool_calls.len() as u32);
            self.tool_call_indices.push(index);
            self.tool_calls.push(ToolCall {
                id: String::new(),
                kind: "function".to_owned(),
                function: FunctionCall::default(),
            });
            self.tool_calls.len() - 1
        });
        let call = &mut self.tool_calls[position];
        if let Some(id) = delta.id.as_ref().filter(|id| !id.is_empty()) {
            if call.id.is_empty() {
                call.id = id.clone();
            }
        }
        if let Some(kind) = &delta.kind {
            call.kind = kind.clone();
        }
        if let Some(f) = &delta.function {
            if let Some(name) = f.name.as_ref().filter(|n| !n.is_empty()) {
                if call.function.name.is_empty() {
                    call.function.name = name.clone();
                }
            }
            if let Some(args) = &f.arguments {
                call.function.arguments.push_str(args);
            }
        }
    }
}

/// A whole text (not a delta) with its surrogate markers joined or made U+FFFD.
fn whole_text(text: &str) -> String {
    let mut joiner = Joiner::default();
    let mut out = joiner.push(text).into_owned();
    out.push_str(joiner.finish());
    out
}

/// A message of the conversation. Its saved form is read strictly: a stored message that lacks
/// what every message has is damage, reported rather than guessed at.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    pub id: MessageId,
    pub role: Role,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Sorted by `index`. Never empty once anything has arrived.
    pub choices: Vec<Choice>,
    /// Position in `choices` of the alternative the conversation continues with.
    #[serde(default, deserialize_with = "lenient::null_as_default")]
    pub selected: usize,
    pub state: MessageState,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usage: Option<Usage>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ChatError>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// Milliseconds from sending the request to the end of the answer, measured by the caller.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub elapsed_ms: Option<u64>,
    /// Earlier versions of the conversation from this message on (see `versions`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub versions: Option<Box<Versions>>,
    /// While a cut-off answer is being continued: the choice index the new text goes to.
    #[serde(skip)]
    continuing: Option<u32>,
}

/// The largest id among `messages` and every version stored in them.
pub fn max_id(messages: &[Message]) -> MessageId {
    messages
        .iter()
        .map(|m| {
            let nested = m
                .versions
                .as_ref()
                .map_or(0, |v| v.others.iter().map(|o| max_id(o)).max().unwrap_or(0));
            m.id.max(nested)
        })
        .max()
        .unwrap_or(0)
}

impl Message {
    /// A finished message with one text, such as what the user typed.
    pub fn text(id: MessageId, role: Role, text: impl Into<String>) -> Self {
        let mut choice = Choice::new(0);
        choice.content = text.into();
        choice.think = Think::Answer;
        Message {
            id,
            role,
            name: None,
            choices: vec![choice],
            selected: 0,
            state: MessageState::Done,
            usage: None,
            error: None,
            model: None,
            elapsed_ms: None,
            versions: None,
            continuing: None,
        }
    }

    /// An assistant message whose answer is about to stream in.
    pub fn pending_reply(id: MessageId) -> Self {
        Message {
            id,
            role: Role::Assistant,
            name: None,
            choices: Vec::new(),
            selected: 0,
            state: MessageState::Streaming,
            usage: None,
            error: None,
            model: None,
            elapsed_ms: None,
            versions: None,
            continuing: None,
        }
    }

    /// The alternative the conversation continues with, if any has arrived.
    pub fn choice(&self) -> Option<&Choice> {
        self.choices.get(self.selected).or(self.choices.first())
    }

    /// The text of the selected alternative.
    pub fn content(&self) -> &str {
        self.choice().map_or("", |c| c.content.as_str())
    }

    pub fn finish_reason(&self) -> Option<&FinishReason> {
        self.choice().and_then(|c| c.finish_reason.as_ref())
    }

    fn choice_mut(&mut self, index: u32) -> &mut Choice {
        let pos = match self.choices.binary_search_by_key(&index, |c| c.index) {
            Ok(pos) => pos,
            Err(pos) => {
                self.choices.insert(pos, Choice::new(index));
                pos
            }
        };
        &mut self.choices[pos]
    }

    /// Merges one streamed chunk into the message.
    pub fn apply_chunk(&mut self, chunk: &ChatCompletionChunk) {
        if self.model.is_none() {
            self.model = chunk.model.clone().filter(|m| !m.is_empty());
        }
        for c in &chunk.choices {
            let index = match self.continuing {
                // A continuation is a fresh single-choice answer whose text extends ours.
                Some(target) if c.index == 0 => target,
                Some(_) => continue,
                None => c.index,
            };
            let choice = self.choice_mut(index);
            if let Some(delta) = &c.delta {
                choice.apply_delta(delta);
            }
            if let Some(reason) = &c.finish_reason {
                choice.finish_reason = Some(reason.clone());
            }
        }
        if let Some(usage) = chunk.usage() {
            self.usage = Some(usage.clone());
        }
    }

    /// Reopens the selected alternative, cut off by the length limit, so that the answer to a
    /// continuation request is appended to it.
    pub fn begin_continuation(&mut self) {
        let Some(choice) = self.choices.get_mut(self.selected) else {
            return;
        };
        choice.finish_reason = None;
        self.continuing = Some(choice.index);
        self.state = MessageState::Streaming;
        self.error = None;
        self.usage = None;
    }

    /// Whether the selected alternative was cut off by the length limit.
    pub fn was_cut_off(&self) -> bool {
        self.finish_reason() == Some(&FinishReason::Length)
    }

    /// Takes a whole non-streamed answer.
    pub fn apply_completion(&mut self, completion: ChatCompletion) {
        if !completion.model.is_empty() {
            self.model = Some(completion.model);
        }
        for c in completion.choices {
            let index = match self.continuing {
                Some(target) if c.index == 0 => target,
                Some(_) => continue,
                None => c.index,
            };
            let continuing = self.continuing.is_some();
            let choice = self.choice_mut(index);
            let m = c.message;
            let text = whole_text(&m.content.unwrap_or_default());
            if continuing {
                choice.push_content(&text);
                choice.finish_reason = c.finish_reason;
                continue;
            }
            choice.content.clear();
            choice.reasoning.clear();
            choice.think = Think::Undecided;
            choice.push_content(&text);
            if let Some(reasoning) = m.reasoning_content.or(m.reasoning) {
                choice.reasoning = whole_text(&reasoning);
            }
            choice.refusal = m.refusal;
            choice.tool_calls = m.tool_calls;
            choice.function_call = m.function_call;
            choice.finish_reason = c.finish_reason;
        }
        self.usage = completion.usage;
        self.state = MessageState::Done;
    }

    /// Whether every alternative that arrived has a finish reason.
    pub fn all_choices_finished(&self) -> bool {
        !self.choices.is_empty() && self.choices.iter().all(|c| c.finish_reason.is_some())
    }

    /// The stream ended by itself: done if the server said so (`[DONE]` or a finish reason on
    /// every choice), incomplete otherwise.
    pub fn end_stream(&mut self, saw_done: bool) {
        self.end_texts();
        if saw_done || self.all_choices_finished() {
            self.state = MessageState::Done;
        } else {
            self.state = MessageState::Incomplete;
            self.error = Some(ChatError::Incomplete);
        }
    }

    /// The request or stream failed; what arrived stays.
    pub fn fail(&mut self, error: ChatError) {
        self.end_texts();
        self.state = MessageState::Failed;
        self.error = Some(error);
    }

    /// The user stopped the answer; what arrived stays.
    pub fn stop(&mut self) {
        self.end_texts();
        self.state = MessageState::Stopped;
    }

    /// No more text comes: a half of a character still waiting for its other half is shown
    /// as U+FFFD.
    fn end_texts(&mut self) {
        self.continuing = None;
        for c in &mut self.choices {
            let rest = c.joiners[0].finish();
            c.push_content(rest);
            let rest = c.joiners[1].finish();
            c.reasoning.push_str(rest);
        }
    }

    pub fn is_streaming(&self) -> bool {
        self.state == MessageState::Streaming
    }

    /// Chooses which alternative the conversation continues with.
    pub fn select(&mut self, position: usize) {
        if position < self.choices.len() {
            self.selected = position;
        }
    }
}

// ---------------------------------------------------------------------------------------------
// ---------------------------------------------------------------------------------------------
// Versions (what Regenerate and Edit replace; see `versions` for how they are made)

/// The other versions of the conversation from a message on.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "SavedVersions")]
pub struct Versions {
    /// Each other version: the messages from this position to its end, in the order the
    /// versions were made (the live one left out).
    pub others: Vec<Vec<Message>>,
    /// The live version's place among all of them.
    pub current: usize,
}

impl Versions {
    /// How many versions there are, the live one included.
    pub fn count(&self) -> usize {
        self.others.len() + 1
    }
}

/// Versions as saved, checked before they are used: every version has messages, and the live
/// one's place is within them.
#[derive(Deserialize)]
struct SavedVersions {
    others: Vec<Vec<Message>>,
    current: usize,
}

impl TryFrom<SavedVersions> for Versions {
    type Error = &'static str;

    fn try_from(saved: SavedVersions) -> Result<Self, Self::Error> {
        if saved.others.iter().any(Vec::is_empty) {
            return Err("a version without messages");
        }
        Ok(Versions {
            current: saved.current.min(saved.others.len()),
            others: saved.others,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chunk(json: &str) -> ChatCompletionChunk {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn a_choice_is_blank_until_it_has_something_to_show() {
        let mut c = Choice::new(0);
        assert!(c.is_blank());
        c.content = " \n".into();
        assert!(c.is_blank(), "white space shows nothing");
        c.refusal = Some("no".into());
        assert!(!c.is_blank());
        c.refusal = None;
        c.reasoning = "hmm".into();
        assert!(!c.is_blank());
        c.reasoning.clear();
        c.content = "hi".into();
        assert!(!c.is_blank());
    }

    #[test]
    fn a_continuation_appends_to_the_selected_alternative() {
        let mut m = Message::pending_reply(1);
        m.apply_chunk(&chunk(r#"{"choices":[{"index":0,"delta":{"content":"A"},"finish_reason":"length"},{"index":1,"delta":{"content":"B"},"finish_reason":"length"}]}"#));
        m.end_stream(true);
        m.select(1);
        assert!(m.was_cut_off());
        m.begin_continuation();
        assert!(m.is_streaming());
        m.apply_chunk(&chunk(
            r#"{"choices":[{"index":0,"delta":{"content":"b"}}]}"#,
        ));
        m.apply_chunk(&chunk(
            r#"{"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}"#,
        ));
        m.end_stream(true);
        assert_eq!(m.content(), "Bb");
        assert_eq!(
            m.choices[0].content, "A",
            "the other alternative is untouched"
        );
        assert!(!m.was_cut_off());
        // After the continuation, chunks go by their own index again.
        assert_eq!(m.continuing, None);
    }

    #[test]
    fn selecting_past_the_end_is_ignored() {
        let mut m = Message::text(1, Role::User, "x");
        m.select(5);
        assert_eq!(m.selected, 0);
    }

    /// Feeds `pieces` as streamed content and returns (reasoning, content).
    fn streamed(pieces: &[&str]) -> (String, String) {
        let mut m = Message::pending_reply(1);
        for p in pieces {
            let text = serde_json::Value::from(*p);
            m.apply_chunk(&chunk(&format!(
                r#"{{"choices":[{{"index":0,"delta":{{"content":{text}}}}}]}}"#
            )));
        }
        let c = m.choice().unwrap();
        (c.reasoning.clone(), c.content.clone())
    }

    #[test]
    fn a_leading_think_block_is_reasoning_even_split_anywhere() {
        let text = "\n<think>\nLet me count: 2 + 2 — é 😀.\n</think>\n\nThe answer is **4**.";
        let want = (
            "Let me count: 2 + 2 — é 😀.".to_owned(),
            "The answer is **4**.".to_owned(),
        );
        assert_eq!(streamed(&[text]), want);
        let cuts: Vec<usize> = (0..=text.len())
            .filter(|&i| text.is_char_boundary(i))
            .collect();
        for &a in &cuts {
            for &b in cuts.iter().filter(|&&b| b >= a) {
                let got = streamed(&[&text[..a], &text[a..b], &text[b..]]);
                assert_eq!(got, want, "cut at {a} and {b}");
            }
        }
    }

    #[test]
    fn think_tags_elsewhere_are_left_alone() {
        let no_reasoning = |s: &str| (String::new(), s.to_owned());
        assert_eq!(
            streamed(&["Use <think>", " tags"]),
            no_reasoning("Use <think> tags")
        );
        assert_eq!(streamed(&["<", "b>bold</b>"]), no_reasoning("<b>bold</b>"));
        assert_eq!(streamed(&["<thin", "g>"]), no_reasoning("<thing>"));
        // Cut off while thinking: all of it is reasoning, the answer is empty.
        assert_eq!(
            streamed(&["<think>still", " going"]),
            ("still going".to_owned(), String::new())
        );
        // A non-streamed answer is split the same way.
        let mut m = Message::pending_reply(1);
        m.apply_completion(
            serde_json::from_str(
                r#"{"choices":[{"index":0,"message":{"content":"<think>hm</think>\nYes."},"finish_reason":"stop"}]}"#,
            )
            .unwrap(),
        );
        assert_eq!(
            (m.choices[0].reasoning.as_str(), m.content()),
            ("hm", "Yes.")
        );
    }
}
