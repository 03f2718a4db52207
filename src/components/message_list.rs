use leptos::html;
use leptos::prelude::*;

use confab_core::Message;

use crate::chat::{Chat, MessageHandle};
use crate::components::message_view::MessageView;

/// Within this many pixels of the bottom, the list follows new text.
const FOLLOW_SLACK: i32 = 48;

/// A conversation that appears all at once (restored, opened from History) shows this many of
/// its newest messages; earlier ones are rendered when the reader scrolls near the top or asks
/// for them, this many at a time. Opening a long conversation thus costs what is on screen.
const FIRST_SHOWN: usize = 30;
const EARLIER_PAGE: usize = 50;
/// Within this many pixels of the top, scrolling shows earlier messages.
const EARLIER_SLACK: i32 = 400;

/// Keeps the conversation scrolled to the newest text while the reader is at the bottom.
/// Whatever renders new content calls [`Follow::stick`] afterwards.
#[derive(Clone, Copy)]
pub struct Follow {
    log: NodeRef<html::Div>,
    /// The reader is at the bottom (or asked to jump there).
    pub following: RwSignal<bool>,
    /// A [`Follow::stick_soon`] is already scheduled for the next frame.
    scheduled: StoredValue<bool>,
    /// Where the last [`Follow::stick`] left the scroll position.
    stuck_at: StoredValue<i32>,
}

impl Follow {
    /// Scrolls to the bottom at the next frame; any number of calls before it make one scroll
    /// (restoring a long conversation asks once per message, and each scroll measures layout).
    pub fn stick_soon(&self) {
        if self.scheduled.get_value() {
            return;
        }
        self.scheduled.set_value(true);
        let follow = *self;
        request_animation_frame(move || {
            follow.scheduled.set_value(false);
            follow.stick();
        });
    }

    /// Scrolls to the bottom now (this measures layout).
    pub fn stick(&self) {
        if self.following.get_untracked() {
            if let Some(el) = self.log.get_untracked() {
                el.set_scroll_top(el.scroll_height());
                self.stuck_at.set_value(el.scroll_top());
            }
        }
    }

    /// The reader follows again at the bottom, and stops following by scrolling up. Content
    /// that grew since the last stick (the scroll event comes a frame later) is not the reader
    /// moving away, so it does not count.
    fn on_scroll(&self) {
        if let Some(el) = self.log.get_untracked() {
            let top = el.scroll_top();
            let gap = el.scroll_height() - top - el.client_height();
            if gap <= FOLLOW_SLACK {
                self.following.set(true);
            } else if top + FOLLOW_SLACK < self.stuck_at.get_value() {
                self.following.set(false);
            }
        }
    }

    fn jump(&self) {
        self.following.set(true);
        self.stick();
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
        scheduled: StoredValue::new(false),
        stuck_at: StoredValue::new(0),
    };
    provide_context(follow);
    // A conversation that appears all at once is rendered from its end (see `Shown`). Where
    // rendering starts is decided from the list itself, the same in `each` and in `hidden`,
    // whichever runs first.
    let shown = StoredValue::new(Shown::default());
    let earlier_shown = RwSignal::new(0u32);
    let from = move |v: &Vec<MessageHandle>| {
        let first = v.first().map(|h| h.data);
        shown
            .try_update_value(|s| s.update(v.len(), first))
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
    let show_earlier = move || {
        if shown.try_update_value(Shown::earlier) == Some(true) {
            earlier_shown.update(|n| *n += 1);
        }
    };
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
    // A message added or removed: after the list has rendered, stay at the bottom.
    Effect::new(move |_| {
        chat.messages.track();
        follow.stick_soon();
    });
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
                <Show when=move || hidden() != 0>
                    <button type="button" class="confab__link-btn confab__earlier" on:click=move |_| show_earlier()>
                        {move || format!("Show earlier messages ({} more)", hidden())}
                    </button>
                </Show>
                <Show when=empty>
                    <div class="confab__empty">
                        {move || greeting().map(|g| view! { <p class="confab__greeting">{g}</p> })}
                        <p>"Ask anything. You are chatting with " <strong>{model}</strong> "."</p>
                    </div>
                </Show>
                <For each=each key=|h| h.id let:handle>
                    <MessageView handle=handle/>
                </For>
            </div>
            <Show when=move || !follow.following.get() && !empty()>
                <button type="button" class="confab__jump" on:click=move |_| follow.jump()>"Jump to latest ↓"</button>
            </Show>
            <div class="confab__live" aria-live="polite" role="status">{move || chat.announcement.get()}</div>
        </div>
    }
}

/// Which part of the conversation is rendered: messages before `from` are not, yet.
#[derive(Default)]
struct Shown {
    len: usize,
    first: Option<RwSignal<Message>>,
    from: usize,
}

impl Shown {
    /// The list is now `len` long, starting with `first`: where rendering starts. A list that
    /// was replaced or grew by many at once starts with its newest messages; one that grows
    /// message by message keeps what it shows.
    fn update(&mut self, len: usize, first: Option<RwSignal<Message>>) -> usize {
        let replaced = first != self.first && self.len > 0;
        if replaced || len > self.len + FIRST_SHOWN {
            self.from = len.saturating_sub(FIRST_SHOWN);
        }
        self.len = len;
        self.first = first;
        self.from = self.from.min(len);
        self.from
    }

    /// Shows a page of earlier messages; false if all are shown already.
    fn earlier(&mut self) -> bool {
        let before = self.from;
        self.from = self.from.saturating_sub(EARLIER_PAGE);
        self.from != before
    }
}
