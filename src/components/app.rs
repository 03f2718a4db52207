use leptos::html;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

use crate::chat::Chat;
use crate::components::composer::Composer;
use crate::components::launcher::Launcher;
use crate::components::message_list::MessageList;
use crate::components::settings::Settings;
use crate::config::Mode;

/// The whole widget: in launcher mode a floating button and its panel; otherwise the panel.
#[component]
pub fn App(
    /// The chat this widget shows.
    chat: Chat,
    /// Whether the panel is shown.
    open: RwSignal<bool>,
) -> impl IntoView {
    provide_context(chat);
    let config = chat.config;
    let defaults = config.get_untracked();
    let show_settings = RwSignal::new(false);
    let mode = Memo::new(move |_| config.with(|c| c.mode));
    let class = move || {
        config.with(|c| {
            format!(
                "confab confab--{} confab--{} confab--theme-{}{}",
                c.mode.as_str(),
                c.position.as_str(),
                c.theme.as_str(),
                if open.get() { " confab--open" } else { "" }
            )
        })
    };
    let title = move || config.with(|c| c.title.clone());
    let problems = move || {
        let mut list: Vec<String> = config.with(|c| {
            c.problems
                .iter()
                .map(|p| format!("Setting `{}` {}; the default is used.", p.field, p.message))
                .collect()
        });
        list.extend(chat.notice.get());
        list
    };
    let root = NodeRef::<html::Div>::new();
    // The accent colour is a custom property set through the CSSOM (allowed under a strict CSP).
    Effect::new(move |_| {
        let accent = config.with(|c| c.accent.clone());
        if let Some(el) = root.get() {
            let style = web_sys::HtmlElement::style(&el);
            let _ = match accent {
                Some(a) => style.set_property("--confab-accent", &a),
                None => style.remove_property("--confab-accent").map(|_| ()),
            };
        }
    });
    // Opening the panel puts the cursor in the composer.
    Effect::new(move |previous: Option<bool>| {
        let now = open.get();
        if now && previous == Some(false) {
            if let Some(el) = root.get() {
                if let Ok(Some(t)) = el.query_selector("textarea") {
                    let _ = t.unchecked_into::<web_sys::HtmlElement>().focus();
                }
            }
        }
        now
    });
    let is_launcher = move || mode.get() == Mode::Launcher;
    view! {
        <div class=class node_ref=root>
            <Show when=is_launcher>
                <Launcher open=open/>
            </Show>
            <section
                class="confab__panel"
                part="panel"
                id="confab-panel"
                role=move || if is_launcher() { "dialog" } else { "region" }
                aria-label=title
                hidden=move || !open.get()
            >
                <header class="confab__header" part="header">
                    <h2 class="confab__title">{title}</h2>
                    <button
                        type="button"
                        class="confab__icon-btn confab__settings-btn"
                        aria-label=move || if show_settings.get() { "Back to the conversation" } else { "Settings" }
                        aria-pressed=move || show_settings.get().to_string()
                        on:click=move |_| show_settings.update(|s| *s = !*s)
                    >{move || if show_settings.get() { "Chat" } else { "Settings" }}</button>
                    <button
                        type="button"
                        class="confab__icon-btn confab__clear"
                        aria-label="Clear the conversation"
                        on:click=move |_| chat.clear()
                    >"Clear"</button>
                    <Show when=is_launcher>
                        <button
                            type="button"
                            class="confab__icon-btn confab__close"
                            aria-label="Close the chat"
                            on:click=move |_| open.set(false)
                        >"×"</button>
                    </Show>
                </header>
                <ul class="confab__problems" role="status">
                    <For each=problems key=|p| p.clone() let:p>
                        <li class="confab__problem">{p}</li>
                    </For>
                </ul>
                <Show
                    when=move || show_settings.get()
                    fallback=|| view! { <MessageList/><Composer/> }
                >
                    <Settings defaults=defaults.clone()/>
                </Show>
            </section>
        </div>
    }
}
