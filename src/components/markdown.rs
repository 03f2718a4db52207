use confab_core::markdown::{Frozen, Node, RenderOptions};
use confab_core::Message;
use leptos::html;
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::Element;

use crate::dom;

/// What has been rendered of the answer so far.
#[derive(Default)]
struct Rendered {
    /// The text rendered into frozen blocks, which are never touched again.
    frozen: Frozen,
    /// The newest group of frozen blocks, and how many bytes of text it holds; see
    /// [`GROUP_BYTES`].
    group: Option<(Element, usize)>,
    /// The alternative rendered; another one starts over.
    selected: usize,
    /// Length of the text last rendered (frozen and tail).
    rendered_len: usize,
    /// The element holding the open tail block, re-rendered as text arrives.
    tail: Option<Element>,
    /// What the tail block shows now, so the next render changes only what differs.
    tail_nodes: Vec<Node>,
    /// A render is already scheduled.
    pending: bool,
    /// When the last render happened (ms), to pace renders while text streams in.
    last_render: f64,
}

/// While an answer streams, it is rendered at most this often: text still appears smoothly,
/// and the browser's layout and paint work per second stays small however fast tokens come.
const STREAMING_RENDER_INTERVAL_MS: f64 = 150.0;

/// Frozen blocks are kept in groups of about this much text. The browser's work per frame
/// (style, intersection checks for `content-visibility`, pre-paint) walks the answer's children:
/// a group per render made that grow with the answer; a group per 4 KB keeps it nearly flat.
const GROUP_BYTES: usize = 4 * 1024;

/// About one frame at 60 Hz.
const FRAME_MS: f64 = 16.0;

/// At most about this much finished text is turned into blocks per frame. Laying out new blocks
/// costs the browser about 3 ms per KB here (12 KB took a 60-70 ms frame), so a burst of text
/// (a fast server, a restored answer) is spread over frames of about 15 ms.
const FROZEN_BYTES_PER_FRAME: usize = 4 * 1024;

/// An answer's markdown, rendered incrementally: finished blocks are rendered once and frozen;
/// only the open tail block is rendered again, at most once per animation frame. The work per
/// update is proportional to the tail, not to the answer.
#[component]
pub fn Markdown(
    /// The answer whose selected alternative is rendered.
    message: RwSignal<Message>,
) -> impl IntoView {
    let container = NodeRef::<html::Div>::new();
    let images =
        use_context::<crate::chat::Chat>().is_none_or(|c| c.config.with_untracked(|c| c.images));
    let state = StoredValue::new_local(Rendered {
        selected: usize::MAX,
        ..Rendered::default()
    });
    let renderer = Renderer {
        container,
        message,
        state,
        images,
    };
    let render = move || renderer.run();
    Effect::new(move |_| {
        let streaming = message.with(|m| m.is_streaming());
        if !streaming {
            // A finished (or restored) answer is shown in full now, before the next frame is
            // drawn, not after a paced delay.
            renderer.run();
            return;
        }
        if state.with_value(|s| s.pending) {
            return;
        }
        state.update_value(|s| s.pending = true);
        let since = js_sys::Date::now() - state.with_value(|s| s.last_render);
        // Notifications come at the same pace (`coalesce::INTERVAL_MS`): one that comes a little
        // early waits for the next frame, not for a timer and then the frame after it.
        if streaming && since < STREAMING_RENDER_INTERVAL_MS - FRAME_MS {
            let wait =
                std::time::Duration::from_millis((STREAMING_RENDER_INTERVAL_MS - since) as u64);
            set_timeout(move || request_animation_frame(render), wait);
        } else {
            request_animation_frame(render);
        }
    });
    let on_click = move |ev: web_sys::MouseEvent| copy_code(&ev);
    view! { <div class="confab__content confab__md" node_ref=container on:click=on_click></div> }
}

/// Everything a render needs; `Copy`, so a render can schedule the next one.
#[derive(Clone, Copy)]
struct Renderer {
    container: NodeRef<html::Div>,
    message: RwSignal<Message>,
    state: StoredValue<Rendered, LocalStorage>,
    images: bool,
}

impl Renderer {
    /// Renders what is new. (The list follows whatever this adds by itself; see `Follow`.)
    fn run(self) {
        let Renderer {
            container,
            message,
            state,
            images,
        } = self;
        // A render scheduled before the answer's view went away finds it gone: nothing to do.
        let Some(()) = state.try_update_value(|s| {
            s.pending = false;
            s.last_render = js_sys::Date::now();
        }) else {
            return;
        };
        let Some(el) = container.try_get_untracked().flatten() else {
            return;
        };
        let el: Element = el.unchecked_into();
        let Some(document) = el.owner_document() else {
            return;
        };
        let behind = message
            .try_with_untracked(|m| {
                let text = m.content();
                let options = RenderOptions { images };
                state
                    .try_update_value(|s| render_into(&document, &el, s, text, m.selected, options))
                    .unwrap_or(false)
            })
            .unwrap_or(false);
        if behind {
            // More finished text than one frame should build: the rest comes next frame.
            state.update_value(|s| s.pending = true);
            request_animation_frame(move || self.run());
        }
    }
}

/// Renders `text` into `el` from where the last render left off. Returns true when it stopped
/// early, after [`FROZEN_BYTES_PER_FRAME`] of finished blocks, leaving the rest for a later call.
fn render_into(
    document: &web_sys::Document,
    el: &Element,
    s: &mut Rendered,
    text: &str,
    selected: usize,
    options: RenderOptions,
) -> bool {
    let restart = s.selected != selected
        || text.len() < s.rendered_len
        || !text.is_char_boundary(s.frozen.end());
    if restart {
        dom::clear(el);
        *s = Rendered {
            selected,
            ..Rendered::default()
        };
    } else if text.len() == s.rendered_len && s.tail.is_some() {
        return false;
    }
    let before = s.frozen.end();
    // A burst of text (a fast server, a restored answer) is frozen a slice per frame, so no
    // single task builds and lays out tens of kilobytes of blocks.
    let advance = s.frozen.advance(text, FROZEN_BYTES_PER_FRAME, options);
    let behind = advance.as_ref().is_some_and(|a| a.more);
    if let Some(advance) = advance {
        let group = match s.group.take() {
            Some((group, bytes)) if bytes < GROUP_BYTES => (group, bytes),
            _ => {
                let Ok(group) = document.create_element("div") else {
                    return false;
                };
                group.set_class_name("confab__block");
                let _ = el.insert_before(
                    &group,
                    s.tail.as_ref().map(|t| t.unchecked_ref::<web_sys::Node>()),
                );
                (group, 0)
            }
        };
        dom::append(document, &group.0, &advance.nodes);
        s.group = Some((group.0, group.1 + s.frozen.end() - before));
    }
    if behind {
        // The old tail is now (partly) frozen above: empty it until the render catches up.
        if let Some(t) = &s.tail {
            dom::clear(t);
        }
        s.tail_nodes.clear();
        return true;
    }
    let tail = match &s.tail {
        Some(t) => t.clone(),
        None => {
            let Ok(t) = document.create_element("div") else {
                return false;
            };
            t.set_class_name("confab__block confab__block--tail");
            let _ = el.append_child(&t);
            s.tail = Some(t.clone());
            t
        }
    };
    let nodes = s.frozen.tail(text, options);
    dom::patch(document, &tail, &s.tail_nodes, &nodes);
    s.tail_nodes = nodes;
    s.rendered_len = text.len();
    false
}

/// The Copy button of a code block puts the code on the clipboard.
fn copy_code(ev: &web_sys::MouseEvent) {
    let Some(target) = ev.target().and_then(|t| t.dyn_into::<Element>().ok()) else {
        return;
    };
    let Ok(Some(button)) = target.closest(".confab__copy") else {
        return;
    };
    let code = button
        .closest(".confab__code")
        .ok()
        .flatten()
        .and_then(|block| block.query_selector("code").ok().flatten())
        .and_then(|c| c.text_content())
        .unwrap_or_default();
    crate::clipboard::copy(code, button);
}
