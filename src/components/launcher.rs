use leptos::prelude::*;

/// The launcher's speech-bubble icon (`confab.js` draws the same one before the widget loads).
const CHAT_ICON: &str =
    "M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z";

/// The floating button that opens and closes the chat panel.
#[component]
pub fn Launcher(
    /// Whether the panel is open.
    open: RwSignal<bool>,
    /// An answer ended while the panel was closed.
    unread: RwSignal<bool>,
) -> impl IntoView {
    let label = move || {
        if open.get() {
            "Close the chat"
        } else if unread.get() {
            "Open the chat (a new answer)"
        } else {
            "Open the chat"
        }
    };
    // In the top layer (see style/confab.css); where popovers are not supported, an ordinary
    // fixed button.
    let button = NodeRef::<leptos::html::Button>::new();
    Effect::new(move |_| {
        if let Some(b) = button.get() {
            let _ = b.show_popover();
        }
    });
    view! {
        <button
            node_ref=button
            popover="manual"
            type="button"
            class="confab__launcher"
            part="launcher"
            aria-label=label
            aria-controls="confab-panel"
            aria-expanded=move || open.get().to_string()
            on:click=move |_| open.update(|o| *o = !*o)
        >
            <svg class="confab__launcher-icon" viewBox="0 0 24 24" aria-hidden="true" width=28 height=28>
                <path fill="currentColor" d=CHAT_ICON/>
            </svg>
            <span class="confab__badge" part="badge" aria-hidden="true" hidden=move || !unread.get()></span>
        </button>
    }
}
