use leptos::html;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

use crate::components::composer::Composer;
use crate::components::conversations::Conversations;
use crate::components::launcher::Launcher;
use crate::components::message_list::MessageList;
use crate::components::settings::Settings;
use crate::config::Mode;
use crate::library::Library;

/// What the panel shows below its header.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Pane {
    Chat,
    Settings,
    History,
}

/// The whole widget: in launcher mode a floating button and its panel; otherwise the panel.
#[component]
pub fn App(
    /// The conversations this widget shows, the open one first.
    library: Library,
    /// Whether the panel is shown.
    open: RwSignal<bool>,
) -> impl IntoView {
    let chat = library.chat;
    provide_context(chat);
    provide_context(library);
    let config = chat.config;
    let defaults = config.get_untracked();
    let view_mode = RwSignal::new(Pane::Chat);
    let toggle =
        move |pane: Pane| view_mode.update(|v| *v = if *v == pane { Pane::Chat } else { pane });
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
    // Opening the panel puts the cursor in the composer. The state at mount counts as the first
    // one: the embed loader may open a launcher widget before this effect first runs.
    // A fullpage widget is the page: the cursor starts in the composer.
    let open_at_mount = open.get_untracked() && mode.get_untracked() != Mode::Fullpage;
    Effect::new(move |previous: Option<bool>| {
        let now = open.get();
        if now && !previous.unwrap_or(open_at_mount) {
            // After this round of updates has shown the panel: a hidden textarea takes no focus.
            request_animation_frame(move || {
                if let Some(el) = root.try_get_untracked().flatten() {
                    if let Ok(Some(t)) = el.query_selector("textarea") {
                        let _ = t.unchecked_into::<web_sys::HtmlElement>().focus();
                    }
                }
            });
        }
        now
    });
    let is_launcher = move || mode.get() == Mode::Launcher;
    // An answer that ends while a launcher's panel is closed marks the button until it opens.
    let unread = RwSignal::new(false);
    Effect::new(move |was_busy: Option<bool>| {
        let busy = chat.busy.get();
        if was_busy == Some(true) && !busy && !open.get_untracked() {
            unread.set(true);
        }
        busy
    });
    Effect::new(move |_| {
        if open.get() {
            unread.set(false);
        }
    });
    // A launcher's open panel is in the top layer, above its button (see style/confab.css).
    let panel = NodeRef::<html::Section>::new();
    Effect::new(move |_| {
        let top = open.get() && is_launcher();
        if let Some(p) = panel.get() {
            let _ = if top {
                p.show_popover()
            } else {
                p.hide_popover()
            };
        }
    });
    // Closed by the user (× or Escape): the focus goes back to the launcher button, as a dialog's
    // does to what opened it, once the button is shown again.
    let close_to_launcher = move || {
        open.set(false);
        request_animation_frame(move || {
            if let Some(el) = root.try_get_untracked().flatten() {
                if let Ok(Some(b)) = el.query_selector(".confab__launcher") {
                    let _ = b.unchecked_into::<web_sys::HtmlElement>().focus();
                }
            }
        });
    };
    // Escape closes a launcher's panel, unless something inside used it (the composer stops an
    // answer, an edit or a rename is cancelled).
    let on_keydown = move |ev: web_sys::KeyboardEvent| {
        if ev.key() == "Escape" && !ev.default_prevented() && is_launcher() {
            ev.prevent_default();
            close_to_launcher();
        }
    };
    view! {
        <div class=class node_ref=root>
            <Show when=is_launcher>
                <Launcher open=open unread=unread/>
            </Show>
            <section
                node_ref=panel
                popover=move || is_launcher().then_some("manual")
                class="confab__panel"
                part="panel"
                id="confab-panel"
                role=move || if is_launcher() { "dialog" } else { "region" }
                aria-label=title
                hidden=move || !open.get()
                on:keydown=on_keydown
            >
                <header class="confab__header" part="header">
                    <h2 class="confab__title">{title}</h2>
                    <button
                        type="button"
                        class="confab__icon-btn confab__history-btn"
                        aria-label=move || if view_mode.get() == Pane::History { "Back to the conversation" } else { "Conversations" }
                        aria-pressed=move || (view_mode.get() == Pane::History).to_string()
                        on:click=move |_| toggle(Pane::History)
                    >{move || if view_mode.get() == Pane::History { "Chat" } else { "History" }}</button>
                    <button
                        type="button"
                        class="confab__icon-btn confab__settings-btn"
                        aria-label=move || if view_mode.get() == Pane::Settings { "Back to the conversation" } else { "Settings" }
                        aria-pressed=move || (view_mode.get() == Pane::Settings).to_string()
                        on:click=move |_| toggle(Pane::Settings)
                    >{move || if view_mode.get() == Pane::Settings { "Chat" } else { "Settings" }}</button>
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
                            on:click=move |_| close_to_launcher()
                        >"×"</button>
                    </Show>
                </header>
                <ul class="confab__problems" role="status">
                    <For each=problems key=|p| p.clone() let:p>
                        <li class="confab__problem">{p}</li>
                    </For>
                </ul>
                {move || match view_mode.get() {
                    Pane::Chat => view! { <MessageList/><Composer/> }.into_any(),
                    Pane::Settings => view! { <Settings defaults=defaults.clone()/> }.into_any(),
                    Pane::History => view! { <Conversations on_open=move || view_mode.set(Pane::Chat)/> }.into_any(),
                }}
            </section>
        </div>
    }
}
