use leptos::html;
use leptos::prelude::*;

use crate::chat::Chat;
use crate::components::message_view::MessageView;

/// Within this many pixels of the bottom, the list follows new text.
const FOLLOW_SLACK: i32 = 48;

/// Keeps the conversation scrolled to the newest text while the reader is at the bottom.
/// Whatever renders new content calls [`Follow::stick`] afterwards.
#[derive(Clone, Copy)]
pub struct Follow {
    log: NodeRef<html::Div>,
    /// The reader is at the bottom (or asked to jump there).
    pub following: RwSignal<bool>,
}

impl Follow {
    pub fn stick(&self) {
        if self.following.get_untracked() {
            if let Some(el) = self.log.get_untracked() {
                el.set_scroll_top(el.scroll_height());
            }
        }
    }

    fn on_scroll(&self) {
        if let Some(el) = self.log.get_untracked() {
            let gap = el.scroll_height() - el.scroll_top() - el.client_height();
            self.following.set(gap <= FOLLOW_SLACK);
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
    };
    provide_context(follow);
    // A message added or removed: after the list has rendered, stay at the bottom.
    Effect::new(move |_| {
        chat.messages.track();
        request_animation_frame(move || follow.stick());
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
                <For each=move || chat.messages.get() key=|h| h.id let:handle>
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
