use leptos::html;
use leptos::prelude::*;
use web_sys::KeyboardEvent;

use crate::chat::Chat;

/// The text box and the Send/Stop button. Enter sends, Shift+Enter makes a new line, Escape stops.
#[component]
pub fn Composer() -> impl IntoView {
    let chat = expect_context::<Chat>();
    let draft = RwSignal::new(String::new());
    let busy = chat.busy;
    let input = NodeRef::<html::Textarea>::new();
    let refocus = move || {
        if let Some(el) = input.get_untracked() {
            let _ = el.focus();
        }
    };
    let submit = move || {
        let text = draft.get_untracked();
        // The draft is cleared only once the message is really taken.
        if chat.send(&text) {
            draft.set(String::new());
        }
        refocus();
    };
    let on_keydown = move |ev: KeyboardEvent| {
        if ev.key() == "Enter" && !ev.shift_key() && !ev.is_composing() {
            ev.prevent_default();
            submit();
        } else if ev.key() == "Escape" && busy.get_untracked() {
            ev.prevent_default();
            chat.stop();
        }
    };
    let empty = move || draft.with(|d| d.trim().is_empty());
    let placeholder = move || chat.config.with(|c| c.placeholder.clone());
    view! {
        <form class="confab__composer" on:submit=move |ev| { ev.prevent_default(); submit(); }>
            <textarea
                class="confab__input"
                part="input"
                rows="1"
                node_ref=input
                aria-label="Message"
                placeholder=placeholder
                prop:value=move || draft.get()
                on:input=move |ev| draft.set(event_target_value(&ev))
                on:keydown=on_keydown
            ></textarea>
            <Show
                when=move || busy.get()
                fallback=move || view! {
                    <button type="submit" class="confab__send" part="send" aria-label="Send" disabled=empty>"Send"</button>
                }
            >
                <button type="button" class="confab__stop" part="stop" aria-label="Stop" on:click=move |_| { chat.stop(); refocus(); }>"Stop"</button>
            </Show>
        </form>
    }
}
