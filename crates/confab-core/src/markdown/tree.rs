//! The safe document tree markdown is rendered into, and the builders of its nodes.
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
