//! Where a streaming markdown answer can be cut into finished blocks.
//!
//! Rendering re-parses only the open tail of an answer; everything before the last safe cut is
//! rendered once and frozen. A cut is safe after a blank line outside a code fence, or right
//! after a closing fence: nothing that arrives later can change how the text before it parses
//! (up to a loose list being split into two lists, which renders the same). Scanning starts at
//! the previous cut, so the work per update is proportional to the tail, not the answer.

/// The furthest safe cut in `text` at or after `from` (a previous cut, so outside any fence).
/// Returns `from` when no new block has finished.
pub fn safe_cut(text: &str, from: usize) -> usize {
    let mut cut = from;
    let mut fence: Option<(u8, usize)> = None; // (fence char, length)
    let mut block_has_content = false;
    let mut pos = from;
    while pos < text.len() {
        let Some(nl) = text[pos..].find('\n') else {
            break; // The last line is unfinished: it decides nothing yet.
        };
        let line = &text[pos..pos + nl];
        let next = pos + nl + 1;
        let trimmed = line.trim_start_matches(' ');
        let indent = line.len() - trimmed.len();
        match fence {
            Some((ch, len)) => {
                if indent < 4 && closes_fence(trimmed, ch, len) {
                    fence = None;
                    block_has_content = false;
                    cut = next;
                }
            }
            None => {
                if line.trim().is_empty() {
                    if block_has_content {
                        cut = next;
                        block_has_content = false;
                    } else if cut == pos {
                        // Blank lines between blocks belong to the frozen part too.
                        cut = next;
                    }
                } else if indent < 4 && (trimmed.starts_with("```") || trimmed.starts_with("~~~")) {
                    let ch = trimmed.as_bytes()[0];
                    let len = trimmed.bytes().take_while(|&b| b == ch).count();
                    // A backtick fence's info string may not contain backticks.
                    if ch == b'~' || !trimmed[len..].contains('`') {
                        fence = Some((ch, len));
                    }
                    block_has_content = true;
                } else {
                    block_has_content = true;
                }
            }
        }
        pos = next;
    }
    cut
}

/// Whether `line` closes a fence of `ch` that was `len` long.
fn closes_fence(line: &str, ch: u8, len: usize) -> bool {
    let n = line.bytes().take_while(|&b| b == ch).count();
    n >= len && line[n..].trim().is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every prefix of `text`, cut incrementally as a stream would, must give cuts at exactly
    /// the positions a one-shot scan of that prefix gives, and never inside a fence.
    fn cuts(text: &str) -> Vec<usize> {
        let mut out = Vec::new();
        let mut cut = 0;
        for end in 0..=text.len() {
            if !text.is_char_boundary(end) {
                continue;
            }
            let prefix = &text[..end];
            let next = safe_cut(prefix, cut);
            assert!(next >= cut, "cuts only move forward");
            assert_eq!(
                next,
                safe_cut(prefix, 0).max(cut),
                "incremental equals whole at {end}"
            );
            if next != cut {
                out.push(next);
                cut = next;
            }
        }
        out
    }

    #[test]
    fn paragraphs_are_cut_after_blank_lines() {
        let t = "First para\nstill first.\n\nSecond.\n\nThird";
        let c = cuts(t);
        assert_eq!(c.len(), 2);
        assert_eq!(&t[..c[0]], "First para\nstill first.\n\n");
        assert_eq!(&t[c[0]..c[1]], "Second.\n\n");
    }

    #[test]
    fn never_inside_an_open_fence() {
        let t = "Intro\n\n```rust\nfn a() {}\n\nfn b() {}\n```\nAfter\n\nEnd";
        let c = cuts(t);
        assert_eq!(c.len(), 3);
        assert_eq!(&t[..c[0]], "Intro\n\n");
        assert_eq!(&t[c[0]..c[1]], "```rust\nfn a() {}\n\nfn b() {}\n```\n");
        assert_eq!(&t[c[1]..c[2]], "After\n\n");
    }

    #[test]
    fn a_longer_fence_needs_a_longer_close_and_tildes_work() {
        let t = "````\n```\nstill code\n````\n~~~\ncode\n~~~\n";
        let c = cuts(t);
        assert_eq!(&t[..c[0]], "````\n```\nstill code\n````\n");
        assert_eq!(c[1..], [t.len()]);
    }

    #[test]
    fn indented_fences_and_inline_backticks() {
        // Four spaces make an indented code block, not a fence.
        let t = "    ```\n\ntext `a` ``b``\n\n";
        let c = cuts(t);
        assert_eq!(&t[..c[0]], "    ```\n\n");
        assert_eq!(c[1..], [t.len()]);
    }

    #[test]
    fn unfinished_last_line_decides_nothing() {
        assert_eq!(safe_cut("para\n\n``", 0), 6);
        assert_eq!(safe_cut("para", 0), 0);
    }
}
