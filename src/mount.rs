//! Mounting the widget inside an open shadow root, with its stylesheet adopted there, so host
//! page styles cannot reach it and its styles cannot leak out.

use leptos::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{CssStyleSheet, Element, HtmlElement, ShadowRootInit, ShadowRootMode};

use crate::components::app::App;
use crate::config::WidgetConfig;

/// The widget's one stylesheet.
pub const STYLE: &str = include_str!("../style/confab.css");

/// Mounts the widget in `host`'s shadow root (created if needed). Constructable stylesheets
/// need no `style-src 'unsafe-inline'`, so this works under a strict CSP.
pub fn mount_in_shadow(host: &Element, config: WidgetConfig) {
    let shadow = host.shadow_root().unwrap_or_else(|| {
        let init = ShadowRootInit::new(ShadowRootMode::Open);
        host.attach_shadow(&init).expect("attach a shadow root")
    });
    if let Ok(sheet) = CssStyleSheet::new() {
        if sheet.replace_sync(STYLE).is_ok() {
            shadow.set_adopted_style_sheets(&js_sys::Array::of1(&sheet));
        }
    }
    let document = host.owner_document().expect("a document");
    let root: HtmlElement = document
        .create_element("div")
        .expect("a div")
        .unchecked_into();
    root.set_class_name("confab");
    shadow.append_child(&root).expect("append the root");
    leptos::mount::mount_to(root, move || view! { <App config=config/> }).forget();
}
