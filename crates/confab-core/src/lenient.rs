//! serde helpers for reading what servers send, used as `#[serde(deserialize_with = …)]`:
//! one field of an odd shape must not cost the rest of an answer, so such a field reads as
//! absent (or empty) instead of failing the whole object.
//!
//! Every typed read goes through an owned `serde_json::Value` ([`parse`]): the helpers buffer a
//! field as a `Value` anyway, and one deserializer for all types keeps one copy of each type's
//! reading code in the download instead of one per deserializer (text, `&Value`, `Value`).

use serde::de::{DeserializeOwned, Deserializer};
use serde::Deserialize;
use serde_json::Value;

/// A field that is absent, `null` or of another shape than `T`'s reads as `None`.
pub fn optional<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: DeserializeOwned,
{
    Ok(T::deserialize(Value::deserialize(d)?).ok())
}

/// Like [`optional`], with `T`'s default for `None`.
pub fn or_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: DeserializeOwned + Default,
{
    optional(d).map(Option::unwrap_or_default)
}

/// A list whose elements that do not read as `T` are skipped; anything but a list is empty.
pub fn list<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: DeserializeOwned,
{
    Ok(match Value::deserialize(d)? {
        Value::Array(items) => items
            .into_iter()
            .filter_map(|v| T::deserialize(v).ok())
            .collect(),
        _ => Vec::new(),
    })
}

/// A count: a whole non-negative number (`12` or `12.0`); anything else is 0.
pub fn count<'de, D>(d: D) -> Result<u64, D::Error>
where
    D: Deserializer<'de>,
{
    Ok(match Value::deserialize(d)? {
        Value::Number(n) => n.as_u64().unwrap_or_else(|| {
            n.as_f64()
                .filter(|f| *f >= 0.0 && f.fract() == 0.0 && *f < u64::MAX as f64)
                .map_or(0, |f| f as u64)
        }),
        _ => 0,
    })
}

/// Text that some servers send as another JSON value (a number for an error `code`, an object
/// for a call's `arguments`): a string is kept, `null` is absent, anything else is written out
/// as JSON.
pub fn text<'de, D>(d: D) -> Result<Option<String>, D::Error>
where
    D: Deserializer<'de>,
{
    Ok(match Value::deserialize(d)? {
        Value::String(s) => Some(s),
        Value::Null => None,
        other => Some(other.to_string()),
    })
}

/// A `null` where a value with a default is expected reads as the default (saved data written
/// with `null` for an unset field).
pub fn null_as_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Option::<T>::deserialize(d).map(Option::unwrap_or_default)
}

/// Reads `T` from JSON text, through a `Value` (see the module's notes).
pub fn parse<T: DeserializeOwned>(text: &str) -> Result<T, serde_json::Error> {
    serde_json::from_str::<Value>(text).and_then(T::deserialize)
}
