//! Confab's chat logic, free of any browser or UI framework.
//!
//! The pipeline a streamed answer travels through, one small type per step:
//!
//! ```text
//! bytes ──► sse::SseDecoder ──► stream::ChunkDecoder ──► message::Message::apply_chunk
//!          (UTF-8 + WHATWG      (JSON chunks, [DONE],    (merge deltas per choice index)
//!           event framing)       mid-stream errors)
//! ```
//!
//! **Invariant:** nothing in this crate touches `web-sys`, `js-sys`, `wasm-bindgen` or Leptos;
//! everything here is tested natively with `cargo test -p confab-core`.

pub mod adapt;
pub mod api;
pub mod auth;
pub mod conversation;
pub mod error;
pub mod export;
pub mod lenient;
pub mod library;
pub mod markdown;
pub mod message;
pub mod params;
pub mod retry;
pub mod sse;
pub mod store;
pub mod stream;
pub mod surrogates;
pub mod versions;

pub use api::{FinishReason, Role, Usage};
pub use error::ChatError;
pub use message::{Choice, Message, MessageId, MessageState};
pub use params::{Params, ValidationError};
pub use stream::{ChunkDecoder, StreamEvent};
