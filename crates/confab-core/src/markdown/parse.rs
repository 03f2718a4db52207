//! pulldown-cmark's events turned into the safe tree, one block of an answer at a time.
//!
//! The tree is built with an explicit stack, never by recursion, and is at most [`MAX_DEPTH`]
//! elements deep whatever the input: nesting beyond that (10,000 quotes, emphasis inside
//! emphasis thousands of times) keeps its text in the deepest element allowed. Everything that
//! walks the tree afterwards (the DOM builder, the patcher, `Node::text`, dropping it) may
//! therefore recurse.

use std::collections::HashMap;

use pulldown_cmark::{
    Alignment, BrokenLink, CodeBlockKind, CowStr, Event, LinkType, Options, Parser, Tag, TagEnd,
};

use super::linkify;
use super::tree::{checkbox, code_block, image, link, Node, RenderOptions};

/// The deepest an element of the rendered tree can be.
pub const MAX_DEPTH: usize = 32;

/// The syntax Confab renders: CommonMark with GitHub's tables, strikethrough and task lists, and
/// footnotes whose references do not depend on where the definition is (a streamed answer's
/// definitions come last, after the blocks that use them are final).
pub(crate) fn options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_OLD_FOOTNOTES
}

/// Link reference definitions (`[label]: url "title"`) seen in earlier blocks, by normalised
/// label: the URL and the title.
pub(crate) type Definitions = HashMap<String, (String, String)>;

/// A label as CommonMark matches it: case-folded, inner white space collapsed.
pub(crate) fn label_key(label: &str) -> String {
    label
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// Renders `text`, whose references may also use `earlier` definitions; adds the definitions
/// `text` makes to `learn`, when given.
pub(crate) fn render_block(
    text: &str,
    earlier: &Definitions,
    options: RenderOptions,
    learn: Option<&mut Definitions>,
) -> Vec<Node> {
    render_and_scan(text, earlier, options, learn, |_, _| {})
}

/// [`render_block`], telling `top_level_end` where each top-level block ends and whether a
/// blank line ends a block of its kind (see `document`): one parse serves both.
pub(crate) fn render_and_scan(
    text: &str,
    earlier: &Definitions,
    options: RenderOptions,
    learn: Option<&mut Definitions>,
    mut top_level_end: impl FnMut(usize, bool),
) -> Vec<Node> {
    let resolve = |broken: BrokenLink<'_>| {
        earlier
            .get(&label_key(&broken.reference))
            .map(|(url, title)| (CowStr::from(url.clone()), CowStr::from(title.clone())))
    };
    let mut parser = Parser::new_with_broken_link_callback(text, self::options(), Some(resolve))
        .into_offset_iter();
    if let Some(learn) = learn {
        for (label, def) in parser.reference_definitions().iter() {
            let title = def.title.as_deref().unwrap_or_default().to_owned();
            learn
                .entry(label_key(label))
                .or_insert_with(|| (def.dest.to_string(), title));
        }
    }
    let mut builder = Builder::new(options);
    let (mut depth, mut blank_ends_it) = (0usize, false);
    for (event, range) in &mut parser {
        match &event {
            Event::Start(tag) => {
                if depth == 0 {
                    blank_ends_it = matches!(
                        tag,
                        Tag::Paragraph
                            | Tag::Heading { .. }
                            | Tag::Table(_)
                            | Tag::CodeBlock(CodeBlockKind::Fenced(_))
                    );
                }
                depth += 1;
            }
            Event::End(_) => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    top_level_end(range.end, blank_ends_it);
                }
            }
            // The one block with no start and end of its own.
            Event::Rule if depth == 0 => top_level_end(range.end, true),
            _ => {}
        }
        builder.event(event);
    }
    builder.finish()
}

/// An element being built, and what it becomes when it ends.
enum Frame {
    Element(&'static str, Vec<(&'static str, String)>),
    Link(String, String),
    Image(String, String),
    Code(String),
    Table(Vec<Alignment>, Vec<Node>),
    Footnote(String),
    /// Raw HTML, shown as the text it is.
    Html,
    Head,
    Row,
    Cell,
}

impl Frame {
    /// Text inside it stays as it is: no bare address becomes a link.
    fn keeps_text(&self) -> bool {
        matches!(self, Frame::Link(..) | Frame::Image(..) | Frame::Code(_))
    }
}

struct Builder {
    options: RenderOptions,
    /// The open elements, the root first, each with the children it has so far.
    stack: Vec<(Frame, Vec<Node>)>,
    /// Tags opened beyond [`MAX_DEPTH`], whose ends are to be passed over.
    skipped: usize,
    /// Open frames that keep their text as it is.
    keeping: usize,
    /// Text not yet added, so that consecutive text events are linkified as one.
    text: String,
}

impl Builder {
    fn new(options: RenderOptions) -> Self {
        Builder {
            options,
            stack: vec![(Frame::Element("", vec![]), Vec::new())],
            skipped: 0,
            keeping: 0,
            text: String::new(),
        }
    }

    fn children(&mut self) -> &mut Vec<Node> {
        &mut self
            .stack
            .last_mut()
            .expect("the root frame is never popped")
            .1
    }

    /// Adds `node`, joining text to text.
    fn push(&mut self, node: Node) {
        let children = self.children();
        match (children.last_mut(), node) {
            (Some(Node::Text(last)), Node::Text(t)) => last.push_str(&t),
            (_, node) => children.push(node),
        }
    }

    fn flush(&mut self) {
        if self.text.is_empty() {
            return;
        }
        let text = std::mem::take(&mut self.text);
        if self.keeping > 0 {
            self.push(Node::Text(text));
        } else {
            let mut parts = Vec::new();
            linkify::split(&text, &mut parts);
            for part in parts {
                self.push(part);
            }
        }
    }

    fn event(&mut self, event: Event<'_>) {
        match event {
            Event::Start(tag) => self.start(tag),
            Event::End(end) => self.end(end),
            Event::Text(t) | Event::Html(t) => self.text.push_str(&t),
            // Confab keeps one tag of inline HTML, `<br>`, as a line break (models write it in
            // table cells); every other tag is text.
            Event::InlineHtml(t) if is_line_break_tag(&t) => {
                self.leaf(Node::el("br", vec![], vec![]))
            }
            Event::InlineHtml(t) => self.text.push_str(&t),
            Event::SoftBreak => self.text.push('\n'),
            Event::Code(t) => {
                self.leaf(Node::el("code", vec![], vec![Node::Text(t.into_string())]))
            }
            Event::HardBreak => self.leaf(Node::el("br", vec![], vec![])),
            Event::Rule => self.leaf(Node::el("hr", vec![], vec![])),
            Event::TaskListMarker(checked) => self.leaf(checkbox(checked)),
            Event::FootnoteReference(label) => self.leaf(Node::el(
                "sup",
                vec![("class", "confab__fnref".into())],
                vec![Node::Text(label.into_string())],
            )),
            Event::InlineMath(t) | Event::DisplayMath(t) => self.text.push_str(&t),
        }
    }

    fn leaf(&mut self, node: Node) {
        self.flush();
        self.push(node);
    }

    fn start(&mut self, tag: Tag<'_>) {
        self.flush();
        if self.stack.len() > MAX_DEPTH {
            self.skipped += 1;
            return;
        }
        let frame = match tag {
            Tag::Paragraph => Frame::Element("p", vec![]),
            Tag::HtmlBlock => Frame::Html,
            Tag::Heading { level, .. } => Frame::Element(
                ["h1", "h2", "h3", "h4", "h5", "h6"][level as usize - 1],
                vec![],
            ),
            Tag::BlockQuote(_) => Frame::Element("blockquote", vec![]),
            Tag::CodeBlock(CodeBlockKind::Fenced(info)) => {
                Frame::Code(info.split_whitespace().next().unwrap_or("").to_owned())
            }
            Tag::CodeBlock(CodeBlockKind::Indented) => Frame::Code(String::new()),
            Tag::List(Some(1)) => Frame::Element("ol", vec![]),
            Tag::List(Some(n)) => Frame::Element("ol", vec![("start", n.to_string())]),
            Tag::List(None) => Frame::Element("ul", vec![]),
            Tag::Item => Frame::Element("li", vec![]),
            Tag::Emphasis => Frame::Element("em", vec![]),
            Tag::Strong => Frame::Element("strong", vec![]),
            Tag::Strikethrough => Frame::Element("del", vec![]),
            Tag::Superscript => Frame::Element("sup", vec![]),
            Tag::Subscript => Frame::Element("sub", vec![]),
            Tag::Link {
                link_type,
                dest_url,
                title,
                ..
            } => {
                let url = match link_type {
                    LinkType::Email => format!("mailto:{dest_url}"),
                    _ => dest_url.into_string(),
                };
                Frame::Link(url, title.into_string())
            }
            Tag::Image {
                dest_url, title, ..
            } => Frame::Image(dest_url.into_string(), title.into_string()),
            Tag::Table(alignments) => Frame::Table(alignments, Vec::new()),
            Tag::TableHead => Frame::Head,
            Tag::TableRow => Frame::Row,
            Tag::TableCell => Frame::Cell,
            Tag::FootnoteDefinition(label) => Frame::Footnote(label.into_string()),
            Tag::DefinitionList
            | Tag::DefinitionListTitle
            | Tag::DefinitionListDefinition
            | Tag::MetadataBlock(_) => Frame::Element("div", vec![]),
        };
        if frame.keeps_text() {
            self.keeping += 1;
        }
        self.stack.push((frame, Vec::new()));
    }

    fn end(&mut self, _end: TagEnd) {
        self.flush();
        if self.skipped > 0 {
            self.skipped -= 1;
            return;
        }
        if self.stack.len() == 1 {
            return; // An end without a start: not from pulldown-cmark, but harmless.
        }
        let (frame, children) = self.stack.pop().expect("more than the root");
        if frame.keeps_text() {
            self.keeping -= 1;
        }
        let options = self.options;
        let node = match frame {
            Frame::Footnote(label) => {
                // A footnote definition starts with its label.
                let mut all = vec![Node::el("sup", vec![], vec![Node::Text(label)])];
                all.extend(children);
                Node::el("div", vec![("class", "confab__footnote".into())], all)
            }
            Frame::Element(tag, attrs) => Node::el(tag, attrs, children),
            Frame::Html => {
                let mut children = children;
                if let Some(Node::Text(t)) = children.last_mut() {
                    // The block's last line break is not part of what it shows.
                    t.truncate(t.trim_end_matches('\n').len());
                }
                Node::el("p", vec![], children)
            }
            Frame::Link(url, title) => link(&url, Some(title), children),
            Frame::Image(url, title) => image(
                &url,
                Some(title),
                children.iter().map(Node::text).collect(),
                options,
            ),
            Frame::Code(lang) => code_block(&lang, children.iter().map(Node::text).collect()),
            Frame::Table(_, head) => {
                let table = Node::el(
                    "table",
                    vec![],
                    vec![
                        Node::el("thead", vec![], head),
                        Node::el("tbody", vec![], children),
                    ],
                );
                Node::el("div", vec![("class", "confab__table".into())], vec![table])
            }
            Frame::Head => {
                let row = Node::el("tr", vec![], children);
                if let Some((Frame::Table(_, head), _)) = self.stack.last_mut() {
                    head.push(row);
                    return;
                }
                row
            }
            Frame::Row => Node::el("tr", vec![], children),
            Frame::Cell => {
                let in_head = matches!(self.stack.last(), Some((Frame::Head, _)));
                let column = self.stack.last().map_or(0, |(_, cells)| cells.len());
                let align = self.stack.iter().rev().find_map(|(f, _)| match f {
                    Frame::Table(a, _) => a.get(column).copied(),
                    _ => None,
                });
                let attrs = match align {
                    Some(Alignment::Left) => vec![("class", "confab__align-left".into())],
                    Some(Alignment::Center) => vec![("class", "confab__align-center".into())],
                    Some(Alignment::Right) => vec![("class", "confab__align-right".into())],
                    _ => vec![],
                };
                Node::el(if in_head { "th" } else { "td" }, attrs, children)
            }
        };
        self.push(node);
    }

    fn finish(mut self) -> Vec<Node> {
        self.flush();
        // Close whatever is still open (only an interrupted event stream leaves anything).
        while self.stack.len() > 1 {
            self.skipped = 0;
            self.end(TagEnd::Paragraph);
        }
        self.stack.pop().map(|(_, nodes)| nodes).unwrap_or_default()
    }
}

/// `<br>`, `<br/>` or `<br />`, in any case, and nothing else.
fn is_line_break_tag(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() < 4 || !b[..3].eq_ignore_ascii_case(b"<br") {
        return false;
    }
    let rest = s[3..].trim_start_matches(' ');
    rest == ">" || rest == "/>"
}
