//! Incremental Server-Sent Events decoding, as the WHATWG HTML standard defines the
//! `text/event-stream` format.
//!
//! Bytes arrive in arbitrary pieces: a multi-byte UTF-8 character, a line, a `\r\n` pair or a
//! whole event may be split across network reads. [`SseDecoder::feed`] keeps whatever is
//! unfinished for the next read and returns only complete events.

/// One dispatched event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SseEvent {
    /// The `event:` field, empty when the server sent none (the default type, "message").
    pub event: String,
    /// The `data:` lines of the event joined with `\n`.
    pub data: String,
}

#[derive(Debug, Default)]
pub struct SseDecoder {
    /// Bytes of a UTF-8 character split at the end of the last read.
    partial_char: Vec<u8>,
    /// The current, unterminated line.
    line: String,
    /// The last read ended with `\r`: a `\n` that starts the next read belongs to it.
    after_cr: bool,
    /// Whether the byte-order mark check at the start of the stream has happened.
    started: bool,
    event: String,
    data: String,
    has_data: bool,
}

impl SseDecoder {
    pub fn new() -> Self {
        Self::default()
    }

    /// Decodes the next piece of the stream and returns the events it completes.
    pub fn feed(&mut self, bytes: &[u8]) -> Vec<SseEvent> {
        let mut events = Vec::new();
        let text = self.decode_utf8(bytes);
        self.feed_str(&text, &mut events);
        events
    }

    /// The stream ended. The standard discards an event that was not terminated by a blank
    /// line; many servers omit the final blank line after `data: [DONE]`, so an unterminated
    /// last event is dispatched instead and left for the caller to judge.
    pub fn finish(&mut self) -> Vec<SseEvent> {
        let mut events = Vec::new();
        if !self.partial_char.is_empty() {
            self.partial_char.clear();
            self.line.push(char::REPLACEMENT_CHARACTER);
        }
        if !self.line.is_empty() {
            let line = std::mem::take(&mut self.line);
            self.process_line(&line, &mut events);
        }
        self.dispatch(&mut events);
        events
    }

    fn decode_utf8(&mut self, bytes: &[u8]) -> String {
        let owned;
        let mut input: &[u8] = if self.partial_char.is_empty() {
            bytes
        } else {
            self.partial_char.extend_from_slice(bytes);
            owned = std::mem::take(&mut self.partial_char);
            &owned[..]
        };
        let mut out = String::with_capacity(input.len());
        loop {
            match std::str::from_utf8(input) {
                Ok(s) => {
                    out.push_str(s);
                    break;
                }
                Err(e) => {
                    let (valid, rest) = input.split_at(e.valid_up_to());
                    out.push_str(std::str::from_utf8(valid).unwrap_or_default());
                    match e.error_len() {
                        // Invalid bytes become U+FFFD, as the standard's UTF-8 decode does.
                        Some(n) => {
                            out.push(char::REPLACEMENT_CHARACTER);
                            input = &rest[n..];
                        }
                        // A character cut off by the end of this read: keep it for the next.
                        None => {
                            self.partial_char = rest.to_vec();
                            break;
                        }
                    }
                }
            }
        }
        out
    }

    fn feed_str(&mut self, mut text: &str, events: &mut Vec<SseEvent>) {
        if !self.started && !text.is_empty() {
            self.started = true;
            text = text.strip_prefix('\u{feff}').unwrap_or(text);
        }
        if self.after_cr && !text.is_empty() {
            self.after_cr = false;
            text = text.strip_prefix('\n').unwrap_or(text);
        }
        while let Some(pos) = text.find(['\r', '\n']) {
            let (head, rest) = text.split_at(pos);
            if self.line.is_empty() {
                self.process_line(head, events);
            } else {
                self.line.push_str(head);
                let line = std::mem::take(&mut self.line);
                self.process_line(&line, events);
            }
            let is_cr = rest.as_bytes()[0] == b'\r';
            text = &rest[1..];
            if is_cr {
                if text.is_empty() {
                    self.after_cr = true;
                } else {
                    text = text.strip_prefix('\n').unwrap_or(text);
                }
            }
        }
        self.line.push_str(text);
    }

    fn process_line(&mut self, line: &str, events: &mut Vec<SseEvent>) {
        if line.is_empty() {
            self.dispatch(events);
            return;
        }
        if line.starts_with(':') {
            return; // A comment: `: keep-alive`, `: OPENROUTER PROCESSING`.
        }
        let (field, value) = match line.split_once(':') {
            Some((field, value)) => (field, value.strip_prefix(' ').unwrap_or(value)),
            None => (line, ""),
        };
        match field {
            "data" => {
                if self.has_data {
                    self.data.push('\n');
                }
                self.data.push_str(value);
                self.has_data = true;
            }
            "event" => self.event = value.to_owned(),
            // `id` and `retry` matter for EventSource reconnection, which a POST stream never does.
            _ => {}
        }
    }

    fn dispatch(&mut self, events: &mut Vec<SseEvent>) {
        let event = std::mem::take(&mut self.event);
        if !self.has_data {
            return;
        }
        self.has_data = false;
        events.push(SseEvent {
            event,
            data: std::mem::take(&mut self.data),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(data: &str) -> SseEvent {
        SseEvent {
            event: String::new(),
            data: data.to_owned(),
        }
    }

    fn decode(pieces: &[&[u8]]) -> Vec<SseEvent> {
        let mut d = SseDecoder::new();
        let mut out = Vec::new();
        for p in pieces {
            out.extend(d.feed(p));
        }
        out.extend(d.finish());
        out
    }

    /// Replays `input` whole, byte by byte, and split in two at every offset.
    fn check(input: &str, expected: &[SseEvent]) {
        let bytes = input.as_bytes();
        assert_eq!(decode(&[bytes]), expected, "whole: {input:?}");
        let singles: Vec<&[u8]> = bytes.chunks(1).collect();
        assert_eq!(decode(&singles), expected, "byte by byte: {input:?}");
        for at in 0..=bytes.len() {
            let (a, b) = bytes.split_at(at);
            assert_eq!(decode(&[a, b]), expected, "split at {at}: {input:?}");
        }
    }

    #[test]
    fn line_endings_lf_crlf_and_bare_cr() {
        check("data: a\n\ndata: b\n\n", &[ev("a"), ev("b")]);
        check("data: a\r\n\r\ndata: b\r\n\r\n", &[ev("a"), ev("b")]);
        check("data: a\r\rdata: b\r\r", &[ev("a"), ev("b")]);
        check("data: a\r\n\ndata: b\n\r\n", &[ev("a"), ev("b")]);
    }

    #[test]
    fn comments_and_other_fields_are_ignored() {
        check(
            ": keep-alive\n\n: OPENROUTER PROCESSING\n\nid: 7\nretry: 1000\ndata: x\n\n",
            &[ev("x")],
        );
    }

    #[test]
    fn only_one_space_after_the_colon_is_removed() {
        check("data:a\n\ndata:  b\n\n", &[ev("a"), ev(" b")]);
    }

    #[test]
    fn several_data_lines_join_with_newline() {
        check("data: {\"a\":\ndata: 1}\n\n", &[ev("{\"a\":\n1}")]);
        check("data\ndata\n\n", &[ev("\n")]);
    }

    #[test]
    fn event_type_is_kept() {
        check(
            "event: error\ndata: {}\n\n",
            &[SseEvent {
                event: "error".into(),
                data: "{}".into(),
            }],
        );
    }

    #[test]
    fn multi_byte_characters_split_anywhere() {
        check(
            "data: héllo wörld 🦀 日本\n\n",
            &[ev("héllo wörld 🦀 日本")],
        );
    }

    #[test]
    fn invalid_utf8_becomes_replacement_character() {
        assert_eq!(decode(&[b"data: a\xffb\n\n"]), vec![ev("a\u{fffd}b")]);
    }

    #[test]
    fn byte_order_mark_is_skipped() {
        check("\u{feff}data: a\n\n", &[ev("a")]);
    }

    #[test]
    fn unterminated_last_event_is_dispatched_at_the_end() {
        check("data: a\n\ndata: [DONE]", &[ev("a"), ev("[DONE]")]);
        check("data: a\n\ndata: [DONE]\n", &[ev("a"), ev("[DONE]")]);
    }

    #[test]
    fn events_without_data_are_not_dispatched() {
        check("event: ping\n\n\n\n", &[]);
    }
}
