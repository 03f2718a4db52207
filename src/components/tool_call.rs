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
        arguments.with(|a| match confab_core::json::parse_value(a) {
            Ok(v) => v.pretty(),
            Err(_) => a.clone(),
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
