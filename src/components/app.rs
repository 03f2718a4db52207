use leptos::prelude::*;

use crate::chat::Chat;
use crate::components::composer::Composer;
use crate::components::message_list::MessageList;
use crate::config::WidgetConfig;

/// The whole widget: header, messages and composer.
#[component]
pub fn App(
    /// The validated configuration; its problems are shown above the messages.
    config: WidgetConfig,
) -> impl IntoView {
    let chat = Chat::new(config);
    provide_context(chat);
    let title = move || chat.config.with(|c| c.title.clone());
    let problems = move || {
        chat.config.with(|c| {
            c.problems
                .iter()
                .map(|p| format!("Configuration: {p}; the default is used."))
                .collect::<Vec<_>>()
        })
    };
    view! {
        <div class="confab__panel" part="panel">
            <header class="confab__header">
                <h2 class="confab__title">{title}</h2>
            </header>
            <ul class="confab__problems" role="status">
                <For each=problems key=|p| p.clone() let:p>
                    <li class="confab__problem">{p}</li>
                </For>
            </ul>
            <MessageList/>
            <Composer/>
        </div>
    }
}
