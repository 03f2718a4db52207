use leptos::html;
use leptos::prelude::*;
use wasm_bindgen::prelude::Closure;
use wasm_bindgen::JsCast;

use crate::chat::{Chat, MessageHandle};
use crate::components::message_view::MessageView;

/// Within this many pixels of the bottom, the list follows new text.
const FOLLOW_SLACK: i32 = 48;

/// A conversation that appears all at once (restored, opened from History) shows this many of
/// its newest messages; earlier ones are rendered when the reader scrolls near the top or asks
/// for them, this many at a time. Opening a long conversation thus costs what is on screen.
const FIRST_SHOWN: usize = 30;
const EARLIER_PAGE: usize = 50;
/// How long the message being read is held in place after earlier ones are added above it.
const HOLD_MS: f64 = 500.0;
/// Within this many pixels of the top, scrolling shows earlier messages.
const EARLIER_SLACK: i32 = 400;

/// Keeps the conversation scrolled to the newest text while the reader is at the bottom.
///
/// A `ResizeObserver` on the list's content does it: whatever changes the content's height (a
/// streamed token, a new message, an answer's actions appearing, an off-screen message getting
/// its real size) is followed after layout and before paint, with no layout of its own. Nothing
/// that renders content has to remember to scroll.
type Observer = (web_sys::ResizeObserver, Closure<dyn FnMut()>);

#[derive(Clone, Copy)]
pub(crate) struct Follow {
    log: NodeRef<html::Div>,
    /// The reader is at the bottom (or asked to jump there).
    following: RwSignal<bool>,
    /// Where the last [`Follow::stick`] left the scroll position.
    stuck_at: StoredValue<i32>,
    /// Set by [`Follow::hold_place`]: a message, where it was in the view, and until when (ms)
    /// size changes keep it there.
    held: StoredValue<Option<(web_sys::Element, f64, f64)>, LocalStorage>,
}

impl Follow {
    /// Scrolls to the bottom if the reader follows.
    fn stick(&self) {
        if self.following.get_untracked() {
            if let Some(el) = self.log.get_untracked() {
                el.set_scroll_top(el.scroll_height());
                self.stuck_at.set_value(el.scroll_top());
            }
        }
    }

    /// Content is about to be added above the view: keep the message at the top of the view
    /// where it is, through this and the next size changes (messages that come into view get
    /// their real size a frame later).
    fn hold_place(&self) {
        let Some(el) = self.log.get_untracked() else {
            return;
        };
        let top = el.get_bounding_client_rect().top();
        let Ok(messages) = el.query_selector_all(".confab__msg") else {
            return;
        };
        let first_in_view = (0..messages.length())
            .filter_map(|i| messages.item(i))
            .filter_map(|n| n.dyn_into::<web_sys::Element>().ok())
            .find(|m| m.get_bounding_client_rect().bottom() > top);
        if let Some(m) = first_in_view {
            let offset = m.get_bounding_client_rect().top() - top;
            self.held
                .set_value(Some((m, offset, js_sys::Date::now() + HOLD_MS)));
        }
    }

    /// The content changed size (it has been laid out, and is not painted yet).
    fn on_resize(&self) {
        // Called by the browser: the list may have gone since (see `observe`).
        if self.log.try_get_untracked().flatten().is_none() {
            return;
        }
        let held = self.held.with_value(|h| {
            h.as_ref()
                .filter(|(m, _, until)| js_sys::Date::now() < *until && m.is_connected())
                .map(|(m, offset, _)| (m.clone(), *offset))
        });
        match (held, self.log.get_untracked()) {
            (Some((m, offset)), Some(el)) => {
                let moved = m.get_bounding_client_rect().top()
                    - el.get_bounding_client_rect().top()
                    - offset;
                el.set_scroll_top(el.scroll_top() + moved.round() as i32);
            }
            _ => self.stick(),
        }
    }

    /// Calls [`Follow::on_resize`] whenever `content` changes size; keep what it returns until
    /// `disconnect`.
    fn observe(self, content: &web_sys::Element) -> Option<Observer> {
        let on_resize = Closure::<dyn FnMut()>::new(move || self.on_resize());
        let observer = web_sys::ResizeObserver::new(on_resize.as_ref().unchecked_ref()).ok()?;
        observer.observe(content);
        Some((observer, on_resize))
    }

    /// The reader follows again at the bottom, and stops following by scrolling up. Content
    /// that grew since the last stick (the scroll event comes a frame later) is not the reader
    /// moving away, so it does not count.
    fn on_scroll(&self) {
        if let Some(el) = self.log.try_get_untracked().flatten() {
            let top = el.scroll_top();
            let gap = el.scroll_height() - top - el.client_height();
            // Most scroll events are the list's own following: nothing changes, nobody is told.
            let follows = self.following.get_untracked();
            if gap <= FOLLOW_SLACK {
                if !follows {
                    self.following.set(true);
                }
            } else if follows && top + FOLLOW_SLACK < self.stuck_at.get_value() {
                self.following.set(false);
            }
        }
    }

    fn jump(&self) {
        self.following.set(true);
        self.stick();
    }

    /// The reader looks at something other than the end (say, a version they switched to): the
    /// list stops following until they scroll back to the bottom.
    pub(crate) fn stay(&self) {
        self.following.set(false);
    }
}

/// The conversation. Only adding or removing a message re-runs this list; a streamed token
/// re-renders only its own bubble. While the reader is at the bottom, the list follows the
/// stream; scrolling up stops that and offers "Jump to latest".
#[component]
pub fn MessageList() -> impl IntoView {
    let chat = expect_context::<Chat>();
    let empty = move || chat.messages.with(Vec::is_empty);
    let model = move || chat.config.with(|c| c.model.clone());
    let greeting = move || chat.config.with(|c| c.greeting.clone());
    let follow = Follow {
        log: NodeRef::new(),
        following: RwSignal::new(true),
        stuck_at: StoredValue::new(0),
        held: StoredValue::new_local(None),
    };
    provide_context(follow);
    let content = NodeRef::<html::Div>::new();
    let observer = StoredValue::new_local(None::<Observer>);
    content.on_load(move |el| observer.set_value(follow.observe(&el)));
    // Cleanups run before the component's values are dropped: stop observing, then both go.
    on_cleanup(move || {
        observer.try_update_value(|o| {
            if let Some((o, _)) = o.take() {
                o.disconnect();
            }
        });
    });
    // A conversation that appears all at once is rendered from its end (see `Shown`). Where
    // rendering starts is decided from the list itself, the same in `each` and in `hidden`,
    // whichever runs first.
    let shown = StoredValue::new(Shown::default());
    let earlier_shown = RwSignal::new(0u32);
    let from = move |v: &Vec<MessageHandle>| {
        let restores = chat.restores();
        shown
            .try_update_value(|s| s.update(v.len(), restores))
            .unwrap_or(0)
    };
    let each = move || {
        earlier_shown.track();
        chat.messages.with(|v| v[from(v)..].to_vec())
    };
    // How many earlier messages are not rendered yet.
    let hidden = move || {
        earlier_shown.track();
        chat.messages.with(from)
    };
    // Earlier messages appear above the one being read, which stays where it is on screen.
    let show_earlier = move || {
        if shown.with_value(|s| s.from) == 0 {
            return;
        }
        follow.hold_place();
        shown.update_value(|s| s.earlier());
        earlier_shown.update(|n| *n += 1);
    };
    // The browser's find in page (Ctrl+F, ⌘F) finds only what is rendered: pressed while the
    // focus is in this widget, it renders the whole conversation first (the key still opens the
    // browser's find bar). The message being read stays in place.
    let find = window_event_listener(leptos::ev::keydown, move |ev| {
        let find_key = (ev.ctrl_key() || ev.meta_key()) && ev.key().eq_ignore_ascii_case("f");
        if find_key && shown.with_value(|s| s.from) > 0 && focus_within(follow.log) {
            follow.hold_place();
            shown.update_value(|s| s.from = 0);
            earlier_shown.update(|n| *n += 1);
        }
    });
    on_cleanup(move || find.remove());
    let on_scroll = move || {
        follow.on_scroll();
        if follow
            .log
            .get_untracked()
            .is_some_and(|el| el.scroll_top() < EARLIER_SLACK)
        {
            show_earlier();
        }
    };
    view! {
        <div class="confab__log-wrap">
            <div
                class="confab__log"
                role="log"
                aria-live="off"
                aria-label="Conversation"
                node_ref=follow.log
                on:scroll=move |_| on_scroll()
            >
                <div class="confab__log-content" node_ref=content>
                <Show when=move || hidden() != 0>
                    <button type="button" class="confab__link-btn confab__earlier" on:click=move |_| show_earlier()>
                        {move || format!("Show earlier messages ({} more)", hidden())}
                    </button>
                </Show>
                <Show when=empty>
                    <div class="confab__empty">
                        <Show when=move || chat.cleared.with(Option::is_some)>
                            <p class="confab__cleared" role="status">
                                "The conversation was cleared. "
                                <button type="button" class="confab__link-btn confab__undo" on:click=move |_| chat.undo_clear()>"Undo"</button>
                            </p>
                        </Show>
                        {move || greeting().map(|g| view! { <p class="confab__greeting">{g}</p> })}
                        <p>"Ask anything. You are chatting with " <strong>{model}</strong> "."</p>
                    </div>
                </Show>
                <For each=each key=|h| *h let:handle>
                    <MessageView handle=handle/>
                </For>
                </div>
            </div>
            <Show when=move || !follow.following.get() && !empty()>
                <button type="button" class="confab__jump" on:click=move |_| follow.jump()>"Jump to latest ↓"</button>
            </Show>
            <div class="confab__live" aria-live="polite" role="status">{move || chat.announcement.get()}</div>
        </div>
    }
}

/// Whether the focus is in the panel around `log` (in the widget's shadow root, or in the
/// document when there is none).
fn focus_within(log: NodeRef<html::Div>) -> bool {
    let Some(el) = log.get_untracked() else {
        return false;
    };
    let root = el.get_root_node();
    let active = match root.dyn_ref::<web_sys::ShadowRoot>() {
        Some(shadow) => shadow.active_element(),
        None => web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.active_element()),
    };
    let scope = el
        .closest(".confab__panel")
        .ok()
        .flatten()
        .or_else(|| el.parent_element().and_then(|p| p.parent_element()));
    match (active, scope) {
        (Some(active), Some(scope)) => scope.contains(Some(&active)),
        _ => false,
    }
}

/// Which part of the conversation is rendered: messages before `from` are not, yet.
#[derive(Default)]
struct Shown {
    /// [`Chat::restores`] when the list was last seen; `None` before that.
    restores: Option<u32>,
    from: usize,
}

impl Shown {
    /// The list is now `len` long, and the chat has been restored `restores` times: where
    /// rendering starts. A conversation seen for the first time (restored, opened, or this list
    /// just made) starts with its newest messages. Changes within one conversation keep what
    /// is rendered: new messages are added below it, and switching to another version (which
    /// may be far longer) keeps the message switched, and what was above it, rendered.
    fn update(&mut self, len: usize, restores: u32) -> usize {
        if self.restores != Some(restores) {
            self.restores = Some(restores);
            self.from = len.saturating_sub(FIRST_SHOWN);
        }
        self.from = self.from.min(len);
        self.from
    }

    /// Shows a page of earlier messages.
    fn earlier(&mut self) {
        self.from = self.from.saturating_sub(EARLIER_PAGE);
    }
}
