//! Copying text to the clipboard, with the button telling whether it worked.

use wasm_bindgen_futures::JsFuture;
use web_sys::Element;

/// Copies `text`, then shows "Copied" (or why not) on `button` for a moment.
pub fn copy(text: String, button: Element) {
    leptos::task::spawn_local(async move {
        let clipboard = web_sys::window().map(|w| w.navigator().clipboard());
        let ok = match clipboard {
            Some(c) => JsFuture::from(c.write_text(&text)).await.is_ok(),
            None => false,
        };
        let before = button.text_content().unwrap_or_default();
        button.set_text_content(Some(if ok { "Copied" } else { "Copy failed" }));
        crate::chat::sleep_ms(1500).await;
        button.set_text_content(Some(&before));
    });
}
