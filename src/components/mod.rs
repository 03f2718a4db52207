//! The widget's components, one per file. Components read signals and call `Chat` methods;
//! they do no I/O of their own.

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
