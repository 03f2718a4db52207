//! Saving text as a file the browser downloads (export), without any HTML.

use wasm_bindgen::JsCast;
use web_sys::{Blob, BlobPropertyBag, Element, HtmlAnchorElement, Url};

/// Offers `content` as a download named `name`. `near` is any element of the widget: the
/// temporary link is added next to it (inside the shadow root) and removed at once.
pub fn download(near: &Element, name: &str, mime: &str, content: &str) -> Result<(), String> {
    let parts = js_sys::Array::of1(&content.into());
    let bag = BlobPropertyBag::new();
    bag.set_type(mime);
    let blob = Blob::new_with_str_sequence_and_options(&parts, &bag)
        .map_err(|_| "The file could not be made.")?;
    let url = Url::create_object_url_with_blob(&blob).map_err(|_| "The file could not be made.")?;
    let document = near.owner_document().ok_or("no document")?;
    let a: HtmlAnchorElement = document
        .create_element("a")
        .map_err(|_| "no link")?
        .unchecked_into();
    a.set_href(&url);
    a.set_download(name);
    a.set_class_name("confab__sr-only");
    let _ = near.append_child(&a);
    a.click();
    a.remove();
    let _ = Url::revoke_object_url(&url);
    Ok(())
}
