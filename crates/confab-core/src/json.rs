//! JSON in and out, always through `serde_json::Value`.
//!
//! Every derived (de)serializer is compiled once per serde_json back end it meets. The stream
//! and the stores already go through `Value`; reading or writing a type straight from text
//! as well compiled its whole derived code a second time (tens of KB of the download). So all
//! JSON text passes through `Value`: one reader, one writer, each type's code once.

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

/// Parses JSON text into `T`.
pub fn parse<T: DeserializeOwned>(text: &str) -> Result<T, serde_json::Error> {
    serde_json::from_value(serde_json::from_str::<Value>(text)?)
}

/// `value` as compact JSON text.
pub fn stringify<T: Serialize>(value: &T) -> Result<String, serde_json::Error> {
    Ok(serde_json::to_value(value)?.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_reports_errors() {
        let v: Vec<String> = parse(r#"["a", "b"]"#).unwrap();
        assert_eq!(stringify(&v).unwrap(), r#"["a","b"]"#);
        assert!(parse::<Vec<String>>("[1,").is_err());
        assert!(parse::<Vec<String>>("[1]").is_err());
    }
}
