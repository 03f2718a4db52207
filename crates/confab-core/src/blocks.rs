//! Markdown's block structure: headings, paragraphs, lists, quotes, code, tables, rules.
//!
//! A CommonMark-style parser for what language models write (with GitHub's tables, task lists
//! and strikethrough), built for the way Confab renders: it only ever sees the open tail of an
//! answer, or a finished block, so it is small and line-based. Containers (quotes, list items)
//! are parsed by taking their lines, stripping their markers and indentation, and parsing those
//! lines again, at most [`MAX_DEPTH`] deep. Every step is linear in the input.
//!
//! Left out on purpose: raw HTML (it stays text) and footnotes. Link reference definitions
//! apply to the whole text parsed at once and stay visible, their addresses as links.

use crate::inline;
use crate::render::{checkbox, code_block, Node, RenderOptions};

/// Containers nested deeper than this are shown as text: hostile input cannot exhaust the stack.
const MAX_DEPTH: usize = 24;

/// One line of the input: its text (leading tabs expanded) and whether a newline ended it.
#[derive(Clone)]
struct Line {
    text: String,
    eol: bool,
}

/// Parses `markdown` into a safe tree.
pub fn parse(markdown: &str, options: RenderOptions) -> Vec<Node> {
    let mut lines: Vec<Line> = markdown
        .split('\n')
        .map(|l| Line {
            text: expand_tabs(l.strip_suffix('\r').unwrap_or(l)),
            eol: true,
        })
        .collect();
    // `split` yields an empty last piece after a final newline; otherwise the last line is open.
    if markdown.ends_with('\n') {
        lines.pop();
    } else if let Some(last) = lines.last_mut() {
        last.eol = false;
    }
    // Link reference definitions apply wherever they are in the text (outside code).
    let mut definitions = inline::Definitions::new();
    let mut fence: Option<(u8, usize)> = None;
    for l in &lines {
        let text = l.text.trim_start_matches([' ', '>']);
        fence = match fence {
            Some((ch, len)) if closes_fence(text, ch, len) => None,
            Some(f) => Some(f),
            None => match fence_start(text) {
                Some((_, ch, len, _)) => Some((ch, len)),
                None => {
                    if let Some((label, url, title)) = inline::definition(text) {
                        definitions.entry(label).or_insert((url, title));
                    }
                    None
                }
            },
        };
    }
    Parser {
        options,
        definitions,
    }
    .blocks(&lines, 0)
    .0
}

/// Leading tabs become spaces up to the next multiple of 4, as CommonMark counts indentation.
fn expand_tabs(line: &str) -> String {
    if !line.starts_with([' ', '\t']) || !line.trim_start_matches(' ').starts_with('\t') {
        return line.to_owned();
    }
    let mut out = String::with_capacity(line.len() + 8);
    let mut rest = line;
    while let Some(c) = rest.chars().next().filter(|c| *c == ' ' || *c == '\t') {
        if c == '\t' {
            let pad = 4 - out.len() % 4;
            out.extend(std::iter::repeat_n(' ', pad));
        } else {
            out.push(' ');
        }
        rest = &rest[1..];
    }
    out.push_str(rest);
    out
}

fn indent(line: &str) -> usize {
    line.len() - line.trim_start_matches(' ').len()
}

fn is_blank(line: &str) -> bool {
    line.trim().is_empty()
}

/// A fence that opens a code block: its indent, character, length and info string.
fn fence_start(line: &str) -> Option<(usize, u8, usize, &str)> {
    let ind = indent(line);
    if ind >= 4 {
        return None;
    }
    let rest = &line[ind..];
    let ch = *rest.as_bytes().first()?;
    if ch != b'`' && ch != b'~' {
        return None;
    }
    let len = rest.bytes().take_while(|&b| b == ch).count();
    let info = rest[len..].trim();
    (len >= 3 && !(ch == b'`' && info.contains('`'))).then_some((ind, ch, len, info))
}

fn closes_fence(line: &str, ch: u8, len: usize) -> bool {
    let ind = indent(line);
    let rest = &line[ind..];
    let n = rest.bytes().take_while(|&b| b == ch).count();
    ind < 4 && n >= len && rest[n..].trim().is_empty()
}

/// `# Heading`: its level and text.
fn atx_heading(line: &str) -> Option<(usize, &str)> {
    let ind = indent(line);
    if ind >= 4 {
        return None;
    }
    let rest = &line[ind..];
    let level = rest.bytes().take_while(|&b| b == b'#').count();
    if !(1..=6).contains(&level) {
        return None;
    }
    let after = &rest[level..];
    if !(after.is_empty() || after.starts_with(' ')) {
        return None;
    }
    let content = after.trim();
    // An optional closing run of `#`, after a space.
    let stripped = content.trim_end_matches('#');
    let content = if stripped.is_empty() {
        stripped
    } else if stripped.len() < content.len() && stripped.ends_with(' ') {
        stripped.trim_end()
    } else {
        content
    };
    Some((level, content))
}

fn thematic_break(line: &str) -> bool {
    if indent(line) >= 4 {
        return false;
    }
    let rest = line.trim();
    let Some(ch) = rest.chars().next().filter(|c| matches!(c, '*' | '-' | '_')) else {
        return false;
    };
    rest.chars().all(|c| c == ch || c == ' ' || c == '\t') && rest.matches(ch).count() >= 3
}

/// A list item's marker.
#[derive(Clone, Copy)]
struct Marker {
    /// `b'-'`, `b'+'`, `b'*'` for bullets, `b'.'` or `b')'` for ordered items.
    kind: u8,
    start: Option<u64>,
    /// Where the item's content starts (its continuation lines are indented this much).
    content: usize,
    /// Nothing follows the marker on its line.
    empty: bool,
}

fn list_marker(line: &str) -> Option<Marker> {
    let ind = indent(line);
    if ind >= 4 {
        return None;
    }
    let rest = &line[ind..];
    let bytes = rest.as_bytes();
    let (kind, start, width) = match bytes.first()? {
        b'-' | b'+' | b'*' => (bytes[0], None, 1),
        b'0'..=b'9' => {
            let digits = bytes.iter().take_while(|b| b.is_ascii_digit()).count();
            let delim = *bytes.get(digits)?;
            if digits > 9 || !(delim == b'.' || delim == b')') {
                return None;
            }
            (delim, rest[..digits].parse().ok(), digits + 1)
        }
        _ => return None,
    };
    let after = &rest[width..];
    if !(after.is_empty() || after.starts_with(' ')) {
        return None;
    }
    let spaces = indent(after);
    let empty = after.trim().is_empty();
    let content = if empty || spaces > 4 {
        ind + width + 1
    } else {
        ind + width + spaces
    };
    Some(Marker {
        kind,
        start,
        content,
        empty,
    })
}

/// Whether `line` starts a block that ends an open paragraph.
fn interrupts_paragraph(line: &str) -> bool {
    if indent(line) >= 4 {
        return false;
    }
    fence_start(line).is_some()
        || atx_heading(line).is_some()
        || thematic_break(line)
        || line.trim_start().starts_with('>')
        || list_marker(line).is_some_and(|m| !m.empty && m.start.is_none_or(|s| s == 1))
}

/// Whether `line` starts any block (so it cannot continue another container lazily).
fn starts_block(line: &str) -> bool {
    interrupts_paragraph(line) || list_marker(line).is_some()
}

/// `|:--|--:|`: a table's delimiter row and its column alignments.
fn delimiter_row(line: &str) -> Option<Vec<&'static str>> {
    if indent(line) >= 4 || !line.contains('|') {
        return None;
    }
    let cells = split_row(line);
    let mut aligns = Vec::with_capacity(cells.len());
    for cell in &cells {
        let c = cell.trim();
        let dashes = c.trim_start_matches(':').trim_end_matches(':');
        if dashes.is_empty() || !dashes.bytes().all(|b| b == b'-') {
            return None;
        }
        aligns.push(match (c.starts_with(':'), c.ends_with(':')) {
            (true, true) => "confab__align-center",
            (true, false) => "confab__align-left",
            (false, true) => "confab__align-right",
            (false, false) => "",
        });
    }
    Some(aligns)
}

/// A table row's cells: split at unescaped `|`, the outer pipes dropped, `\|` kept as `|`.
fn split_row(line: &str) -> Vec<String> {
    let row = line.trim();
    let row = row.strip_prefix('|').unwrap_or(row);
    let row = match row.strip_suffix('|') {
        Some(r) if !r.ends_with('\\') => r,
        _ => row,
    };
    let mut cells = vec![String::new()];
    let mut chars = row.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&'|') => {
                chars.next();
                if let Some(s) = cells.last_mut() {
                    s.push('|');
                }
            }
            '|' => cells.push(String::new()),
            c => {
                if let Some(s) = cells.last_mut() {
                    s.push(c);
                }
            }
        }
    }
    cells.into_iter().map(|c| c.trim().to_owned()).collect()
}

struct Parser {
    options: RenderOptions,
    definitions: inline::Definitions,
}

impl Parser {
    fn inline(&self, text: &str) -> Vec<Node> {
        inline::parse(text, self.options, &self.definitions)
    }

    fn paragraph(&self, lines: &[String]) -> Node {
        // A paragraph of link definitions stays visible, its addresses as links: references
        // in blocks that were frozen before the definitions arrived still have their targets.
        let definitions: Option<Vec<_>> = lines.iter().map(|l| inline::definition(l)).collect();
        if let Some(definitions) = definitions {
            let mut children = Vec::new();
            for (k, (l, (_, url, title))) in lines.iter().zip(definitions).enumerate() {
                let label = l.trim_start();
                let label = &label[..label.find("]:").map_or(0, |i| i + 2)];
                let newline = if k > 0 { "\n" } else { "" };
                children.push(Node::Text(format!("{newline}{label} ")));
                children.push(crate::render::link(
                    &url,
                    title,
                    vec![Node::Text(url.clone())],
                ));
            }
            return Node::el("p", vec![("class", "confab__refs".into())], children);
        }
        Node::el("p", vec![], self.inline(lines.join("\n").trim_end()))
    }

    /// The blocks of `lines`, and whether a blank line separated two of them (which makes a
    /// list item holding them loose).
    fn blocks(&self, lines: &[Line], depth: usize) -> (Vec<Node>, bool) {
        let mut out = Vec::new();
        let mut para: Vec<String> = Vec::new();
        let mut blank_before = false;
        let mut blank_between = false;
        let mut i = 0;
        while i < lines.len() {
            let line = lines[i].text.as_str();
            if is_blank(line) {
                if !para.is_empty() {
                    out.push(self.paragraph(&para));
                    para.clear();
                }
                blank_before = true;
                i += 1;
                continue;
            }
            let ind = indent(line);
            if !para.is_empty() {
                if ind < 4 {
                    let t = line.trim();
                    if !t.is_empty() && t.bytes().all(|b| b == b'=') {
                        out.push(Node::el("h1", vec![], self.inline(&para.join("\n"))));
                        para.clear();
                        i += 1;
                        continue;
                    }
                    // A `-` or `--` on the open last line of a streamed answer is more likely a
                    // list item being typed than an underline: it decides nothing yet (no flash
                    // of a heading).
                    let typing = !lines[i].eol && t.len() < 3;
                    if !t.is_empty() && t.bytes().all(|b| b == b'-') && !typing {
                        out.push(Node::el("h2", vec![], self.inline(&para.join("\n"))));
                        para.clear();
                        i += 1;
                        continue;
                    }
                    if let Some((table, next)) = self.table(&para, lines, i) {
                        para.pop();
                        if !para.is_empty() {
                            out.push(self.paragraph(&para));
                            para.clear();
                        }
                        out.push(table);
                        i = next;
                        continue;
                    }
                }
                if !interrupts_paragraph(line) {
                    para.push(line.trim_start().to_owned());
                    i += 1;
                    continue;
                }
                out.push(self.paragraph(&para));
                para.clear();
            }
            if blank_before && !out.is_empty() {
                blank_between = true;
            }
            blank_before = false;
            // Each block takes at least its first line: the loop always moves on.
            i = if ind >= 4 {
                self.indented_code(lines, i, &mut out)
            } else if let Some((f_ind, ch, len, info)) = fence_start(line) {
                self.fenced_code(lines, i, (f_ind, ch, len, info), &mut out)
            } else if let Some((level, text)) = atx_heading(line) {
                const TAGS: [&str; 6] = ["h1", "h2", "h3", "h4", "h5", "h6"];
                out.push(Node::el(TAGS[level - 1], vec![], self.inline(text)));
                i + 1
            } else if thematic_break(line) {
                out.push(Node::el("hr", vec![], vec![]));
                i + 1
            } else if line.trim_start().starts_with('>') && depth < MAX_DEPTH {
                self.quote(lines, i, depth, &mut out)
            } else if let Some(m) = list_marker(line).filter(|_| depth < MAX_DEPTH) {
                self.list(lines, i, m, depth, &mut out)
            } else {
                para.push(line.trim_start().to_owned());
                i + 1
            }
            .max(i + 1);
        }
        if !para.is_empty() {
            out.push(self.paragraph(&para));
        }
        (out, blank_between)
    }

    fn indented_code(&self, lines: &[Line], mut i: usize, out: &mut Vec<Node>) -> usize {
        let mut code: Vec<&str> = Vec::new();
        let mut end = i;
        while i < lines.len() {
            let l = lines[i].text.as_str();
            if is_blank(l) {
                code.push(l.get(4..).unwrap_or(""));
            } else if indent(l) >= 4 {
                code.push(&l[4..]);
                end = i + 1;
            } else {
                break;
            }
            i += 1;
        }
        // Blank lines after the code belong to what follows.
        let keep = code.len() - (i - end);
        let text: String = code[..keep].iter().map(|l| format!("{l}\n")).collect();
        out.push(code_block("", text));
        end
    }

    fn fenced_code(
        &self,
        lines: &[Line],
        i: usize,
        (f_ind, ch, len, info): (usize, u8, usize, &str),
        out: &mut Vec<Node>,
    ) -> usize {
        let lang = info.split_whitespace().next().unwrap_or("");
        let mut code = String::new();
        let mut j = i + 1;
        while j < lines.len() {
            let l = &lines[j];
            if closes_fence(&l.text, ch, len) {
                j += 1;
                break;
            }
            let strip = indent(&l.text).min(f_ind);
            code.push_str(&l.text[strip..]);
            if l.eol {
                code.push('\n');
            }
            j += 1;
        }
        out.push(code_block(lang, code));
        j
    }

    fn quote(&self, lines: &[Line], mut i: usize, depth: usize, out: &mut Vec<Node>) -> usize {
        let mut inner: Vec<Line> = Vec::new();
        while i < lines.len() {
            let l = &lines[i];
            let t = l.text.trim_start();
            if indent(&l.text) < 4 && t.starts_with('>') {
                let rest = &t[1..];
                let rest = rest.strip_prefix(' ').unwrap_or(rest);
                inner.push(Line {
                    text: rest.to_owned(),
                    eol: l.eol,
                });
            } else if !is_blank(&l.text)
                && inner.last().is_some_and(|p| !is_blank(&p.text))
                && !starts_block(&l.text)
            {
                // A lazy continuation of the quoted paragraph.
                inner.push(l.clone());
            } else {
                break;
            }
            i += 1;
        }
        let (children, _) = self.blocks(&inner, depth + 1);
        out.push(Node::el("blockquote", vec![], children));
        i
    }

    fn list(
        &self,
        lines: &[Line],
        mut i: usize,
        first: Marker,
        depth: usize,
        out: &mut Vec<Node>,
    ) -> usize {
        let mut items: Vec<Vec<Node>> = Vec::new();
        let mut loose = false;
        let mut end = i;
        while let Some(m) = lines
            .get(i)
            .and_then(|l| list_marker(&l.text))
            .filter(|m| m.kind == first.kind && !thematic_break(&lines[i].text))
        {
            let first_line = &lines[i];
            let content = first_line.text.get(m.content..).unwrap_or("");
            let mut item = vec![Line {
                text: content.to_owned(),
                eol: first_line.eol,
            }];
            let mut fence: Option<(u8, usize)> = fence_start(content).map(|f| (f.1, f.2));
            let mut j = i + 1;
            while j < lines.len() {
                let l = &lines[j];
                if is_blank(&l.text) {
                    item.push(Line {
                        text: String::new(),
                        eol: l.eol,
                    });
                } else if indent(&l.text) >= m.content {
                    let text = &l.text[m.content..];
                    fence = match fence {
                        Some((ch, len)) if closes_fence(text, ch, len) => None,
                        Some(f) => Some(f),
                        None => fence_start(text).map(|f| (f.1, f.2)),
                    };
                    item.push(Line {
                        text: text.to_owned(),
                        eol: l.eol,
                    });
                } else if fence.is_none()
                    && item.last().is_some_and(|p| !is_blank(&p.text))
                    && !starts_block(&l.text)
                {
                    // A lazy continuation of the item's paragraph.
                    item.push(l.clone());
                } else {
                    break;
                }
                j += 1;
            }
            // Blank lines after the item belong between items (the marker line stays, even empty).
            let trailing = item[1..]
                .iter()
                .rev()
                .take_while(|l| is_blank(&l.text))
                .count();
            item.truncate(item.len() - trailing);
            end = j - trailing;
            let next_is_item = lines
                .get(j)
                .and_then(|l| list_marker(&l.text))
                .is_some_and(|n| n.kind == first.kind);
            if trailing > 0 && next_is_item {
                loose = true;
            }
            // `[ ]` or `[x]` opens a task item.
            let mut task = None;
            if let Some(l) = item.first_mut() {
                let t = l.text.as_bytes();
                if matches!(t.get(..3), Some(b"[ ]" | b"[x]" | b"[X]"))
                    && t.get(3).is_none_or(|&b| b == b' ')
                {
                    task = Some(t[1] != b' ');
                    l.text = l.text[3..].trim_start().to_owned();
                }
            }
            let (mut children, blank_between) = self.blocks(&item, depth + 1);
            loose |= blank_between;
            if let Some(checked) = task {
                match children.first_mut() {
                    Some(Node::Element {
                        tag: "p", children, ..
                    }) => children.insert(0, checkbox(checked)),
                    _ => children.insert(0, checkbox(checked)),
                }
            }
            items.push(children);
            i = j;
            if !next_is_item {
                break;
            }
        }
        let items = items
            .into_iter()
            .map(|children| {
                let children = if loose {
                    children
                } else {
                    // A tight list shows its paragraphs' text directly.
                    children
                        .into_iter()
                        .flat_map(|n| match n {
                            Node::Element {
                                tag: "p", children, ..
                            } => children,
                            other => vec![other],
                        })
                        .collect()
                };
                Node::el("li", vec![], children)
            })
            .collect();
        let node = match first.start {
            None => Node::el("ul", vec![], items),
            Some(1) => Node::el("ol", vec![], items),
            Some(n) => Node::el("ol", vec![("start", n.to_string())], items),
        };
        out.push(node);
        end
    }

    /// A table whose header is the paragraph's last line and whose delimiter row is `lines[i]`:
    /// the table and the index after its last row.
    fn table(&self, para: &[String], lines: &[Line], i: usize) -> Option<(Node, usize)> {
        let header = para.last().filter(|h| h.contains('|'))?;
        let aligns = delimiter_row(&lines[i].text)?;
        let head = split_row(header);
        if head.len() != aligns.len() {
            return None;
        }
        let row = |cells: Vec<String>, tag: &'static str| {
            let cells = (0..aligns.len())
                .map(|c| {
                    let attrs = match aligns[c] {
                        "" => vec![],
                        class => vec![("class", class.to_owned())],
                    };
                    let text = cells.get(c).map_or("", String::as_str);
                    Node::el(tag, attrs, self.inline(text))
                })
                .collect();
            Node::el("tr", vec![], cells)
        };
        let mut body = Vec::new();
        let mut j = i + 1;
        while let Some(l) = lines.get(j) {
            if is_blank(&l.text) || interrupts_paragraph(&l.text) {
                break;
            }
            body.push(row(split_row(&l.text), "td"));
            j += 1;
        }
        let table = Node::el(
            "table",
            vec![],
            vec![
                Node::el("thead", vec![], vec![row(head, "th")]),
                Node::el("tbody", vec![], body),
            ],
        );
        Some((
            Node::el("div", vec![("class", "confab__table".into())], vec![table]),
            j,
        ))
    }
}
