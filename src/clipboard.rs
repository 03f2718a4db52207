//! Copying text to the clipboard, with the button telling whether it worked.

use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{Element, HtmlDocument, HtmlElement, HtmlTextAreaElement};

/// Copies `text`, then shows "Copied" (or why not) on `button` for a moment.
///
/// Pages served over plain `http` (a model server on the local network) have no clipboard API;
/// there the text is copied from a selected, unseen text box, at once, while the click still
/// counts as the user's.
pub fn copy(text: String, button: Element) {
    let clipboard = web_sys::window()
        .map(|w| w.navigator())
        .and_then(|n| js_sys::Reflect::get(&n, &"clipboard".into()).ok())
        .filter(|c| !c.is_undefined() && !c.is_null())
        .map(|c| c.unchecked_into::<web_sys::Clipboard>());
    let Some(clipboard) = clipboard else {
        let ok = copy_by_selection(&text, &button);
        return show(button, ok);
    };
    leptos::task::spawn_local(async move {
        let ok = JsFuture::from(clipboard.write_text(&text)).await.is_ok();
        show(button, ok);
    });
}

/// "Copied" or "Copy failed" on `button`, then its own label again.
fn show(button: Element, ok: bool) {
    leptos::task::spawn_local(async move {
        let before = button.text_content().unwrap_or_default();
        button.set_text_content(Some(if ok { "Copied" } else { "Copy failed" }));
        crate::timing::sleep_ms(1500).await;
        button.set_text_content(Some(&before));
    });
}

/// Copies `text` through a text box put next to `near`, selected, and removed again.
fn copy_by_selection(text: &str, near: &Element) -> bool {
    let (Some(document), Some(parent)) = (near.owner_document(), near.parent_node()) else {
        return false;
    };
    let Ok(area) = document.create_element("textarea") else {
        return false;
    };
    let area: HtmlTextAreaElement = area.unchecked_into();
    area.set_value(text);
    let _ = area.set_attribute("readonly", "");
    let _ = area.set_attribute("aria-hidden", "true");
    // Set through the CSSOM, which a strict style-src allows.
    let style = HtmlElement::style(&area);
    for (name, value) in [
        ("position", "fixed"),
        ("top", "0"),
        ("left", "0"),
        ("opacity", "0"),
    ] {
        let _ = style.set_property(name, value);
    }
    if parent.append_child(&area).is_err() {
        return false;
    }
    area.select();
    let ok = document
        .dyn_into::<HtmlDocument>()
        .ok()
        .and_then(|d| d.exec_command("copy").ok())
        .unwrap_or(false);
    let _ = parent.remove_child(&area);
    let _ = near.unchecked_ref::<HtmlElement>().focus();
    ok
}
