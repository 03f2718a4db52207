//! What the mock does for a request, picked by the model name so that a browser test can
//! provoke any behaviour through the widget's ordinary configuration.

/// One behaviour of the mock.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scenario {
    /// A markdown-rich answer derived from the prompt, at the server's configured pace.
    Normal,
    /// The same, slowly (8 tokens per second), for watching text arrive.
    Slow,
    /// The same, as fast as the socket takes it.
    Fast,
    /// The last user message, verbatim.
    Echo,
    /// A long markdown answer of this many tokens.
    Long(usize),
    /// HTTP 429 with `retry-after-ms` and `Retry-After`, every time.
    RateLimited,
    /// HTTP 429 on the first request for a given prompt, then success.
    RateLimitedOnce,
    /// An HTTP error status with an OpenAI error object.
    Status(u16),
    /// HTTP 502 with an HTML page, as a reverse proxy sends it.
    HtmlBadGateway,
    /// A few tokens, then the connection is cut.
    Drop,
    /// A few tokens, then `data: {"error": …}` (and a `[DONE]` that must be ignored).
    ErrorMidStream,
    /// A few tokens, then an event whose data is not JSON.
    BadJson,
    /// HTTP 200 with an HTML page instead of an event stream.
    NotEventStream,
    /// The stream ends with neither a finish reason nor `[DONE]`.
    NoDone,
    /// The answer is cut with finish_reason `length`.
    Length,
    /// A few tokens, then finish_reason `content_filter` (as Azure OpenAI's filter does).
    ContentFilter,
    /// An answer with no text at all, finished normally.
    Empty,
    /// Two streamed tool calls.
    Tools,
    /// Reasoning text before the answer.
    Reasoning,
    /// Reasoning inside the answer's text, as a leading `<think>…</think>` block.
    ThinkTags,
    /// A refusal instead of an answer.
    Refusal,
    /// A normal stream sent as `text/plain`, as some proxies label it.
    PlainTextStream,
    /// Repeats the message as a JavaScript server would stream it, cut by UTF-16 code unit:
    /// a character beyond the BMP (an emoji) has its two surrogate halves in two events, each
    /// a lone `\uXXXX` escape.
    SplitSurrogates,
    /// A server that knows no `stream_options` (older Azure OpenAI API versions, strict
    /// validators): HTTP 400 naming it when it is sent, a normal answer otherwise.
    NoStreamOptions,
    /// A reasoning model on OpenAI: HTTP 400 asking for `max_completion_tokens` when
    /// `max_tokens` is sent, a normal answer otherwise.
    MaxCompletionTokens,
    /// Answers with what it received: the request body and the headers that matter (the
    /// `Authorization` value masked), so tests can check what the widget sends.
    Inspect,
}

/// The model names `GET /v1/models` lists, with what each does.
pub const MODELS: &[(&str, &str)] = &[
    ("mock", "a markdown answer made from your message"),
    ("mock-slow", "the same, 8 tokens per second"),
    ("mock-fast", "the same, as fast as possible"),
    ("mock-echo", "repeats your message"),
    (
        "mock-long",
        "a 20,000-token markdown answer (mock-long-N for N tokens)",
    ),
    ("mock-429", "always HTTP 429 with Retry-After"),
    ("mock-429-once", "HTTP 429 once per prompt, then an answer"),
    ("mock-401", "HTTP 401 invalid API key"),
    ("mock-403", "HTTP 403"),
    ("mock-404", "HTTP 404 model not found"),
    ("mock-500", "HTTP 500"),
    ("mock-502-html", "HTTP 502 with a proxy's HTML page"),
    ("mock-drop", "drops the connection mid-answer"),
    ("mock-error-midstream", "an error event mid-answer"),
    ("mock-bad-json", "invalid JSON mid-answer"),
    ("mock-not-sse", "an HTML page instead of an event stream"),
    ("mock-no-done", "ends without finish_reason or [DONE]"),
    ("mock-length", "cut at max tokens (finish_reason length)"),
    (
        "mock-content-filter",
        "cut by a content filter (finish_reason content_filter)",
    ),
    ("mock-empty", "an empty answer (finish_reason stop)"),
    ("mock-tools", "two tool calls"),
    ("mock-reasoning", "reasoning, then an answer"),
    (
        "mock-think",
        "reasoning as a leading <think> block in the text",
    ),
    ("mock-refusal", "a refusal"),
    (
        "mock-no-stream-options",
        "HTTP 400 when stream_options is sent, as strict servers do",
    ),
    (
        "mock-max-completion-tokens",
        "HTTP 400 asking for max_completion_tokens when max_tokens is sent",
    ),
    (
        "mock-utf16",
        "repeats your message cut by UTF-16 code unit, emoji halves in separate events",
    ),
    (
        "mock-inspect",
        "answers with the request it received (key masked)",
    ),
];

impl Scenario {
    pub fn from_model(model: &str) -> Scenario {
        let name = model.rsplit('/').next().unwrap_or(model);
        if let Some(n) = name.strip_prefix("mock-long-") {
            if let Ok(n) = n.parse() {
                return Scenario::Long(n);
            }
        }
        match name {
            "mock-slow" => Scenario::Slow,
            "mock-fast" => Scenario::Fast,
            "mock-echo" => Scenario::Echo,
            "mock-long" => Scenario::Long(20_000),
            "mock-429" => Scenario::RateLimited,
            "mock-429-once" => Scenario::RateLimitedOnce,
            "mock-401" => Scenario::Status(401),
            "mock-403" => Scenario::Status(403),
            "mock-404" => Scenario::Status(404),
            "mock-500" => Scenario::Status(500),
            "mock-502-html" => Scenario::HtmlBadGateway,
            "mock-drop" => Scenario::Drop,
            "mock-error-midstream" => Scenario::ErrorMidStream,
            "mock-bad-json" => Scenario::BadJson,
            "mock-not-sse" => Scenario::NotEventStream,
            "mock-no-done" => Scenario::NoDone,
            "mock-length" => Scenario::Length,
            "mock-content-filter" => Scenario::ContentFilter,
            "mock-empty" => Scenario::Empty,
            "mock-tools" => Scenario::Tools,
            "mock-reasoning" => Scenario::Reasoning,
            "mock-think" => Scenario::ThinkTags,
            "mock-refusal" => Scenario::Refusal,
            "mock-inspect" => Scenario::Inspect,
            "mock-no-stream-options" => Scenario::NoStreamOptions,
            "mock-max-completion-tokens" => Scenario::MaxCompletionTokens,
            "mock-sse-as-text" => Scenario::PlainTextStream,
            "mock-utf16" => Scenario::SplitSurrogates,
            _ => Scenario::Normal,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_listed_model_has_its_own_scenario() {
        for (name, _) in MODELS {
            if *name != "mock" {
                assert_ne!(Scenario::from_model(name), Scenario::Normal, "{name}");
            }
        }
        assert_eq!(Scenario::from_model("gpt-4o"), Scenario::Normal);
        assert_eq!(Scenario::from_model("mock-long-300"), Scenario::Long(300));
        assert_eq!(Scenario::from_model("confab/mock-echo"), Scenario::Echo);
    }
}
