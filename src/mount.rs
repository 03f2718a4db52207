//! Mounting the widget inside an open shadow root, with its stylesheet adopted there, so host
//! page styles cannot reach it and its styles cannot leak out.

use std::cell::RefCell;
use std::rc::Rc;

use leptos::prelude::*;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{CssStyleSheet, Element, HtmlElement, ShadowRoot, ShadowRootInit, ShadowRootMode};

use crate::chat::Chat;
use crate::components::app::App;
use crate::config::{Mode, WidgetConfig};
use crate::embed::{config_pairs, Widget};
use crate::library::Library;

/// The widget's one stylesheet (`style/confab.css`, its comments taken out by `build.rs`).
pub const STYLE: &str = include_str!(concat!(env!("OUT_DIR"), "/confab.css"));

fn shadow_root(host: &Element) -> ShadowRoot {
    let shadow = host.shadow_root().unwrap_or_else(|| {
        let init = ShadowRootInit::new(ShadowRootMode::Open);
        host.attach_shadow(&init).expect("attach a shadow root")
    });
    // A remount after destroy() starts from an empty root.
    while let Some(child) = shadow.first_child() {
        let _ = shadow.remove_child(&child);
    }
    // Constructable stylesheets need no `style-src 'unsafe-inline'`: this works under a strict CSP.
    if let Ok(sheet) = CssStyleSheet::new() {
        if sheet.replace_sync(STYLE).is_ok() {
            shadow.set_adopted_style_sheets(&js_sys::Array::of1(&sheet));
        }
    }
    shadow
}

/// Mounts the widget in `host`'s shadow root (created if needed) and returns its handle.
pub fn mount_in_shadow(host: &Element, config: WidgetConfig) -> Widget {
    let shadow = shadow_root(host);
    let document = host.owner_document().expect("a document");
    let root: HtmlElement = document
        .create_element("div")
        .expect("a div")
        .unchecked_into();
    root.set_class_name("confab-mount");
    shadow.append_child(&root).expect("append the root");

    for p in &config.problems {
        web_sys::console::warn_1(
            &format!("Confab: `{}` {}; the default is used.", p.field, p.message).into(),
        );
    }
    let open_at_start = config.mode != Mode::Launcher;
    // What the app's builder (run inside the mount) hands back.
    type Made = Rc<RefCell<Option<(Library, RwSignal<bool>, Owner)>>>;
    let made: Made = Rc::default();
    let out = made.clone();
    let handle = leptos::mount::mount_to(root.clone(), move || {
        let library = Library::new(Chat::new(config));
        library.follow_other_pages();
        library.save_when_the_page_goes();
        let open = RwSignal::new(open_at_start);
        let owner = Owner::current().unwrap_or_default();
        *out.borrow_mut() = Some((library, open, owner));
        view! { <App library=library open=open/> }
    });
    let (library, open, owner) = made.borrow_mut().take().expect("the app was built");
    // The handle's effects belong to the mount too, and go with it on destroy().
    owner.with(|| Widget::new(host.clone(), root, library, open, Box::new(handle)))
}

/// Mounts a widget in `element`'s shadow root with a JS config object.
#[wasm_bindgen(js_name = mountWidget)]
pub fn mount_widget(element: Element, config: JsValue) -> Widget {
    let mut c = WidgetConfig::default();
    if let Some(origin) = web_sys::window().and_then(|w| w.location().origin().ok()) {
        c.endpoint = format!("{origin}/v1");
    }
    for (name, value) in config_pairs(&config) {
        c.set(&name, value.as_deref());
    }
    mount_in_shadow(&element, c)
}
