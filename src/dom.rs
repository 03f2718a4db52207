//! Turning confab-core's rendered tree into DOM nodes: elements and text nodes, one by one.
//! Nothing is ever parsed as HTML.

use confab_core::markdown::Node;
use wasm_bindgen::JsCast;
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

/// Changes `parent`, whose children were built by [`append`] from `old`, to show `new`, touching
/// as little as possible: equal leading nodes stay, the first differing node is updated in place
/// when it is the same element or a text node (text that grew gets only the new characters
/// appended, so the browser can keep the shaping of the old text), and the rest is rebuilt. A
/// streamed paragraph therefore costs one `appendData` per render, not a new subtree.
pub fn patch(document: &Document, parent: &Element, old: &[Node], new: &[Node]) {
    let children = parent.child_nodes();
    if children.length() as usize != old.len() {
        // Someone else changed the DOM: rebuild rather than guess.
        clear(parent);
        return append(document, parent, new);
    }
    let mut same = old.iter().zip(new).take_while(|(a, b)| a == b).count();
    if let (Some(a), Some(b), Some(dom)) = (old.get(same), new.get(same), children.get(same as u32))
    {
        let updated = match (a, b) {
            (Node::Text(a), Node::Text(b)) => {
                let text: &web_sys::CharacterData = dom.unchecked_ref();
                match b.strip_prefix(a.as_str()) {
                    Some(added) => text.append_data(added).is_ok(),
                    None => {
                        text.set_data(b);
                        true
                    }
                }
            }
            (
                Node::Element {
                    tag: ta,
                    attrs: aa,
                    children: ca,
                },
                Node::Element {
                    tag: tb,
                    attrs: ab,
                    children: cb,
                },
            ) if ta == tb && aa == ab => {
                patch(document, dom.unchecked_ref(), ca, cb);
                true
            }
            _ => false,
        };
        if updated {
            same += 1;
        }
    }
    while parent.child_nodes().length() as usize > same {
        let Some(last) = parent.last_child() else {
            break;
        };
        let _ = parent.remove_child(&last);
    }
    append(document, parent, &new[same..]);
}

/// Removes every child of `el`.
pub fn clear(el: &Element) {
    while let Some(child) = el.last_child() {
        let _ = el.remove_child(&child);
    }
}
