//! From SSE events to typed stream events: `chat.completion.chunk`s, the `[DONE]` sentinel, and
//! errors a server reports in the middle of a stream.

use serde::Deserialize;

use crate::api::{ChatCompletionChunk, ErrorObject};
use crate::error::{truncate, ChatError};
use crate::sse::{SseDecoder, SseEvent};

/// What a streamed answer delivers, in order.
#[derive(Clone, Debug, PartialEq)]
pub enum StreamEvent {
    Chunk(ChatCompletionChunk),
    /// `data: [DONE]`: the answer is over.
    Done,
    /// The server reported an error inside the stream, or sent an event that is not valid JSON.
    /// Nothing after it is decoded.
    Error(ChatError),
}

/// Decodes a `text/event-stream` body of chat completion chunks, one network read at a time.
#[derive(Debug, Default)]
pub struct ChunkDecoder {
    sse: SseDecoder,
    ended: bool,
}

impl ChunkDecoder {
    pub fn new() -> Self {
        Self::default()
    }

    /// Decodes the next read of the body.
    pub fn feed(&mut self, bytes: &[u8]) -> Vec<StreamEvent> {
        let events = self.sse.feed(bytes);
        self.decode(events, false)
    }

    /// The body ended. An unterminated last event that is not valid JSON was cut off by the
    /// connection, not malformed by the server: it is dropped, and the caller sees an answer
    /// without `[DONE]`, which is incomplete.
    pub fn finish(&mut self) -> Vec<StreamEvent> {
        let events = self.sse.finish();
        self.decode(events, true)
    }

    /// Whether `[DONE]` or an error ended the stream.
    pub fn ended(&self) -> bool {
        self.ended
    }

    fn decode(&mut self, events: Vec<SseEvent>, at_eof: bool) -> Vec<StreamEvent> {
        let mut out = Vec::with_capacity(events.len());
        for event in events {
            if self.ended {
                break;
            }
            if let Some(decoded) = decode_event(event, at_eof) {
                self.ended = !matches!(decoded, StreamEvent::Chunk(_));
                out.push(decoded);
            }
        }
        out
    }
}

fn decode_event(event: SseEvent, at_eof: bool) -> Option<StreamEvent> {
    let data = event.data.trim();
    if data.is_empty() {
        return None;
    }
    if data == "[DONE]" {
        return Some(StreamEvent::Done);
    }
    let value: serde_json::Value = match serde_json::from_str(&crate::surrogates::mark_lone(data)) {
        Ok(v) => v,
        Err(_) if at_eof => return None,
        Err(e) => {
            return Some(StreamEvent::Error(ChatError::InvalidJson {
                payload: truncate(data, 500),
                reason: e.to_string(),
            }))
        }
    };
    if let Some(error) = ErrorObject::find_in(&value) {
        return Some(StreamEvent::Error(ChatError::Stream(error)));
    }
    if event.event == "error" {
        return Some(StreamEvent::Error(ChatError::Stream(ErrorObject {
            message: truncate(data, 500),
            ..ErrorObject::default()
        })));
    }
    if !value.is_object() {
        // What is not an object at all is an error, not an empty chunk.
        return Some(StreamEvent::Error(ChatError::InvalidJson {
            payload: truncate(data, 500),
            reason: "a chunk must be a JSON object".to_owned(),
        }));
    }
    match ChatCompletionChunk::deserialize(value) {
        Ok(chunk) => Some(StreamEvent::Chunk(chunk)),
        Err(e) => Some(StreamEvent::Error(ChatError::InvalidJson {
            payload: truncate(data, 500),
            reason: e.to_string(),
        })),
    }
}
