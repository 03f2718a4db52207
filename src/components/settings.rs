use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::chat::Chat;
use crate::config::WidgetConfig;
use crate::library::Library;
use crate::storage;
use crate::transport;

/// One editable setting: its name, label, input type and the allowed range, shown as help.
struct Field {
    name: &'static str,
    label: &'static str,
    help: &'static str,
    kind: &'static str,
}

const PARAMS: &[Field] = &[
    Field {
        name: "temperature",
        label: "Temperature",
        help: "0 to 2",
        kind: "number",
    },
    Field {
        name: "top-p",
        label: "Top p",
        help: "0 to 1",
        kind: "number",
    },
    Field {
        name: "n",
        label: "Alternatives (n)",
        help: "1 or more",
        kind: "number",
    },
    Field {
        name: "max-tokens",
        label: "Max tokens",
        help: "1 or more",
        kind: "number",
    },
    Field {
        name: "presence-penalty",
        label: "Presence penalty",
        help: "-2 to 2",
        kind: "number",
    },
    Field {
        name: "frequency-penalty",
        label: "Frequency penalty",
        help: "-2 to 2",
        kind: "number",
    },
    Field {
        name: "stop",
        label: "Stop",
        help: "a string or a JSON array of up to 4",
        kind: "text",
    },
    Field {
        name: "logit-bias",
        label: "Logit bias",
        help: "JSON: {\"token id\": -100 to 100}",
        kind: "text",
    },
    Field {
        name: "user",
        label: "User id",
        help: "sent as `user`",
        kind: "text",
    },
    Field {
        name: "extra-body",
        label: "Extra body",
        help: "JSON: the server's own fields, e.g. {\"top_k\": 40, \"seed\": 7}",
        kind: "text",
    },
];

/// The settings panel: endpoint, key, model (from the server's list when it has one), system
/// prompt, and every request parameter with its range and a reset. Model, prompt and
/// parameters belong to the open conversation; endpoint and key to the widget. A refused value shows why,
/// next to its field, and the previous value stays in force.
#[component]
pub fn Settings(
    /// The configuration the widget was given, which "Reset" goes back to.
    defaults: WidgetConfig,
) -> impl IntoView {
    let chat = expect_context::<Chat>();
    let config = chat.config;
    let remember =
        RwSignal::new(config.with_untracked(|c| storage::remembered_key(&c.storage_key).is_some()));
    let models = RwSignal::new(Vec::<String>::new());
    let models_note = RwSignal::new(String::new());

    let load_models = move || {
        let (endpoint, headers) = config.with_untracked(|c| (c.models_url(), c.request_headers()));
        spawn_local(async move {
            match transport::list_models(&endpoint, &headers).await {
                Ok(list) if !list.is_empty() => {
                    models_note.set(format!("{} models offered by the server.", list.len()));
                    models.set(list);
                }
                Ok(_) => models_note.set("The server lists no models; type the name.".into()),
                Err(e) => {
                    models.set(Vec::new());
                    models_note.set(format!("No model list: {}", e.user_message()));
                }
            }
        });
    };
    load_models();

    let library = expect_context::<Library>();
    let set = move |name: &'static str, value: String| {
        library.change_setting(name, &value);
        if name == "endpoint" || name == "api-key" {
            load_models();
        }
        if name == "api-key" && remember.get_untracked() {
            let key = config.with_untracked(|c| (c.storage_key.clone(), c.api_key.clone()));
            if let Err(e) = storage::remember_key(&key.0, key.1.as_deref()) {
                chat.notice.set(Some(e));
            }
        }
    };
    let reset = move |name: &'static str| library.reset_setting(name);
    let on_remember = move |ev: web_sys::Event| {
        let on = event_target_checked(&ev);
        remember.set(on);
        let (storage_key, key) =
            config.with_untracked(|c| (c.storage_key.clone(), c.api_key.clone()));
        let result = storage::remember_key(&storage_key, if on { key.as_deref() } else { None });
        if let Err(e) = result {
            chat.notice.set(Some(e));
        }
    };
    let text_field = move |name: &'static str,
                           label: &'static str,
                           kind: &'static str,
                           help: &'static str| {
        let id = format!("confab-setting-{name}");
        let value = move || config.with(|c| c.get(name));
        let problem = move || config.with(|c| c.problem(name));
        let reset = reset;
        view! {
            <div class="confab__field" data-field=name>
                <label for=id.clone()>{label}</label>
                <div class="confab__field-row">
                    <input
                        id=id
                        type=kind
                        step="any"
                        prop:value=value
                        autocomplete="off"
                        on:change=move |ev| set(name, event_target_value(&ev))
                    />
                    <button type="button" class="confab__action confab__field-reset" aria-label=format!("Reset {label}") on:click=move |_| reset(name)>"Reset"</button>
                </div>
                <small class="confab__help">{help}</small>
                {move || problem().map(|p| view! { <small class="confab__field-error" role="alert">{p}</small> })}
            </div>
        }
    };
    let reset_all = move |_| {
        for name in crate::library::PER_CONVERSATION {
            library.reset_setting(name);
        }
        library.change_setting("endpoint", &defaults.get("endpoint"));
    };
    view! {
        <form class="confab__settings" aria-label="Settings" on:submit=|ev| ev.prevent_default()>
            {text_field("endpoint", "Endpoint", "url", "Base URL of an OpenAI-compatible API, e.g. http://localhost:11434/v1")}
            <div class="confab__field" data-field="api-key">
                <label for="confab-setting-api-key">{"API key"}</label>
                <input
                    id="confab-setting-api-key"
                    type="password"
                    autocomplete="off"
                    prop:value=move || config.with(|c| c.get("api-key"))
                    on:change=move |ev| set("api-key", event_target_value(&ev))
                />
                <label class="confab__check">
                    <input type="checkbox" class="confab__remember" prop:checked=move || remember.get() on:change=on_remember/>
                    "Remember on this device"
                </label>
                <small class="confab__help">{"Kept in memory only unless remembered. Sent only to the endpoint."}</small>
            </div>
            <div class="confab__field" data-field="model">
                <label for="confab-setting-model">{"Model"}</label>
                <input
                    id="confab-setting-model"
                    list="confab-models"
                    autocomplete="off"
                    prop:value=move || config.with(|c| c.get("model"))
                    on:change=move |ev| set("model", event_target_value(&ev))
                />
                <datalist id="confab-models">
                    <For each=move || models.get() key=|m| m.clone() let:m>
                        <option value=m></option>
                    </For>
                </datalist>
                <small class="confab__help confab__models-note">{move || models_note.get()}</small>
                {move || config.with(|c| c.problem("model")).map(|p| view! { <small class="confab__field-error" role="alert">{p}</small> })}
            </div>
            <div class="confab__field" data-field="system-prompt">
                <label for="confab-setting-system-prompt">{"System prompt"}</label>
                <textarea
                    id="confab-setting-system-prompt"
                    rows="3"
                    prop:value=move || config.with(|c| c.get("system-prompt"))
                    on:change=move |ev| set("system-prompt", event_target_value(&ev))
                ></textarea>
            </div>
            <fieldset class="confab__params">
                <legend>{"Request parameters (empty = the server's default)"}</legend>
                {PARAMS.iter().map(|f| text_field(f.name, f.label, f.kind, f.help)).collect_view()}
                <label class="confab__check">
                    <input type="checkbox" prop:checked=move || config.with(|c| c.params.stream()) on:change=move |ev| set("stream", event_target_checked(&ev).to_string())/>
                    "Stream answers"
                </label>
                <label class="confab__check">
                    <input type="checkbox" prop:checked=move || config.with(|c| c.get("include-usage") == "true") on:change=move |ev| set("include-usage", event_target_checked(&ev).to_string())/>
                    "Ask for token usage (stream_options.include_usage)"
                </label>
            </fieldset>
            <button type="button" class="confab__action confab__reset-all" on:click=reset_all>"Reset all to defaults"</button>
        </form>
    }
}
