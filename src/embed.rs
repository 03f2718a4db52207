//! The JS API: `mountWidget(element, config)` returns a `Widget` whose methods the loader's
//! `<confab-chat>` element and `Confab.mount` expose as `open()`, `close()`, `toggle()`,
//! `send(text)`, `stop()`, `clear()`, `setConfig(partial)`, `destroy()` and `messages()`.

use std::any::Any;

use confab_core::export::{conversation_json, message_json};
use confab_core::MessageState;
use leptos::prelude::*;
use wasm_bindgen::prelude::*;
use web_sys::{Element, HtmlElement};

use crate::chat::{Chat, ChatEvent};
use crate::config::Persist;
use crate::events::{dispatch, to_js};
use crate::library::Library;
use crate::storage;

/// A mounted widget.
#[wasm_bindgen]
pub struct Widget {
    host: Element,
    root: HtmlElement,
    chat: Chat,
    library: Library,
    open: RwSignal<bool>,
    /// Dropping it unmounts the view and disposes of its reactive state.
    mounted: Option<Box<dyn Any>>,
}

/// Reads a JS config object into `(name, value)` pairs. Strings are taken as they are; other
/// values (numbers, booleans, arrays, objects) as their JSON; `null`/`undefined` mean "unset".
pub fn config_pairs(config: &JsValue) -> Vec<(String, Option<String>)> {
    if !config.is_object() {
        return Vec::new();
    }
    js_sys::Object::entries(config.unchecked_ref())
        .iter()
        .filter_map(|entry| {
            let pair: js_sys::Array = entry.unchecked_into();
            let key = pair.get(0).as_string()?;
            let value = pair.get(1);
            let value = if value.is_null() || value.is_undefined() {
                None
            } else if let Some(s) = value.as_string() {
                Some(s)
            } else {
                js_sys::JSON::stringify(&value)
                    .ok()
                    .and_then(|s| s.as_string())
            };
            Some((key, value))
        })
        .collect()
}

impl Widget {
    pub(crate) fn new(
        host: Element,
        root: HtmlElement,
        library: Library,
        open: RwSignal<bool>,
        mounted: Box<dyn Any>,
    ) -> Widget {
        let widget = Widget {
            host,
            root,
            chat: library.chat,
            library,
            open,
            mounted: Some(mounted),
        };
        widget.load_remembered_key();
        widget.load_history();
        widget.keep_draft();
        widget.connect_events();
        dispatch(&widget.host, "confab:ready", &JsValue::NULL);
        widget
    }

    /// A key remembered on this device is used when the configuration gives none.
    fn load_remembered_key(&self) {
        let (has_key, storage_key) = self
            .chat
            .config
            .with_untracked(|c| (c.api_key.is_some(), c.storage_key.clone()));
        if !has_key {
            if let Some(key) = storage::remembered_key(&storage_key) {
                self.chat.config.update(|c| c.api_key = Some(key));
            }
        }
    }

    fn load_history(&self) {
        self.library.load();
    }

    /// The unsent text in the composer belongs to its conversation: another conversation shows
    /// its own, and each survives a reload where conversations do. A conversation with no
    /// message yet keeps its draft under no id: its id lasts only once something is sent.
    fn keep_draft(&self) {
        let chat = self.chat;
        let library = self.library;
        // Where the draft is kept: storage, conversation, and whether it has started. Other
        // settings changing do not move it.
        let place = Memo::new(move |_| DraftPlace {
            persist: chat.config.with(|c| c.persist),
            storage_key: chat.config.with(|c| c.storage_key.clone()),
            conversation: library.active(),
            started: chat.messages.with(|m| !m.is_empty()),
        });
        Effect::new(move |previous: Option<DraftPlace>| {
            let now = place.get();
            match &previous {
                Some(was) if *was == now => {}
                // The same conversation, started (its first message sent) or cleared: the
                // text in the box stays, kept under the conversation's new name.
                Some(was) if was.same_conversation(&now) => {
                    was.save("");
                    chat.draft.with_untracked(|text| now.save(text));
                }
                // First run, another conversation, or other storage: its own draft.
                _ => chat.draft.set(now.load()),
            }
            now
        });
        Effect::new(move |previous: Option<()>| {
            chat.draft.with(|text| {
                // The first run would only write back what was just read.
                if previous.is_some() {
                    place.with_untracked(|p| p.save(text));
                }
            });
        });
    }

    fn connect_events(&self) {
        let host = self.host.clone();
        let chat = self.chat;
        let library = self.library;
        let last_save = std::cell::Cell::new(0.0);
        let save = move |force: bool| {
            let now = js_sys::Date::now();
            // While text streams in, save at most once a second; always at the end.
            if !force && now - last_save.get() < 1000.0 {
                return;
            }
            last_save.set(now);
            library.save();
        };
        chat.set_listener(move |event| match event {
            ChatEvent::Sent(text) => {
                save(true);
                dispatch(
                    &host,
                    "confab:send",
                    &to_js(&serde_json::json!({ "content": *text })),
                );
            }
            ChatEvent::Changed => save(true),
            ChatEvent::Streamed => save(false),
            ChatEvent::Finished(m) => {
                save(true);
                let detail = to_js(&message_json(m));
                if matches!(m.state, MessageState::Failed | MessageState::Incomplete) {
                    dispatch(&host, "confab:error", &detail);
                }
                dispatch(&host, "confab:message", &detail);
            }
        });
        // Opening and closing, whether by the API or by the user, announce themselves.
        let host = self.host.clone();
        let open = self.open;
        // The state now counts as the first: the loader may open the widget before the effect
        // first runs.
        let at_mount = open.get_untracked();
        Effect::new(move |previous: Option<bool>| {
            let now = open.get();
            if previous.unwrap_or(at_mount) != now {
                dispatch(
                    &host,
                    if now { "confab:open" } else { "confab:close" },
                    &JsValue::NULL,
                );
            }
            now
        });
    }

    fn alive(&self) -> bool {
        self.mounted.is_some()
    }
}

#[wasm_bindgen]
impl Widget {
    pub fn open(&self) {
        if self.alive() {
            self.open.set(true);
        }
    }

    pub fn close(&self) {
        if self.alive() {
            self.open.set(false);
        }
    }

    pub fn toggle(&self) {
        if self.alive() {
            self.open.update(|o| *o = !*o);
        }
    }

    #[wasm_bindgen(js_name = isOpen)]
    pub fn is_open(&self) -> bool {
        self.alive() && self.open.get_untracked()
    }

    /// Sends `text` as the user; false when it is blank or an answer is still coming.
    pub fn send(&self, text: &str) -> bool {
        self.alive() && self.chat.send(text)
    }

    pub fn stop(&self) {
        if self.alive() {
            self.chat.stop();
        }
    }

    pub fn clear(&self) {
        if self.alive() {
            self.chat.clear();
        }
    }

    /// Changes settings by name, as attributes do; `null` restores a default.
    #[wasm_bindgen(js_name = setConfig)]
    pub fn set_config(&self, partial: JsValue) {
        if !self.alive() {
            return;
        }
        let before = self
            .chat
            .config
            .with_untracked(|c| (c.persist, c.storage_key.clone()));
        self.chat.config.update(|c| {
            for (name, value) in config_pairs(&partial) {
                c.set(&name, value.as_deref());
                self.library.set_defaults(&name, value.as_deref());
                let field = crate::config::normalize(&name);
                if let Some(p) = c.problems.iter().find(|p| p.field == field) {
                    web_sys::console::warn_1(
                        &format!("Confab: `{}` {}; the default is used.", p.field, p.message)
                            .into(),
                    );
                }
            }
        });
        let after = self
            .chat
            .config
            .with_untracked(|c| (c.persist, c.storage_key.clone()));
        if before != after {
            // Another storage key is another conversation.
            self.load_history();
        }
    }

    /// The conversation in the API's messages format, with each answer's state and details.
    pub fn messages(&self) -> JsValue {
        if !self.alive() {
            return js_sys::Array::new().into();
        }
        to_js(&conversation_json(&self.chat.snapshot()))
    }

    /// Stops any answer, unmounts the widget and empties its shadow root.
    pub fn destroy(&mut self) {
        if let Some(mounted) = self.mounted.take() {
            self.chat.stop();
            drop(mounted);
            self.root.remove();
        }
    }
}

/// Where a draft is kept (see `Widget::keep_draft`).
#[derive(Clone, PartialEq)]
struct DraftPlace {
    persist: Persist,
    storage_key: String,
    conversation: Option<String>,
    started: bool,
}

impl DraftPlace {
    /// The conversation the draft is stored under: none until it has started.
    fn id(&self) -> Option<&str> {
        self.conversation.as_deref().filter(|_| self.started)
    }

    fn same_conversation(&self, other: &DraftPlace) -> bool {
        self.persist == other.persist
            && self.storage_key == other.storage_key
            && self.conversation == other.conversation
    }

    fn load(&self) -> String {
        storage::load_draft(self.persist, &self.storage_key, self.id())
    }

    fn save(&self, text: &str) {
        storage::save_draft(self.persist, &self.storage_key, self.id(), text);
    }
}
