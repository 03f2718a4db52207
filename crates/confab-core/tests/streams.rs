//! Streams as real OpenAI-compatible servers send them, replayed whole, byte by byte, and split
//! in two at every byte offset; each must give the same message.

use confab_core::{ChunkDecoder, Message, StreamEvent};

/// Feeds the pieces through the decoder into a fresh assistant message, as the widget does.
fn run(pieces: &[&[u8]]) -> Message {
    let mut decoder = ChunkDecoder::new();
    let mut msg = Message::pending_reply(1);
    let mut saw_done = false;
    let mut failed = None;
    let mut handle = |events: Vec<StreamEvent>, msg: &mut Message| {
        for e in events {
            match e {
                StreamEvent::Chunk(c) => msg.apply_chunk(&c),
                StreamEvent::Done => saw_done = true,
                StreamEvent::Error(err) => failed = Some(err),
            }
        }
    };
    for p in pieces {
        let events = decoder.feed(p);
        handle(events, &mut msg);
    }
    let events = decoder.finish();
    handle(events, &mut msg);
    match failed {
        Some(err) => msg.fail(err),
        None => msg.end_stream(saw_done),
    }
    msg
}

/// A canonical text form of everything the message holds.
fn render(m: &Message) -> String {
    let mut out = format!("state={}", m.state.as_str());
    if let Some(u) = &m.usage {
        out += &format!(
            " usage={}/{}/{}",
            u.prompt_tokens, u.completion_tokens, u.total_tokens
        );
    }
    if let Some(e) = &m.error {
        out += &format!(" error={e}");
    }
    for c in &m.choices {
        out += &format!("\n[{}]", c.index);
        if let Some(f) = &c.finish_reason {
            out += &format!(" finish={}", f.as_str());
        }
        out += &format!(" {:?}", c.content);
        if !c.reasoning.is_empty() {
            out += &format!("\n  reasoning {:?}", c.reasoning);
        }
        if let Some(r) = &c.refusal {
            out += &format!("\n  refusal {r:?}");
        }
        for t in &c.tool_calls {
            out += &format!(
                "\n  {} {} {}({})",
                t.kind, t.id, t.function.name, t.function.arguments
            );
        }
        if let Some(f) = &c.function_call {
            out += &format!("\n  function_call {}({})", f.name, f.arguments);
        }
    }
    out
}

fn check(stream: &str, expected: &str) {
    let bytes = stream.as_bytes();
    let whole = render(&run(&[bytes]));
    assert_eq!(whole, expected.trim(), "whole stream");
    let singles: Vec<&[u8]> = bytes.chunks(1).collect();
    assert_eq!(render(&run(&singles)), whole, "byte by byte");
    for at in 0..=bytes.len() {
        let (a, b) = bytes.split_at(at);
        assert_eq!(render(&run(&[a, b])), whole, "split at byte {at}");
    }
}

/// Joins JSON payloads into an SSE body with `data: ` lines and blank-line separators.
fn sse(events: &[&str]) -> String {
    events.iter().map(|e| format!("data: {e}\n\n")).collect()
}

#[test]
fn openai_with_usage_in_a_last_chunk_without_choices() {
    check(
        &sse(&[
            r#"{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini","system_fingerprint":"fp_1","choices":[{"index":0,"delta":{"role":"assistant","content":"","refusal":null},"logprobs":null,"finish_reason":null}],"usage":null}"#,
            r#"{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{"content":"Hello"},"logprobs":null,"finish_reason":null}],"usage":null}"#,
            r#"{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{"content":" wörld 🦀"},"logprobs":null,"finish_reason":null}],"usage":null}"#,
            r#"{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{},"logprobs":null,"finish_reason":"stop"}],"usage":null}"#,
            r#"{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini","choices":[],"usage":{"prompt_tokens":9,"completion_tokens":3,"total_tokens":12,"prompt_tokens_details":{"cached_tokens":0}}}"#,
            "[DONE]",
        ]),
        r#"
state=done usage=9/3/12
[0] finish=stop "Hello wörld 🦀""#,
    );
}

#[test]
fn azure_first_chunk_has_empty_choices_and_prompt_filter_results() {
    check(
        &sse(&[
            r#"{"choices":[],"created":0,"id":"","model":"","object":"","prompt_filter_results":[{"prompt_index":0,"content_filter_results":{"hate":{"filtered":false,"severity":"safe"}}}]}"#,
            r#"{"choices":[{"content_filter_results":{},"delta":{"role":"assistant","content":""},"finish_reason":null,"index":0,"logprobs":null}],"created":1,"id":"chatcmpl-a","model":"gpt-4o-2024-05-13","object":"chat.completion.chunk","system_fingerprint":"fp_a"}"#,
            r#"{"choices":[{"content_filter_results":{"hate":{"filtered":false,"severity":"safe"}},"delta":{"content":"Hi"},"finish_reason":null,"index":0,"logprobs":null}],"created":1,"id":"chatcmpl-a","model":"gpt-4o-2024-05-13","object":"chat.completion.chunk"}"#,
            r#"{"choices":[{"content_filter_results":{},"delta":{},"finish_reason":"stop","index":0,"logprobs":null}],"created":1,"id":"chatcmpl-a","model":"gpt-4o-2024-05-13","object":"chat.completion.chunk"}"#,
            "[DONE]",
        ]),
        r#"
state=done
[0] finish=stop "Hi""#,
    );
}

#[test]
fn ollama_reasoning_field_and_usage_in_last_chunk() {
    check(
        &sse(&[
            r#"{"id":"chatcmpl-420","object":"chat.completion.chunk","created":1,"model":"qwen3","system_fingerprint":"fp_ollama","choices":[{"index":0,"delta":{"role":"assistant","content":"","reasoning":"Let me think."},"finish_reason":null}]}"#,
            r#"{"id":"chatcmpl-420","object":"chat.completion.chunk","created":1,"model":"qwen3","system_fingerprint":"fp_ollama","choices":[{"index":0,"delta":{"role":"assistant","content":"Four."},"finish_reason":null}]}"#,
            r#"{"id":"chatcmpl-420","object":"chat.completion.chunk","created":1,"model":"qwen3","system_fingerprint":"fp_ollama","choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":"stop"}]}"#,
            r#"{"id":"chatcmpl-420","object":"chat.completion.chunk","created":1,"model":"qwen3","system_fingerprint":"fp_ollama","choices":[],"usage":{"prompt_tokens":11,"completion_tokens":2,"total_tokens":13}}"#,
            "[DONE]",
        ]),
        r#"
state=done usage=11/2/13
[0] finish=stop "Four."
  reasoning "Let me think.""#,
    );
}

#[test]
fn llama_cpp_reasoning_content_timings_and_keys_in_any_order() {
    check(
        &sse(&[
            r#"{"choices":[{"finish_reason":null,"index":0,"delta":{"role":"assistant","content":null}}],"created":1,"id":"chatcmpl-x","model":"gpt-3.5-turbo","system_fingerprint":"b5000","object":"chat.completion.chunk"}"#,
            r#"{"choices":[{"finish_reason":null,"index":0,"delta":{"reasoning_content":"hmm"}}],"created":1,"id":"chatcmpl-x","model":"gpt-3.5-turbo","object":"chat.completion.chunk"}"#,
            r#"{"choices":[{"finish_reason":null,"index":0,"delta":{"content":"Yes"}}],"created":1,"id":"chatcmpl-x","model":"gpt-3.5-turbo","object":"chat.completion.chunk"}"#,
            r#"{"choices":[{"finish_reason":"stop","index":0,"delta":{}}],"created":1,"id":"chatcmpl-x","model":"gpt-3.5-turbo","object":"chat.completion.chunk","usage":{"completion_tokens":2,"prompt_tokens":5,"total_tokens":7},"timings":{"prompt_n":5,"predicted_per_second":40.1}}"#,
            "[DONE]",
        ]),
        r#"
state=done usage=5/2/7
[0] finish=stop "Yes"
  reasoning "hmm""#,
    );
}

#[test]
fn vllm_usage_null_until_the_end() {
    check(
        &sse(&[
            r#"{"id":"cmpl-v","object":"chat.completion.chunk","created":1,"model":"Qwen/Qwen2.5-7B","choices":[{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}],"usage":null}"#,
            r#"{"id":"cmpl-v","object":"chat.completion.chunk","created":1,"model":"Qwen/Qwen2.5-7B","choices":[{"index":0,"delta":{"reasoning_content":"r"},"logprobs":null,"finish_reason":null}],"usage":null}"#,
            r#"{"id":"cmpl-v","object":"chat.completion.chunk","created":1,"model":"Qwen/Qwen2.5-7B","choices":[{"index":0,"delta":{"content":"ok"},"logprobs":null,"finish_reason":"stop","stop_reason":null}],"usage":null}"#,
            r#"{"id":"cmpl-v","object":"chat.completion.chunk","created":1,"model":"Qwen/Qwen2.5-7B","choices":[],"usage":{"prompt_tokens":4,"total_tokens":6,"completion_tokens":2}}"#,
            "[DONE]",
        ]),
        r#"
state=done usage=4/2/6
[0] finish=stop "ok"
  reasoning "r""#,
    );
}

#[test]
fn openrouter_processing_comments_and_reasoning() {
    let body = format!(
        ": OPENROUTER PROCESSING\n\n: OPENROUTER PROCESSING\n\n{}",
        sse(&[
            r#"{"id":"gen-1","provider":"OpenAI","model":"openai/o3-mini","object":"chat.completion.chunk","created":1,"choices":[{"index":0,"delta":{"role":"assistant","content":"","reasoning":"Think"},"finish_reason":null,"native_finish_reason":null,"logprobs":null}]}"#,
            r#"{"id":"gen-1","provider":"OpenAI","model":"openai/o3-mini","object":"chat.completion.chunk","created":1,"choices":[{"index":0,"delta":{"role":"assistant","content":"Done","reasoning":null},"finish_reason":"stop","native_finish_reason":"completed","logprobs":null}],"usage":{"prompt_tokens":3,"completion_tokens":1,"total_tokens":4,"cost":0.0001}}"#,
            "[DONE]",
        ])
    );
    check(
        &body,
        r#"
state=done usage=3/1/4
[0] finish=stop "Done"
  reasoning "Think""#,
    );
}

#[test]
fn groq_usage_under_x_groq() {
    check(
        &sse(&[
            r#"{"id":"chatcmpl-g","object":"chat.completion.chunk","created":1,"model":"llama-3.1-8b-instant","system_fingerprint":"fp_g","choices":[{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}],"x_groq":{"id":"req_1"}}"#,
            r#"{"id":"chatcmpl-g","object":"chat.completion.chunk","created":1,"model":"llama-3.1-8b-instant","choices":[{"index":0,"delta":{"content":"Fast"},"logprobs":null,"finish_reason":null}]}"#,
            r#"{"id":"chatcmpl-g","object":"chat.completion.chunk","created":1,"model":"llama-3.1-8b-instant","choices":[{"index":0,"delta":{},"logprobs":null,"finish_reason":"stop"}],"x_groq":{"id":"req_1","usage":{"queue_time":0.01,"prompt_tokens":12,"prompt_time":0.001,"completion_tokens":1,"completion_time":0.002,"total_tokens":13,"total_time":0.003}}}"#,
            "[DONE]",
        ]),
        r#"
state=done usage=12/1/13
[0] finish=stop "Fast""#,
    );
}

#[test]
fn mistral_usage_with_the_finish_chunk() {
    check(
        &sse(&[
            r#"{"id":"m1","object":"chat.completion.chunk","created":1,"model":"mistral-small-latest","choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]}"#,
            r#"{"id":"m1","object":"chat.completion.chunk","created":1,"model":"mistral-small-latest","choices":[{"index":0,"delta":{"content":"Bonjour"},"finish_reason":null}]}"#,
            r#"{"id":"m1","object":"chat.completion.chunk","created":1,"model":"mistral-small-latest","choices":[{"index":0,"delta":{"content":""},"finish_reason":"stop"}],"usage":{"prompt_tokens":6,"total_tokens":7,"completion_tokens":1}}"#,
            "[DONE]",
        ]),
        r#"
state=done usage=6/1/7
[0] finish=stop "Bonjour""#,
    );
}

#[test]
fn deepseek_reasoning_then_answer() {
    check(
        &sse(&[
            r#"{"id":"d1","object":"chat.completion.chunk","created":1,"model":"deepseek-reasoner","system_fingerprint":"fp_d","choices":[{"index":0,"delta":{"role":"assistant","content":null,"reasoning_content":""},"logprobs":null,"finish_reason":null}]}"#,
            r#"{"id":"d1","object":"chat.completion.chunk","created":1,"model":"deepseek-reasoner","choices":[{"index":0,"delta":{"content":null,"reasoning_content":"2+2"},"logprobs":null,"finish_reason":null}]}"#,
            r#"{"id":"d1","object":"chat.completion.chunk","created":1,"model":"deepseek-reasoner","choices":[{"index":0,"delta":{"content":"4","reasoning_content":null},"logprobs":null,"finish_reason":null}]}"#,
            r#"{"id":"d1","object":"chat.completion.chunk","created":1,"model":"deepseek-reasoner","choices":[{"index":0,"delta":{"content":"","reasoning_content":null},"logprobs":null,"finish_reason":"stop"}],"usage":{"prompt_tokens":10,"completion_tokens":5,"total_tokens":15,"prompt_cache_hit_tokens":0,"completion_tokens_details":{"reasoning_tokens":3}}}"#,
            "[DONE]",
        ]),
        r#"
state=done usage=10/5/15
[0] finish=stop "4"
  reasoning "2+2""#,
    );
}

#[test]
fn litellm_with_crlf_line_endings() {
    let body = sse(&[
        r#"{"id":"chatcmpl-l","created":1,"model":"claude-3-5-sonnet","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"role":"assistant","content":"Line one\nline two"}}]}"#,
        r#"{"id":"chatcmpl-l","created":1,"model":"claude-3-5-sonnet","object":"chat.completion.chunk","choices":[{"finish_reason":"stop","index":0,"delta":{}}]}"#,
        "[DONE]",
    ])
    .replace('\n', "\r\n")
    .replace("\\r\\n", "\\n");
    check(
        &body,
        r#"
state=done
[0] finish=stop "Line one\nline two""#,
    );
}

#[test]
fn n_greater_than_one_interleaves_and_finishes_in_any_order() {
    check(
        &sse(&[
            r#"{"choices":[{"index":1,"delta":{"role":"assistant","content":"B"}}]}"#,
            r#"{"choices":[{"index":0,"delta":{"role":"assistant","content":"A"}}]}"#,
            r#"{"choices":[{"index":1,"delta":{"content":"b"},"finish_reason":"length"}]}"#,
            r#"{"choices":[{"index":0,"delta":{"content":"a"}},{"index":2,"delta":{"content":"C"}}]}"#,
            r#"{"choices":[{"index":2,"delta":{},"finish_reason":"eos"},{"index":0,"delta":{},"finish_reason":"stop"}]}"#,
            "[DONE]",
        ]),
        r#"
state=done
[0] finish=stop "Aa"
[1] finish=length "Bb"
[2] finish=eos "C""#,
    );
}

#[test]
fn tool_calls_merged_by_index() {
    check(
        &sse(&[
            r#"{"choices":[{"index":0,"delta":{"role":"assistant","content":null,"tool_calls":[{"index":0,"id":"call_a","type":"function","function":{"name":"get_weather","arguments":""}}]}}]}"#,
            r#"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\"city\":"}}]}}]}"#,
            r#"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":1,"id":"call_b","type":"function","function":{"name":"get_time","arguments":"{}"}}]}}]}"#,
            r#"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"\"Paris\"}"}}]}}]}"#,
            r#"{"choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}]}"#,
            "[DONE]",
        ]),
        r#"
state=done
[0] finish=tool_calls ""
  function call_a get_weather({"city":"Paris"})
  function call_b get_time({})"#,
    );
}

#[test]
fn whole_tool_calls_without_index() {
    check(
        &sse(&[
            r#"{"choices":[{"index":0,"delta":{"role":"assistant","tool_calls":[{"id":"c1","type":"function","function":{"name":"a","arguments":"{\"x\":1}"}}]}}]}"#,
            r#"{"choices":[{"index":0,"delta":{"tool_calls":[{"id":"c2","type":"function","function":{"name":"b","arguments":"{}"}}]},"finish_reason":"tool_calls"}]}"#,
            "[DONE]",
        ]),
        r#"
state=done
[0] finish=tool_calls ""
  function c1 a({"x":1})
  function c2 b({})"#,
    );
}

#[test]
fn legacy_function_call() {
    check(
        &sse(&[
            r#"{"choices":[{"index":0,"delta":{"role":"assistant","content":null,"function_call":{"name":"lookup","arguments":""}}}]}"#,
            r#"{"choices":[{"index":0,"delta":{"function_call":{"arguments":"{\"q\":"}}}]}"#,
            r#"{"choices":[{"index":0,"delta":{"function_call":{"arguments":"\"rust\"}"}}}]}"#,
            r#"{"choices":[{"index":0,"delta":{},"finish_reason":"function_call"}]}"#,
            "[DONE]",
        ]),
        r#"
state=done
[0] finish=function_call ""
  function_call lookup({"q":"rust"})"#,
    );
}

#[test]
fn refusal() {
    check(
        &sse(&[
            r#"{"choices":[{"index":0,"delta":{"role":"assistant","content":null,"refusal":""}}]}"#,
            r#"{"choices":[{"index":0,"delta":{"refusal":"I can't help"}}]}"#,
            r#"{"choices":[{"index":0,"delta":{"refusal":" with that."},"finish_reason":"stop"}]}"#,
            "[DONE]",
        ]),
        r#"
state=done
[0] finish=stop ""
  refusal "I can't help with that.""#,
    );
}

#[test]
fn error_in_the_middle_of_the_stream_stops_there_even_if_done_follows() {
    check(
        &sse(&[
            r#"{"choices":[{"index":0,"delta":{"content":"Par"}}]}"#,
            r#"{"error":{"message":"Upstream overloaded","type":"server_error","code":"overloaded"}}"#,
            r#"{"choices":[{"index":0,"delta":{"content":"IGNORED"}}]}"#,
            "[DONE]",
        ]),
        r#"
state=error error=error in stream: Upstream overloaded
[0] "Par""#,
    );
}

#[test]
fn invalid_json_in_an_event_stops_with_the_payload() {
    check(
        &sse(&[
            r#"{"choices":[{"index":0,"delta":{"content":"ok"}}]}"#,
            "{not json}",
            "[DONE]",
        ]),
        r#"
state=error error=invalid JSON in the stream (key must be a string at line 1 column 2): {not json}
[0] "ok""#,
    );
}

#[test]
fn a_stream_that_just_ends_is_incomplete() {
    // Cut in the middle of an event, as a dropped connection leaves it.
    let mut body = sse(&[r#"{"choices":[{"index":0,"delta":{"content":"Half"}}]}"#]);
    body.push_str(r#"data: {"choices":[{"index":0,"del"#);
    check(
        &body,
        r#"
state=incomplete error=the answer ended early
[0] "Half""#,
    );
}

#[test]
fn a_finish_reason_without_done_is_finished() {
    check(
        &sse(&[r#"{"choices":[{"index":0,"delta":{"content":"x"},"finish_reason":"stop"}]}"#]),
        r#"
state=done
[0] finish=stop "x""#,
    );
}

#[test]
fn an_event_split_over_several_data_lines() {
    check(
        "data: {\"choices\":[{\"index\":0,\ndata: \"delta\":{\"content\":\"joined\"}}]}\n\ndata: [DONE]\n\n",
        r#"
state=done
[0] "joined""#,
    );
}

#[test]
fn chunks_without_choices_or_delta_and_unknown_roles_are_skipped() {
    check(
        &sse(&[
            r#"{"object":"chat.completion.chunk"}"#,
            r#"{"choices":null}"#,
            r#"{"choices":[{"index":0}]}"#,
            r#"{"choices":[{"index":0,"delta":{"role":"model","content":"fine"}}]}"#,
            r#"{"choices":[{"index":0,"delta":null,"finish_reason":"stop"}]}"#,
            "[DONE]",
        ]),
        r#"
state=done
[0] finish=stop "fine""#,
    );
}

/// A JavaScript server (cutting by UTF-16 code unit) splits an emoji's surrogate pair between
/// two events, as lone escapes; OpenRouter ends a choice with its own `finish_reason`, `error`,
/// which is kept as sent.
#[test]
fn a_surrogate_pair_split_between_events_is_one_character() {
    check(
        &sse(&[
            r#"{"choices":[{"index":0,"delta":{"content":"Hi \ud83c"}}]}"#,
            r#"{"choices":[{"index":0,"delta":{"content":"\udf0d and \uD83D"}}]}"#,
            r#"{"choices":[{"index":0,"delta":{"content":"\uDE00\ud83c"}}]}"#,
            r#"{"choices":[{"index":0,"delta":{"content":"!"},"finish_reason":"error"}]}"#,
            "[DONE]",
        ]),
        "state=done\n[0] finish=error \"Hi 🌍 and 😀\u{FFFD}!\"",
    );
}

/// An event whose data is JSON but not an object is an error, not an empty chunk.
#[test]
fn a_chunk_that_is_not_an_object_is_an_error() {
    let m = run(&[sse(&[
        r#"{"choices":[{"index":0,"delta":{"content":"So far"}}]}"#,
        "[1]",
    ])
    .as_bytes()]);
    assert_eq!(m.content(), "So far");
    assert!(
        matches!(&m.error, Some(confab_core::ChatError::InvalidJson { reason, .. }) if reason.contains("object")),
        "{:?}",
        m.error
    );
}
