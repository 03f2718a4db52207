//! Turning confab-core's rendered tree into DOM nodes: elements and text nodes, one by one.
//! Nothing is ever parsed as HTML.

use confab_core::render::Node;
use web_sys::{Document, Element};

/// Appends `nodes` to `parent`.
pub fn append(document: &Document, parent: &Element, nodes: &[Node]) {
    for node in nodes {
        match node {
            Node::Text(t) => {
                let _ = parent.append_child(&document.create_text_node(t));
            }
            Node::Element {
                tag,
                attrs,
                children,
            } => {
                let Ok(el) = document.create_element(tag) else {
                    continue;
                };
                for (name, value) in attrs {
                    let _ = el.set_attribute(name, value);
                }
                append(document, &el, children);
                let _ = parent.append_child(&el);
            }
        }
    }
}

/// Removes every child of `el`.
pub fn clear(el: &Element) {
    while let Some(child) = el.last_child() {
        let _ = el.remove_child(&child);
    }
}
