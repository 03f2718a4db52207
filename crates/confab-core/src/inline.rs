//! Markdown's inline content: emphasis, strong, strikethrough, code spans, links, images,
//! autolinks (and, through `linkify`, bare addresses), escapes, entities and line breaks.
//!
//! CommonMark's delimiter algorithm decides emphasis; links are found first, from brackets
//! matched in one pass, and their text is parsed on its own (so emphasis never crosses a link's
//! edge). Code spans are matched through an index of backtick runs. Every step is linear or
//! `n log n` in the text, whatever it holds: hostile input cannot make it quadratic.

use crate::render::{image, link, Node, RenderOptions};

/// Links nested deeper than this are left as text.
const MAX_DEPTH: usize = 16;

/// Link reference definitions (`[label]: url "title"`), by normalized label.
pub type Definitions = std::collections::HashMap<String, (String, Option<String>)>;

/// A label as references match it: trimmed, inner whitespace collapsed, ASCII letters in lower
/// case (Unicode case folding would add 17 KB of tables to the download).
pub fn normalize_label(label: &str) -> String {
    label
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_ascii_lowercase()
}

/// `[label]: url "title"` on one line: the label, the destination and the title.
pub fn definition(line: &str) -> Option<(String, String, Option<String>)> {
    let t = line.trim();
    let rest = t.strip_prefix('[')?;
    let close = rest.find(']')?;
    let label = &rest[..close];
    let after = rest[close + 1..].strip_prefix(':')?;
    if label.trim().is_empty() || label.contains('[') || label.len() > 999 {
        return None;
    }
    let after = after.trim();
    let (url, title) = match after.split_once(char::is_whitespace) {
        Some((url, title)) => (url, Some(title.trim())),
        None => (after, None),
    };
    let url = url
        .strip_prefix('<')
        .and_then(|u| u.strip_suffix('>'))
        .unwrap_or(url);
    if url.is_empty() {
        return None;
    }
    let title = match title {
        None => None,
        Some(t) => {
            let b = t.as_bytes();
            let quoted = b.len() >= 2
                && matches!(
                    (b[0], b[b.len() - 1]),
                    (b'"', b'"') | (b'\'', b'\'') | (b'(', b')')
                );
            if !quoted {
                return None;
            }
            Some(unescape(&t[1..t.len() - 1]))
        }
    };
    Some((normalize_label(label), unescape(url), title))
}

/// Parses one block's inline text; `[text][label]` and `[label]` take their targets from
/// `definitions`.
pub fn parse(text: &str, options: RenderOptions, definitions: &Definitions) -> Vec<Node> {
    let index = Index::new(text);
    let p = Inline {
        text,
        index,
        options,
        definitions,
    };
    crate::linkify::linkify(p.range(0, text.len(), 0))
}

/// Where code spans and brackets end, computed once for the whole text.
struct Index {
    /// Start and length of each backtick run outside escapes, in order.
    runs: Vec<(usize, usize)>,
    /// For each run length, the positions (in `runs`) of runs of that length, in order.
    by_len: std::collections::HashMap<usize, Vec<usize>>,
    /// For a `[` at a byte offset, the offset of its matching `]`.
    brackets: std::collections::HashMap<usize, usize>,
}

impl Index {
    fn new(text: &str) -> Index {
        let b = text.as_bytes();
        let mut runs = Vec::new();
        let mut i = 0;
        while i < b.len() {
            match b[i] {
                b'\\' if i + 1 < b.len() && b[i + 1].is_ascii_punctuation() => i += 2,
                b'`' => {
                    let n = b[i..].iter().take_while(|&&c| c == b'`').count();
                    runs.push((i, n));
                    i += n;
                }
                _ => i += 1,
            }
        }
        let mut by_len: std::collections::HashMap<usize, Vec<usize>> = Default::default();
        for (k, &(_, n)) in runs.iter().enumerate() {
            by_len.entry(n).or_default().push(k);
        }
        let mut index = Index {
            runs,
            by_len,
            brackets: Default::default(),
        };
        // Brackets, skipping escapes and code spans.
        let mut stack = Vec::new();
        let mut i = 0;
        let mut run = 0;
        while i < b.len() {
            match b[i] {
                b'\\' if i + 1 < b.len() && b[i + 1].is_ascii_punctuation() => i += 2,
                b'`' => {
                    while index.runs.get(run).is_some_and(|r| r.0 < i) {
                        run += 1;
                    }
                    match index.code_end(run) {
                        Some((close, _)) => {
                            i = index.runs[close].0 + index.runs[close].1;
                            run = close + 1;
                        }
                        None => i += index.runs.get(run).map_or(1, |r| r.1),
                    }
                }
                b'[' => {
                    stack.push(i);
                    i += 1;
                }
                b']' => {
                    if let Some(open) = stack.pop() {
                        index.brackets.insert(open, i);
                    }
                    i += 1;
                }
                _ => i += 1,
            }
        }
        index
    }

    /// The run closing the code span opened by run `k`: its position in `runs`, and the run's
    /// length.
    fn code_end(&self, k: usize) -> Option<(usize, usize)> {
        let (_, n) = *self.runs.get(k)?;
        let same = self.by_len.get(&n)?;
        let at = same.partition_point(|&j| j <= k);
        same.get(at).map(|&j| (j, n))
    }

    fn run_at(&self, offset: usize) -> Option<usize> {
        let k = self.runs.partition_point(|r| r.0 < offset);
        (self.runs.get(k)?.0 == offset).then_some(k)
    }
}

/// A run of `*`, `_` or `~` that may open or close emphasis.
struct Delim {
    ch: u8,
    len: usize,
    /// Characters not yet used by a match.
    left: usize,
    can_open: bool,
    can_close: bool,
    /// Matches this run closes (in match order) and opens (in match order), with the tag.
    closes: Vec<&'static str>,
    opens: Vec<&'static str>,
}

enum Item {
    Node(Node),
    Delim(usize),
}

struct Inline<'a> {
    text: &'a str,
    index: Index,
    options: RenderOptions,
    definitions: &'a Definitions,
}

fn is_punct(c: char) -> bool {
    c.is_ascii_punctuation() || (!c.is_ascii() && !c.is_alphanumeric() && !c.is_whitespace())
}

fn push_text(items: &mut Vec<Item>, t: &str) {
    if t.is_empty() {
        return;
    }
    if let Some(Item::Node(Node::Text(last))) = items.last_mut() {
        last.push_str(t);
    } else {
        items.push(Item::Node(Node::Text(t.to_owned())));
    }
}

impl Inline<'_> {
    /// The nodes of `text[start..end]`.
    fn range(&self, start: usize, end: usize, depth: usize) -> Vec<Node> {
        let text = self.text;
        let b = text.as_bytes();
        let mut items: Vec<Item> = Vec::new();
        let mut delims: Vec<Delim> = Vec::new();
        let mut i = start;
        let mut plain = start;
        macro_rules! flush {
            () => {
                push_text(&mut items, &text[plain..i]);
            };
        }
        while i < end {
            match b[i] {
                b'\\' => {
                    flush!();
                    match b.get(i + 1).filter(|_| i + 1 < end) {
                        Some(b'\n') => {
                            items.push(Item::Node(Node::el("br", vec![], vec![])));
                            i += 2;
                        }
                        Some(c) if c.is_ascii_punctuation() => {
                            push_text(&mut items, &text[i + 1..i + 2]);
                            i += 2;
                        }
                        _ => {
                            push_text(&mut items, "\\");
                            i += 1;
                        }
                    }
                    plain = i;
                }
                b'`' => {
                    flush!();
                    let k = self.index.run_at(i);
                    let n = k.map_or(1, |k| self.index.runs[k].1);
                    match k.and_then(|k| self.index.code_end(k)) {
                        Some((close, _)) if self.index.runs[close].0 + n <= end => {
                            let body = &text[i + n..self.index.runs[close].0];
                            let mut code = body.replace('\n', " ");
                            if code.len() >= 2
                                && code.starts_with(' ')
                                && code.ends_with(' ')
                                && !code.trim().is_empty()
                            {
                                code = code[1..code.len() - 1].to_owned();
                            }
                            items.push(Item::Node(Node::el(
                                "code",
                                vec![],
                                vec![Node::Text(code)],
                            )));
                            i = self.index.runs[close].0 + n;
                        }
                        _ => {
                            push_text(&mut items, &text[i..i + n]);
                            i += n;
                        }
                    }
                    plain = i;
                }
                c @ (b'*' | b'_' | b'~') => {
                    flush!();
                    let n = b[i..end].iter().take_while(|&&x| x == c).count();
                    let before = text[..i].chars().next_back().unwrap_or(' ');
                    let after = text[i + n..end].chars().next().unwrap_or(' ');
                    let left = !after.is_whitespace()
                        && (!is_punct(after) || before.is_whitespace() || is_punct(before));
                    let right = !before.is_whitespace()
                        && (!is_punct(before) || after.is_whitespace() || is_punct(after));
                    let (can_open, can_close) = match c {
                        b'_' => (
                            left && (!right || is_punct(before)),
                            right && (!left || is_punct(after)),
                        ),
                        b'~' if n > 2 => (false, false),
                        _ => (left, right),
                    };
                    items.push(Item::Delim(delims.len()));
                    delims.push(Delim {
                        ch: c,
                        len: n,
                        left: n,
                        can_open,
                        can_close,
                        closes: Vec::new(),
                        opens: Vec::new(),
                    });
                    i += n;
                    plain = i;
                }
                b'!' if b.get(i + 1) == Some(&b'[') => {
                    flush!();
                    match self.link(i + 1, end, depth) {
                        Some((dest, title, close, next)) => {
                            let alt: String = self
                                .range(i + 2, close, depth + 1)
                                .iter()
                                .map(Node::text)
                                .collect();
                            items.push(Item::Node(image(&dest, title, alt, self.options)));
                            i = next;
                        }
                        None => {
                            push_text(&mut items, "!");
                            i += 1;
                        }
                    }
                    plain = i;
                }
                b'[' => {
                    flush!();
                    match self.link(i, end, depth) {
                        Some((dest, title, close, next)) => {
                            let inner = self.range(i + 1, close, depth + 1);
                            items.push(Item::Node(link(&dest, title, inner)));
                            i = next;
                        }
                        None => {
                            push_text(&mut items, "[");
                            i += 1;
                        }
                    }
                    plain = i;
                }
                b'<' if line_break_tag(&text[i..end]).is_some() => {
                    flush!();
                    // Models put `<br>` in table cells for a new line; it is the one tag kept.
                    items.push(Item::Node(Node::el("br", vec![], vec![])));
                    i += line_break_tag(&text[i..end]).unwrap_or(1);
                    plain = i;
                }
                b'<' => {
                    flush!();
                    match autolink(&text[i..end]) {
                        Some((url, len)) => {
                            let href = if url.contains(':') {
                                url.to_owned()
                            } else {
                                format!("mailto:{url}")
                            };
                            items.push(Item::Node(link(
                                &href,
                                None,
                                vec![Node::Text(url.to_owned())],
                            )));
                            i += len;
                        }
                        None => {
                            push_text(&mut items, "<");
                            i += 1;
                        }
                    }
                    plain = i;
                }
                b'&' => {
                    flush!();
                    match entity(&text[i..end]) {
                        Some((decoded, len)) => {
                            push_text(&mut items, decoded.encode_utf8(&mut [0; 4]));
                            i += len;
                        }
                        None => {
                            push_text(&mut items, "&");
                            i += 1;
                        }
                    }
                    plain = i;
                }
                b'\n' => {
                    flush!();
                    // Two or more spaces before a line end make a hard break; others go.
                    let mut hard = false;
                    if let Some(Item::Node(Node::Text(last))) = items.last_mut() {
                        let trimmed = last.trim_end_matches(' ').len();
                        hard = last.len() - trimmed >= 2;
                        last.truncate(trimmed);
                    }
                    if hard {
                        items.push(Item::Node(Node::el("br", vec![], vec![])));
                    } else {
                        push_text(&mut items, "\n");
                    }
                    i += 1;
                    while i < end && b[i] == b' ' {
                        i += 1;
                    }
                    plain = i;
                }
                _ => i += 1,
            }
        }
        flush!();
        process_emphasis(&mut delims);
        build(items, delims)
    }

    /// A link whose text opens at the `[` at `open`: its destination, title, the offset of the
    /// `]` and the offset after the whole link.
    fn link(
        &self,
        open: usize,
        end: usize,
        depth: usize,
    ) -> Option<(String, Option<String>, usize, usize)> {
        if depth >= MAX_DEPTH {
            return None;
        }
        let close = *self.index.brackets.get(&open)?;
        if close >= end {
            return None;
        }
        if self.text.as_bytes().get(close + 1) != Some(&b'(') {
            return self.reference(open, close, end);
        }
        // Destinations and titles are short: a longer look would make `[](` repeated quadratic.
        let mut limit = end.min(close + 1 + 8192);
        while !self.text.is_char_boundary(limit) {
            limit -= 1;
        }
        let (dest, title, len) = destination(&self.text[close + 1..limit])?;
        Some((dest, title, close, close + 1 + len))
    }
}

impl Inline<'_> {
    /// `[text][label]`, `[text][]` or `[label]`, when the label is defined.
    fn reference(
        &self,
        open: usize,
        close: usize,
        end: usize,
    ) -> Option<(String, Option<String>, usize, usize)> {
        if self.definitions.is_empty() {
            return None;
        }
        let b = self.text.as_bytes();
        let (label, next) = match self.index.brackets.get(&(close + 1)) {
            Some(&close2) if b.get(close + 1) == Some(&b'[') && close2 < end => {
                let inner = &self.text[close + 2..close2];
                let label = if inner.trim().is_empty() {
                    &self.text[open + 1..close]
                } else {
                    inner
                };
                (label, close2 + 1)
            }
            _ => (&self.text[open + 1..close], close + 1),
        };
        let (url, title) = self.definitions.get(&normalize_label(label))?;
        Some((url.clone(), title.clone(), close, next))
    }
}

/// `(dest "title")` at the start of `s`: the destination, the title and the length taken.
fn destination(s: &str) -> Option<(String, Option<String>, usize)> {
    let b = s.as_bytes();
    let mut i = 1;
    let skip_ws = |mut i: usize| {
        let mut newlines = 0;
        while i < b.len() && (b[i] == b' ' || b[i] == b'\t' || b[i] == b'\n') {
            if b[i] == b'\n' {
                newlines += 1;
            }
            i += 1;
        }
        (newlines <= 1).then_some(i)
    };
    i = skip_ws(i)?;
    let dest;
    if b.get(i) == Some(&b'<') {
        let len = s[i + 1..].find(['>', '\n', '<'])?;
        if b[i + 1 + len] != b'>' {
            return None;
        }
        dest = &s[i + 1..i + 1 + len];
        i += len + 2;
    } else {
        let startd = i;
        let mut parens = 0usize;
        while i < b.len() {
            match b[i] {
                b'\\' if i + 1 < b.len() && b[i + 1].is_ascii_punctuation() => i += 1,
                b'(' => parens += 1,
                b')' if parens == 0 => break,
                b')' => parens -= 1,
                c if c <= b' ' => break,
                _ => {}
            }
            i += 1;
        }
        dest = &s[startd..i];
    }
    let before_title = i;
    i = skip_ws(i)?;
    let mut title = None;
    if i > before_title {
        if let Some(&q) = b.get(i).filter(|q| matches!(q, b'"' | b'\'' | b'(')) {
            let closing = if q == b'(' { b')' } else { q };
            let mut j = i + 1;
            while j < b.len() && b[j] != closing {
                if b[j] == b'\\' {
                    j += 1;
                }
                j += 1;
            }
            if j >= b.len() {
                return None;
            }
            title = Some(unescape(&s[i + 1..j]));
            i = skip_ws(j + 1)?;
        }
    }
    (b.get(i) == Some(&b')')).then(|| (unescape(dest), title, i + 1))
}

/// Backslash escapes and entities resolved, as in link destinations and titles.
fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    let b = s.as_bytes();
    while i < b.len() {
        match b[i] {
            b'\\' if i + 1 < b.len() && b[i + 1].is_ascii_punctuation() => {
                out.push(b[i + 1] as char);
                i += 2;
            }
            b'&' => match entity(&s[i..]) {
                Some((c, len)) => {
                    out.push(c);
                    i += len;
                }
                None => {
                    out.push('&');
                    i += 1;
                }
            },
            _ => {
                let next = s[i..]
                    .char_indices()
                    .skip(1)
                    .find(|&(_, c)| c == '\\' || c == '&')
                    .map_or(s.len(), |(k, _)| i + k);
                out.push_str(&s[i..next]);
                i = next;
            }
        }
    }
    out
}

/// The length of a `<br>`, `<br/>` or `<br />` (any case) at the start of `s`.
pub fn line_break_tag(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    if b.len() < 4 || !b[..3].eq_ignore_ascii_case(b"<br") {
        return None;
    }
    let rest = &s[3..];
    let after_space = rest.trim_start_matches(' ');
    let close = if after_space.starts_with("/>") {
        2
    } else if after_space.starts_with('>') {
        1
    } else {
        return None;
    };
    Some(3 + (rest.len() - after_space.len()) + close)
}

/// `<scheme:…>` or `<user@host>` at the start of `s`: the address and the length taken.
fn autolink(s: &str) -> Option<(&str, usize)> {
    // Addresses are short: looking further would make `<<<<…` quadratic.
    let end = s.bytes().take(2050).position(|b| b == b'>')?;
    let inner = &s[1..end];
    if inner.is_empty() {
        return None;
    }
    let ok_uri = inner.split_once(':').is_some_and(|(scheme, rest)| {
        (2..=32).contains(&scheme.len())
            && scheme.as_bytes()[0].is_ascii_alphabetic()
            && scheme
                .bytes()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'.' | b'-'))
            && !rest.bytes().any(|c| c <= b' ' || c == b'<')
    });
    let ok_email = || {
        inner.split_once('@').is_some_and(|(user, host)| {
            !user.is_empty()
                && user
                    .bytes()
                    .all(|c| c.is_ascii_alphanumeric() || b".!#$%&'*+/=?^_`{|}~-".contains(&c))
                && !host.is_empty()
                && host.split('.').all(|label| {
                    !label.is_empty()
                        && label.len() <= 63
                        && label
                            .bytes()
                            .all(|c| c.is_ascii_alphanumeric() || c == b'-')
                })
        })
    };
    (ok_uri || ok_email()).then_some((inner, end + 1))
}

/// The named entities models use; others stay as written.
const ENTITIES: &[(&str, char)] = &[
    ("amp", '&'),
    ("lt", '<'),
    ("gt", '>'),
    ("quot", '"'),
    ("apos", '\''),
    ("nbsp", '\u{a0}'),
    ("copy", '©'),
    ("reg", '®'),
    ("trade", '™'),
    ("hellip", '…'),
    ("mdash", '—'),
    ("ndash", '–'),
    ("lsquo", '‘'),
    ("rsquo", '’'),
    ("ldquo", '“'),
    ("rdquo", '”'),
    ("laquo", '«'),
    ("raquo", '»'),
    ("middot", '·'),
    ("bull", '•'),
    ("deg", '°'),
    ("plusmn", '±'),
    ("times", '×'),
    ("divide", '÷'),
    ("micro", 'µ'),
    ("para", '¶'),
    ("sect", '§'),
    ("euro", '€'),
    ("pound", '£'),
    ("yen", '¥'),
    ("cent", '¢'),
    ("larr", '←'),
    ("rarr", '→'),
    ("uarr", '↑'),
    ("darr", '↓'),
    ("harr", '↔'),
    ("le", '≤'),
    ("ge", '≥'),
    ("ne", '≠'),
    ("asymp", '≈'),
    ("infin", '∞'),
    ("check", '✓'),
];

/// `&name;`, `&#123;` or `&#x1F600;` at the start of `s`: the character and the length taken.
fn entity(s: &str) -> Option<(char, usize)> {
    let end = s.bytes().take(34).position(|b| b == b';')?;
    let body = &s[1..end];
    let c = if let Some(num) = body.strip_prefix('#') {
        let n = match num.strip_prefix(['x', 'X']) {
            Some(hex) if (1..=6).contains(&hex.len()) => u32::from_str_radix(hex, 16).ok()?,
            None if (1..=7).contains(&num.len()) && num.bytes().all(|c| c.is_ascii_digit()) => {
                num.parse().ok()?
            }
            _ => return None,
        };
        char::from_u32(n)
            .filter(|&c| c != '\0')
            .unwrap_or('\u{fffd}')
    } else {
        ENTITIES.iter().find(|(name, _)| *name == body)?.1
    };
    Some((c, end + 1))
}

/// CommonMark's "process emphasis": pairs openers with closers, records the matches on both.
fn process_emphasis(delims: &mut [Delim]) {
    // Below this, no opener for a closer of this kind exists: later closers start there.
    let mut bottom = std::collections::HashMap::<(u8, bool, usize), usize>::new();
    for c in 0..delims.len() {
        if !delims[c].can_close {
            continue;
        }
        while delims[c].left > 0 {
            let (ch, closer_opens, len) = (delims[c].ch, delims[c].can_open, delims[c].len);
            let key = (ch, closer_opens, len % 3);
            let floor = bottom.get(&key).copied().unwrap_or(0);
            let found = (floor..c).rev().find(|&o| {
                let d = &delims[o];
                d.ch == ch
                    && d.can_open
                    && d.left > 0
                    && if ch == b'~' {
                        d.len == len
                    } else {
                        // The rule of 3.
                        !((d.can_close || closer_opens)
                            && (d.len + len).is_multiple_of(3)
                            && !(d.len.is_multiple_of(3) && len.is_multiple_of(3)))
                    }
            });
            let Some(o) = found else {
                bottom.insert(key, c);
                break;
            };
            let (used, tag) = match ch {
                b'~' => (len, "del"),
                _ if delims[o].left >= 2 && delims[c].left >= 2 => (2, "strong"),
                _ => (1, "em"),
            };
            delims[o].left -= used;
            delims[c].left -= used;
            delims[o].opens.push(tag);
            delims[c].closes.push(tag);
            // Runs between the two can no longer match anything: they stay text.
            for d in &mut delims[o + 1..c] {
                d.can_open = false;
                d.can_close = false;
            }
        }
    }
}

/// The tree from the items and the matches made on their delimiter runs.
fn build(items: Vec<Item>, delims: Vec<Delim>) -> Vec<Node> {
    // Open elements: tag and children so far.
    let mut stack: Vec<(&'static str, Vec<Node>)> = vec![("", Vec::new())];
    fn push(stack: &mut [(&'static str, Vec<Node>)], node: Node) {
        if matches!(&node, Node::Text(t) if t.is_empty()) {
            return;
        }
        let children = &mut stack.last_mut().expect("the root").1;
        match (children.last_mut(), node) {
            (Some(Node::Text(last)), Node::Text(t)) => last.push_str(&t),
            (_, node) => children.push(node),
        }
    }
    for item in items {
        match item {
            Item::Node(n) => push(&mut stack, n),
            Item::Delim(k) => {
                let d = &delims[k];
                for _ in &d.closes {
                    if stack.len() > 1 {
                        let (tag, children) = stack.pop().expect("an open element");
                        push(&mut stack, Node::el(tag, vec![], children));
                    }
                }
                let literal = (d.ch as char).to_string().repeat(d.left);
                push(&mut stack, Node::Text(literal));
                // The outermost match was made last.
                for tag in d.opens.iter().rev() {
                    stack.push((tag, Vec::new()));
                }
            }
        }
    }
    // Matches always close, but never lose text if one did not.
    while stack.len() > 1 {
        let (tag, children) = stack.pop().expect("an open element");
        push(&mut stack, Node::el(tag, vec![], children));
    }
    stack.pop().expect("the root").1
}
