//! Coalescing a streaming message's change notifications.
//!
//! A server may send one token per network packet, 50 or more a second. Applying a token to the
//! message is cheap; telling every subscriber of the message (the bubble's dozen derived values,
//! its effects, the markdown renderer) is not, and the renderer paces itself anyway. So the text
//! is updated in place on every token and subscribers hear about it at most once per
//! [`INTERVAL_MS`] — except for changes of shape (state, first text, an error, a new tool call or
//! alternative), which are announced at once.

use std::cell::Cell;
use std::rc::Rc;

use confab_core::{Message, MessageState};
use leptos::prelude::*;

/// The longest a token waits before subscribers are told of it: the markdown renderer's own pace
/// while streaming (`STREAMING_RENDER_INTERVAL_MS`), so no notification goes unrendered.
pub const INTERVAL_MS: f64 = 150.0;

/// What makes a message look different beyond its text growing.
#[derive(PartialEq)]
struct Shape {
    state: MessageState,
    choices: usize,
    has_content: bool,
    has_reasoning: bool,
    has_refusal: bool,
    tool_calls: usize,
    has_function_call: bool,
    has_error: bool,
}

impl Shape {
    fn of(m: &Message) -> Shape {
        let c = m.choice();
        Shape {
            state: m.state,
            choices: m.choices.len(),
            has_content: c.is_some_and(|c| !c.content.is_empty()),
            has_reasoning: c.is_some_and(|c| !c.reasoning.is_empty()),
            has_refusal: c.is_some_and(|c| c.refusal.is_some()),
            tool_calls: c.map_or(0, |c| c.tool_calls.len()),
            has_function_call: c.is_some_and(|c| c.function_call.is_some()),
            has_error: m.error.is_some(),
        }
    }
}

/// Updates one message signal, coalescing notifications while it streams.
pub struct Coalesced {
    signal: RwSignal<Message>,
    last: Rc<Cell<f64>>,
    pending: Rc<Cell<bool>>,
}

impl Coalesced {
    pub fn new(signal: RwSignal<Message>) -> Coalesced {
        Coalesced {
            signal,
            last: Rc::new(Cell::new(0.0)),
            pending: Rc::new(Cell::new(false)),
        }
    }

    /// Changes the message now; subscribers hear of it now if its shape changed, otherwise within
    /// [`INTERVAL_MS`].
    pub fn update(&self, change: impl FnOnce(&mut Message)) {
        let reshaped = self.signal.try_update_untracked(|m| {
            let before = Shape::of(m);
            change(m);
            Shape::of(m) != before
        });
        match reshaped {
            None => {}
            Some(true) => self.notify_now(),
            Some(false) => self.notify_soon(),
        }
    }

    fn notify_now(&self) {
        self.last.set(js_sys::Date::now());
        self.signal.notify();
    }

    fn notify_soon(&self) {
        let since = js_sys::Date::now() - self.last.get();
        if since >= INTERVAL_MS && !self.pending.get() {
            return self.notify_now();
        }
        if self.pending.replace(true) {
            return;
        }
        let (signal, last, pending) = (self.signal, self.last.clone(), self.pending.clone());
        let wait = (INTERVAL_MS - since).clamp(0.0, INTERVAL_MS) as u64;
        set_timeout(
            move || {
                pending.set(false);
                last.set(js_sys::Date::now());
                // A message removed meanwhile has no subscribers left: notifying it is a no-op.
                signal.notify();
            },
            std::time::Duration::from_millis(wait),
        );
    }
}
