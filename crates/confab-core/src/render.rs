//! Markdown to a small, safe document tree (parsed by `blocks` and `inline`).
//!
//! The tree can only hold elements from a fixed list, with attributes from a fixed list, and
//! text: raw HTML in the model's output becomes text, links keep only `http`, `https` and
//! `mailto` targets, and images only `http(s)` sources. The widget turns this tree into DOM
//! nodes one by one; nothing is ever parsed as HTML.

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
    pub(crate) fn el(
        tag: &'static str,
        attrs: Vec<(&'static str, String)>,
        children: Vec<Node>,
    ) -> Node {
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

/// A link to `url` around `children`; a refused target keeps the text, not the link.
pub fn link(url: &str, title: Option<String>, children: Vec<Node>) -> Node {
    match safe_link(url) {
        Some(href) => {
            let mut attrs = vec![
                ("href", href),
                ("rel", "noopener noreferrer".to_owned()),
                ("target", "_blank".to_owned()),
            ];
            if let Some(title) = title.filter(|t| !t.is_empty()) {
                attrs.push(("title", title));
            }
            Node::el("a", attrs, children)
        }
        None => blocked(children),
    }
}

fn blocked(children: Vec<Node>) -> Node {
    Node::el(
        "span",
        vec![("class", "confab__link-blocked".into())],
        children,
    )
}

/// An image, or a link to it when images are off, or its text when the source is refused.
pub fn image(url: &str, title: Option<String>, alt: String, options: RenderOptions) -> Node {
    match safe_image(url) {
        Some(src) if options.images => {
            let mut attrs = vec![
                ("src", src),
                ("alt", alt),
                ("loading", "lazy".to_owned()),
                ("referrerpolicy", "no-referrer".to_owned()),
            ];
            if let Some(title) = title.filter(|t| !t.is_empty()) {
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
        None => blocked(vec![Node::Text(alt)]),
    }
}

/// A code block with its language label and a Copy button.
pub fn code_block(lang: &str, code: String) -> Node {
    let head = vec![
        Node::el(
            "span",
            vec![("class", "confab__code-lang".into())],
            vec![Node::Text(lang.to_owned())],
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
        let clean: String = lang
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '+')
            .collect();
        vec![("class", "language-".to_owned() + &clean)]
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

/// A task list item's checkbox.
pub fn checkbox(checked: bool) -> Node {
    let mut attrs = vec![("type", "checkbox".into()), ("disabled", String::new())];
    if checked {
        attrs.push(("checked", String::new()));
    }
    Node::el("input", attrs, vec![])
}

/// Renders markdown into a safe tree.
pub fn to_nodes(markdown: &str, options: RenderOptions) -> Vec<Node> {
    crate::blocks::parse(markdown, options)
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
        // `<br>` is the one tag kept (models write it in table cells); nothing else is a tag,
        // not even a `<br>` with attributes.
        check(
            "| a |\n|---|\n| one<br>two<BR/>three<br />four |",
            r#"<div class="confab__table"><table><thead><tr><th>"a"</th></tr></thead><tbody><tr><td>"one"<br></br>"two"<br></br>"three"<br></br>"four"</td></tr></tbody></table></div>"#,
        );
        check(
            "x<br onclick=alert(1)>y <br",
            r#"<p>"x<br onclick=alert(1)>y <br"</p>"#,
        );
        check(
            "<div onclick=\"x()\">\n\nhi",
            r#"<p>"<div onclick=\"x()\">"</p><p>"hi"</p>"#,
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

    #[test]
    fn emphasis_follows_commonmark() {
        check(
            "*a* _b_ **c** __d__",
            r##"<p><em>"a"</em>" "<em>"b"</em>" "<strong>"c"</strong>" "<strong>"d"</strong></p>"##,
        );
        check("***both***", r##"<p><em><strong>"both"</strong></em></p>"##);
        check(
            "**bold *and em***",
            r##"<p><strong>"bold "<em>"and em"</em></strong></p>"##,
        );
        check(
            "snake_case_name and 2*3*4",
            r##"<p>"snake_case_name and 2"<em>"3"</em>"4"</p>"##,
        );
        check("a * b * c", r##"<p>"a * b * c"</p>"##);
        check("**unclosed", r##"<p>"**unclosed"</p>"##);
        check(
            "*a **b** c*",
            r##"<p><em>"a "<strong>"b"</strong>" c"</em></p>"##,
        );
        check(
            "~one~ ~~two~~ ~~~three~~~",
            r##"<p><del>"one"</del>" "<del>"two"</del>" ~~~three~~~"</p>"##,
        );
        check(r"\*not\* \_em\_", r##"<p>"*not* _em_"</p>"##);
    }

    #[test]
    fn code_spans_links_and_breaks() {
        check(
            "`a` ``b ` c`` ` `` `",
            r##"<p><code>"a"</code>" "<code>"b ` c"</code>" "<code>"``"</code></p>"##,
        );
        check(
            "`*not em*` and `[not](link)`",
            r##"<p><code>"*not em*"</code>" and "<code>"[not](link)"</code></p>"##,
        );
        check("`unclosed *em*", r##"<p>"`unclosed "<em>"em"</em></p>"##);
        check(
            "[a *b*](https://x.y/p_(q)_ 'T') [no] [c](<https://x.y/a b>)",
            r##"<p><a href="https://x.y/p_(q)_" rel="noopener noreferrer" target="_blank" title="T">"a "<em>"b"</em></a>" [no] "<a href="https://x.y/ab" rel="noopener noreferrer" target="_blank">"c"</a></p>"##,
        );
        check(
            "*[a*](https://x.y)",
            r##"<p>"*"<a href="https://x.y" rel="noopener noreferrer" target="_blank">"a*"</a></p>"##,
        );
        check(
            "line one  \nline two\\\nthree\nfour",
            r##"<p>"line one"<br></br>"line two"<br></br>"three\nfour"</p>"##,
        );
        check(
            "&amp; &lt;b&gt; &#65; &#x1F600; &bogus; &copy",
            r##"<p>"& <b> A 😀 &bogus; &copy"</p>"##,
        );
        check(
            "<https://a.b/c> <me@x.org> <not a link>",
            r##"<p><a href="https://a.b/c" rel="noopener noreferrer" target="_blank">"https://a.b/c"</a>" "<a href="mailto:me@x.org" rel="noopener noreferrer" target="_blank">"me@x.org"</a>" <not a link>"</p>"##,
        );
    }

    #[test]
    fn reference_links_use_definitions_anywhere_in_the_text() {
        let a = |href: &str, text: &str| {
            format!(r#"<a href="{href}" rel="noopener noreferrer" target="_blank">"{text}"</a>"#)
        };
        let shown = show(&to_nodes(
            "[One][A] [two][] [Two] [three] ![img][a] [x][js]\n\n```\n[a]: https://code.example\n```\n\n[a]: https://a.example \"T\"\n[TWO]: <https://b.example>\n[js]: javascript:alert(1)",
            RenderOptions::default(),
        ));
        let expected = format!(
            r#"<p><a href="https://a.example" rel="noopener noreferrer" target="_blank" title="T">"One"</a>" "{}" "{}" [three] "<img src="https://a.example" alt="img" loading="lazy" referrerpolicy="no-referrer" title="T"></img>" "<span class="confab__link-blocked">"x"</span></p>"#,
            a("https://b.example", "two"),
            a("https://b.example", "Two"),
        );
        assert!(shown.starts_with(&expected), "{shown}");
        assert!(
            shown.contains(r#"<code>"[a]: https://code.example\n"</code>"#),
            "{shown}"
        );
        assert!(
            shown.ends_with(
                r#"<span class="confab__link-blocked">"javascript:alert(1)"</span></p>"#
            ),
            "{shown}"
        );
        // Not a definition: no colon, an empty label, a title without quotes.
        // (Relative targets, so that no bare address is made a link.)
        check("[a] /x.y", r##"<p>"[a] /x.y"</p>"##);
        check("[]: /x.y", r##"<p>"[]: /x.y"</p>"##);
        check("[a]: /x.y title", r##"<p>"[a]: /x.y title"</p>"##);
    }

    #[test]
    fn headings_rules_and_quotes() {
        check(
            "## Two ##\n###### Six\n####### seven\n#no",
            r########"<h2>"Two"</h2><h6>"Six"</h6><p>"####### seven\n#no"</p>"########,
        );
        check(
            "Title\n===\n\nSub\n---",
            r##"<h1>"Title"</h1><h2>"Sub"</h2>"##,
        );
        // The open last line of a streamed answer is not an underline yet.
        check("Text\n-", r##"<p>"Text\n-"</p>"##);
        check("Text\n-\n", r##"<h2>"Text"</h2>"##);
        check(
            "a\n\n***\n- - -\n___",
            r##"<p>"a"</p><hr></hr><hr></hr><hr></hr>"##,
        );
        check(
            "> a\nlazy\n> > b\n\nafter",
            r##"<blockquote><p>"a\nlazy"</p><blockquote><p>"b"</p></blockquote></blockquote><p>"after"</p>"##,
        );
        check(
            "> ```\n> code\n> ```",
            r##"<blockquote><div class="confab__code"><div class="confab__code-head"><span class="confab__code-lang">""</span><button type="button" class="confab__copy" aria-label="Copy code">"Copy"</button></div><pre><code>"code\n"</code></pre></div></blockquote>"##,
        );
    }

    #[test]
    fn lists_nest_and_are_tight_or_loose() {
        check(
            "- a\n  - b\n    - c\n- d",
            r##"<ul><li>"a"<ul><li>"b"<ul><li>"c"</li></ul></li></ul></li><li>"d"</li></ul>"##,
        );
        check(
            "- a\n\n- b",
            r##"<ul><li><p>"a"</p></li><li><p>"b"</p></li></ul>"##,
        );
        check(
            "1. one\n   more\n\n   second para\n2) other",
            r##"<ol><li><p>"one\nmore"</p><p>"second para"</p></li></ol><ol start="2"><li>"other"</li></ol>"##,
        );
        check(
            "text\n2. not a list\n- a list",
            r##"<p>"text\n2. not a list"</p><ul><li>"a list"</li></ul>"##,
        );
        check(
            "* a\n+ b",
            r##"<ul><li>"a"</li></ul><ul><li>"b"</li></ul>"##,
        );
        // A code block inside an item, as models write them.
        let nodes = to_nodes(
            "1. Install:\n\n   ```sh\n   cargo install x\n   ```\n\n2. Run it.",
            RenderOptions::default(),
        );
        let shown = show(&nodes);
        assert!(
            shown.starts_with(r##"<ol><li><p>"Install:"</p><div class="confab__code">"##),
            "{shown}"
        );
        assert!(
            shown.contains(r##"<code class="language-sh">"cargo install x\n"</code>"##),
            "{shown}"
        );
        assert!(
            shown.ends_with(r##"<li><p>"Run it."</p></li></ol>"##),
            "{shown}"
        );
        check(
            "- [ ] a\n\n- [x] b",
            r##"<ul><li><p><input type="checkbox" disabled=""></input>"a"</p></li><li><p><input type="checkbox" disabled="" checked=""></input>"b"</p></li></ul>"##,
        );
        check(
            "- [link](https://x.y)",
            r##"<ul><li><a href="https://x.y" rel="noopener noreferrer" target="_blank">"link"</a></li></ul>"##,
        );
    }

    #[test]
    fn code_blocks_fenced_and_indented() {
        check(
            "~~~~\n```\nstill code\n~~~~",
            r##"<div class="confab__code"><div class="confab__code-head"><span class="confab__code-lang">""</span><button type="button" class="confab__copy" aria-label="Copy code">"Copy"</button></div><pre><code>"```\nstill code\n"</code></pre></div>"##,
        );
        let nodes = to_nodes(
            "para\n\n    indented\n      more\n\nafter",
            RenderOptions::default(),
        );
        assert_eq!(nodes.len(), 3);
        assert_eq!(nodes[1].text(), "Copyindented\n  more\n");
        // Tabs count as indentation to the next multiple of four.
        assert_eq!(
            to_nodes("\tcode", RenderOptions::default())[0].text(),
            "Copycode\n"
        );
        let nodes = to_nodes(
            "  ```js extra words\n  a\n b\nc\n  ```",
            RenderOptions::default(),
        );
        assert_eq!(nodes[0].text(), "jsCopya\nb\nc\n");
    }

    #[test]
    fn tables_take_inline_content_and_escaped_pipes() {
        check(
            "Intro:\n| a | `b\\|c` |\n|---|:-:|\n| **x** | y \\| z |\n| only |\nafter",
            r##"<p>"Intro:"</p><div class="confab__table"><table><thead><tr><th>"a"</th><th class="confab__align-center"><code>"b|c"</code></th></tr></thead><tbody><tr><td><strong>"x"</strong></td><td class="confab__align-center">"y | z"</td></tr><tr><td>"only"</td><td class="confab__align-center"></td></tr><tr><td>"after"</td><td class="confab__align-center"></td></tr></tbody></table></div>"##,
        );
        // A delimiter row whose cells do not match the header is text.
        check("| a | b |\n|---|", r##"<p>"| a | b |\n|---|"</p>"##);
    }

    #[test]
    fn a_streaming_tail_renders_as_far_as_it_goes() {
        for md in [
            "**bo",
            "[link](https://x",
            "| a | b |\n|--",
            "- a\n  - b",
            "```\ncode",
            "> q\n>",
            "&am",
            "<https://x",
        ] {
            let text: String = to_nodes(md, RenderOptions::default())
                .iter()
                .map(Node::text)
                .collect();
            assert!(!text.is_empty(), "{md:?}");
        }
    }

    /// A streamed answer is parsed at every length it passes through: every prefix of the corpus
    /// (cut anywhere, mid-line and mid-character included) must parse.
    #[test]
    fn every_prefix_of_an_answer_parses() {
        let corpus = include_str!("../tests/data/markdown-samples.md");
        for doc in corpus.split("\n\n\n") {
            for end in (0..=doc.len()).filter(|&e| doc.is_char_boundary(e)) {
                let nodes = to_nodes(&doc[..end], RenderOptions::default());
                assert!(end == 0 || !nodes.is_empty() || doc[..end].trim().is_empty());
            }
        }
        for md in [
            "-", "- ", "-\n", "1.", "1. \n", ">", "> ", "#", "```", "|", "- -", "* \n- \n",
        ] {
            to_nodes(md, RenderOptions::default());
        }
    }

    /// Whatever the input, parsing ends, without a panic, and text is not invented.
    #[test]
    fn hostile_and_random_input_never_panics() {
        let mut pathological: Vec<String> = vec![
            "*a ".repeat(5_000),
            "[".repeat(10_000),
            "[](".repeat(5_000),
            "<".repeat(10_000),
            "`".repeat(3_000) + &" `".repeat(3_000),
            "> ".repeat(5_000) + "deep",
            "- ".repeat(5_000) + "deep",
            "  ".repeat(3_000) + "- x",
            "&#".repeat(5_000),
            "**_~".repeat(5_000),
            "|".repeat(10_000) + "\n" + &"|-".repeat(5_000),
            "é*ü_`[ä](ö)".repeat(1_000),
            "(www.a_".repeat(10_000),
            "https://a.b/".to_owned() + &")".repeat(20_000),
            "https://".repeat(5_000),
            " www.".repeat(5_000),
        ];
        // Random mixes of the characters markdown cares about, and multi-byte ones.
        let alphabet: Vec<char> = "*_~`[]()<>!&#;:|\\-+=.1 \n\tax@é😀\r>".chars().collect();
        let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
        for round in 0..20_000 {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let len = ((seed >> 40) % if round % 2 == 0 { 8 } else { 60 }) as usize;
            let mut s = String::new();
            for _ in 0..len {
                seed = seed
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                s.push(alphabet[(seed >> 33) as usize % alphabet.len()]);
            }
            pathological.push(s);
        }
        for md in &pathological {
            let nodes = to_nodes(md, RenderOptions::default());
            let letters = |s: &str| s.chars().filter(|c| c.is_alphabetic()).count();
            let shown: String = nodes.iter().map(Node::text).collect();
            assert!(
                letters(&shown) <= letters(md) + 8,
                "no text is invented: {md:?} -> {shown:?}"
            );
        }
    }
}
