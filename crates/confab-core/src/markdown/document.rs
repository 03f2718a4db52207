//! A markdown answer cut into top-level blocks, so that a streamed answer is rendered once per
//! finished block and only its open tail is rendered again.
//!
//! A top-level block is final once the first line of the next top-level block is complete:
//! CommonMark reads blocks line by line, and a line that did not continue a block (a list, a
//! quote, a code fence, across blank lines and indented lines) has closed it for good. Each
//! final block is rendered on its own, with the link definitions of the blocks before it, and
//! [`render`] renders a whole text the same way. So whatever deltas a stream arrives in, the
//! blocks it freezes, and the nodes they render to, are those of the finished text: the
//! streamed render equals the finished one, and the one after a reload.
//!
//! The one departure from CommonMark this needs: a reference (`[text][label]`) finds a
//! definition in its own block or an earlier one, not in a later one.

use super::parse::{render_and_scan, render_block, Definitions};
use super::tree::{Node, RenderOptions};

/// The final part of an answer: where it ends, and the link definitions made in it.
#[derive(Clone, Debug, Default)]
pub struct Frozen {
    end: usize,
    definitions: Definitions,
    /// The open tail as the last [`Frozen::advance`] rendered it, while it found nothing final,
    /// and the length of the text then: the same parse gives the cuts and the tail.
    tail: Option<(usize, Vec<Node>)>,
}

/// Blocks that [`Frozen::advance`] made final.
#[derive(Clone, Debug, PartialEq)]
pub struct Advance {
    /// The rendered blocks, in order.
    pub nodes: Vec<Node>,
    /// More blocks were final already but over the byte budget: call again.
    pub more: bool,
}

impl Frozen {
    /// Bytes of the text that are final.
    pub fn end(&self) -> usize {
        self.end
    }

    /// Makes final the blocks of `text` after [`Frozen::end`] that nothing later can change, up
    /// to about `budget` bytes (at least one block), and renders them. `text` must extend the
    /// text of earlier calls. `None` when no block has become final.
    pub fn advance(
        &mut self,
        text: &str,
        budget: usize,
        options: RenderOptions,
    ) -> Option<Advance> {
        let from = self.end;
        let tail = text.get(from..)?;
        let mut ends = Vec::new();
        let nodes = render_and_scan(tail, &self.definitions, options, None, |end, blank| {
            ends.push((end, blank))
        });
        let cuts = final_cuts(tail, &ends);
        if cuts.is_empty() {
            self.tail = Some((text.len(), nodes));
            return None;
        }
        self.tail = None;
        let last = cuts
            .iter()
            .rposition(|&c| c <= budget)
            .unwrap_or(0)
            .min(cuts.len().checked_sub(1)?);
        let mut nodes = Vec::new();
        let mut start = 0;
        for &cut in &cuts[..=last] {
            let mut learned = Definitions::new();
            let block = &tail[start..cut];
            nodes.extend(render_block(
                block,
                &self.definitions,
                options,
                Some(&mut learned),
            ));
            for (label, definition) in learned {
                // The first definition of a label is the one that counts.
                self.definitions.entry(label).or_insert(definition);
            }
            start = cut;
        }
        self.end = from + cuts[last];
        Some(Advance {
            nodes,
            more: last + 1 < cuts.len(),
        })
    }

    /// Renders the open tail of `text`, after [`Frozen::end`] (as [`Frozen::advance`] already
    /// did, when it found nothing final in the same text).
    pub fn tail(&mut self, text: &str, options: RenderOptions) -> Vec<Node> {
        match self.tail.take() {
            Some((len, nodes)) if len == text.len() => nodes,
            _ => text
                .get(self.end..)
                .map(|tail| render_block(tail, &self.definitions, options, None))
                .unwrap_or_default(),
        }
    }
}

/// Renders a whole markdown text into the safe tree, block by block as a stream would.
pub fn render(text: &str, options: RenderOptions) -> Vec<Node> {
    let mut frozen = Frozen::default();
    let mut nodes = Vec::new();
    while let Some(advance) = frozen.advance(text, usize::MAX, options) {
        nodes.extend(advance.nodes);
    }
    nodes.extend(frozen.tail(text, options));
    nodes
}

/// The offsets in `text` (which starts at the beginning of a line, outside any block) after
/// which nothing can change the blocks before. A top-level block is closed for good once a
/// complete line after it has not joined it: for a block that a blank line ends (a paragraph,
/// a heading, a table, a fenced code block, a rule) any complete line, a blank one included;
/// for one that goes on across blank lines (a list, a quote, an indented code block, a
/// footnote), a complete line that is not blank. The cut is after that block and the blank
/// lines that follow it. (Cutting after a block's end, not before the next block's start,
/// keeps the cuts where they are when a paragraph later turns out to be a link definition,
/// which has no block of its own.) Increasing, never 0.
fn final_cuts(text: &str, top_level_ends: &[(usize, bool)]) -> Vec<usize> {
    let mut cuts: Vec<usize> = Vec::new();
    for &(end, blank_ends_it) in top_level_ends {
        if let Some(cut) = cut_after(text, end, blank_ends_it) {
            if cut > 0 && cuts.last().is_none_or(|&c| c < cut) {
                cuts.push(cut);
            }
        }
    }
    cuts
}

/// Where the text after a top-level block that ends at `end` starts, past blank lines, if the
/// block is closed (see [`final_cuts`]).
fn cut_after(text: &str, end: usize, blank_ends_it: bool) -> Option<usize> {
    let mut at = if end == 0 || text[..end].ends_with('\n') {
        end
    } else {
        end + text[end..].find('\n')? + 1
    };
    let mut closed = false;
    while let Some(nl) = text[at..].find('\n') {
        let blank = text[at..at + nl].trim().is_empty();
        if !blank || blank_ends_it {
            closed = true;
        }
        if !blank {
            break;
        }
        at += nl + 1;
    }
    closed.then_some(at)
}
