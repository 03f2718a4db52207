//! The standalone page (`index.html`, built by trunk): it mounts the widget into the element
//! marked `data-confab-standalone`, configured from the query string. When the same wasm is
//! loaded by the embed loader (`confab.js`) on someone else's page, there is no such element
//! and this does nothing.

fn main() {
    std::panic::set_hook(Box::new(|info| {
        let message = format!("Confab crashed: {info}");
        web_sys::console::error_1(&message.as_str().into());
        contain(&message);
    }));
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let Ok(Some(host)) = document.query_selector("[data-confab-standalone]") else {
        return;
    };
    let widget = confab::mount_in_shadow(&host, confab::WidgetConfig::from_page_query());
    // The page is the chat: the cursor starts in the composer.
    if let Some(Ok(Some(composer))) = host.shadow_root().map(|r| r.query_selector("textarea")) {
        let _ = wasm_bindgen::JsCast::unchecked_into::<web_sys::HtmlElement>(composer).focus();
    }
    // The page's widget lives as long as the page.
    std::mem::forget(widget);
}

/// After a panic the WebAssembly instance stops for good (panic = "abort"): nothing of it may
/// run again. What can be done is said here, before it stops: the embed loader hears of it
/// through a `confab:crashed` event on the window and offers each widget a fresh instance; the
/// standalone page, which has no loader, shows a notice with a link that reloads the page (a
/// plain link: no handler of the stopped instance is needed).
fn contain(message: &str) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let init = web_sys::CustomEventInit::new();
    init.set_detail(&message.into());
    if let Ok(event) = web_sys::CustomEvent::new_with_event_init_dict("confab:crashed", &init) {
        let _ = window.dispatch_event(&event);
    }
    let Some(document) = window.document() else {
        return;
    };
    let Some(root) = document
        .query_selector("[data-confab-standalone]")
        .ok()
        .flatten()
        .and_then(|host| host.shadow_root())
    else {
        return;
    };
    while let Some(child) = root.first_child() {
        let _ = root.remove_child(&child);
    }
    let Ok(notice) = document.create_element("p") else {
        return;
    };
    let _ = notice.set_attribute("role", "alert");
    notice.set_text_content(Some(
        "The chat hit an internal error and stopped. Your conversations are kept. ",
    ));
    if let Ok(link) = document.create_element("a") {
        let _ = link.set_attribute("href", &window.location().href().unwrap_or_default());
        link.set_text_content(Some("Reload the chat"));
        let _ = notice.append_child(&link);
    }
    let _ = root.append_child(&notice);
}
