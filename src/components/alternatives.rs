use confab_core::Message;
use leptos::prelude::*;

use crate::chat::Chat;

/// Switches between the alternatives of an `n` > 1 answer; the chosen one is the one the
/// conversation continues with.
#[component]
pub fn Alternatives(
    /// The answer whose alternatives are shown.
    message: RwSignal<Message>,
) -> impl IntoView {
    let count = move || message.with(|m| m.choices.len());
    let selected = move || message.with(|m| m.selected);
    let chat = expect_context::<Chat>();
    let go = move |delta: isize| {
        let (id, n, selected) =
            message.with_untracked(|m| (m.id, m.choices.len() as isize, m.selected as isize));
        chat.select_alternative(id, (selected + delta).rem_euclid(n.max(1)) as usize);
    };
    view! {
        <div class="confab__alts" role="group" aria-label="Alternative answers">
            <button type="button" class="confab__icon-btn confab__alts-prev" aria-label="Previous alternative" on:click=move |_| go(-1)>"‹"</button>
            <span class="confab__alts-pos" aria-live="polite">{move || format!("{} / {}", selected() + 1, count())}</span>
            <button type="button" class="confab__icon-btn confab__alts-next" aria-label="Next alternative" on:click=move |_| go(1)>"›"</button>
        </div>
    }
}
