//! How markdown renders: CommonMark and GFM as models write them, and what is refused.

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
        show(&render(md, RenderOptions::default())),
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
    let nodes = render("```py\nprint(1)", RenderOptions::default());
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
        let nodes = render(evil, RenderOptions::default());
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
    let off = render(
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
fn reference_links_use_definitions_in_their_block_or_before() {
    let a = |href: &str, text: &str| {
        format!(r#"<a href="{href}" rel="noopener noreferrer" target="_blank">"{text}"</a>"#)
    };
    // Definitions are hidden, as CommonMark has them; a definition in an earlier block serves
    // the blocks after it, and one in the same block serves that block.
    let shown = show(&render(
        "[a]: https://a.example \"T\"\n[TWO]: <https://b.example>\n[js]: javascript:alert(1)\n\n[One][A] [two][] [Two] [three] ![img][a] [x][js]\n\n```\n[a]: https://code.example\n```\n\n[c]\n\n[c]: https://c.example\n",
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
    // A definition after the block that uses it does not reach back: the block was final
    // (and shown) before the definition arrived.
    assert!(shown.ends_with(r#"<p>"[c]"</p>"#), "{shown}");
    check(
        "see [the book][b]\n[b]: https://x.y",
        r#"<p>"see [the book][b]\n[b]: "<a href="https://x.y" rel="noopener noreferrer" target="_blank">"https://x.y"</a></p>"#,
    );
    check(
        "[b]: https://x.y\nsee [the book][b]",
        r#"<p>"see "<a href="https://x.y" rel="noopener noreferrer" target="_blank">"the book"</a></p>"#,
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
    // An underline counts as soon as it is there (the open tail of a streamed answer may
    // still become a list item; the finished text decides).
    check("Text\n-", r##"<h2>"Text"</h2>"##);
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
    let nodes = render(
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
    let nodes = render(
        "para\n\n    indented\n      more\n\nafter",
        RenderOptions::default(),
    );
    assert_eq!(nodes.len(), 3);
    assert_eq!(nodes[1].text(), "Copyindented\n  more\n");
    // Tabs count as indentation to the next multiple of four.
    assert_eq!(
        render("\tcode\n", RenderOptions::default())[0].text(),
        "Copycode\n"
    );
    let nodes = render(
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
        let text: String = render(md, RenderOptions::default())
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
    let corpus = include_str!("../../tests/data/markdown-samples.md");
    for doc in corpus.split("\n\n\n") {
        for end in (0..=doc.len()).filter(|&e| doc.is_char_boundary(e)) {
            let nodes = render(&doc[..end], RenderOptions::default());
            assert!(end == 0 || !nodes.is_empty() || doc[..end].trim().is_empty());
        }
    }
    for md in [
        "-", "- ", "-\n", "1.", "1. \n", ">", "> ", "#", "```", "|", "- -", "* \n- \n",
    ] {
        render(md, RenderOptions::default());
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
        let nodes = render(md, RenderOptions::default());
        let letters = |s: &str| s.chars().filter(|c| c.is_alphabetic()).count();
        let shown: String = nodes.iter().map(Node::text).collect();
        assert!(
            letters(&shown) <= letters(md) + 8,
            "no text is invented: {md:?} -> {shown:?}"
        );
    }
}

/// How deep the tree is (elements).
fn depth(nodes: &[Node]) -> usize {
    // Iterative, so that this test cannot be the one that overflows the stack.
    let mut deepest = 0;
    let mut stack: Vec<(&Node, usize)> = nodes.iter().map(|n| (n, 1)).collect();
    while let Some((node, d)) = stack.pop() {
        if let Node::Element { children, .. } = node {
            deepest = deepest.max(d);
            stack.extend(children.iter().map(|c| (c, d + 1)));
        }
    }
    deepest
}

/// Inputs that overflowed the stack or took quadratic time in the parser this replaced: each
/// renders, whole and streamed, into a tree no deeper than `MAX_DEPTH` (and the nodes a
/// table cell or code block adds under it), keeping its text.
#[test]
fn hostile_input_renders_into_a_bounded_tree() {
    let cells = "| a ".repeat(100) + "|\n" + &"|---".repeat(100) + "|\n";
    let rows = ("| x ".repeat(100) + "|\n").repeat(1_000);
    let cases: Vec<(&str, String)> = vec![
        (
            "nested emphasis, 20 KB",
            "*".repeat(10_078) + "a" + &"*".repeat(10_078),
        ),
        (
            "nested emphasis, 1 MB",
            "*".repeat(500_000) + "a" + &"*".repeat(500_000),
        ),
        (
            "alternating emphasis",
            "*_".repeat(50_000) + "a" + &"_*".repeat(50_000),
        ),
        ("10,000 nested quotes", ">".repeat(10_000) + " deep"),
        ("10,000 nested lists", "- ".repeat(10_000) + "deep"),
        (
            "1,000 indented lists",
            (0..1_000)
                .map(|i| format!("{}- x\n", "  ".repeat(i)))
                .collect(),
        ),
        ("10,000 brackets", "[".repeat(10_000) + &"]".repeat(10_000)),
        (
            "nested links",
            "[a ".repeat(10_000) + &"](https://x.y)".repeat(10_000),
        ),
        ("a 1 MB line", "word ".repeat(200_000)),
        ("100,000 table cells", cells + &rows),
        ("1 MB of backticks", "`".repeat(1_000_000)),
    ];
    for (name, md) in &cases {
        let nodes = render(md, RenderOptions::default());
        assert!(depth(&nodes) <= MAX_DEPTH + 4, "{name}: {}", depth(&nodes));
        let text: String = nodes.iter().map(Node::text).collect();
        let letters = |s: &str| s.chars().filter(|c| c.is_alphanumeric()).count();
        assert!(
            letters(&text) >= letters(md) / 2,
            "{name}: the text is kept ({} of {})",
            letters(&text),
            letters(md)
        );
    }
}
