use leptos::html;
use leptos::prelude::*;
use web_sys::{HtmlTextAreaElement, KeyboardEvent};

use crate::chat::Chat;

/// Grows (and shrinks) the text box with its text, up to the stylesheet's `max-height`, where it
/// scrolls. A box that is not displayed (a closed launcher's) keeps its natural height.
fn fit_height(el: &HtmlTextAreaElement) {
    let style = web_sys::HtmlElement::style(el);
    let _ = style.set_property("height", "auto");
    if el.client_height() == 0 {
        let _ = style.remove_property("height");
        return;
    }
    // The box is border-box: its height is the content's (with padding) plus its borders.
    let borders = el.offset_height() - el.client_height();
    let _ = style.set_property("height", &format!("{}px", el.scroll_height() + borders));
}

/// The text box and the Send/Stop button. Enter sends, Shift+Enter makes a new line, Escape stops.
#[component]
pub fn Composer() -> impl IntoView {
    let chat = expect_context::<Chat>();
    let draft = chat.draft;
    let busy = chat.busy;
    let input = NodeRef::<html::Textarea>::new();
    // Typing fits the box at once (see `on:input`); a text set otherwise (sent, or set again
    // when the composer comes back) is fitted once it is in the box, in the next frame.
    let typed = StoredValue::new(false);
    Effect::new(move |_| {
        draft.track();
        if typed.get_value() {
            typed.set_value(false);
            return;
        }
        request_animation_frame(move || {
            if let Some(el) = input.get_untracked() {
                fit_height(&el);
            }
        });
    });
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
                on:input=move |ev| {
                    typed.set_value(true);
                    draft.set(event_target_value(&ev));
                    if let Some(el) = input.get_untracked() {
                        fit_height(&el);
                    }
                }
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
