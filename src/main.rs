//! The standalone page (`index.html`, built by trunk): it mounts the widget into the element
//! marked `data-confab-standalone`, configured from the query string. When the same wasm is
//! loaded by the embed loader (`confab.js`) on someone else's page, there is no such element
//! and this does nothing.

fn main() {
    std::panic::set_hook(Box::new(|info| {
        web_sys::console::error_1(&format!("Confab crashed: {info}").into());
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
