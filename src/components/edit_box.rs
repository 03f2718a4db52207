use leptos::html;
use leptos::prelude::*;

use crate::chat::{Chat, MessageHandle};

/// Editing a sent message: Send replaces it and everything after it with a new exchange.
#[component]
pub fn EditBox(
    /// The user message being edited.
    handle: MessageHandle,
    /// Set to false to leave editing.
    editing: RwSignal<bool>,
) -> impl IntoView {
    let chat = expect_context::<Chat>();
    let text = RwSignal::new(handle.data.with_untracked(|m| m.content().to_owned()));
    let input = NodeRef::<html::Textarea>::new();
    Effect::new(move |_| {
        if let Some(el) = input.get() {
            let _ = el.focus();
        }
    });
    let save = move || {
        if chat.edit_and_resend(handle.id, &text.get_untracked()) {
            editing.set(false);
        }
    };
    view! {
        <div class="confab__edit">
            <textarea
                class="confab__input confab__edit-input"
                aria-label="Edit the message"
                node_ref=input
                prop:value=move || text.get()
                on:input=move |ev| text.set(event_target_value(&ev))
                on:keydown=move |ev: web_sys::KeyboardEvent| {
                    if ev.key() == "Enter" && !ev.shift_key() && !ev.is_composing() {
                        ev.prevent_default();
                        save();
                    } else if ev.key() == "Escape" {
                        // Handled: the panel does not close as well.
                        ev.prevent_default();
                        editing.set(false);
                    }
                }
            ></textarea>
            <div class="confab__edit-buttons">
                <button type="button" class="confab__action confab__edit-cancel" on:click=move |_| editing.set(false)>"Cancel"</button>
                <button type="button" class="confab__action confab__edit-send" disabled=move || text.with(|t| t.trim().is_empty()) on:click=move |_| save()>"Send"</button>
            </div>
        </div>
    }
}
