use leptos::prelude::*;

/// A tool or function call the model made, as a collapsible card: the name, then the
/// arguments pretty-printed when they are JSON (as they arrived otherwise).
#[component]
pub fn ToolCallCard(
    /// The called function's name.
    #[prop(into)]
    name: Signal<String>,
    /// The arguments, as the model wrote them (usually JSON).
    #[prop(into)]
    arguments: Signal<String>,
    /// "Tool call" or "Function call".
    kind: &'static str,
) -> impl IntoView {
    let pretty = move || {
        arguments.with(|a| {
            serde_json::from_str::<serde_json::Value>(a)
                .ok()
                .and_then(|v| serde_json::to_string_pretty(&v).ok())
                .unwrap_or_else(|| a.clone())
        })
    };
    view! {
        <details class="confab__tool" part="tool-call">
            <summary class="confab__tool-summary">
                {kind} ": " <code class="confab__tool-name">{move || name.get()}</code>
            </summary>
            <pre class="confab__tool-args"><code>{pretty}</code></pre>
        </details>
    }
}
