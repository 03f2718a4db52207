//! The CommonMark 0.31.2 spec's 652 examples (`data/commonmark/`, from the npm package
//! `commonmark-spec`, with `→` turned into tabs), rendered by Confab and written out as the
//! spec's HTML. Every example passes but the deliberate differences listed below, each for a
//! reason; the list must stay exact, so an example that starts or stops passing is noticed.

use confab_core::markdown::{render, Node, RenderOptions};
use serde_json::Value;

/// Examples where Confab renders differently on purpose, by the reason.
const DELIBERATE: &[(&str, &[u64])] = &[
    (
        // Relative URLs (`/url`), `javascript:` and other schemes: the text stays, unlinked.
        "links go only to http, https and mailto; images come only from http(s)",
        &[
            21, 22, 23, 31, 32, 33, 162, 187, 192, 193, 194, 195, 196, 198, 200, 202, 203, 204,
            205, 206, 214, 215, 216, 217, 218, 344, 404, 419, 422, 433, 473, 474, 475, 476, 477,
            482, 483, 484, 485, 486, 487, 489, 492, 495, 496, 498, 499, 500, 501, 502, 503, 504,
            505, 506, 507, 509, 510, 512, 514, 515, 516, 517, 518, 519, 520, 521, 522, 527, 528,
            529, 530, 531, 532, 533, 534, 535, 539, 540, 541, 542, 543, 544, 549, 550, 553, 554,
            555, 556, 557, 558, 559, 560, 561, 562, 564, 565, 566, 567, 568, 569, 570, 571, 572,
            573, 574, 575, 576, 577, 578, 579, 580, 581, 582, 583, 584, 585, 586, 587, 588, 589,
            591, 593, 596, 598, 599, 601, 630, 631, 642, 643,
        ],
    ),
    (
        "raw HTML in an answer is shown as text (only <br> is a line break)",
        &[
            148, 149, 150, 151, 152, 153, 154, 155, 156, 157, 158, 159, 160, 161, 163, 164, 165,
            166, 167, 168, 169, 170, 171, 172, 173, 174, 175, 176, 177, 178, 179, 180, 181, 182,
            183, 184, 185, 186, 188, 189, 190, 191, 201, 308, 309, 491, 494, 524, 536, 613, 614,
            615, 616, 617, 623, 625, 626, 627, 628, 629,
        ],
    ),
    (
        "bare http(s)://, www. and e-mail addresses are links, as on GitHub (GFM's extended autolinks)",
        &[602, 606, 608, 611, 612],
    ),
    (
        "a code block's language class keeps only letters, digits, '-' and '+'",
        &[34, 144],
    ),
];

/// `s` escaped for HTML text or an attribute value.
fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A URL as the spec's HTML writes it: percent-encoded but for the characters URLs keep.
fn escape_href(url: &str) -> String {
    let mut out = String::new();
    for b in url.bytes() {
        match b {
            b'&' => out.push_str("&amp;"),
            b'"' => out.push_str("%22"),
            b if b.is_ascii_alphanumeric() || b"-_.!~*'();/?:@=+$,%#".contains(&b) => {
                out.push(b as char)
            }
            b => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

fn attr<'a>(attrs: &'a [(&'static str, String)], name: &str) -> Option<&'a str> {
    attrs
        .iter()
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.as_str())
}

/// Confab's tree as the spec's HTML: the code block's header and the link attributes that
/// Confab adds are left out.
fn html(nodes: &[Node], out: &mut String) {
    for node in nodes {
        match node {
            Node::Text(t) => out.push_str(&escape(t)),
            Node::Element {
                tag,
                attrs,
                children,
            } => match *tag {
                "div" if attr(attrs, "class") == Some("confab__code") => {
                    let code = &children[1];
                    let Node::Element { children: pre, .. } = code else {
                        unreachable!()
                    };
                    let Node::Element {
                        attrs: code_attrs,
                        children: text,
                        ..
                    } = &pre[0]
                    else {
                        unreachable!()
                    };
                    match attr(code_attrs, "class") {
                        Some(class) => out.push_str(&format!("<pre><code class=\"{class}\">")),
                        None => out.push_str("<pre><code>"),
                    }
                    html(text, out);
                    out.push_str("</code></pre>");
                }
                "a" => {
                    out.push_str(&format!(
                        "<a href=\"{}\"",
                        escape_href(attr(attrs, "href").unwrap_or_default())
                    ));
                    if let Some(title) = attr(attrs, "title") {
                        out.push_str(&format!(" title=\"{}\"", escape(title)));
                    }
                    out.push('>');
                    html(children, out);
                    out.push_str("</a>");
                }
                "img" => {
                    out.push_str(&format!(
                        "<img src=\"{}\" alt=\"{}\"",
                        escape_href(attr(attrs, "src").unwrap_or_default()),
                        escape(attr(attrs, "alt").unwrap_or_default())
                    ));
                    if let Some(title) = attr(attrs, "title") {
                        out.push_str(&format!(" title=\"{}\"", escape(title)));
                    }
                    out.push_str(" />");
                }
                "br" | "hr" => out.push_str(&format!("<{tag} />")),
                _ => {
                    out.push_str(&format!("<{tag}"));
                    for (k, v) in attrs {
                        out.push_str(&format!(" {k}=\"{}\"", escape(v)));
                    }
                    out.push('>');
                    html(children, out);
                    out.push_str(&format!("</{tag}>"));
                }
            },
        }
    }
}

/// Line breaks next to tags are layout, not content, in both.
fn normalise(html: &str) -> String {
    let mut s = html.replace(">\n", ">").replace("\n<", "<");
    while s.ends_with('\n') {
        s.pop();
    }
    s
}

#[test]
fn the_commonmark_spec_examples_render_as_the_spec_says() {
    let spec: Vec<Value> =
        serde_json::from_str(include_str!("data/commonmark/spec-0.31.2.json")).unwrap();
    assert_eq!(spec.len(), 652);
    let mut failing = Vec::new();
    let mut report = String::new();
    for example in &spec {
        let markdown = example["markdown"].as_str().unwrap();
        let number = example["example"].as_u64().unwrap();
        let mut got = String::new();
        html(&render(markdown, RenderOptions::default()), &mut got);
        let want = example["html"].as_str().unwrap();
        if normalise(&got) != normalise(want) {
            failing.push(number);
            report.push_str(&format!(
                "\n#{number} ({}): {markdown:?}\n  spec:   {:?}\n  confab: {:?}",
                example["section"].as_str().unwrap_or_default(),
                normalise(want),
                normalise(&got)
            ));
        }
    }
    let mut listed: Vec<u64> = DELIBERATE
        .iter()
        .flat_map(|(_, n)| n.iter().copied())
        .collect();
    listed.sort_unstable();
    let unexpected: Vec<u64> = failing
        .iter()
        .filter(|n| !listed.contains(n))
        .copied()
        .collect();
    let now_passing: Vec<u64> = listed
        .iter()
        .filter(|n| !failing.contains(n))
        .copied()
        .collect();
    std::fs::write(
        concat!(env!("CARGO_TARGET_TMPDIR"), "/commonmark-failures.txt"),
        &report,
    )
    .ok();
    assert!(
        unexpected.is_empty() && now_passing.is_empty(),
        "{} examples fail, {} of them unexpectedly: {unexpected:?}; listed but passing: {now_passing:?}\n(all failures: {})",
        failing.len(),
        unexpected.len(),
        concat!(env!("CARGO_TARGET_TMPDIR"), "/commonmark-failures.txt"),
    );
}
