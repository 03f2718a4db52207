use confab_core::{MessageState, Role};
use leptos::prelude::*;

use crate::chat::{Chat, MessageHandle};

/// One message bubble. It subscribes to its own message's signal only.
#[component]
pub fn MessageView(
    /// The message to show.
    handle: MessageHandle,
) -> impl IntoView {
    let chat = expect_context::<Chat>();
    let data = handle.data;
    let role = data.with_untracked(|m| m.role);
    let state = Memo::new(move |_| data.with(|m| m.state));
    let class = move || format!("confab__msg confab__msg--{} confab__msg--{}", role.as_str(), state.get().as_str());
    let content = move || data.with(|m| m.content().to_owned());
    let waiting = move || state.get() == MessageState::Streaming && data.with(|m| m.content().is_empty());
    let error = move || data.with(|m| m.error.as_ref().map(|e| e.user_message()));
    let note = move || match state.get() {
        MessageState::Stopped => Some("Stopped."),
        _ => None,
    };
    let retry = move || {
        chat.retry.get().filter(|r| r.message == handle.id).map(|r| {
            format!(
                "The server is busy; retrying in {} s (attempt {} of {}). Press Stop to cancel.",
                r.seconds_left,
                r.attempt,
                confab_core::retry::MAX_RETRIES
            )
        })
    };
    let label = match role {
        Role::User => "You",
        _ => "Assistant",
    };
    view! {
        <article class=class part="message" data-role=role.as_str() data-state=move || state.get().as_str()>
            <span class="confab__sr-only">{label}</span>
            <div class="confab__content">{content}</div>
            <Show when=waiting>
                <span class="confab__typing" aria-label="The assistant is typing"><i></i><i></i><i></i></span>
            </Show>
            {move || retry().map(|r| view! { <p class="confab__retry" role="status">{r}</p> })}
            {move || note().map(|n| view! { <p class="confab__note">{n}</p> })}
            {move || error().map(|e| view! { <p class="confab__error" role="alert">{e}</p> })}
        </article>
    }
}
