//! The conversations of one widget: which is open, switching, creating, renaming, deleting,
//! importing and exporting, and saving the open one as it changes.

use confab_core::library::{export_json, export_markdown, import_json, ConversationMeta, Index};
use leptos::prelude::*;

use crate::chat::Chat;
use crate::config::{Persist, WidgetConfig};
use crate::storage;

#[derive(Clone, Copy)]
pub struct Library {
    pub chat: Chat,
    pub index: RwSignal<Index>,
    /// The widget's configuration before any conversation's own settings.
    defaults: StoredValue<WidgetConfig>,
    /// The page is being left: what was saved then stays (see `save_when_the_page_goes`).
    leaving: StoredValue<bool>,
}

/// Settings that belong to a conversation rather than to the widget.
pub const PER_CONVERSATION: &[&str] = &[
    "model",
    "system-prompt",
    "temperature",
    "top-p",
    "n",
    "max-tokens",
    "presence-penalty",
    "frequency-penalty",
    "stop",
    "logit-bias",
    "user",
    "stream",
    "include-usage",
    "extra-body",
];

fn now() -> u64 {
    js_sys::Date::now() as u64
}

fn new_id() -> String {
    format!(
        "{:x}{:06x}",
        now(),
        (js_sys::Math::random() * 16_777_215.0) as u64
    )
}

impl Library {
    pub fn new(chat: Chat) -> Library {
        Library {
            defaults: StoredValue::new(chat.config.get_untracked()),
            leaving: StoredValue::new(false),
            chat,
            index: RwSignal::new(Index::default()),
        }
    }

    /// The widget's configuration changed (attributes, `setConfig`): it becomes the base that
    /// each conversation's own settings apply over.
    pub fn set_defaults(&self, name: &str, value: Option<&str>) {
        self.defaults.update_value(|d| d.set(name, value));
    }

    /// Changes a setting for the open conversation only (per-conversation settings), or for
    /// the widget (endpoint, key).
    pub fn change_setting(&self, name: &str, value: &str) {
        let name = crate::config::normalize(name);
        self.chat.config.update(|c| c.set(&name, Some(value)));
        let refused = self
            .chat
            .config
            .with_untracked(|c| c.problem(&name).is_some());
        if refused {
            return;
        }
        if PER_CONVERSATION.contains(&name.as_str()) {
            if let Some(id) = self.index.with_untracked(|i| i.active.clone()) {
                self.index.update(|i| i.set_setting(&id, &name, value));
                self.save_index();
            }
        } else {
            self.defaults.update_value(|d| d.set(&name, Some(value)));
        }
    }

    /// Puts a setting of the open conversation back to the widget's configuration.
    pub fn reset_setting(&self, name: &str) {
        let name = crate::config::normalize(name);
        let value = self.defaults.with_value(|d| d.get(&name));
        self.chat.config.update(|c| c.set(&name, Some(&value)));
        if let Some(id) = self.index.with_untracked(|i| i.active.clone()) {
            self.index.update(|i| {
                if let Some(c) = i.conversations.iter_mut().find(|c| c.id == id) {
                    c.settings.remove(&name);
                }
            });
            self.save_index();
        }
    }

    /// The open conversation's configuration: the widget's, with its own settings over it.
    fn apply_settings(&self, id: &str) {
        let mut config = self.defaults.get_value();
        // Keep what is not per conversation (a key typed in this session, the endpoint).
        let current = self.chat.config.get_untracked();
        config.api_key = current.api_key.clone();
        config.endpoint = current.endpoint.clone();
        for (name, value) in self.index.with_untracked(|i| i.settings(id)) {
            config.set(&name, Some(&value));
        }
        self.chat.config.set(config);
    }

    fn place(&self) -> (Persist, String) {
        self.chat
            .config
            .with_untracked(|c| (c.persist, c.storage_key.clone()))
    }

    fn report(&self, problem: String) {
        web_sys::console::warn_1(&format!("Confab: {problem}").into());
        self.chat.notice.set(Some(problem));
    }

    /// Loads the list and opens the active conversation (or starts one).
    pub fn load(&self) {
        let (persist, key) = self.place();
        let (index, problems) = storage::load_index(persist, &key, new_id, now());
        for p in problems {
            self.report(p);
        }
        let active = index.active.clone();
        self.index.set(index);
        match active {
            Some(id) => self.open_id(&id),
            None => self.start_new(),
        }
    }

    fn open_id(&self, id: &str) {
        let (persist, key) = self.place();
        let messages = match storage::load_conversation(persist, &key, id) {
            Ok(m) => m,
            Err(problem) => {
                self.report(problem);
                Vec::new()
            }
        };
        self.chat.restore(messages);
        self.index.update(|i| i.active = Some(id.to_owned()));
        self.apply_settings(id);
        self.save_index();
    }

    fn start_new(&self) {
        self.chat.restore(Vec::new());
        let id = new_id();
        self.index
            .update(|i| i.create(id.clone(), "New conversation".to_owned(), now()));
        self.apply_settings(&id);
    }

    fn save_index(&self) {
        let (persist, key) = self.place();
        match self
            .index
            .with_untracked(|i| storage::save_index(persist, &key, i))
        {
            // Conversations another tab saved meanwhile were merged in: the list shows them.
            Ok(saved) => self.show_index(saved),
            Err(p) => self.report(p),
        }
    }

    fn show_index(&self, index: Index) {
        if self.index.with_untracked(|i| *i != index) {
            self.index.set(index);
        }
    }

    /// Follows what other pages with the same storage (other tabs, frames) save, for as long
    /// as the widget is mounted: their conversations join the list, and the conversation open
    /// here shows what was added to it there (when nothing streams here, and once their answer
    /// has finished). Without this, two tabs would write each other's work out of storage.
    pub fn follow_other_pages(&self) {
        let library = *self;
        let listener = window_event_listener(leptos::ev::storage, move |ev| {
            library.saved_elsewhere(&ev);
        });
        on_cleanup(move || listener.remove());
    }

    /// Saves at once when the page is hidden or left (a tab switched away from, closed or
    /// reloaded, a phone's app switcher): while an answer streams, saving is otherwise at most
    /// once a second, and the last second of it would be lost. What is saved as the page goes
    /// stays: the browser then cancels the answer's request, and that is not the server's
    /// failure (the answer reads as incomplete on the next page, not as a dropped connection).
    pub fn save_when_the_page_goes(&self) {
        let library = *self;
        let hidden = window_event_listener(leptos::ev::visibilitychange, move |_| {
            if document().hidden() {
                library.save();
            }
        });
        let gone = window_event_listener(leptos::ev::pagehide, move |_| {
            library.save();
            library.leaving.set_value(true);
        });
        // Back from the back-forward cache: the page lives on.
        let back = window_event_listener(leptos::ev::pageshow, move |_| {
            library.leaving.set_value(false);
        });
        on_cleanup(move || {
            hidden.remove();
            gone.remove();
            back.remove();
        });
    }

    fn saved_elsewhere(&self, ev: &web_sys::StorageEvent) {
        let (persist, key) = self.place();
        let (Some(changed), Some(area)) = (ev.key(), ev.storage_area()) else {
            return;
        };
        if !storage::is_area(persist, &area) {
            return;
        }
        if changed == storage::index_key(&key) {
            let merged = self
                .index
                .with_untracked(|i| storage::merged_with(persist, &key, i, ev.new_value()));
            self.show_index(merged);
            return;
        }
        let open = self.index.with_untracked(|i| i.active.clone());
        if storage::conversation_id(&key, &changed) != open.as_deref()
            || self.chat.busy.get_untracked()
        {
            return;
        }
        let Some(id) = open else { return };
        if let Ok(messages) = storage::load_conversation(persist, &key, &id) {
            let finished = !messages.is_empty() && !messages.iter().any(|m| m.is_streaming());
            if finished && messages != self.chat.snapshot() {
                self.chat.restore(messages);
            }
        }
    }

    /// Saves the open conversation and its entry in the list.
    pub fn save(&self) {
        if self.leaving.get_value() {
            return;
        }
        let (persist, key) = self.place();
        let Some(id) = self.index.with_untracked(|i| i.active.clone()) else {
            return;
        };
        let messages = self.chat.snapshot();
        // An empty new conversation is not worth a place in the list yet; a cleared one is
        // written empty, or its messages would come back with the next page.
        if messages.is_empty() && self.chat.cleared.with_untracked(Option::is_none) {
            return;
        }
        if let Err(p) = storage::save_conversation(persist, &key, &id, &messages) {
            self.report(p);
            return;
        }
        self.index.update(|i| i.touch(&id, &messages, now()));
        self.save_index();
    }

    pub fn active(&self) -> Option<String> {
        self.index.with(|i| i.active.clone())
    }

    /// The conversations to list: the saved ones (with `persist: none`, those of this page's
    /// life), newest first.
    pub fn list(&self) -> Vec<ConversationMeta> {
        self.index.with(|i| i.newest_first())
    }

    pub fn switch_to(&self, id: &str) {
        if self.active().as_deref() == Some(id) {
            return;
        }
        self.chat.stop();
        self.save();
        self.open_id(id);
    }

    pub fn create(&self) {
        self.chat.stop();
        self.save();
        self.start_new();
    }

    pub fn rename(&self, id: &str, title: &str) {
        self.index.update(|i| i.rename(id, title));
        self.save_index();
    }

    pub fn delete(&self, id: &str) {
        let (persist, key) = self.place();
        let was_active = self.active().as_deref() == Some(id);
        if was_active {
            self.chat.stop();
        }
        storage::delete_conversation(persist, &key, id);
        self.index.update(|i| i.remove(id));
        if was_active {
            match self.index.with_untracked(|i| i.active.clone()) {
                Some(next) => self.open_id(&next),
                None => self.start_new(),
            }
        }
        self.save_index();
    }

    /// Imports a conversation exported as JSON; it opens as a new conversation.
    pub fn import(&self, text: &str) -> Result<(), String> {
        let (title, messages) = import_json(text)?;
        self.chat.stop();
        self.save();
        let id = new_id();
        self.index.update(|i| {
            i.create(id.clone(), title.clone(), now());
            i.rename(&id, &title);
        });
        self.chat.restore(messages);
        self.save();
        Ok(())
    }

    /// The open conversation, or another one, as (file name, MIME type, content).
    pub fn export(
        &self,
        id: &str,
        markdown: bool,
    ) -> Result<(String, &'static str, String), String> {
        let (persist, key) = self.place();
        let messages = if self.active().as_deref() == Some(id) {
            self.chat.snapshot()
        } else {
            storage::load_conversation(persist, &key, id)?
        };
        let title = self
            .index
            .with_untracked(|i| {
                i.conversations
                    .iter()
                    .find(|c| c.id == id)
                    .map(|c| c.title.clone())
            })
            .unwrap_or_else(|| "Conversation".to_owned());
        let model = self.chat.config.with_untracked(|c| c.model.clone());
        let stem: String = title
            .chars()
            .map(|c| {
                if c.is_alphanumeric() {
                    c.to_ascii_lowercase()
                } else {
                    '-'
                }
            })
            .collect::<String>()
            .split('-')
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join("-");
        let stem = if stem.is_empty() {
            "conversation".to_owned()
        } else {
            stem
        };
        Ok(if markdown {
            (
                format!("{stem}.md"),
                "text/markdown",
                export_markdown(&title, &messages),
            )
        } else {
            (
                format!("{stem}.json"),
                "application/json",
                export_json(&title, &model, &messages, now()),
            )
        })
    }
}
