//! Confab's markdown parser against pulldown-cmark (the renderer it replaced, kept here as a
//! test oracle): on a corpus of what models write, every block and every line-by-line prefix
//! (what the streaming tail sees) must render to the same tree. The corpus leaves out the two
//! things done differently on purpose (raw HTML blocks, and link definitions, which stay visible;
//! see `blocks.rs`); `deliberate_differences` pins those down.

#[path = "support_pulldown_oracle.rs"]
mod oracle;

use confab_core::linkify::linkify;
use confab_core::render::{to_nodes, Node, RenderOptions};

fn show(nodes: &[Node]) -> String {
    nodes
        .iter()
        .map(|n| match n {
            // Empty texts are left out (pulldown-cmark reports one after a heading's closing
            // `#`; an empty text node shows nothing).
            Node::Text(t) if t.is_empty() => String::new(),
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

fn differs(md: &str) -> Option<String> {
    // pulldown-cmark has no GFM extended autolinks (bare `https://…` and `www.…`): they are
    // added to its tree by the same pass Confab runs (`linkify` has its own tests).
    let want = show(&linkify(oracle::to_nodes(md, RenderOptions::default())));
    let got = show(&to_nodes(md, RenderOptions::default()));
    (want != got).then(|| {
        // Where they part, with some context.
        let at = want
            .bytes()
            .zip(got.bytes())
            .take_while(|(a, b)| a == b)
            .count();
        let from = (0..=at.saturating_sub(120))
            .rev()
            .find(|&i| want.is_char_boundary(i) && got.is_char_boundary(i))
            .unwrap_or(0);
        let tail = |s: &str| s[from..].chars().take(300).collect::<String>();
        format!(
            "{:?}\n  pulldown: …{}\n  confab:   …{}",
            md.chars()
                .rev()
                .take(200)
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect::<String>(),
            tail(&want),
            tail(&got)
        )
    })
}

#[test]
fn renders_what_models_write_as_pulldown_cmark_does() {
    let corpus = include_str!("data/markdown-samples.md");
    let mut failures = Vec::new();
    for doc in corpus.split("\n\n\n") {
        failures.extend(differs(doc));
        let mut end = 0;
        while let Some(k) = doc[end..].find('\n') {
            end += k + 1;
            failures.extend(differs(&doc[..end]));
        }
    }
    failures.truncate(5);
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn deliberate_differences() {
    // Raw HTML is text either way; pulldown-cmark keeps an HTML block's last newline.
    assert_eq!(
        show(&to_nodes(
            "<details>\n<summary>S</summary>\n</details>",
            RenderOptions::default()
        )),
        r#"<p>"<details>\n<summary>S</summary>\n</details>"</p>"#
    );
    // Link definitions stay visible, their addresses as links (pulldown-cmark hides them): a
    // streamed answer's definitions often arrive after the blocks that use them are frozen.
    assert_eq!(
        show(&to_nodes(
            "see [the book][b]\n\n[b]: https://x.y",
            RenderOptions::default()
        )),
        r#"<p>"see "<a href="https://x.y" rel="noopener noreferrer" target="_blank">"the book"</a></p><p class="confab__refs">"[b]: "<a href="https://x.y" rel="noopener noreferrer" target="_blank">"https://x.y"</a></p>"#
    );
}
