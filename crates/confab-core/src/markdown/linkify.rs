//! GFM's extended autolinks: addresses that models write bare in their text
//! (`https://example.com/a`, `www.example.com`, `someone@example.com`) become links, as GitHub
//! and chat UIs show them.
//!
//! The rules are cmark-gfm's: an `http://` or `https://` address, or one starting `www.` with at
//! least one dot in its domain; it starts at the beginning of the text, after whitespace or after
//! one of `*`, `_`, `~`, `(` (and, for `http`, after anything but a letter or digit); it ends at
//! whitespace or `<` (and, unlike cmark-gfm, at `>` and `"`), without trailing punctuation (`?!.,:*_~'"`), an entity-like `&name;`, or a
//! `)` that has no `(` to match. Text inside links and code is left alone (the tree builder does not
//! call this there).
//!
//! Work is linear in the text: a domain is looked at for at most [`MAX_DOMAIN`] bytes, and the
//! brackets of a link are counted once. An e-mail address is letters, digits and `.+-_` before
//! an `@` (the longest such run, found as the text is read, never by looking back), then a domain
//! of letters, digits and `-_.` with at least one dot, not ending in `-` or `_` (a final `.` is
//! punctuation); it links to `mailto:`.

use super::tree::{link, Node};

/// The longest domain name DNS allows; a candidate's domain is not read further.
const MAX_DOMAIN: usize = 253;

/// Appends `text` to `out` as text and links.
pub(crate) fn split(text: &str, out: &mut Vec<Node>) {
    let bytes = text.as_bytes();
    let mut plain = 0;
    let mut i = 0;
    // Where the run of characters an e-mail address's local part may have began.
    let mut local: Option<usize> = None;
    while i < bytes.len() {
        if bytes[i] == b'@' {
            if let Some((start, end)) = local
                .filter(|&s| s >= plain)
                .and_then(|s| email_end(text, i).map(|end| (s, end)))
            {
                if plain < start {
                    out.push(Node::Text(text[plain..start].to_owned()));
                }
                let address = &text[start..end];
                out.push(link(
                    &format!("mailto:{address}"),
                    None,
                    vec![Node::Text(address.to_owned())],
                ));
                i = end;
                plain = end;
                local = None;
                continue;
            }
        }
        if is_local(bytes[i]) {
            local.get_or_insert(i);
        } else {
            local = None;
        }
        let found = match bytes[i] {
            b'h' => url_at(text, i),
            b'w' => www_at(text, i),
            _ => None,
        };
        match found {
            Some(end) => {
                local = None;
                if plain < i {
                    out.push(Node::Text(text[plain..i].to_owned()));
                }
                let address = &text[i..end];
                let href = if bytes[i] == b'w' {
                    format!("http://{address}")
                } else {
                    address.to_owned()
                };
                out.push(link(&href, None, vec![Node::Text(address.to_owned())]));
                i = end;
                plain = end;
            }
            None => i += 1,
        }
    }
    if plain < bytes.len() {
        out.push(Node::Text(text[plain..].to_owned()));
    }
}

/// A character of an e-mail address's local part.
fn is_local(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'.' | b'+' | b'-' | b'_')
}

/// The end of the e-mail address whose `@` is at `at`, if a domain follows it.
fn email_end(text: &str, at: usize) -> Option<usize> {
    let rest = &text.as_bytes()[at + 1..];
    let len = rest
        .iter()
        .take(MAX_DOMAIN + 1)
        .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        .count();
    if len > MAX_DOMAIN {
        return None;
    }
    let domain = std::str::from_utf8(&rest[..len])
        .ok()?
        .trim_end_matches('.');
    let ok = domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with(['-', '_'])
        && !domain.contains("..");
    ok.then_some(at + 1 + domain.len())
}

/// The end of an `http(s)://` address starting at `i`.
fn url_at(text: &str, i: usize) -> Option<usize> {
    let rest = &text[i..];
    let scheme = if rest.starts_with("https://") {
        8
    } else if rest.starts_with("http://") {
        7
    } else {
        return None;
    };
    if text[..i]
        .chars()
        .next_back()
        .is_some_and(|c| c.is_alphanumeric())
    {
        return None;
    }
    let domain = domain_len(&rest[scheme..], false)?;
    Some(i + trim_end(rest, scheme + domain))
}

/// The end of a `www.` address starting at `i`.
fn www_at(text: &str, i: usize) -> Option<usize> {
    let rest = &text[i..];
    if !rest.starts_with("www.") {
        return None;
    }
    if let Some(c) = text[..i].chars().next_back() {
        if !(c.is_whitespace() || matches!(c, '*' | '_' | '~' | '(')) {
            return None;
        }
    }
    let domain = domain_len(rest, true)?;
    Some(i + trim_end(rest, domain))
}

/// How long the domain at the start of `s` is: letters, digits, `-` and `_` in dot-separated
/// parts, without `_` in the last two parts; `None` if there is none (or, when `need_dot`, it has
/// no dot).
fn domain_len(s: &str, need_dot: bool) -> Option<usize> {
    let (mut underscores_last, mut underscores_before) = (0, 0);
    let mut len = 0;
    for (at, c) in s.char_indices() {
        if at >= MAX_DOMAIN {
            return None;
        }
        match c {
            '_' => underscores_last += 1,
            '.' => {
                underscores_before = underscores_last;
                underscores_last = 0;
            }
            '-' => {}
            c if c.is_alphanumeric() => {}
            _ => break,
        }
        len = at + c.len_utf8();
    }
    // A trailing dot is punctuation, not part of the domain.
    let domain = s[..len].trim_end_matches('.');
    let ok = !domain.is_empty()
        && underscores_last == 0
        && underscores_before == 0
        && (!need_dot || domain.contains('.'));
    ok.then_some(len)
}

/// Where the address in `s` that has at least `min` bytes ends: at whitespace, `<`, `>` or `"`
/// (never part of an address; raw HTML in an answer is shown as text), without
/// trailing punctuation, entity-like `&name;` or unmatched `)`.
fn trim_end(s: &str, min: usize) -> usize {
    let mut end = s
        .char_indices()
        .find(|&(_, c)| c.is_whitespace() || matches!(c, '<' | '>' | '"'))
        .map_or(s.len(), |(at, _)| at);
    let bytes = s.as_bytes();
    let (mut open, mut close) = (0usize, 0usize);
    for &b in &bytes[..end] {
        match b {
            b'(' => open += 1,
            b')' => close += 1,
            _ => {}
        }
    }
    while end > min.min(end) {
        match bytes[end - 1] {
            b'?' | b'!' | b'.' | b',' | b':' | b'*' | b'_' | b'~' | b'\'' | b'"' => end -= 1,
            b';' => {
                let word = bytes[..end - 1]
                    .iter()
                    .rev()
                    .take_while(|b| b.is_ascii_alphabetic())
                    .count();
                let amp = end - 1 - word;
                if word > 0 && amp > 0 && bytes[amp - 1] == b'&' {
                    end = amp - 1;
                } else {
                    end -= 1;
                }
            }
            b')' if close > open => {
                close -= 1;
                end -= 1;
            }
            _ => break,
        }
    }
    end.max(min.min(end))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The text with links shown as `[text](href)`.
    fn show(text: &str) -> String {
        let mut out = Vec::new();
        split(text, &mut out);
        out.iter()
            .map(|n| match n {
                Node::Text(t) => t.clone(),
                Node::Element {
                    tag: "a", attrs, ..
                } => format!("[{}]({})", n.text(), attrs[0].1),
                other => format!("{other:?}"),
            })
            .collect()
    }

    #[test]
    fn bare_addresses_become_links() {
        assert_eq!(
            show("Visit https://www.rust-lang.org or www.example.com/a?b=c now."),
            "Visit [https://www.rust-lang.org](https://www.rust-lang.org) or \
             [www.example.com/a?b=c](http://www.example.com/a?b=c) now."
        );
        assert_eq!(
            show("http://localhost:8080/v1"),
            "[http://localhost:8080/v1](http://localhost:8080/v1)"
        );
        assert_eq!(
            show("(see https://en.wikipedia.org/wiki/Rust_(programming_language))."),
            "(see [https://en.wikipedia.org/wiki/Rust_(programming_language)](https://en.wikipedia.org/wiki/Rust_(programming_language)))."
        );
        assert_eq!(
            show("https://a.b/x&amp; and https://a.b/q?x=1, then"),
            "[https://a.b/x](https://a.b/x)&amp; and [https://a.b/q?x=1](https://a.b/q?x=1), then"
        );
        assert_eq!(show("«https://a.b»"), "«[https://a.b»](https://a.b»)");
        assert_eq!(show("https://a.b<c"), "[https://a.b](https://a.b)<c");
        assert_eq!(
            show("<iframe src=\"https://a.b/x\"></iframe>"),
            "<iframe src=\"[https://a.b/x](https://a.b/x)\"></iframe>"
        );
    }

    #[test]
    fn bare_email_addresses_become_mailto_links() {
        assert_eq!(
            show("Write to team+ai@example.co.uk. Or a.b-c_d@x.org!"),
            "Write to [team+ai@example.co.uk](mailto:team+ai@example.co.uk). \
             Or [a.b-c_d@x.org](mailto:a.b-c_d@x.org)!"
        );
        for text in [
            "me@localhost",
            "a@b.c-",
            "a@b_",
            "@x.org",
            "a@.org",
            "a@@b.org",
            "a@b..org",
        ] {
            assert_eq!(show(text), text, "{text}");
        }
        // Many candidates are each read once.
        let many = "a@".repeat(20_000);
        assert_eq!(show(&many), many);
    }

    #[test]
    fn not_addresses() {
        for text in [
            "xhttps://a.b",
            "awww.example.com",
            "https://",
            "https://.",
            "https://a_b.c_d",
            "www.a.b_c",
            "http:/a.b",
            "ftp://a.b",
            "javascript:alert(1)//www",
        ] {
            assert_eq!(show(text), text, "{text}");
        }
    }

    #[test]
    fn hostile_text() {
        // Many candidates that fail late, and a link with many closing brackets: each is read
        // once (see the module's notes; `render`'s hostile inputs include these too).
        let many = "(www.a_".repeat(20_000);
        assert_eq!(show(&many), many);
        let brackets = format!("https://a.b/{}", ")".repeat(50_000));
        assert_eq!(
            show(&brackets),
            format!("[https://a.b/](https://a.b/){}", ")".repeat(50_000))
        );
    }
}
