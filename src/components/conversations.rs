use leptos::html;
use leptos::prelude::*;
use wasm_bindgen_futures::JsFuture;

use crate::chat::Chat;
use crate::library::Library;

/// The list of conversations, newest first: open, rename, delete, export (JSON, Markdown),
/// start a new one, import one.
#[component]
pub fn Conversations(
    /// Called after a conversation is opened or created, to go back to the chat.
    #[prop(into)]
    on_open: Callback<()>,
) -> impl IntoView {
    let library = expect_context::<Library>();
    let chat = expect_context::<Chat>();
    let renaming = RwSignal::new(None::<String>);
    let panel = NodeRef::<html::Div>::new();
    let file = NodeRef::<html::Input>::new();
    let status = RwSignal::new(String::new());

    let export = move |id: String, markdown: bool| {
        let Some(el) = panel.get_untracked() else {
            return;
        };
        match library
            .export(&id, markdown)
            .and_then(|(name, mime, text)| {
                crate::download::download(&el, &name, mime, &text).map(|_| name)
            }) {
            Ok(name) => status.set(format!("Exported {name}.")),
            Err(e) => status.set(format!("Export failed: {e}")),
        }
    };
    let import = move |_| {
        let Some(input) = file.get_untracked() else {
            return;
        };
        let Some(f) = input.files().and_then(|l| l.get(0)) else {
            return;
        };
        input.set_value("");
        spawn_local_import(library, f, status, on_open);
    };
    view! {
        <div class="confab__history" node_ref=panel aria-label="Conversations">
            <div class="confab__history-tools">
                <button type="button" class="confab__action confab__new" on:click=move |_| { library.create(); on_open.run(()); }>"New conversation"</button>
                <label class="confab__action confab__import">
                    "Import JSON"
                    <input type="file" accept="application/json,.json" class="confab__sr-only confab__import-file" node_ref=file on:change=import/>
                </label>
            </div>
            <p class="confab__help confab__history-status" role="status">{move || status.get()}</p>
            <ul class="confab__conversations">
                <For each=move || library.list() key=|c| (c.id.clone(), c.title.clone(), c.updated_ms) let:c>
                    {
                        let id = c.id.clone();
                        let (id1, id2, id3, id4, id5, id6) = (id.clone(), id.clone(), id.clone(), id.clone(), id.clone(), id.clone());
                        let active = move || library.active().as_deref() == Some(id1.as_str());
                        let is_renaming = move || renaming.get().as_deref() == Some(id2.as_str());
                        let title = c.title.clone();
                        let (iso, when) = local_time(c.updated_ms);
                        view! {
                            <li class="confab__conversation" class:confab__conversation--active=active data-id=id.clone()>
                                <Show
                                    when=is_renaming
                                    fallback=move || {
                                        let id = id3.clone();
                                        let title = title.clone();
                                        view! {
                                            <button type="button" class="confab__conversation-open" on:click=move |_| { library.switch_to(&id); on_open.run(()); }>{title}</button>
                                        }
                                    }
                                >
                                    {
                                        let id = id4.clone();
                                        let current = c.title.clone();
                                        view! {
                                            <input
                                                class="confab__rename-input"
                                                aria-label="New title"
                                                prop:value=current
                                                on:keydown=move |ev: web_sys::KeyboardEvent| {
                                                    if ev.key() == "Enter" {
                                                        library.rename(&id, &event_target_value(&ev));
                                                        renaming.set(None);
                                                    } else if ev.key() == "Escape" {
                                                        ev.prevent_default();
                                                        renaming.set(None);
                                                    }
                                                }
                                            />
                                        }
                                    }
                                </Show>
                                <time class="confab__conversation-time" datetime=iso>{when}</time>
                                <div class="confab__conversation-actions">
                                    <button type="button" class="confab__action confab__rename" on:click=move |_| renaming.set(Some(id5.clone()))>"Rename"</button>
                                    <button type="button" class="confab__action confab__export-json" on:click={ let id = id6.clone(); move |_| export(id.clone(), false) }>"JSON"</button>
                                    <button type="button" class="confab__action confab__export-md" on:click={ let id = id6.clone(); move |_| export(id.clone(), true) }>"Markdown"</button>
                                    <button type="button" class="confab__action confab__delete-conversation" on:click={ let id = id.clone(); move |_| library.delete(&id) }>"Delete"</button>
                                </div>
                            </li>
                        }
                    }
                </For>
            </ul>
            <Show when=move || chat.config.with(|c| c.persist == crate::config::Persist::None)>
                <p class="confab__help">"Conversations are kept only until this page closes (persist = none)."</p>
            </Show>
        </div>
    }
}

fn spawn_local_import(
    library: Library,
    file: web_sys::File,
    status: RwSignal<String>,
    on_open: Callback<()>,
) {
    leptos::task::spawn_local(async move {
        let text = match JsFuture::from(file.text()).await {
            Ok(t) => t.as_string().unwrap_or_default(),
            Err(_) => {
                status.set("The file could not be read.".into());
                return;
            }
        };
        match library.import(&text) {
            Ok(()) => {
                status.set(format!("Imported {}.", file.name()));
                on_open.run(());
            }
            Err(e) => status.set(format!("Import failed: {e}")),
        }
    });
}

/// A time (ms since the epoch) as ISO 8601 and as the reader's browser writes it in their
/// language and time zone, e.g. "26 Nov 2026, 12:07".
fn local_time(ms: u64) -> (String, String) {
    let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(ms as f64));
    let language = web_sys::window()
        .and_then(|w| w.navigator().language())
        .unwrap_or_else(|| "en".into());
    let options = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&options, &"dateStyle".into(), &"medium".into());
    let _ = js_sys::Reflect::set(&options, &"timeStyle".into(), &"short".into());
    (
        date.to_iso_string().into(),
        date.to_locale_string(&language, &options).into(),
    )
}
