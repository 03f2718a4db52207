use confab_core::Message;
use leptos::prelude::*;

use crate::chat::Chat;

/// Walks through the versions of the conversation from this message on: earlier ones were
/// replaced by editing a message or regenerating an answer.
#[component]
pub fn VersionSwitch(
    /// The first message of the versions.
    message: RwSignal<Message>,
) -> impl IntoView {
    let chat = expect_context::<Chat>();
    let position = move || {
        message.with(|m| {
            m.versions
                .as_ref()
                .map_or((0, 1), |v| (v.current, v.count()))
        })
    };
    let go = move |delta: isize| {
        let id = message.with_untracked(|m| m.id);
        let (current, count) = position();
        let target = (current as isize + delta).rem_euclid(count as isize) as usize;
        chat.switch_version(id, target);
    };
    view! {
        <div class="confab__alts confab__versions" role="group" aria-label="Versions">
            <button type="button" class="confab__icon-btn confab__versions-prev" aria-label="Previous version"
                prop:disabled=move || chat.busy.get() on:click=move |_| go(-1)>"‹"</button>
            <span class="confab__alts-pos confab__versions-pos" aria-live="polite">
                {move || { let (current, count) = position(); format!("Version {} / {}", current + 1, count) }}
            </span>
            <button type="button" class="confab__icon-btn confab__versions-next" aria-label="Next version"
                prop:disabled=move || chat.busy.get() on:click=move |_| go(1)>"›"</button>
        </div>
    }
}
