//! Keeping the conversation in localStorage or sessionStorage. Every failure (storage disabled,
//! quota exceeded, a damaged or newer saved form) becomes a sentence for the user; what is in
//! memory is never lost because of it.

use confab_core::store::{self, StoreError};
use confab_core::Message;
use web_sys::Storage;

use crate::config::Persist;

fn area(persist: Persist) -> Result<Option<Storage>, String> {
    let window = web_sys::window().ok_or("no window")?;
    let storage = match persist {
        Persist::None => return Ok(None),
        Persist::Local => window.local_storage(),
        Persist::Session => window.session_storage(),
    };
    match storage {
        Ok(Some(s)) => Ok(Some(s)),
        _ => Err("This browser does not allow saving here (storage is disabled), so the conversation will not be kept after this page closes.".into()),
    }
}

fn key(storage_key: &str) -> String {
    format!("confab:{storage_key}")
}

/// Loads the saved conversation. A damaged one is set aside under another key (so nothing is
/// destroyed) and reported.
pub fn load(persist: Persist, storage_key: &str) -> Result<Vec<Message>, String> {
    let Some(storage) = area(persist)? else {
        return Ok(Vec::new());
    };
    let key = key(storage_key);
    let Ok(Some(text)) = storage.get_item(&key) else {
        return Ok(Vec::new());
    };
    match store::decode(&text) {
        Ok(messages) => Ok(messages),
        Err(e) => {
            let aside = format!("{key}:unreadable:{}", js_sys::Date::now() as u64);
            let _ = storage.set_item(&aside, &text);
            let _ = storage.remove_item(&key);
            Err(match e {
                StoreError::TooNew(_) => format!("{e}; it was kept under “{aside}” and a new conversation started."),
                StoreError::Corrupt(_) => format!("The saved conversation could not be read ({e}); it was kept under “{aside}” and a new conversation started."),
            })
        }
    }
}

/// Saves the conversation.
pub fn save(persist: Persist, storage_key: &str, messages: &[Message]) -> Result<(), String> {
    let Some(storage) = area(persist)? else {
        return Ok(());
    };
    storage.set_item(&key(storage_key), &store::encode(messages)).map_err(|e| {
        let name = js_sys::Reflect::get(&e, &"name".into()).ok().and_then(|n| n.as_string()).unwrap_or_default();
        if name == "QuotaExceededError" {
            "The browser's storage is full, so the latest messages are not saved. They are still here until you close the page; export or clear old conversations to make room.".to_owned()
        } else {
            "The conversation could not be saved in this browser's storage. It is still here until you close the page.".to_owned()
        }
    })
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
    let storage = area(Persist::Local)?.ok_or("storage is off")?;
    let name = format!("confab:{storage_key}:api-key");
    match key {
        Some(k) => storage.set_item(&name, k),
        None => storage.remove_item(&name),
    }
    .map_err(|_| "The key could not be saved on this device.".to_owned())
}
