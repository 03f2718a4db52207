//! Which header carries the API key.
//!
//! Most servers take `Authorization: Bearer <key>`. Azure OpenAI takes the key as it is in an
//! `api-key` header, and gateways (Azure API Management, some proxies) name their own header.
//! So the header is chosen from the endpoint, unless the `auth-header` setting names one.

/// The header name and value that carry `key` to `endpoint`. `header` is the `auth-header`
/// setting: `None` (or empty) chooses by endpoint, `Authorization` means a Bearer token, any
/// other name carries the key unchanged.
pub fn key_header(endpoint: &str, header: Option<&str>, key: &str) -> (String, String) {
    let bearer = || ("Authorization".to_owned(), format!("Bearer {key}"));
    match header.map(str::trim).filter(|h| !h.is_empty()) {
        Some(h) if h.eq_ignore_ascii_case("authorization") => bearer(),
        Some(h) => (h.to_owned(), key.to_owned()),
        None if is_azure(endpoint) => ("api-key".to_owned(), key.to_owned()),
        None => bearer(),
    }
}

/// Whether `name` can be an HTTP header name (RFC 9110 `token`).
pub fn is_header_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

/// Headers the widget sets on every request itself.
const OWN_HEADERS: &[&str] = &["content-type", "accept"];

/// The `headers` setting: a JSON object of further request headers (name → text), such as
/// OpenRouter's `HTTP-Referer` and `X-Title` or a gateway's own key. A problem names the header,
/// never its value (values may be secrets).
pub fn parse_headers(value: &str) -> Result<Vec<(String, String)>, String> {
    let shape = "must be a JSON object of header names and texts, like {\"X-Title\": \"My site\"}";
    let Ok(serde_json::Value::Object(map)) = serde_json::from_str(value) else {
        return Err(shape.to_owned());
    };
    let mut out: Vec<(String, String)> = Vec::new();
    for (name, v) in map.iter() {
        if !is_header_name(name) {
            return Err(format!("has “{name}”, which is not an HTTP header name"));
        }
        if OWN_HEADERS.contains(&name.to_ascii_lowercase().as_str()) {
            return Err(format!("cannot set {name}: the widget sets it"));
        }
        let Some(text) = v.as_str().filter(|t| !t.contains(['\r', '\n'])) else {
            return Err(format!(
                "{shape}; the value of {name} is not one line of text"
            ));
        };
        out.retain(|(seen, _)| !seen.eq_ignore_ascii_case(name));
        out.push((name.to_owned(), text.to_owned()));
    }
    Ok(out)
}

/// Azure OpenAI and Azure AI Foundry hosts, which want the key in `api-key`.
fn is_azure(endpoint: &str) -> bool {
    let Some(rest) = endpoint
        .split_once("://")
        .map(|(_, rest)| rest)
        .filter(|_| endpoint.len() > 3)
    else {
        return false;
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host = authority.rsplit('@').next().unwrap_or_default();
    let host = host
        .split(':')
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    [
        ".openai.azure.com",
        ".cognitiveservices.azure.com",
        ".services.ai.azure.com",
    ]
    .iter()
    .any(|suffix| host.ends_with(suffix))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extra_headers_are_checked_by_name_and_never_echo_a_value() {
        assert_eq!(
            parse_headers(r#"{"HTTP-Referer": "https://example.com", "X-Title": "My site"}"#),
            Ok(vec![
                ("HTTP-Referer".to_owned(), "https://example.com".to_owned()),
                ("X-Title".to_owned(), "My site".to_owned()),
            ])
        );
        for (bad, names) in [
            ("x-title", None),
            (r#"["X-Title"]"#, None),
            (r#"{"X Title": "a"}"#, Some("X Title")),
            (r#"{"Content-Type": "text/plain"}"#, Some("Content-Type")),
            (r#"{"X-Key": 42}"#, Some("X-Key")),
            (r#"{"X-Key": "secret\r\nX-Evil: 1"}"#, Some("X-Key")),
        ] {
            let e = parse_headers(bad).unwrap_err();
            assert!(!e.contains("secret"), "{e}");
            if let Some(name) = names {
                assert!(e.contains(name), "{bad}: {e}");
            }
        }
    }

    fn h(endpoint: &str, header: Option<&str>) -> (String, String) {
        key_header(endpoint, header, "k1")
    }

    #[test]
    fn most_servers_get_a_bearer_token() {
        let bearer = ("Authorization".to_owned(), "Bearer k1".to_owned());
        for e in [
            "https://api.openai.com/v1",
            "http://localhost:11434/v1",
            "/v1",
            "https://openrouter.ai/api/v1",
            "https://example.com/openai.azure.com/v1",
            "https://openai.azure.com.evil.example/v1",
        ] {
            assert_eq!(h(e, None), bearer, "{e}");
        }
    }

    #[test]
    fn azure_hosts_get_the_key_in_api_key() {
        for e in [
            "https://my-res.openai.azure.com/openai/v1",
            "https://My-Res.OpenAI.Azure.com:443/openai/deployments/gpt-4o?api-version=2024-10-21",
            "https://my-res.cognitiveservices.azure.com/openai/v1",
            "https://my-proj.services.ai.azure.com/models",
        ] {
            assert_eq!(h(e, None), ("api-key".to_owned(), "k1".to_owned()), "{e}");
        }
    }

    #[test]
    fn the_setting_wins_over_the_endpoint() {
        assert_eq!(
            h(
                "https://my-res.openai.azure.com/openai/v1",
                Some("authorization")
            ),
            ("Authorization".to_owned(), "Bearer k1".to_owned())
        );
        assert_eq!(
            h(
                "https://gateway.example/v1",
                Some(" Ocp-Apim-Subscription-Key ")
            ),
            ("Ocp-Apim-Subscription-Key".to_owned(), "k1".to_owned())
        );
        assert_eq!(
            h("https://api.openai.com/v1", Some("")),
            ("Authorization".to_owned(), "Bearer k1".to_owned())
        );
    }

    #[test]
    fn header_names_are_tokens() {
        assert!(is_header_name("api-key"));
        assert!(is_header_name("X-Api_Key.1"));
        assert!(!is_header_name(""));
        assert!(!is_header_name("api key"));
        assert!(!is_header_name("api-key:"));
        assert!(!is_header_name("ключ"));
    }
}
