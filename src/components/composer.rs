use leptos::html;
use leptos::prelude::*;
use web_sys::{HtmlTextAreaElement, KeyboardEvent};

use crate::chat::Chat;

/// Grows the text box with its text, up to the stylesheet's `max-height`, where it scrolls;
/// with `shrink`, also shrinks it to its text. Growing is only a read while the text fits, so
/// typing costs no layout beyond the box's own; shrinking measures the text at `height: auto`,
/// a layout of the panel, and is asked for only when text was removed. A box that is not
/// displayed (a closed launcher's) keeps its natural height.
fn fit_height(el: &HtmlTextAreaElement, shrink: bool) {
    if sized_by_browser() {
        return;
    }
    let style = web_sys::HtmlElement::style(el);
    if shrink {
        let _ = style.set_property("height", "auto");
    }
    if el.client_height() == 0 {
        let _ = style.remove_property("height");
        return;
    }
    if shrink || el.scroll_height() > el.client_height() {
        // The box is border-box: its height is the content's (with padding) plus its borders.
        let borders = el.offset_height() - el.client_height();
        let _ = style.set_property("height", &format!("{}px", el.scroll_height() + borders));
    }
}

/// Whether the browser sizes the text box to its text itself (`field-sizing: content` in the
/// stylesheet; Chromium does), with no layout read on each key.
fn sized_by_browser() -> bool {
    thread_local! {
        static NATIVE: bool = web_sys::css::supports_with_value("field-sizing", "content").unwrap_or(false);
    }
    NATIVE.with(|n| *n)
}

/// The text box and the Send/Stop button. Enter sends, Shift+Enter makes a new line, Escape stops,
/// Up in an empty box edits the last message.
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
            if let Some(el) = input.try_get_untracked().flatten() {
                fit_height(&el, true);
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
        } else if ev.key() == "ArrowUp"
            && !busy.get_untracked()
            && draft.with_untracked(|d| d.is_empty())
        {
            // As in other chats: Up in an empty box edits your last message.
            let last_edit = input.get_untracked().and_then(|el| {
                let widget = el.closest(".confab").ok()??;
                let all = widget
                    .query_selector_all(".confab__msg--user .confab__action-edit")
                    .ok()?;
                all.item(all.length().checked_sub(1)?)
            });
            if let Some(button) = last_edit {
                ev.prevent_default();
                wasm_bindgen::JsCast::unchecked_into::<web_sys::HtmlElement>(button).click();
            }
        }
    };
    // The box shows the draft. What was typed is in the box already: setting the same value
    // again would lay out all of its text once more (seconds for a pasted megabyte).
    Effect::new(move |_| {
        let Some(el) = input.get() else {
            return;
        };
        draft.with(|d| {
            if el.value() != *d {
                el.set_value(d);
            }
        });
    });
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
                on:input=move |ev| {
                    typed.set_value(true);
                    let text = event_target_value(&ev);
                    let shorter = draft.with_untracked(|d| text.len() < d.len());
                    draft.set(text);
                    if let Some(el) = input.get_untracked() {
                        fit_height(&el, shorter);
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
