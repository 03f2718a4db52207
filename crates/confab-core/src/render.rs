//! Markdown to a small, safe document tree, from pulldown-cmark's events.
//!
//! The tree can only hold elements from a fixed list, with attributes from a fixed list, and
//! text: raw HTML in the model's output becomes text, links keep only `http`, `https` and
//! `mailto` targets, and images only `http(s)` sources. The widget turns this tree into DOM
//! nodes one by one; nothing is ever parsed as HTML.

use pulldown_cmark::{Alignment, CodeBlockKind, Event, Options, Parser, Tag, TagEnd};

/// A node of the rendered tree.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Node {
    Element {
        tag: &'static str,
        attrs: Vec<(&'static str, String)>,
        children: Vec<Node>,
    },
    Text(String),
}

impl Node {
    fn el(tag: &'static str, attrs: Vec<(&'static str, String)>, children: Vec<Node>) -> Node {
        Node::Element {
            tag,
            attrs,
            children,
        }
    }

    /// The text content, as the DOM's `textContent` would give it.
    pub fn text(&self) -> String {
        match self {
            Node::Text(t) => t.clone(),
            Node::Element { children, .. } => children.iter().map(Node::text).collect(),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RenderOptions {
    /// Show `http(s)` images; when false, an image shows as a link to it.
    pub images: bool,
}

impl Default for RenderOptions {
    fn default() -> Self {
        RenderOptions { images: true }
    }
}

/// A link target the widget will follow, or `None`.
pub fn safe_link(url: &str) -> Option<String> {
    let url = url.trim();
    // Browsers ignore tabs and newlines inside a scheme ("java\tscript:"); so does this check.
    let compact: String = url
        .chars()
        .filter(|c| !c.is_ascii_whitespace() && !c.is_control())
        .collect();
    let lower = compact.to_ascii_lowercase();
    ["http://", "https://", "mailto:"]
        .iter()
        .any(|s| lower.starts_with(s))
        .then_some(compact)
}

/// An image source the widget will load, or `None`.
pub fn safe_image(url: &str) -> Option<String> {
    safe_link(url).filter(|u| !u.to_ascii_lowercase().starts_with("mailto:"))
}

enum Frame {
    Element(&'static str, Vec<(&'static str, String)>),
    /// A link whose target was refused: its text stays, as text.
    BlockedLink,
    Image {
        src: Option<String>,
        title: String,
    },
    Code {
        lang: String,
    },
    Table(Vec<Alignment>),
    Head,
    Row,
    Cell,
}

struct Builder {
    stack: Vec<(Frame, Vec<Node>)>,
    root: Vec<Node>,
    options: RenderOptions,
    /// Column of the next table cell, for its alignment.
    column: usize,
    in_head: bool,
}

impl Builder {
    fn push_node(&mut self, node: Node) {
        match self.stack.last_mut() {
            Some((_, children)) => children.push(node),
            None => self.root.push(node),
        }
    }

    fn text(&mut self, t: &str) {
        // Adjacent text merges into one node.
        let children = match self.stack.last_mut() {
            Some((_, c)) => c,
            None => &mut self.root,
        };
        if let Some(Node::Text(last)) = children.last_mut() {
            last.push_str(t);
        } else {
            children.push(Node::Text(t.to_owned()));
        }
    }

    fn open(&mut self, tag: Tag) {
        let frame = match tag {
            Tag::Paragraph => Frame::Element("p", vec![]),
            Tag::Heading { level, .. } => Frame::Element(
                match level as u8 {
                    1 => "h1",
                    2 => "h2",
                    3 => "h3",
                    4 => "h4",
                    5 => "h5",
                    _ => "h6",
                },
                vec![],
            ),
            Tag::BlockQuote(_) => Frame::Element("blockquote", vec![]),
            Tag::CodeBlock(kind) => Frame::Code {
                lang: match kind {
                    CodeBlockKind::Fenced(info) => {
                        info.split_whitespace().next().unwrap_or("").to_owned()
                    }
                    CodeBlockKind::Indented => String::new(),
                },
            },
            Tag::List(Some(start)) if start != 1 => {
                Frame::Element("ol", vec![("start", start.to_string())])
            }
            Tag::List(Some(_)) => Frame::Element("ol", vec![]),
            Tag::List(None) => Frame::Element("ul", vec![]),
            Tag::Item => Frame::Element("li", vec![]),
            Tag::Emphasis => Frame::Element("em", vec![]),
            Tag::Strong => Frame::Element("strong", vec![]),
            Tag::Strikethrough => Frame::Element("del", vec![]),
            Tag::Superscript => Frame::Element("sup", vec![]),
            Tag::Subscript => Frame::Element("sub", vec![]),
            Tag::Link {
                dest_url, title, ..
            } => match safe_link(&dest_url) {
                Some(href) => {
                    let mut attrs = vec![
                        ("href", href),
                        ("rel", "noopener noreferrer".to_owned()),
                        ("target", "_blank".to_owned()),
                    ];
                    if !title.is_empty() {
                        attrs.push(("title", title.to_string()));
                    }
                    Frame::Element("a", attrs)
                }
                None => Frame::BlockedLink,
            },
            Tag::Image {
                dest_url, title, ..
            } => Frame::Image {
                src: safe_image(&dest_url),
                title: title.to_string(),
            },
            Tag::Table(alignments) => Frame::Table(alignments),
            Tag::TableHead => {
                self.in_head = true;
                self.column = 0;
                Frame::Head
            }
            Tag::TableRow => {
                self.column = 0;
                Frame::Row
            }
            Tag::TableCell => Frame::Cell,
            // Footnotes, definition lists, metadata, HTML blocks: their content as a block of text.
            Tag::HtmlBlock | Tag::MetadataBlock(_) => Frame::Element("p", vec![]),
            _ => Frame::Element("div", vec![]),
        };
        self.stack.push((frame, Vec::new()));
    }

    fn close(&mut self) {
        let Some((frame, children)) = self.stack.pop() else {
            return;
        };
        let node = match frame {
            Frame::Element(tag, attrs) => Node::el(tag, attrs, children),
            Frame::BlockedLink => Node::el(
                "span",
                vec![("class", "confab__link-blocked".into())],
                children,
            ),
            Frame::Image { src, title } => {
                let alt: String = children.iter().map(Node::text).collect();
                match src {
                    Some(src) if self.options.images => {
                        let mut attrs = vec![
                            ("src", src),
                            ("alt", alt),
                            ("loading", "lazy".to_owned()),
                            ("referrerpolicy", "no-referrer".to_owned()),
                        ];
                        if !title.is_empty() {
                            attrs.push(("title", title));
                        }
                        Node::el("img", attrs, vec![])
                    }
                    Some(src) => Node::el(
                        "a",
                        vec![
                            ("href", src),
                            ("rel", "noopener noreferrer".into()),
                            ("target", "_blank".into()),
                        ],
                        vec![Node::Text(if alt.is_empty() {
                            "image".into()
                        } else {
                            alt
                        })],
                    ),
                    None => Node::el(
                        "span",
                        vec![("class", "confab__link-blocked".into())],
                        vec![Node::Text(alt)],
                    ),
                }
            }
            Frame::Code { lang } => {
                let code: String = children.iter().map(Node::text).collect();
                let head = vec![
                    Node::el(
                        "span",
                        vec![("class", "confab__code-lang".into())],
                        vec![Node::Text(lang.clone())],
                    ),
                    Node::el(
                        "button",
                        vec![
                            ("type", "button".into()),
                            ("class", "confab__copy".into()),
                            ("aria-label", "Copy code".into()),
                        ],
                        vec![Node::Text("Copy".into())],
                    ),
                ];
                let code_attrs = if lang.is_empty() {
                    vec![]
                } else {
                    vec![(
                        "class",
                        format!(
                            "language-{}",
                            lang.replace(
                                |c: char| !c.is_ascii_alphanumeric() && c != '-' && c != '+',
                                ""
                            )
                        ),
                    )]
                };
                Node::el(
                    "div",
                    vec![("class", "confab__code".into())],
                    vec![
                        Node::el("div", vec![("class", "confab__code-head".into())], head),
                        Node::el(
                            "pre",
                            vec![],
                            vec![Node::el("code", code_attrs, vec![Node::Text(code)])],
                        ),
                    ],
                )
            }
            Frame::Table(_) => {
                let (head, body): (Vec<Node>, Vec<Node>) = children.into_iter().partition(|n| {
                    matches!(n, Node::Element { attrs, .. } if attrs.iter().any(|(k, v)| *k == "data-head" && v == "1"))
                });
                let head = head
                    .into_iter()
                    .map(|n| match n {
                        Node::Element { children, .. } => Node::el("tr", vec![], children),
                        other => other,
                    })
                    .collect();
                let table = Node::el(
                    "table",
                    vec![],
                    vec![
                        Node::el("thead", vec![], head),
                        Node::el("tbody", vec![], body),
                    ],
                );
                Node::el("div", vec![("class", "confab__table".into())], vec![table])
            }
            Frame::Head => {
                self.in_head = false;
                Node::el("tr", vec![("data-head", "1".into())], children)
            }
            Frame::Row => Node::el("tr", vec![], children),
            Frame::Cell => {
                let align = self
                    .stack
                    .iter()
                    .rev()
                    .find_map(|(f, _)| match f {
                        Frame::Table(a) => a.get(self.column).copied(),
                        _ => None,
                    })
                    .unwrap_or(Alignment::None);
                self.column += 1;
                let attrs = match align {
                    Alignment::Left => vec![("class", "confab__align-left".into())],
                    Alignment::Center => vec![("class", "confab__align-center".into())],
                    Alignment::Right => vec![("class", "confab__align-right".into())],
                    Alignment::None => vec![],
                };
                Node::el(if self.in_head { "th" } else { "td" }, attrs, children)
            }
        };
        self.push_node(node);
    }
}

/// Renders markdown into a safe tree.
pub fn to_nodes(markdown: &str, options: RenderOptions) -> Vec<Node> {
    let parser = Parser::new_ext(
        markdown,
        Options::ENABLE_TABLES | Options::ENABLE_TASKLISTS | Options::ENABLE_STRIKETHROUGH,
    );
    let mut b = Builder {
        stack: Vec::new(),
        root: Vec::new(),
        options,
        column: 0,
        in_head: false,
    };
    for event in parser {
        match event {
            Event::Start(tag) => b.open(tag),
            Event::End(TagEnd::Image) | Event::End(_) => b.close(),
            Event::Text(t) => b.text(&t),
            Event::Code(t) => {
                b.push_node(Node::el("code", vec![], vec![Node::Text(t.to_string())]))
            }
            // Raw HTML is shown as the text it is.
            Event::Html(t) | Event::InlineHtml(t) => b.text(&t),
            Event::InlineMath(t) | Event::DisplayMath(t) => b.text(&t),
            Event::FootnoteReference(t) => b.text(&format!("[{t}]")),
            Event::SoftBreak => b.text("\n"),
            Event::HardBreak => b.push_node(Node::el("br", vec![], vec![])),
            Event::Rule => b.push_node(Node::el("hr", vec![], vec![])),
            Event::TaskListMarker(checked) => {
                let mut attrs = vec![("type", "checkbox".into()), ("disabled", String::new())];
                if checked {
                    attrs.push(("checked", String::new()));
                }
                b.push_node(Node::el("input", attrs, vec![]));
            }
        }
    }
    // Unbalanced input cannot happen with pulldown-cmark, but never lose text if it did.
    while !b.stack.is_empty() {
        b.close();
    }
    b.root
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A compact, HTML-like rendering of the tree, for comparing (it is never used as HTML).
    fn show(nodes: &[Node]) -> String {
        nodes
            .iter()
            .map(|n| match n {
                Node::Text(t) => format!("{t:?}"),
                Node::Element {
                    tag,
                    attrs,
                    children,
                } => {
                    let attrs: String = attrs.iter().map(|(k, v)| format!(" {k}={v:?}")).collect();
                    format!("<{tag}{attrs}>{}</{tag}>", show(children))
                }
            })
            .collect()
    }

    fn check(md: &str, expected: &str) {
        assert_eq!(
            show(&to_nodes(md, RenderOptions::default())),
            expected,
            "{md:?}"
        );
    }

    #[test]
    fn blocks_and_inlines() {
        check(
            "# Title\n\nSome *em* and **strong** and `code`.",
            r#"<h1>"Title"</h1><p>"Some "<em>"em"</em>" and "<strong>"strong"</strong>" and "<code>"code"</code>"."</p>"#,
        );
        check("> quote", r#"<blockquote><p>"quote"</p></blockquote>"#);
        check(
            "3. c\n4. d",
            r#"<ol start="3"><li>"c"</li><li>"d"</li></ol>"#,
        );
        check(
            "- [x] done\n- [ ] open",
            r#"<ul><li><input type="checkbox" disabled="" checked=""></input>"done"</li><li><input type="checkbox" disabled=""></input>"open"</li></ul>"#,
        );
        check("~~gone~~", r#"<p><del>"gone"</del></p>"#);
    }

    #[test]
    fn code_blocks_have_a_language_label_and_a_copy_button() {
        check(
            "```rust\nfn main() {}\n```",
            r#"<div class="confab__code"><div class="confab__code-head"><span class="confab__code-lang">"rust"</span><button type="button" class="confab__copy" aria-label="Copy code">"Copy"</button></div><pre><code class="language-rust">"fn main() {}\n"</code></pre></div>"#,
        );
        // An unclosed fence, as while streaming, is still a code block.
        let nodes = to_nodes("```py\nprint(1)", RenderOptions::default());
        assert_eq!(nodes[0].text(), "pyCopyprint(1)");
    }

    #[test]
    fn tables_with_alignment() {
        check(
            "| a | b |\n|:--|--:|\n| 1 | 2 |",
            r#"<div class="confab__table"><table><thead><tr><th class="confab__align-left">"a"</th><th class="confab__align-right">"b"</th></tr></thead><tbody><tr><td class="confab__align-left">"1"</td><td class="confab__align-right">"2"</td></tr></tbody></table></div>"#,
        );
    }

    #[test]
    fn hostile_input_stays_text() {
        check(
            "<script>alert(1)</script>",
            r#"<p>"<script>alert(1)</script>"</p>"#,
        );
        check(
            "hi <img src=x onerror=alert(1)> there",
            r#"<p>"hi <img src=x onerror=alert(1)> there"</p>"#,
        );
        check(
            "<div onclick=\"x()\">\n\nhi",
            r#"<p>"<div onclick=\"x()\">\n"</p><p>"hi"</p>"#,
        );
        for evil in [
            "[x](javascript:alert(1))",
            "[x](JAVASCRIPT:alert(1))",
            "[x](  javascript:alert(1))",
            "[x](java\tscript:alert(1))",
            "[x](data:text/html,<script>alert(1)</script>)",
            "[x](vbscript:msgbox)",
            "[x](/relative)",
            "<javascript:alert(1)>",
        ] {
            let nodes = to_nodes(evil, RenderOptions::default());
            let shown = show(&nodes);
            assert!(!shown.contains("href"), "{evil} → {shown}");
        }
        check(
            "![i](javascript:alert(1))",
            r#"<p><span class="confab__link-blocked">"i"</span></p>"#,
        );
    }

    #[test]
    fn allowed_links_and_images() {
        check(
            "[a](https://example.com \"T\") <mailto:x@y.z>",
            r#"<p><a href="https://example.com" rel="noopener noreferrer" target="_blank" title="T">"a"</a>" "<a href="mailto:x@y.z" rel="noopener noreferrer" target="_blank">"mailto:x@y.z"</a></p>"#,
        );
        check(
            "![cat](https://example.com/cat.png)",
            r#"<p><img src="https://example.com/cat.png" alt="cat" loading="lazy" referrerpolicy="no-referrer"></img></p>"#,
        );
        let off = to_nodes(
            "![cat](https://example.com/cat.png)",
            RenderOptions { images: false },
        );
        assert_eq!(
            show(&off),
            r#"<p><a href="https://example.com/cat.png" rel="noopener noreferrer" target="_blank">"cat"</a></p>"#
        );
    }
}
