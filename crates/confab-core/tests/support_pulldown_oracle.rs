//! The markdown parsing Confab used before its own parser: pulldown-cmark's events turned into
//! the same tree, with the same node builders. `markdown_oracle.rs` compares the two.

use confab_core::render::{checkbox, code_block, image, link, Node, RenderOptions};
use pulldown_cmark::{Alignment, CodeBlockKind, Event, Options, Parser, Tag, TagEnd};

fn el(tag: &'static str, attrs: Vec<(&'static str, String)>, children: Vec<Node>) -> Node {
    Node::Element {
        tag,
        attrs,
        children,
    }
}

enum Frame {
    Element(&'static str, Vec<(&'static str, String)>),
    Link(String, String),
    Image(String, String),
    Code(String),
    Table(Vec<Alignment>),
    Head,
    Row,
    Cell,
}

pub fn to_nodes(markdown: &str, options: RenderOptions) -> Vec<Node> {
    let parser = Parser::new_ext(
        markdown,
        Options::ENABLE_TABLES | Options::ENABLE_TASKLISTS | Options::ENABLE_STRIKETHROUGH,
    );
    let mut stack: Vec<(Frame, Vec<Node>)> = vec![(Frame::Element("", vec![]), Vec::new())];
    let (mut column, mut in_head) = (0, false);
    let push = |stack: &mut Vec<(Frame, Vec<Node>)>, node: Node| {
        let children = &mut stack.last_mut().unwrap().1;
        match (children.last_mut(), node) {
            (Some(Node::Text(last)), Node::Text(t)) => last.push_str(&t),
            (_, node) => children.push(node),
        }
    };
    for event in parser {
        match event {
            Event::Start(tag) => {
                let frame = match tag {
                    Tag::Paragraph | Tag::HtmlBlock => Frame::Element("p", vec![]),
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
                    Tag::Link {
                        dest_url, title, ..
                    } => Frame::Link(dest_url.to_string(), title.to_string()),
                    Tag::Image {
                        dest_url, title, ..
                    } => Frame::Image(dest_url.to_string(), title.to_string()),
                    Tag::Table(a) => Frame::Table(a),
                    Tag::TableHead => {
                        (in_head, column) = (true, 0);
                        Frame::Head
                    }
                    Tag::TableRow => {
                        column = 0;
                        Frame::Row
                    }
                    Tag::TableCell => Frame::Cell,
                    _ => Frame::Element("div", vec![]),
                };
                stack.push((frame, Vec::new()));
            }
            Event::End(TagEnd::TableHead) => {
                in_head = false;
                let (_, children) = stack.pop().unwrap();
                push(
                    &mut stack,
                    el("tr", vec![("data-head", "1".into())], children),
                );
            }
            Event::End(_) => {
                let (frame, children) = stack.pop().unwrap();
                let title = |t: String| Some(t).filter(|t| !t.is_empty());
                let node = match frame {
                    Frame::Element(tag, attrs) => el(tag, attrs, children),
                    Frame::Link(url, t) => link(&url, title(t), children),
                    Frame::Image(url, t) => image(
                        &url,
                        title(t),
                        children.iter().map(Node::text).collect(),
                        options,
                    ),
                    Frame::Code(lang) => {
                        code_block(&lang, children.iter().map(Node::text).collect())
                    }
                    Frame::Table(_) => {
                        let (head, body): (Vec<Node>, Vec<Node>) = children.into_iter().partition(
                            |n| matches!(n, Node::Element { attrs, .. } if !attrs.is_empty()),
                        );
                        let head = head
                            .into_iter()
                            .map(|n| match n {
                                Node::Element { children, .. } => el("tr", vec![], children),
                                other => other,
                            })
                            .collect();
                        let table = el(
                            "table",
                            vec![],
                            vec![el("thead", vec![], head), el("tbody", vec![], body)],
                        );
                        el("div", vec![("class", "confab__table".into())], vec![table])
                    }
                    Frame::Head | Frame::Row => el("tr", vec![], children),
                    Frame::Cell => {
                        let align = stack.iter().rev().find_map(|(f, _)| match f {
                            Frame::Table(a) => a.get(column).copied(),
                            _ => None,
                        });
                        column += 1;
                        let attrs = match align {
                            Some(Alignment::Left) => vec![("class", "confab__align-left".into())],
                            Some(Alignment::Center) => {
                                vec![("class", "confab__align-center".into())]
                            }
                            Some(Alignment::Right) => vec![("class", "confab__align-right".into())],
                            _ => vec![],
                        };
                        el(if in_head { "th" } else { "td" }, attrs, children)
                    }
                };
                push(&mut stack, node);
            }
            // Confab keeps one tag of inline HTML, `<br>`, as a line break.
            Event::InlineHtml(t) if confab_core::inline::line_break_tag(&t) == Some(t.len()) => {
                push(&mut stack, el("br", vec![], vec![]))
            }
            Event::Text(t) | Event::Html(t) | Event::InlineHtml(t) => {
                push(&mut stack, Node::Text(t.to_string()))
            }
            Event::Code(t) => push(
                &mut stack,
                el("code", vec![], vec![Node::Text(t.to_string())]),
            ),
            Event::SoftBreak => push(&mut stack, Node::Text("\n".into())),
            Event::HardBreak => push(&mut stack, el("br", vec![], vec![])),
            Event::Rule => push(&mut stack, el("hr", vec![], vec![])),
            Event::TaskListMarker(checked) => push(&mut stack, checkbox(checked)),
            _ => {}
        }
    }
    stack.pop().unwrap().1
}
