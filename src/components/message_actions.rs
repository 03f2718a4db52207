use confab_core::Role;
use leptos::prelude::*;

use crate::chat::{Chat, MessageHandle};

/// The buttons under a message: copy it, regenerate the last answer, edit a user message,
/// delete it.
#[component]
pub fn MessageActions(
    /// The message acted on.
    handle: MessageHandle,
    /// Whether the message is being edited (user messages).
    editing: RwSignal<bool>,
) -> impl IntoView {
    let chat = expect_context::<Chat>();
    let data = handle.data;
    let role = data.with_untracked(|m| m.role);
    let streaming = move || data.with(|m| m.is_streaming());
    let busy = move || chat.busy.get();
    let is_last = move || {
        chat.messages
            .with(|v| v.last().map(|h| h.id) == Some(handle.id))
    };
    let copy = move |ev: web_sys::MouseEvent| {
        let text = data.with_untracked(|m| m.content().to_owned());
        if let Some(button) = ev
            .current_target()
            .and_then(|t| wasm_bindgen::JsCast::dyn_into(t).ok())
        {
            crate::clipboard::copy(text, button);
        }
    };
    view! {
        <Show when=move || !streaming() && !editing.get()>
            <div class="confab__actions" role="group" aria-label="Message actions">
                <button type="button" class="confab__action confab__action-copy" aria-label="Copy the message" on:click=copy>"Copy"</button>
                <Show when=move || role == Role::Assistant && is_last() && !busy()>
                    <button type="button" class="confab__action confab__action-regenerate" aria-label="Regenerate the answer" on:click=move |_| chat.regenerate()>"Regenerate"</button>
                </Show>
                <Show when=move || role == Role::User && !busy()>
                    <button type="button" class="confab__action confab__action-edit" aria-label="Edit and resend" on:click=move |_| editing.set(true)>"Edit"</button>
                </Show>
                <button type="button" class="confab__action confab__action-delete" aria-label="Delete the message" on:click=move |_| chat.delete(handle.id)>"Delete"</button>
            </div>
        </Show>
    }
}
