//! UTF-16 surrogates split across events. A server that cuts text by UTF-16 code unit (as
//! JavaScript strings are) can end one delta with `"\ud83c"` and start the next with
//! `"\udf0d"`; a browser's `JSON.parse` and string concatenation make 🌍 of them. serde_json
//! refuses a lone surrogate escape, so before parsing each lone one becomes a marker character
//! (from a private-use range no model writes), and the accumulator joins a high marker at the
//! end of one delta with a low marker at the start of the next ([`Joiner`]). A marker left
//! alone becomes U+FFFD, as the browser would show it.

use std::borrow::Cow;

/// The markers: U+F0000 + (surrogate − 0xD800), for 0xD800..=0xDFFF.
const MARKER_BASE: u32 = 0xF0000;

fn marker(surrogate: u32) -> char {
    char::from_u32(MARKER_BASE + (surrogate - 0xD800)).unwrap_or('\u{FFFD}')
}

/// The surrogate a marker stands for.
fn surrogate(c: char) -> Option<u32> {
    let c = c as u32;
    (MARKER_BASE..MARKER_BASE + 0x800)
        .contains(&c)
        .then(|| c - MARKER_BASE + 0xD800)
}

/// The `\uXXXX` escape at the start of `s`, as its code unit.
fn escape_at(s: &[u8]) -> Option<u32> {
    if s.len() < 6 || s[0] != b'\\' || s[1] != b'u' {
        return None;
    }
    let hex = std::str::from_utf8(&s[2..6]).ok()?;
    u32::from_str_radix(hex, 16).ok()
}

/// `json` with every lone surrogate escape (`\ud83c` not followed by a low one, or a low one
/// alone) replaced by its marker character. Paired escapes, and text without any, are left as
/// they are.
pub fn mark_lone(json: &str) -> Cow<'_, str> {
    let bytes = json.as_bytes();
    let mut out: Option<String> = None;
    let mut copied = 0;
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'\\' {
            i += 1;
            continue;
        }
        let Some(unit) = escape_at(&bytes[i..]) else {
            i += 2; // Another escape (`\\`, `\"`, …): its second character is not a backslash.
            continue;
        };
        let lone = match unit {
            0xD800..=0xDBFF => {
                if escape_at(&bytes[i + 6..]).is_some_and(|low| (0xDC00..=0xDFFF).contains(&low)) {
                    i += 12;
                    continue;
                }
                true
            }
            0xDC00..=0xDFFF => true,
            _ => false,
        };
        if lone {
            let out = out.get_or_insert_with(|| String::with_capacity(json.len()));
            out.push_str(&json[copied..i]);
            out.push(marker(unit));
            copied = i + 6;
        }
        i += 6;
    }
    match out {
        Some(mut out) => {
            out.push_str(&json[copied..]);
            Cow::Owned(out)
        }
        None => Cow::Borrowed(json),
    }
}

/// Appends streamed text, joining a high surrogate at the end of one delta with the low one
/// that starts the next.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Joiner {
    /// A high surrogate that ended the last delta.
    pending: Option<u32>,
}

impl Joiner {
    /// `text` as it should be appended, with markers joined or replaced.
    pub fn push<'a>(&mut self, text: &'a str) -> Cow<'a, str> {
        if self.pending.is_none() && !text.chars().any(|c| surrogate(c).is_some()) {
            return Cow::Borrowed(text);
        }
        let mut out = String::with_capacity(text.len());
        for c in text.chars() {
            let unit = surrogate(c);
            if let Some(high) = self.pending.take() {
                if let Some(low @ 0xDC00..=0xDFFF) = unit {
                    let code = 0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00);
                    out.push(char::from_u32(code).unwrap_or('\u{FFFD}'));
                    continue;
                }
                out.push('\u{FFFD}');
            }
            match unit {
                Some(high @ 0xD800..=0xDBFF) => self.pending = Some(high),
                Some(_) => out.push('\u{FFFD}'),
                None => out.push(c),
            }
        }
        Cow::Owned(out)
    }

    /// What is left when the text ends: a lone high surrogate shows as U+FFFD.
    pub fn finish(&mut self) -> &'static str {
        if self.pending.take().is_some() {
            "\u{FFFD}"
        } else {
            ""
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The texts of `deltas` (JSON strings as a server sends them), marked, parsed and joined.
    fn joined(deltas: &[&str]) -> String {
        let mut joiner = Joiner::default();
        let mut out = String::new();
        for d in deltas {
            let text: String = serde_json::from_str(&mark_lone(d)).unwrap();
            out.push_str(&joiner.push(&text));
        }
        out.push_str(joiner.finish());
        out
    }

    #[test]
    fn a_pair_split_across_deltas_is_one_character() {
        assert_eq!(joined(&[r#""Hello \ud83c""#, r#""\udf0d!""#]), "Hello 🌍!");
        assert_eq!(joined(&[r#""\uD83C""#, r#""\uDF0D""#]), "🌍");
        // Whole pairs, raw characters and other escapes are untouched.
        assert_eq!(
            joined(&[r#""\ud83c\udf0d \u00e9 é \\ud83c""#]),
            "🌍 é é \\ud83c"
        );
    }

    #[test]
    fn lone_halves_are_replacement_characters_not_errors() {
        assert_eq!(joined(&[r#""a\ud83c""#]), "a\u{FFFD}");
        assert_eq!(joined(&[r#""\udf0db""#]), "\u{FFFD}b");
        assert_eq!(joined(&[r#""\ud83cx""#, r#""y""#]), "\u{FFFD}xy");
        assert_eq!(
            joined(&[r#""\ud83c""#, r#""\ud83c""#, r#""\udf0d""#]),
            "\u{FFFD}🌍"
        );
        assert_eq!(mark_lone(r#"{"a":"\u00e9"}"#), r#"{"a":"\u00e9"}"#);
        assert!(matches!(mark_lone(r#"{"a":"plain"}"#), Cow::Borrowed(_)));
    }
}
