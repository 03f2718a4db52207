//! Keeping conversations in localStorage or sessionStorage, or with `persist: none` in this
//! page's memory only (so History still works until the page closes): the list of
//! conversations (`confab:{key}:index`), each conversation (`confab:{key}:c:{id}`) and the
//! unsent text in the composer (`confab:{key}:draft:{id}`, one per conversation). Every failure
//! (storage disabled, quota exceeded, damaged or newer data) becomes a sentence for the user;
//! what is in memory is never lost because of it, and damaged data is set aside, not deleted.

use confab_core::library::{title_from, ConversationMeta, Index};
use confab_core::store::{self, StoreError};
use confab_core::Message;
use wasm_bindgen::JsValue;
use web_sys::Storage;

use crate::config::Persist;

/// Where conversations are kept.
enum Area {
    Web(Storage),
    /// `persist: none`: this page's memory, gone when it closes.
    Memory,
}

thread_local! {
    static MEMORY: std::cell::RefCell<std::collections::HashMap<String, String>> =
        Default::default();
}

impl Area {
    fn get_item(&self, key: &str) -> Result<Option<String>, JsValue> {
        match self {
            Area::Web(s) => s.get_item(key),
            Area::Memory => Ok(MEMORY.with(|m| m.borrow().get(key).cloned())),
        }
    }

    fn set_item(&self, key: &str, value: &str) -> Result<(), JsValue> {
        match self {
            Area::Web(s) => s.set_item(key, value),
            Area::Memory => {
                MEMORY.with(|m| m.borrow_mut().insert(key.to_owned(), value.to_owned()));
                Ok(())
            }
        }
    }

    /// Every key in the area.
    fn keys(&self) -> Vec<String> {
        match self {
            Area::Web(s) => (0..s.length().unwrap_or(0))
                .filter_map(|i| s.key(i).ok().flatten())
                .collect(),
            Area::Memory => MEMORY.with(|m| m.borrow().keys().cloned().collect()),
        }
    }

    fn remove_item(&self, key: &str) -> Result<(), JsValue> {
        match self {
            Area::Web(s) => s.remove_item(key),
            Area::Memory => {
                MEMORY.with(|m| m.borrow_mut().remove(key));
                Ok(())
            }
        }
    }
}

fn area(persist: Persist) -> Result<Area, String> {
    let window = web_sys::window().ok_or("no window")?;
    let storage = match persist {
        Persist::None => return Ok(Area::Memory),
        Persist::Local => window.local_storage(),
        Persist::Session => window.session_storage(),
    };
    match storage {
        Ok(Some(s)) => Ok(Area::Web(s)),
        _ => Err("This browser does not allow saving here (storage is disabled), so conversations will not be kept after this page closes.".into()),
    }
}

/// Where the single-conversation format kept its conversation.
fn legacy_key(storage_key: &str) -> String {
    format!("confab:{storage_key}")
}

fn conversation_key(storage_key: &str, id: &str) -> String {
    format!("confab:{storage_key}:c:{id}")
}

pub fn index_key(storage_key: &str) -> String {
    format!("confab:{storage_key}:index")
}

/// The id of the conversation saved under `key`, if that is a conversation's key.
pub fn conversation_id<'k>(storage_key: &str, key: &'k str) -> Option<&'k str> {
    key.strip_prefix("confab:")?
        .strip_prefix(storage_key)?
        .strip_prefix(":c:")
        .filter(|id| !id.is_empty() && !id.contains(':'))
}

/// The ids of the conversations whose messages are saved.
fn saved_ids(storage: &Area, storage_key: &str) -> Vec<String> {
    storage
        .keys()
        .iter()
        .filter_map(|k| conversation_id(storage_key, k).map(str::to_owned))
        .collect()
}

/// Whether `area` (a storage event's) is where conversations are kept with `persist`.
pub fn is_area(persist: Persist, area: &Storage) -> bool {
    let Some(window) = web_sys::window() else {
        return false;
    };
    let ours = match persist {
        Persist::None => return false,
        Persist::Local => window.local_storage(),
        Persist::Session => window.session_storage(),
    };
    matches!(ours, Ok(Some(s)) if AsRef::<JsValue>::as_ref(&s) == AsRef::<JsValue>::as_ref(area))
}

fn write_problem(e: &JsValue) -> String {
    let name = js_sys::Reflect::get(e, &"name".into())
        .ok()
        .and_then(|n| n.as_string())
        .unwrap_or_default();
    if name == "QuotaExceededError" {
        "The browser's storage is full, so the latest messages are not saved. They are still here until you close the page; export or delete old conversations to make room.".to_owned()
    } else {
        "The conversation could not be saved in this browser's storage. It is still here until you close the page.".to_owned()
    }
}

/// Reads a saved conversation; a damaged one is set aside and reported.
fn load_at(storage: &Area, key: &str) -> Result<Vec<Message>, String> {
    let Ok(Some(text)) = storage.get_item(key) else {
        return Ok(Vec::new());
    };
    match store::decode(&text) {
        Ok(messages) => Ok(messages),
        Err(e) => {
            let aside = format!("{key}:unreadable:{}", js_sys::Date::now() as u64);
            let _ = storage.set_item(&aside, &text);
            let _ = storage.remove_item(key);
            Err(match e {
                StoreError::TooNew(_) => format!("{e}; it was kept under “{aside}” and a new conversation started."),
                StoreError::Corrupt(_) => format!(
                    "The saved conversation could not be read ({e}); it was kept under “{aside}” and a new conversation started."
                ),
            })
        }
    }
}

/// Loads the list of conversations. A conversation saved in the single-conversation format
/// (under `confab:{key}`) is migrated into the list.
pub fn load_index(
    persist: Persist,
    storage_key: &str,
    new_id: impl Fn() -> String,
    now_ms: u64,
) -> (Index, Vec<String>) {
    let mut problems = Vec::new();
    let storage = match area(persist) {
        Ok(s) => s,
        Err(e) => return (Index::default(), vec![e]),
    };
    let mut index = match storage.get_item(&index_key(storage_key)) {
        Ok(Some(text)) => Index::decode(&text).unwrap_or_else(|e| {
            let _ = storage.set_item(
                &format!("{}:unreadable:{now_ms}", index_key(storage_key)),
                &text,
            );
            problems.push(format!("{e}; it was kept aside and a new list started."));
            Index::default()
        }),
        _ => Index::default(),
    };
    let legacy = legacy_key(storage_key);
    if let Ok(Some(_)) = storage.get_item(&legacy) {
        match load_at(&storage, &legacy) {
            Ok(messages) => {
                let id = new_id();
                if save_conversation(persist, storage_key, &id, &messages).is_ok() {
                    let _ = storage.remove_item(&legacy);
                    index.create(id.clone(), title_from(&messages), now_ms);
                    index.touch(&id, &messages, now_ms);
                }
            }
            Err(problem) => problems.push(problem),
        }
    }
    // Entries whose data is gone are dropped from the list; saved conversations the list lost
    // (another tab once wrote its list over this one's) come back into it.
    let saved = saved_ids(&storage, storage_key);
    index.conversations.retain(|c| saved.contains(&c.id));
    let mut lost: Vec<&String> = saved
        .iter()
        .filter(|id| !index.conversations.iter().any(|c| &c.id == *id))
        .collect();
    lost.sort();
    for id in lost {
        if let Ok(messages) = load_at(&storage, &conversation_key(storage_key, id)) {
            index.conversations.push(ConversationMeta {
                id: id.clone(),
                title: title_from(&messages),
                renamed: false,
                created_ms: now_ms,
                updated_ms: now_ms,
                settings: Default::default(),
            });
        }
    }
    if index
        .active
        .as_ref()
        .is_some_and(|a| !index.conversations.iter().any(|c| &c.id == a))
    {
        index.active = index.newest_first().first().map(|c| c.id.clone());
    }
    (index, problems)
}

/// Saves the list, merged with what another page (tab, frame) saved since this one last
/// looked, so neither writes the other's conversations out of it; returns the list saved.
pub fn save_index(persist: Persist, storage_key: &str, index: &Index) -> Result<Index, String> {
    let storage = area(persist)?;
    let key = index_key(storage_key);
    let place = format!("{persist:?} {key}");
    let stored = storage.get_item(&key).ok().flatten();
    // While nobody else has written the list since this page did, there is nothing to merge
    // (and the storage's keys need not be read, once a second while an answer streams).
    let unchanged = LAST_WRITTEN.with(|w| {
        w.borrow()
            .iter()
            .any(|(p, text)| *p == place && Some(text) == stored.as_ref())
    });
    let merged = if unchanged {
        index.clone()
    } else {
        with_saved(&storage, storage_key, index, stored)
    };
    let text = merged.encode();
    storage
        .set_item(&key, &text)
        .map_err(|e| write_problem(&e))?;
    LAST_WRITTEN.with(|w| {
        let mut w = w.borrow_mut();
        w.retain(|(p, _)| *p != place);
        w.push((place, text));
    });
    Ok(merged)
}

thread_local! {
    /// The list as this page last wrote it, per area and key.
    static LAST_WRITTEN: std::cell::RefCell<Vec<(String, String)>> = Default::default();
}

/// `index` with the list another page saved (`stored`, its text) merged in, less what was
/// deleted: what this page should show.
pub fn merged_with(
    persist: Persist,
    storage_key: &str,
    index: &Index,
    stored: Option<String>,
) -> Index {
    match area(persist) {
        Ok(storage) => with_saved(&storage, storage_key, index, stored),
        Err(_) => index.clone(),
    }
}

fn with_saved(storage: &Area, storage_key: &str, index: &Index, stored: Option<String>) -> Index {
    let mut merged = index.clone();
    if let Some(stored) = stored.and_then(|text| Index::decode(&text).ok()) {
        merged.merge(&stored);
    }
    let saved = saved_ids(storage, storage_key);
    merged.retain_saved(|id| saved.iter().any(|s| s == id));
    merged
}

pub fn load_conversation(
    persist: Persist,
    storage_key: &str,
    id: &str,
) -> Result<Vec<Message>, String> {
    let storage = area(persist)?;
    load_at(&storage, &conversation_key(storage_key, id))
}

pub fn save_conversation(
    persist: Persist,
    storage_key: &str,
    id: &str,
    messages: &[Message],
) -> Result<(), String> {
    let storage = area(persist)?;
    storage
        .set_item(&conversation_key(storage_key, id), &store::encode(messages))
        .map_err(|e| write_problem(&e))
}

pub fn delete_conversation(persist: Persist, storage_key: &str, id: &str) {
    if let Ok(storage) = area(persist) {
        let _ = storage.remove_item(&conversation_key(storage_key, id));
        let _ = storage.remove_item(&draft_key(storage_key, Some(id)));
    }
}

/// `confab:{key}:draft:{id}` for a conversation's draft; `confab:{key}:draft` for the draft of
/// a conversation not started yet (it has no lasting id before its first message).
fn draft_key(storage_key: &str, conversation: Option<&str>) -> String {
    match conversation {
        Some(id) => format!("confab:{storage_key}:draft:{id}"),
        None => format!("confab:{storage_key}:draft"),
    }
}

/// What was typed in `conversation` and not sent.
pub fn load_draft(persist: Persist, storage_key: &str, conversation: Option<&str>) -> String {
    area(persist)
        .ok()
        .and_then(|s| {
            s.get_item(&draft_key(storage_key, conversation))
                .ok()
                .flatten()
        })
        .unwrap_or_default()
}

/// Keeps the composer's text (an empty one is removed). Failing is not worth a word: the
/// text is still in the composer.
pub fn save_draft(persist: Persist, storage_key: &str, conversation: Option<&str>, text: &str) {
    if let Ok(storage) = area(persist) {
        let key = draft_key(storage_key, conversation);
        let _ = if text.is_empty() {
            storage.remove_item(&key)
        } else {
            storage.set_item(&key, text)
        };
    }
}

/// The API key the user asked to remember on this device (localStorage), if any.
pub fn remembered_key(storage_key: &str) -> Option<String> {
    let storage = web_sys::window()?.local_storage().ok()??;
    storage
        .get_item(&format!("confab:{storage_key}:api-key"))
        .ok()?
}

/// Remembers the key on this device, or forgets it (`None`).
pub fn remember_key(storage_key: &str, key: Option<&str>) -> Result<(), String> {
    let storage = area(Persist::Local)?;
    let name = format!("confab:{storage_key}:api-key");
    match key {
        Some(k) => storage.set_item(&name, k),
        None => storage.remove_item(&name),
    }
    .map_err(|_| "The key could not be saved on this device.".to_owned())
}
