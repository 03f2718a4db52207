//! Servers differ in the parameters they take. When one refuses a parameter that Confab sends
//! on its own (`stream_options`, for token counts) or one that has a newer name there
//! (`max_tokens`, which OpenAI's reasoning models take as `max_completion_tokens`), the request
//! is changed and sent again, and the change is kept for that server.

use crate::api::ChatCompletionRequest;
use crate::error::ChatError;

/// What one server was found to want changed in requests.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Adaptations {
    /// It does not know `stream_options`: its answers come without token counts.
    pub no_stream_options: bool,
    /// It takes the answer's length limit as `max_completion_tokens`, not `max_tokens`.
    pub max_completion_tokens: bool,
}

impl Adaptations {
    /// Learns from `error`, the server's answer to `request`, what it wants changed. True when
    /// that is something new, so the request is worth sending again (adapted by
    /// [`Adaptations::apply`]); false when the error stands as it is.
    pub fn learn(&mut self, request: &ChatCompletionRequest, error: &ChatError) -> bool {
        if !self.no_stream_options
            && request.stream_options.is_some()
            && error.rejects_parameter("stream_options")
        {
            self.no_stream_options = true;
            return true;
        }
        if !self.max_completion_tokens
            && request.max_tokens.is_some()
            && error.rejects_parameter("max_tokens")
            && error.mentions("max_completion_tokens")
        {
            self.max_completion_tokens = true;
            return true;
        }
        false
    }

    /// Changes `request` the way the server wants it.
    pub fn apply(&self, request: &mut ChatCompletionRequest) {
        if self.no_stream_options {
            request.stream_options = None;
        }
        if self.max_completion_tokens {
            if let Some(n) = request.max_tokens.take() {
                request.max_completion_tokens = Some(n);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::StreamOptions;

    fn request() -> ChatCompletionRequest {
        ChatCompletionRequest {
            model: "m".into(),
            stream: Some(true),
            stream_options: Some(StreamOptions {
                include_usage: true,
            }),
            max_tokens: Some(300),
            ..Default::default()
        }
    }

    #[test]
    fn a_refused_stream_options_is_left_out_from_then_on() {
        let error = ChatError::from_http(
            400,
            r#"{"error":{"message":"Unrecognized request argument supplied: stream_options","type":"invalid_request_error"}}"#,
            None,
        );
        let mut learned = Adaptations::default();
        let mut req = request();
        assert!(learned.learn(&req, &error));
        learned.apply(&mut req);
        assert_eq!(req.stream_options, None);
        assert_eq!(req.max_tokens, Some(300), "nothing else changes");
        // Learned once: the same error again stands (no endless resending).
        assert!(!learned.learn(&request(), &error));
        let json = serde_json::to_string(&req).unwrap();
        assert!(!json.contains("stream_options"), "{json}");
    }

    #[test]
    fn max_tokens_becomes_max_completion_tokens_where_the_server_asks_for_it() {
        // OpenAI's answer for its reasoning models.
        let error = ChatError::from_http(
            400,
            r#"{"error":{"message":"Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead.","type":"invalid_request_error","param":"max_tokens","code":"unsupported_parameter"}}"#,
            None,
        );
        let mut learned = Adaptations::default();
        let mut req = request();
        assert!(learned.learn(&req, &error));
        learned.apply(&mut req);
        assert_eq!(req.max_tokens, None);
        assert_eq!(req.max_completion_tokens, Some(300));
        assert!(req.stream_options.is_some());
        let json = serde_json::to_string(&req).unwrap();
        assert!(json.contains(r#""max_completion_tokens":300"#), "{json}");
        assert!(!json.contains(r#""max_tokens""#), "{json}");
    }

    #[test]
    fn other_errors_change_nothing() {
        let errors = [
            ChatError::from_http(
                400,
                r#"{"error":{"message":"max_tokens is too large: 9000. This model supports at most 4096 completion tokens.","param":"max_tokens"}}"#,
                None,
            ),
            ChatError::from_http(400, r#"{"error":{"message":"Invalid 'messages'."}}"#, None),
            ChatError::from_http(
                401,
                r#"{"error":{"message":"stream_options: invalid key"}}"#,
                None,
            ),
            ChatError::Network("stream_options".into()),
        ];
        for error in errors {
            let mut learned = Adaptations::default();
            assert!(!learned.learn(&request(), &error), "{error:?}");
            assert_eq!(learned, Adaptations::default());
        }
        // Without the parameter in the request, there is nothing to leave out.
        let error = ChatError::from_http(
            400,
            "Unrecognized request argument supplied: stream_options",
            None,
        );
        let mut plain = request();
        plain.stream_options = None;
        assert!(!Adaptations::default().learn(&plain, &error));
    }
}
