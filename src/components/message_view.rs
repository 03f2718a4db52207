use confab_core::{MessageState, Role};
use leptos::prelude::*;

use crate::chat::{Chat, MessageHandle};
use crate::components::alternatives::Alternatives;
use crate::components::edit_box::EditBox;
use crate::components::markdown::Markdown;
use crate::components::message_actions::MessageActions;
use crate::components::message_meta::MessageMeta;
use crate::components::tool_call::ToolCallCard;
use crate::components::versions::VersionSwitch;

/// One message bubble. It subscribes to its own message's signal only.
#[component]
pub fn MessageView(
    /// The message to show.
    handle: MessageHandle,
) -> impl IntoView {
    let chat = expect_context::<Chat>();
    let data = handle.data;
    let role = data.with_untracked(|m| m.role);
    let state = Memo::new(move |_| data.with(|m| m.state));
    let class = move || {
        format!(
            "confab__msg confab__msg--{} confab__msg--{}",
            role.as_str(),
            state.get().as_str()
        )
    };
    let content = move || data.with(|m| m.content().to_owned());
    let reasoning = move || {
        data.with(|m| {
            m.choice()
                .map(|c| c.reasoning.clone())
                .filter(|r| !r.is_empty())
        })
    };
    let refusal = move || {
        data.with(|m| {
            m.choice()
                .and_then(|c| c.refusal.clone())
                .filter(|r| !r.is_empty())
        })
    };
    let waiting = move || {
        state.get() == MessageState::Streaming
            && data.with(|m| m.choice().is_none_or(confab_core::Choice::is_blank))
    };
    let error = move || data.with(|m| m.error.as_ref().map(|e| e.user_message()));
    let cut_off = move || state.get() == MessageState::Done && data.with(|m| m.was_cut_off());
    // Finished with nothing to show: said, rather than an empty bubble.
    let empty = move || {
        state.get() == MessageState::Done
            && data.with(|m| {
                m.finish_reason() != Some(&confab_core::FinishReason::ContentFilter)
                    && !m.was_cut_off()
                    && m.choice().is_none_or(confab_core::Choice::is_blank)
            })
    };
    let filtered = move || {
        state.get() == MessageState::Done
            && data.with(|m| m.finish_reason() == Some(&confab_core::FinishReason::ContentFilter))
    };
    let several = move || data.with(|m| m.choices.len() > 1);
    let has_versions = move || data.with(|m| m.versions.is_some());
    let tool_calls = move || {
        data.with(|m| {
            m.choice().map_or(Vec::new(), |c| {
                c.tool_calls
                    .iter()
                    .enumerate()
                    .map(|(i, t)| (i, t.function.name.clone(), t.function.arguments.clone()))
                    .collect()
            })
        })
    };
    let function_call = move || data.with(|m| m.choice().and_then(|c| c.function_call.clone()));
    let note = move || match state.get() {
        MessageState::Stopped => Some("Stopped."),
        _ => None,
    };
    let retry = move || {
        chat.retry
            .get()
            .filter(|r| r.message == handle.id)
            .map(|r| {
                format!(
                "The server is busy; retrying in {} s (attempt {} of {}). Press Stop to cancel.",
                r.seconds_left,
                r.attempt,
                confab_core::retry::MAX_RETRIES
            )
            })
    };
    let is_last = move || {
        chat.messages
            .with(|v| v.last().map(|h| h.id) == Some(handle.id))
    };
    let can_retry = move || {
        role == Role::Assistant
            && matches!(
                state.get(),
                MessageState::Failed | MessageState::Incomplete | MessageState::Stopped
            )
            && is_last()
            && !chat.busy.get()
    };
    let editing = RwSignal::new(false);
    let label = match role {
        Role::User => "You",
        _ => "Assistant",
    };
    view! {
        <article class=class part="message" data-role=role.as_str() data-state=move || state.get().as_str()>
            <span class="confab__sr-only">{label}</span>
            {move || reasoning().map(|r| view! {
                <details class="confab__reasoning" part="reasoning">
                    <summary>{"Reasoning"}</summary>
                    <div class="confab__reasoning-text">{r}</div>
                </details>
            })}
            {if role == Role::Assistant {
                view! { <Markdown message=data/> }.into_any()
            } else {
                view! {
                    <Show when=move || editing.get() fallback=move || view! { <div class="confab__content confab__plain">{content}</div> }>
                        <EditBox handle=handle editing=editing/>
                    </Show>
                }
                .into_any()
            }}
            {move || refusal().map(|r| view! {
                <p class="confab__refusal" role="note"><strong>{"The model refused: "}</strong>{r}</p>
            })}
            <For each=tool_calls key=|t| t.clone() let:t>
                <ToolCallCard name=t.1 arguments=t.2 kind="Tool call"/>
            </For>
            {move || function_call().map(|f| view! { <ToolCallCard name=f.name arguments=f.arguments kind="Function call"/> })}
            <Show when=waiting>
                <span class="confab__typing" role="status" aria-label="The assistant is typing"><i></i><i></i><i></i></span>
            </Show>
            <Show when=several>
                <Alternatives message=data/>
            </Show>
            <Show when=has_versions>
                <VersionSwitch message=data/>
            </Show>
            {move || retry().map(|r| view! { <p class="confab__retry" role="status">{r}</p> })}
            {move || note().map(|n| view! { <p class="confab__note">{n}</p> })}
            <Show when=cut_off>
                <p class="confab__note confab__cut">
                    "The answer was cut off at the length limit. "
                    <button type="button" class="confab__link-btn confab__continue" on:click=move |_| chat.continue_answer(handle.id)>"Continue"</button>
                </p>
            </Show>
            <Show when=empty>
                <p class="confab__note confab__empty-answer">{"The model sent an empty answer."}</p>
            </Show>
            <Show when=filtered>
                <p class="confab__note confab__filtered">{"The server's content filter stopped this answer."}</p>
            </Show>
            {move || error().map(|e| view! { <p class="confab__error" role="alert">{e}</p> })}
            <Show when=can_retry>
                <button type="button" class="confab__link-btn confab__retry-btn" on:click=move |_| chat.regenerate()>"Try again"</button>
            </Show>
            <MessageMeta message=data/>
            <MessageActions handle=handle editing=editing/>
        </article>
    }
}
