//! Markdown, rendered safely and incrementally.
//!
//! pulldown-cmark parses; this module turns its events into a small tree of allow-listed
//! elements and attributes (`tree`), adds GFM's bare-address links (`linkify`), bounds the
//! tree's depth (`parse`), and cuts a streamed answer into blocks that are final (`document`).

mod document;
mod linkify;
mod parse;
mod tree;

pub use document::{render, Advance, Frozen};
pub use parse::MAX_DEPTH;
pub use tree::{checkbox, code_block, image, link, safe_image, safe_link, Node, RenderOptions};

#[cfg(test)]
mod tests;
