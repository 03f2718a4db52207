//! The standalone page: `index.html` built by trunk. Configuration comes from the query string.

fn main() {
    console_error_panic_hook_lite();
    let config = confab::WidgetConfig::from_page_query();
    let document = web_sys::window()
        .and_then(|w| w.document())
        .expect("a document");
    let host = document
        .get_element_by_id("confab")
        .or_else(|| document.body().map(Into::into))
        .expect("a #confab element or a body");
    confab::mount_in_shadow(&host, config);
}

/// Panics go to the console rather than vanishing.
fn console_error_panic_hook_lite() {
    std::panic::set_hook(Box::new(|info| {
        web_sys::console::error_1(&info.to_string().into());
    }));
}
