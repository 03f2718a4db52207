use confab_core::{Message, MessageState};
use leptos::prelude::*;

/// The line under a finished answer: token usage, elapsed time and speed.
#[component]
pub fn MessageMeta(
    /// The answer described.
    message: RwSignal<Message>,
) -> impl IntoView {
    let text = move || {
        message.with(|m| {
            if m.state == MessageState::Streaming {
                return None;
            }
            let mut parts = Vec::new();
            if let Some(u) = &m.usage {
                parts.push(format!(
                    "{} prompt + {} completion tokens",
                    u.prompt_tokens, u.completion_tokens
                ));
            }
            // A request that failed before any answer came has no time worth showing.
            let answered = m.usage.is_some() || m.choices.iter().any(|c| !c.is_blank());
            if let Some(ms) = m.elapsed_ms.filter(|ms| *ms > 0 && answered) {
                parts.push(format!("{:.1} s", ms as f64 / 1000.0));
                if let Some(u) = m.usage.as_ref().filter(|u| u.completion_tokens > 0) {
                    parts.push(format!(
                        "{:.0} tokens/s",
                        u.completion_tokens as f64 * 1000.0 / ms as f64
                    ));
                }
            }
            (!parts.is_empty()).then(|| parts.join(" · "))
        })
    };
    move || text().map(|t| view! { <p class="confab__meta">{t}</p> })
}
