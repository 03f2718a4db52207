//! Request parameters, validated once where they enter (configuration, attributes, settings) so
//! that nothing later re-checks them.

use std::collections::BTreeMap;
use std::fmt;

use crate::api::{ChatCompletionRequest, Stop, StreamOptions};
use serde_json::{Map, Value};

/// A parameter value that is out of range or malformed. Names the field and what is allowed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValidationError {
    pub field: String,
    pub message: String,
}

impl fmt::Display for ValidationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}` {}", self.field, self.message)
    }
}

impl std::error::Error for ValidationError {}

fn invalid(field: &str, message: String) -> ValidationError {
    ValidationError {
        field: field.to_owned(),
        message,
    }
}

/// The sampling and output parameters of a request. Every field is `None`/empty when unset,
/// and unset fields are left out of the request.
#[derive(Clone, Debug, PartialEq)]
pub struct Params {
    temperature: Option<f32>,
    top_p: Option<f32>,
    n: Option<u32>,
    stop: Vec<String>,
    max_tokens: Option<u32>,
    presence_penalty: Option<f32>,
    frequency_penalty: Option<f32>,
    logit_bias: BTreeMap<String, f32>,
    user: Option<String>,
    stream: bool,
    include_usage: bool,
    /// Fields a server takes beyond the reference (`top_k`, `min_p`, `seed`, …), added to the
    /// request body as they are.
    extra_body: Map<String, Value>,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            temperature: None,
            top_p: None,
            n: None,
            stop: Vec::new(),
            max_tokens: None,
            presence_penalty: None,
            frequency_penalty: None,
            logit_bias: BTreeMap::new(),
            user: None,
            stream: true,
            include_usage: true,
            extra_body: Map::new(),
        }
    }
}

/// The names parameters are configured by, in the attribute spelling (`top-p`); the JSON
/// spelling (`top_p`) is accepted too.
pub const PARAM_NAMES: &[&str] = &[
    "temperature",
    "top-p",
    "n",
    "stop",
    "max-tokens",
    "presence-penalty",
    "frequency-penalty",
    "logit-bias",
    "user",
    "stream",
    "include-usage",
    "extra-body",
];

fn number(field: &str, value: &str, min: f32, max: f32) -> Result<f32, ValidationError> {
    match value.trim().parse::<f32>() {
        Ok(v) if v.is_finite() && (min..=max).contains(&v) => Ok(v),
        _ => Err(invalid(
            field,
            format!("must be a number from {min} to {max} (got “{value}”)"),
        )),
    }
}

fn count(field: &str, value: &str, min: u32) -> Result<u32, ValidationError> {
    match value.trim().parse::<u32>() {
        Ok(v) if v >= min => Ok(v),
        _ => Err(invalid(
            field,
            format!("must be a whole number of at least {min} (got “{value}”)"),
        )),
    }
}

fn boolean(field: &str, value: &str) -> Result<bool, ValidationError> {
    match value.trim() {
        "true" | "" | "1" | "yes" | "on" => Ok(true),
        "false" | "0" | "no" | "off" => Ok(false),
        _ => Err(invalid(
            field,
            format!("must be true or false (got “{value}”)"),
        )),
    }
}

impl Params {
    /// Sets one parameter from its text form; an empty value unsets it. On error nothing changes.
    pub fn set(&mut self, name: &str, value: &str) -> Result<(), ValidationError> {
        let field = name.replace('_', "-");
        let empty = value.trim().is_empty();
        match field.as_str() {
            "temperature" => {
                self.temperature = if empty {
                    None
                } else {
                    Some(number("temperature", value, 0.0, 2.0)?)
                }
            }
            "top-p" => {
                self.top_p = if empty {
                    None
                } else {
                    Some(number("top_p", value, 0.0, 1.0)?)
                }
            }
            "n" => {
                self.n = if empty {
                    None
                } else {
                    Some(count("n", value, 1)?)
                }
            }
            "max-tokens" => {
                self.max_tokens = if empty {
                    None
                } else {
                    Some(count("max_tokens", value, 1)?)
                }
            }
            "presence-penalty" => {
                self.presence_penalty = if empty {
                    None
                } else {
                    Some(number("presence_penalty", value, -2.0, 2.0)?)
                }
            }
            "frequency-penalty" => {
                self.frequency_penalty = if empty {
                    None
                } else {
                    Some(number("frequency_penalty", value, -2.0, 2.0)?)
                }
            }
            "stop" => {
                self.stop = if empty {
                    Vec::new()
                } else {
                    parse_stop(value)?
                }
            }
            "logit-bias" => {
                self.logit_bias = if empty {
                    BTreeMap::new()
                } else {
                    parse_logit_bias(value)?
                }
            }
            "user" => self.user = if empty { None } else { Some(value.to_owned()) },
            "stream" => self.stream = boolean("stream", value)?,
            "include-usage" => self.include_usage = boolean("include_usage", value)?,
            "extra-body" => {
                self.extra_body = if empty {
                    Map::new()
                } else {
                    parse_extra_body(value)?
                }
            }
            _ => return Err(invalid(name, "is not a request parameter".to_owned())),
        }
        Ok(())
    }

    /// A parameter's current value in the text form `set` takes; empty when unset.
    pub fn get(&self, name: &str) -> String {
        fn num(v: Option<f32>) -> String {
            v.map(|v| v.to_string()).unwrap_or_default()
        }
        match name.replace('_', "-").as_str() {
            "temperature" => num(self.temperature),
            "top-p" => num(self.top_p),
            "n" => self.n.map(|v| v.to_string()).unwrap_or_default(),
            "max-tokens" => self.max_tokens.map(|v| v.to_string()).unwrap_or_default(),
            "presence-penalty" => num(self.presence_penalty),
            "frequency-penalty" => num(self.frequency_penalty),
            "stop" => match self.stop.len() {
                0 => String::new(),
                1 => self.stop[0].clone(),
                _ => serde_json::to_string(&self.stop).unwrap_or_default(),
            },
            "logit-bias" if self.logit_bias.is_empty() => String::new(),
            "logit-bias" => serde_json::to_string(&self.logit_bias).unwrap_or_default(),
            "user" => self.user.clone().unwrap_or_default(),
            "stream" => self.stream.to_string(),
            "include-usage" => self.include_usage.to_string(),
            "extra-body" if self.extra_body.is_empty() => String::new(),
            "extra-body" => Value::Object(self.extra_body.clone()).to_string(),
            _ => String::new(),
        }
    }

    pub fn stream(&self) -> bool {
        self.stream
    }

    /// Writes the set parameters into a request.
    pub fn apply_to(&self, req: &mut ChatCompletionRequest) {
        req.temperature = self.temperature;
        req.top_p = self.top_p;
        req.n = self.n;
        req.stream = Some(self.stream);
        req.stream_options = (self.stream && self.include_usage).then_some(StreamOptions {
            include_usage: true,
        });
        req.stop = match self.stop.len() {
            0 => None,
            1 => Some(Stop::One(self.stop[0].clone())),
            _ => Some(Stop::Many(self.stop.clone())),
        };
        req.max_tokens = self.max_tokens;
        req.presence_penalty = self.presence_penalty;
        req.frequency_penalty = self.frequency_penalty;
        req.logit_bias = (!self.logit_bias.is_empty()).then(|| self.logit_bias.clone());
        req.user = self.user.clone();
        req.extra_body = self.extra_body.clone();
    }
}

/// The request fields Confab writes itself, from the conversation or from their own settings:
/// `extra-body` may not set them.
const OWN_FIELDS: &[&str] = &[
    "model",
    "messages",
    "stream",
    "stream_options",
    "temperature",
    "top_p",
    "n",
    "stop",
    "max_tokens",
    "max_completion_tokens",
    "presence_penalty",
    "frequency_penalty",
    "logit_bias",
    "user",
];

/// `extra_body`: a JSON object of further request fields.
fn parse_extra_body(value: &str) -> Result<Map<String, Value>, ValidationError> {
    let field = "extra_body";
    let Ok(Value::Object(map)) = serde_json::from_str(value) else {
        return Err(invalid(
            field,
            format!("must be a JSON object of request fields, like {{\"top_k\": 40, \"seed\": 7}} (got “{value}”)"),
        ));
    };
    if let Some(k) = map.keys().find(|k| OWN_FIELDS.contains(&k.as_str())) {
        return Err(invalid(
            field,
            format!("cannot set `{k}`: it has its own setting or comes from the conversation"),
        ));
    }
    Ok(map)
}

/// `stop`: a JSON array of up to four strings, or one plain string.
fn parse_stop(value: &str) -> Result<Vec<String>, ValidationError> {
    let list = if value.trim_start().starts_with('[') {
        crate::lenient::parse::<Vec<String>>(value).map_err(|_| {
            invalid(
                "stop",
                format!("must be a string or a JSON array of strings (got “{value}”)"),
            )
        })?
    } else {
        vec![value.to_owned()]
    };
    if list.len() > 4 {
        return Err(invalid(
            "stop",
            format!("takes at most 4 sequences (got {})", list.len()),
        ));
    }
    if list.iter().any(String::is_empty) {
        return Err(invalid("stop", "sequences must not be empty".to_owned()));
    }
    Ok(list)
}

/// `logit_bias`: a JSON object from token id to a bias from −100 to 100.
fn parse_logit_bias(value: &str) -> Result<BTreeMap<String, f32>, ValidationError> {
    let map: BTreeMap<String, f32> = crate::lenient::parse(value).map_err(|_| {
        invalid(
            "logit_bias",
            format!("must be a JSON object from token id to a number, like {{\"50256\": -100}} (got “{value}”)"),
        )
    })?;
    for (token, bias) in &map {
        if token.parse::<u32>().is_err() {
            return Err(invalid(
                "logit_bias",
                format!("keys must be token ids (got “{token}”)"),
            ));
        }
        if !(-100.0..=100.0).contains(bias) {
            return Err(invalid(
                "logit_bias",
                format!("values must be from -100 to 100 (got {bias} for token {token})"),
            ));
        }
    }
    Ok(map)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extra_body_adds_a_servers_own_fields_and_not_confabs() {
        let mut p = Params::default();
        p.set("extra-body", r#"{"top_k": 40, "min_p": 0.05, "seed": 7, "chat_template_kwargs": {"enable_thinking": false}}"#)
            .unwrap();
        let mut req = ChatCompletionRequest::default();
        p.apply_to(&mut req);
        let json = serde_json::to_value(&req).unwrap();
        assert_eq!(json.get("top_k"), Some(&Value::from(40)));
        assert_eq!(json.get("seed"), Some(&Value::from(7)));
        assert_eq!(
            json.get("chat_template_kwargs")
                .and_then(|v| v.get("enable_thinking")),
            Some(&Value::Bool(false))
        );
        // Read back in the form `set` takes.
        let again = p.get("extra-body");
        let mut q = Params::default();
        q.set("extra_body", &again).unwrap();
        assert_eq!(q, p);

        for bad in [
            "[1, 2]",
            "top_k=40",
            r#"{"temperature": 2}"#,
            r#"{"messages": []}"#,
        ] {
            let before = p.clone();
            let e = p.set("extra-body", bad).unwrap_err();
            assert_eq!(e.field, "extra_body", "{bad}");
            assert_eq!(p, before, "a refused value changes nothing: {bad}");
        }
        assert!(p
            .set("extra-body", r#"{"stream": false}"#)
            .unwrap_err()
            .message
            .contains("own setting"));

        p.set("extra-body", " ").unwrap();
        assert_eq!(p.get("extra-body"), "");
        let mut req = ChatCompletionRequest::default();
        p.apply_to(&mut req);
        assert!(req.extra_body.is_empty());
    }

    #[test]
    fn valid_values_are_taken() {
        let mut p = Params::default();
        for (k, v) in [
            ("temperature", "0.7"),
            ("top-p", "1"),
            ("n", "3"),
            ("stop", r#"["\n\n","END"]"#),
            ("max_tokens", "256"),
            ("presence-penalty", "-2"),
            ("frequency-penalty", "2"),
            ("logit-bias", r#"{"50256": -100, "11": 5.5}"#),
            ("user", "u-1"),
        ] {
            p.set(k, v).unwrap_or_else(|e| panic!("{k}={v}: {e}"));
        }
        let mut req = ChatCompletionRequest::default();
        p.apply_to(&mut req);
        let text = serde_json::to_string(&req).unwrap();
        assert!(text.contains(r#""temperature":0.7,"#), "{text}");
        let json: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(json["temperature"], 0.7);
        assert_eq!(json["n"], 3);
        assert_eq!(
            json["stop"],
            serde_json::from_str::<Value>(r#"["\n\n", "END"]"#).unwrap()
        );
        assert_eq!(json["logit_bias"]["50256"], -100.0);
        assert_eq!(json["logit_bias"]["11"], 5.5);
        assert_eq!(json["stream_options"]["include_usage"], true);
    }

    #[test]
    fn invalid_values_name_the_field_and_the_range() {
        let cases = [
            (
                "temperature",
                "3",
                "`temperature` must be a number from 0 to 2",
            ),
            (
                "temperature",
                "warm",
                "`temperature` must be a number from 0 to 2",
            ),
            ("top_p", "1.5", "`top_p` must be a number from 0 to 1"),
            ("n", "0", "`n` must be a whole number of at least 1"),
            (
                "max-tokens",
                "-5",
                "`max_tokens` must be a whole number of at least 1",
            ),
            (
                "presence-penalty",
                "2.5",
                "`presence_penalty` must be a number from -2 to 2",
            ),
            (
                "frequency-penalty",
                "NaN",
                "`frequency_penalty` must be a number from -2 to 2",
            ),
            ("stop", r#"["a","b","c","d","e"]"#, "`stop` takes at most 4"),
            (
                "logit-bias",
                r#"{"1": 101}"#,
                "`logit_bias` values must be from -100 to 100",
            ),
            (
                "logit-bias",
                r#"{"x": 1}"#,
                "`logit_bias` keys must be token ids",
            ),
            ("stream", "maybe", "`stream` must be true or false"),
        ];
        for (k, v, expected) in cases {
            let mut p = Params::default();
            let before = p.clone();
            let err = p.set(k, v).expect_err(k).to_string();
            assert!(err.starts_with(expected), "{k}={v}: {err}");
            assert_eq!(p, before, "a failed set must change nothing");
        }
    }

    #[test]
    fn get_gives_back_what_set_took() {
        let mut p = Params::default();
        for (k, v) in [
            ("temperature", "0.5"),
            ("stop", "END"),
            ("n", "2"),
            ("logit-bias", r#"{"1":-5.0}"#),
        ] {
            p.set(k, v).unwrap();
            let again = p.get(k);
            let mut q = p.clone();
            q.set(k, &again).unwrap();
            assert_eq!(q, p, "{k}: {again}");
        }
        assert_eq!(p.get("top-p"), "");
        assert_eq!(p.get("stream"), "true");
    }

    #[test]
    fn include_usage_can_be_turned_off_and_is_never_sent_without_stream() {
        let mut p = Params::default();
        p.set("include-usage", "false").unwrap();
        let mut req = ChatCompletionRequest::default();
        p.apply_to(&mut req);
        assert_eq!(req.stream_options, None);
        let mut p = Params::default();
        p.set("stream", "false").unwrap();
        p.apply_to(&mut req);
        assert_eq!(req.stream_options, None);
        assert_eq!(req.stream, Some(false));
    }
}
