use confab_core::Message;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

use crate::chat::Chat;
use crate::components::message_list::Follow;

/// The id of the version switch under message `id`, unique within the widget's shadow root.
fn element_id(id: impl std::fmt::Display) -> String {
    format!("confab-versions-{id}")
}

/// Walks through the versions of the conversation from this message on: earlier ones were
/// replaced by editing a message or regenerating an answer.
#[component]
pub fn VersionSwitch(
    /// The first message of the versions.
    message: RwSignal<Message>,
) -> impl IntoView {
    let chat = expect_context::<Chat>();
    let follow = use_context::<Follow>();
    let position = move || {
        message.with(|m| {
            m.versions
                .as_ref()
                .map_or((0, 1), |v| (v.current, v.count()))
        })
    };
    // The message (and this switch with it) is replaced by the version switched to: the
    // reader stays with it, and the same button of the new switch takes the focus, which also
    // keeps it in view however long the version below it is.
    let go = move |event: web_sys::MouseEvent, delta: isize| {
        let id = message.with_untracked(|m| m.id);
        let (current, count) = position();
        let target = (current as isize + delta).rem_euclid(count as isize) as usize;
        let log = event
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            .and_then(|el| el.closest(".confab__log").ok().flatten());
        if let Some(follow) = follow {
            follow.stay();
        }
        let Some(now) = chat.switch_version(id, target) else {
            return;
        };
        let button = if delta < 0 { "prev" } else { "next" };
        let selector = format!("#{} .confab__versions-{button}", element_id(now));
        request_animation_frame(move || {
            if let Some(b) = log
                .and_then(|log| log.query_selector(&selector).ok().flatten())
                .and_then(|b| b.dyn_into::<web_sys::HtmlElement>().ok())
            {
                let _ = b.focus();
            }
        });
    };
    view! {
        <div class="confab__alts confab__versions" role="group" aria-label="Versions"
            id=move || message.with(|m| element_id(m.id))>
            <button type="button" class="confab__icon-btn confab__versions-prev" aria-label="Previous version"
                prop:disabled=move || chat.busy.get() on:click=move |e| go(e, -1)>"‹"</button>
            <span class="confab__alts-pos confab__versions-pos" aria-live="polite">
                {move || { let (current, count) = position(); format!("Version {} / {}", current + 1, count) }}
            </span>
            <button type="button" class="confab__icon-btn confab__versions-next" aria-label="Next version"
                prop:disabled=move || chat.busy.get() on:click=move |e| go(e, 1)>"›"</button>
        </div>
    }
}
