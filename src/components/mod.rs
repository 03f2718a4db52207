//! The widget's components, one per file. Components read signals and call `Chat` methods;
//! they do no I/O of their own.
//!
//! No view builds DOM from HTML. Leptos's `view!` turns an element whose attributes and
//! children are all string literals into an "inert element", created from an HTML string
//! through `innerHTML`, which Trusted Types pages forbid. So an element that would be entirely
//! literal gets one non-literal part: its text as a block (`<legend>{"…"}</legend>`), a number
//! (`width=28`) or a constant (`d=CHAT_ICON`). The e2e test `no_view_builds_dom_from_html`
//! checks the built glue for an `innerHTML` setter.

pub mod alternatives;
pub mod app;
pub mod composer;
pub mod conversations;
pub mod edit_box;
pub mod launcher;
pub mod markdown;
pub mod message_actions;
pub mod message_list;
pub mod message_meta;
pub mod message_view;
pub mod settings;
pub mod tool_call;
pub mod versions;
