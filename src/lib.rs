//! Confab: an embeddable chat widget for OpenAI-compatible chat completions servers.
//!
//! The chat logic lives in `confab-core` (no browser APIs); this crate is the browser side:
//! configuration from the page, the streaming fetch, reactive chat state, and the components.

pub mod chat;
pub mod clipboard;
pub mod coalesce;
pub mod components;
pub mod config;
pub mod dom;
pub mod download;
pub mod embed;
pub mod events;
pub mod library;
pub mod mount;
pub mod storage;
pub mod timing;
pub mod transport;

pub use config::WidgetConfig;
pub use mount::mount_in_shadow;
