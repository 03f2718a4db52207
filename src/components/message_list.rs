use leptos::prelude::*;

use crate::chat::Chat;
use crate::components::message_view::MessageView;

/// The conversation. Only adding or removing a message re-runs this list; a streamed token
/// re-renders only its own bubble.
#[component]
pub fn MessageList() -> impl IntoView {
    let chat = expect_context::<Chat>();
    let empty = move || chat.messages.with(Vec::is_empty);
    let model = move || chat.config.with(|c| c.model.clone());
    let greeting = move || chat.config.with(|c| c.greeting.clone());
    view! {
        <div class="confab__log" role="log" aria-label="Conversation">
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
    }
}
