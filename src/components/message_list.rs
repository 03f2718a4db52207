use leptos::html;
use leptos::prelude::*;

use confab_core::Message;

use crate::chat::Chat;
use crate::components::message_view::MessageView;

/// Within this many pixels of the bottom, the list follows new text.
const FOLLOW_SLACK: i32 = 48;

/// A conversation that appears all at once (restored, opened from History) shows its newest
/// messages first, this many, at once ...
const FIRST_SHOWN: usize = 30;
/// ... and the older ones above them, this many per task, so the newest are on screen at once
/// and a long history never blocks input.
const BACKFILL: usize = 100;

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
    // A conversation that appears all at once is rendered from its end; the rest is filled in
    // above it, a slice per task (see `Shown`). Decided inside `each`, before anything renders.
    let shown = StoredValue::new(Shown::default());
    let filled = RwSignal::new(0u32);
    let each = move || {
        filled.track();
        chat.messages.with(|v| {
            let first = v.first().map(|h| h.data);
            let (from, start_fill) = shown
                .try_update_value(|s| s.update(v.len(), first))
                .unwrap_or((0, None));
            if let Some(generation) = start_fill {
                fill_in(shown, filled, generation, follow);
            }
            v[from..].to_vec()
        })
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
                on:scroll=move |_| follow.on_scroll()
            >
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
    /// Counts fill-ins started; an older one stops when a newer conversation takes over.
    generation: u32,
}

impl Shown {
    /// The list is now `len` long, starting with `first`: where rendering starts, and the
    /// generation of a fill-in to start, if one is needed.
    fn update(&mut self, len: usize, first: Option<RwSignal<Message>>) -> (usize, Option<u32>) {
        let replaced = first != self.first && self.len > 0;
        let mut start_fill = None;
        if (replaced || len > self.len + FIRST_SHOWN) && len > FIRST_SHOWN {
            self.from = len - FIRST_SHOWN;
            self.generation += 1;
            start_fill = Some(self.generation);
        } else if replaced {
            self.from = 0;
            self.generation += 1;
        }
        self.len = len;
        self.first = first;
        self.from = self.from.min(len);
        (self.from, start_fill)
    }
}

/// Renders the next older slice of a conversation shown from its end, then schedules the next,
/// until all is shown or a newer conversation took over (`generation`).
fn fill_in(shown: StoredValue<Shown>, filled: RwSignal<u32>, generation: u32, follow: Follow) {
    set_timeout(
        move || {
            let more = shown.try_update_value(|s| {
                if s.generation != generation || s.from == 0 {
                    return false;
                }
                s.from = s.from.saturating_sub(BACKFILL);
                true
            });
            if more != Some(true) {
                return;
            }
            filled.update(|n| *n += 1);
            follow.stick_soon();
            fill_in(shown, filled, generation, follow);
        },
        std::time::Duration::ZERO,
    );
}
