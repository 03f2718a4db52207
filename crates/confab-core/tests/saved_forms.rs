//! Nothing saved is lost. The fixtures in `data/saved/` were written by the build before JSON
//! moved to serde (its own JSON library), with how that build read them back: this build reads
//! them to the same values. And a save → load round trip is lossless for generated values of
//! every saved type.

use confab_core::api::{ErrorCode, ErrorObject, FinishReason, FunctionCall, Role, ToolCall, Usage};
use confab_core::error::ChatError;
use confab_core::library::{import_json, ConversationMeta, Index};
use confab_core::message::{Choice, Message, MessageState};
use confab_core::params::ValidationError;
use confab_core::versions::Versions;
use confab_core::{export, store};
use proptest::prelude::*;
use serde_json::Value;

fn fixture(name: &str) -> String {
    let path = format!("{}/tests/data/saved/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// `value`'s debug form without the state that only streaming has, which this build added
/// (`joiners`, empty in anything read back).
fn shown<T: std::fmt::Debug>(value: &T) -> String {
    let text = format!("{value:#?}\n");
    let mut out = String::new();
    let mut skipping: Option<String> = None;
    for line in text.lines() {
        match &skipping {
            Some(end) if line == end => skipping = None,
            Some(_) => {}
            None if line.trim_start() == "joiners: [" => {
                let indent = &line[..line.len() - line.trim_start().len()];
                skipping = Some(format!("{indent}],"));
            }
            None => {
                out.push_str(line);
                out.push('\n');
            }
        }
    }
    out
}

/// Equal texts, or a failure that names the first line that differs (not the whole texts).
fn same(got: &str, want: &str) {
    if let Some((i, (g, w))) = got
        .lines()
        .zip(want.lines())
        .enumerate()
        .find(|(_, (g, w))| g != w)
    {
        panic!("line {}: got {g:?}, the previous build read {w:?}", i + 1);
    }
    assert_eq!(got.lines().count(), want.lines().count());
}

#[test]
fn conversations_saved_by_the_previous_build_read_the_same() {
    let read = store::decode(&fixture("conversation-v1.json")).unwrap();
    same(&shown(&read), &fixture("conversation-v1.read.txt"));
    // And they are written back as they were read.
    assert_eq!(store::decode(&store::encode(&read)).unwrap(), read);
    let old = store::decode(&fixture("conversation-v0.json")).unwrap();
    assert_eq!(
        old.iter()
            .map(|m| (m.role, m.content()))
            .collect::<Vec<_>>(),
        [
            (Role::System, "Be brief."),
            (Role::User, "Hi"),
            (Role::Assistant, "Hello!")
        ]
    );
}

#[test]
fn the_index_and_exports_of_the_previous_build_read_the_same() {
    let index = Index::decode(&fixture("index-v2.json")).unwrap();
    same(&shown(&index), &fixture("index-v2.read.txt"));
    assert_eq!(Index::decode(&index.encode()).unwrap(), index);
    let imported = import_json(&fixture("export.json")).unwrap();
    same(&shown(&imported), &fixture("export.imported.txt"));
}

/// `messages()` gives what it gave, but for errors: `message` is now the server's own words
/// when it sent any, and the sentence the widget shows moved to `description`.
#[test]
fn messages_json_is_unchanged_but_for_the_error_contract() {
    let read = store::decode(&fixture("conversation-v1.json")).unwrap();
    let mut now = export::conversation_json(&read);
    let mut before: Value = serde_json::from_str(&fixture("messages-api.json")).unwrap();
    let (now_list, before_list) = (now.as_array_mut().unwrap(), before.as_array_mut().unwrap());
    assert_eq!(now_list.len(), before_list.len());
    let mut errors = 0;
    for (m, (now, before)) in read.iter().zip(now_list.iter_mut().zip(before_list)) {
        if let Some(error) = &m.error {
            errors += 1;
            let (n, b) = (&mut now["error"], &mut before["error"]);
            // The old sentence, but that a stream error no longer claims an answer was kept
            // (there may have been none).
            let old = b["message"]
                .as_str()
                .unwrap()
                .replace("The answer so far is kept; try again.", "Try again.");
            assert_eq!(
                n["description"],
                old.as_str(),
                "the old message is the description"
            );
            let said = error.server_message().map(str::to_owned);
            assert_eq!(n["message"].as_str(), Some(said.as_deref().unwrap_or(&old)));
            assert_eq!(n["type"].as_str(), error.kind());
            for key in ["message", "description", "type"] {
                n.as_object_mut().unwrap().remove(key);
                b.as_object_mut().unwrap().remove(key);
            }
        }
        assert_eq!(now, before);
    }
    assert_eq!(
        errors, 10,
        "nine kinds of failure and one answer that ended early"
    );
}

// ---------------------------------------------------------------------------------------------
// Generated values

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        "[a-z ]{1,12}",
        any::<String>(),
        Just("😀 é \u{0} \" \\ \n </script>".to_owned()),
    ]
}

fn usage() -> impl Strategy<Value = Usage> {
    (any::<u64>(), any::<u64>(), any::<u64>()).prop_map(|(p, c, t)| Usage {
        prompt_tokens: p,
        completion_tokens: c,
        total_tokens: t,
    })
}

fn finish_reason() -> impl Strategy<Value = FinishReason> {
    prop_oneof![
        Just(FinishReason::Stop),
        Just(FinishReason::Length),
        Just(FinishReason::ToolCalls),
        Just(FinishReason::FunctionCall),
        Just(FinishReason::ContentFilter),
        "[a-z_]{1,10}".prop_map(|s| FinishReason::from(s.as_str())),
    ]
}

fn error_object() -> impl Strategy<Value = ErrorObject> {
    (
        text(),
        proptest::option::of(text()),
        proptest::option::of(text()),
        proptest::option::of(prop_oneof![
            text().prop_map(|t| ErrorCode(t.into())),
            any::<i64>().prop_map(|n| ErrorCode(n.into())),
        ]),
    )
        .prop_map(|(message, kind, param, code)| ErrorObject {
            message,
            kind,
            param,
            code,
        })
}

fn error() -> impl Strategy<Value = ChatError> {
    prop_oneof![
        (
            100u16..600,
            proptest::option::of(error_object()),
            text(),
            proptest::option::of(any::<u64>())
        )
            .prop_map(|(status, error, body, retry_after_ms)| ChatError::Http {
                status,
                error,
                body,
                retry_after_ms
            }),
        error_object().prop_map(ChatError::Stream),
        (text(), text()).prop_map(|(payload, reason)| ChatError::InvalidJson { payload, reason }),
        text().prop_map(ChatError::Network),
        (text(), text())
            .prop_map(|(content_type, body)| ChatError::NotEventStream { content_type, body }),
        Just(ChatError::Incomplete),
        (text(), text())
            .prop_map(|(field, message)| ChatError::Invalid(ValidationError { field, message })),
    ]
}

fn tool_call() -> impl Strategy<Value = ToolCall> {
    (text(), text(), text(), text()).prop_map(|(id, kind, name, arguments)| ToolCall {
        id,
        kind,
        function: FunctionCall { name, arguments },
    })
}

fn choice() -> impl Strategy<Value = Choice> {
    (
        any::<u32>(),
        text(),
        text(),
        proptest::option::of(text()),
        proptest::collection::vec(tool_call(), 0..3),
        proptest::option::of((text(), text())),
        proptest::option::of(finish_reason()),
    )
        .prop_map(
            |(index, content, reasoning, refusal, tool_calls, function_call, finish_reason)| {
                let mut c = Choice::default();
                c.index = index;
                c.content = content;
                c.reasoning = reasoning;
                c.refusal = refusal;
                c.tool_calls = tool_calls;
                c.function_call =
                    function_call.map(|(name, arguments)| FunctionCall { name, arguments });
                c.finish_reason = finish_reason;
                c
            },
        )
}

fn message() -> impl Strategy<Value = Message> {
    let leaf = (
        any::<u64>(),
        prop_oneof![
            Just(Role::System),
            Just(Role::Developer),
            Just(Role::User),
            Just(Role::Assistant),
            Just(Role::Function),
            Just(Role::Tool)
        ],
        proptest::option::of(text()),
        proptest::collection::vec(choice(), 1..3),
        0usize..3,
        prop_oneof![
            Just(MessageState::Done),
            Just(MessageState::Stopped),
            Just(MessageState::Incomplete),
            Just(MessageState::Failed)
        ],
        proptest::option::of(usage()),
        proptest::option::of(error()),
        (
            proptest::option::of(text()),
            proptest::option::of(any::<u64>()),
        ),
    )
        .prop_map(
            |(id, role, name, choices, selected, state, usage, error, (model, elapsed_ms))| {
                let mut m = Message::text(id, role, "");
                m.name = name;
                m.selected = selected.min(choices.len() - 1);
                m.choices = choices;
                m.state = state;
                m.usage = usage;
                m.error = error;
                m.model = model;
                m.elapsed_ms = elapsed_ms;
                m
            },
        );
    leaf.prop_recursive(3, 24, 3, |inner| {
        (
            inner.clone(),
            proptest::collection::vec(proptest::collection::vec(inner, 1..3), 1..3),
            any::<usize>(),
        )
            .prop_map(|(mut m, others, current)| {
                m.versions = Some(Box::new(Versions {
                    current: current % (others.len() + 1),
                    others,
                }));
                m
            })
    })
}

fn meta() -> impl Strategy<Value = ConversationMeta> {
    (
        text(),
        text(),
        any::<bool>(),
        any::<u64>(),
        any::<u64>(),
        proptest::collection::btree_map(text(), text(), 0..3),
    )
        .prop_map(
            |(id, title, renamed, created_ms, updated_ms, settings)| ConversationMeta {
                id,
                title,
                renamed,
                created_ms,
                updated_ms,
                settings,
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// Everything a conversation holds survives saving and loading, to the last bit of every
    /// id and token count. (Loading re-derives what only streaming needs, so the comparison
    /// is of the saved texts.)
    #[test]
    fn a_saved_conversation_loads_as_it_was(messages in proptest::collection::vec(message(), 0..4)) {
        let saved = store::encode(&messages);
        let back = store::decode(&saved).unwrap();
        prop_assert_eq!(store::encode(&back), saved);
        prop_assert_eq!(back.len(), messages.len());
        for (a, b) in back.iter().zip(&messages) {
            prop_assert_eq!((a.id, a.usage.clone(), &a.error, a.elapsed_ms), (b.id, b.usage.clone(), &b.error, b.elapsed_ms));
        }
    }

    #[test]
    fn a_saved_index_loads_as_it_was(
        conversations in proptest::collection::vec(meta(), 0..4),
        active in proptest::option::of(text()),
    ) {
        let index = Index { version: confab_core::library::INDEX_VERSION, active, conversations };
        prop_assert_eq!(Index::decode(&index.encode()).unwrap(), index);
    }

    #[test]
    fn an_error_loads_as_it_was(e in error()) {
        let text = serde_json::to_string(&e).unwrap();
        prop_assert_eq!(serde_json::from_str::<ChatError>(&text).unwrap(), e);
    }
}
