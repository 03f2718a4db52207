//! JSON: one value type, a strict reader, a writer, and the traits Confab's types convert
//! through.
//!
//! Why not serde: serde's derived and generic code was about a third of the widget's own
//! code in the download (87 KB of 750 KB of wasm), and internally tagged enums could not
//! hold a string (a saved conversation with a network error was written as an empty list).
//! The conversions are written by hand next to each type instead (`ToJson`, `FromJson`).
//!
//! The reader follows RFC 8259 strictly (no comments, no trailing commas, no `NaN`), with
//! nesting capped at [`MAX_DEPTH`] (serde_json's default is 128). Two deliberate leniencies, both what `JSON.parse` does: an
//! unpaired surrogate escape becomes U+FFFD instead of failing the whole text, and in an
//! object with a repeated key the last one wins. Numbers are `f64`, as in JavaScript; every
//! integer Confab stores (ids, times in milliseconds, token counts) is far below 2^53.

use std::collections::BTreeMap;
use std::fmt;
use std::ops::Index;

/// Objects and arrays nested deeper than this are rejected rather than risk the stack. Saved
/// conversations nest four levels per version fork (see `versions`), so this allows about 60
/// forks within forks.
pub const MAX_DEPTH: usize = 256;

/// A JSON value.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum Value {
    #[default]
    Null,
    Bool(bool),
    Number(f64),
    String(String),
    Array(Vec<Value>),
    Object(Map),
}

/// A JSON object. Keys keep their order; lookups take the last of repeated keys.
#[derive(Clone, Debug, Default)]
pub struct Map(Vec<(String, Value)>);

static NULL: Value = Value::Null;

impl Map {
    pub fn new() -> Self {
        Map(Vec::new())
    }

    pub fn get(&self, key: &str) -> Option<&Value> {
        self.0.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    /// Sets `key`, replacing an earlier value.
    pub fn insert(&mut self, key: &str, value: Value) {
        match self.0.iter_mut().rev().find(|(k, _)| k == key) {
            Some(entry) => entry.1 = value,
            None => self.0.push((key.to_owned(), value)),
        }
    }

    /// Sets `key` unless `value` is `None`: how unset fields are left out.
    pub fn insert_some<T: ToJson>(&mut self, key: &str, value: &Option<T>) {
        if let Some(v) = value {
            self.insert(key, v.to_json());
        }
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &Value)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v))
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// A required field.
    pub fn field<T: FromJson>(&self, key: &str) -> Result<T, Error> {
        match self.get(key) {
            Some(v) => T::from_json(v).map_err(|e| e.within(key)),
            None => Err(Error::new(format!("missing field `{key}`"))),
        }
    }

    /// A field that may be absent or `null`.
    pub fn optional<T: FromJson>(&self, key: &str) -> Result<Option<T>, Error> {
        match self.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => T::from_json(v).map(Some).map_err(|e| e.within(key)),
        }
    }

    /// A field of a server's answer: absent, `null` and a value of the wrong shape all give
    /// `None`, so one odd field never costs the rest of the answer.
    pub fn lenient<T: FromJson>(&self, key: &str) -> Option<T> {
        self.get(key).and_then(|v| T::from_json(v).ok())
    }
}

/// Objects are equal when they have the same keys with equal values, in any order.
impl PartialEq for Map {
    fn eq(&self, other: &Map) -> bool {
        let within = |a: &Map, b: &Map| a.iter().all(|(k, _)| a.get(k) == b.get(k));
        within(self, other) && within(other, self)
    }
}

impl FromIterator<(String, Value)> for Map {
    fn from_iter<I: IntoIterator<Item = (String, Value)>>(iter: I) -> Self {
        let mut map = Map::new();
        for (k, v) in iter {
            map.insert(&k, v);
        }
        map
    }
}

/// An object from its fields, in order.
pub fn object(fields: Vec<(&str, Value)>) -> Value {
    let mut map = Map::new();
    for (k, v) in fields {
        map.insert(k, v);
    }
    Value::Object(map)
}

impl Value {
    /// The field `key` of an object; `None` for a missing field or a value that is not an
    /// object.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.as_object().and_then(|o| o.get(key))
    }

    pub fn as_object(&self) -> Option<&Map> {
        match self {
            Value::Object(o) => Some(o),
            _ => None,
        }
    }

    pub fn as_array(&self) -> Option<&Vec<Value>> {
        match self {
            Value::Array(a) => Some(a),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Number(n) => Some(*n),
            _ => None,
        }
    }

    /// A whole, non-negative number (`12` and `12.0` alike).
    pub fn as_u64(&self) -> Option<u64> {
        match self {
            Value::Number(n)
                if *n >= 0.0 && n.fract() == 0.0 && *n < 18_446_744_073_709_551_616.0 =>
            {
                Some(*n as u64)
            }
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// Indented with two spaces, a field per line: for files people read.
    pub fn pretty(&self) -> String {
        let mut out = String::new();
        write_value(&mut out, self, Some(0));
        out
    }
}

impl Index<&str> for Value {
    type Output = Value;

    /// The field, or `null`.
    fn index(&self, key: &str) -> &Value {
        self.get(key).unwrap_or(&NULL)
    }
}

impl Index<usize> for Value {
    type Output = Value;

    /// The element, or `null`.
    fn index(&self, i: usize) -> &Value {
        self.as_array().and_then(|a| a.get(i)).unwrap_or(&NULL)
    }
}

impl PartialEq<str> for Value {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == Some(other)
    }
}

impl PartialEq<&str> for Value {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == Some(*other)
    }
}

impl PartialEq<f64> for Value {
    fn eq(&self, other: &f64) -> bool {
        self.as_f64() == Some(*other)
    }
}

impl PartialEq<bool> for Value {
    fn eq(&self, other: &bool) -> bool {
        self.as_bool() == Some(*other)
    }
}

/// Compact JSON text.
impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = String::new();
        write_value(&mut out, self, None);
        f.write_str(&out)
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Value {
        Value::String(s.to_owned())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Value {
        Value::String(s)
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Value {
        Value::Bool(b)
    }
}

impl From<f64> for Value {
    fn from(n: f64) -> Value {
        Value::Number(n)
    }
}

impl From<u64> for Value {
    fn from(n: u64) -> Value {
        Value::Number(n as f64)
    }
}

impl From<u32> for Value {
    fn from(n: u32) -> Value {
        Value::Number(n.into())
    }
}

impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Value {
        v.map_or(Value::Null, Into::into)
    }
}

impl From<Vec<Value>> for Value {
    fn from(v: Vec<Value>) -> Value {
        Value::Array(v)
    }
}

// ---------------------------------------------------------------------------------------------
// Errors

/// Why a text is not JSON, or a value not the shape a type needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    message: String,
    /// Line and column (from 1) of a syntax error.
    at: Option<(usize, usize)>,
}

impl Error {
    pub fn new(message: impl Into<String>) -> Error {
        Error {
            message: message.into(),
            at: None,
        }
    }

    /// The same error, said of the field `key`.
    fn within(self, key: &str) -> Error {
        Error::new(format!("`{key}`: {}", self.message))
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.at {
            Some((line, column)) => write!(f, "{} at line {line} column {column}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for Error {}

// ---------------------------------------------------------------------------------------------
// Conversions

/// A type that has a JSON form.
pub trait ToJson {
    fn to_json(&self) -> Value;
}

/// A type that can be read from JSON.
pub trait FromJson: Sized {
    fn from_json(value: &Value) -> Result<Self, Error>;
}

/// Parses JSON text into `T`.
pub fn parse<T: FromJson>(text: &str) -> Result<T, Error> {
    T::from_json(&parse_value(text)?)
}

/// `value` as compact JSON text.
pub fn stringify<T: ToJson + ?Sized>(value: &T) -> String {
    value.to_json().to_string()
}

/// The object a type's fields are read from.
pub fn expect_object<'a>(value: &'a Value, what: &str) -> Result<&'a Map, Error> {
    value
        .as_object()
        .ok_or_else(|| Error::new(format!("{what} must be an object, not {}", kind(value))))
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn mismatch(expected: &str, value: &Value) -> Error {
    Error::new(format!("expected {expected}, found {}", kind(value)))
}

impl<T: ToJson + ?Sized> ToJson for &T {
    fn to_json(&self) -> Value {
        (**self).to_json()
    }
}

impl ToJson for Value {
    fn to_json(&self) -> Value {
        self.clone()
    }
}

impl FromJson for Value {
    fn from_json(value: &Value) -> Result<Self, Error> {
        Ok(value.clone())
    }
}

impl ToJson for str {
    fn to_json(&self) -> Value {
        Value::String(self.to_owned())
    }
}

impl ToJson for String {
    fn to_json(&self) -> Value {
        Value::String(self.clone())
    }
}

impl FromJson for String {
    fn from_json(value: &Value) -> Result<Self, Error> {
        value
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| mismatch("a string", value))
    }
}

impl ToJson for bool {
    fn to_json(&self) -> Value {
        Value::Bool(*self)
    }
}

impl FromJson for bool {
    fn from_json(value: &Value) -> Result<Self, Error> {
        value.as_bool().ok_or_else(|| mismatch("a boolean", value))
    }
}

impl ToJson for f64 {
    fn to_json(&self) -> Value {
        Value::Number(*self)
    }
}

impl FromJson for f64 {
    fn from_json(value: &Value) -> Result<Self, Error> {
        value.as_f64().ok_or_else(|| mismatch("a number", value))
    }
}

/// Through its shortest decimal form, so that `0.7f32` is written `0.7`, not
/// `0.699999988079071`.
impl ToJson for f32 {
    fn to_json(&self) -> Value {
        Value::Number(self.to_string().parse().unwrap_or(f64::NAN))
    }
}

impl FromJson for f32 {
    fn from_json(value: &Value) -> Result<Self, Error> {
        f64::from_json(value).map(|n| n as f32)
    }
}

macro_rules! whole_numbers {
    ($($t:ty),*) => {$(
        impl ToJson for $t {
            fn to_json(&self) -> Value {
                Value::Number(*self as f64)
            }
        }

        impl FromJson for $t {
            fn from_json(value: &Value) -> Result<Self, Error> {
                value
                    .as_u64()
                    .and_then(|n| <$t>::try_from(n).ok())
                    .ok_or_else(|| mismatch(concat!("a whole number (", stringify!($t), ")"), value))
            }
        }
    )*};
}

whole_numbers!(u16, u32, u64, usize);

impl<T: ToJson> ToJson for Option<T> {
    fn to_json(&self) -> Value {
        self.as_ref().map_or(Value::Null, ToJson::to_json)
    }
}

impl<T: FromJson> FromJson for Option<T> {
    fn from_json(value: &Value) -> Result<Self, Error> {
        match value {
            Value::Null => Ok(None),
            v => T::from_json(v).map(Some),
        }
    }
}

impl<T: ToJson> ToJson for [T] {
    fn to_json(&self) -> Value {
        Value::Array(self.iter().map(ToJson::to_json).collect())
    }
}

impl<T: ToJson> ToJson for Vec<T> {
    fn to_json(&self) -> Value {
        self.as_slice().to_json()
    }
}

impl<T: FromJson> FromJson for Vec<T> {
    fn from_json(value: &Value) -> Result<Self, Error> {
        let items = value
            .as_array()
            .ok_or_else(|| mismatch("an array", value))?;
        items
            .iter()
            .enumerate()
            .map(|(i, v)| T::from_json(v).map_err(|e| e.within(&i.to_string())))
            .collect()
    }
}

impl<T: ToJson> ToJson for BTreeMap<String, T> {
    fn to_json(&self) -> Value {
        Value::Object(self.iter().map(|(k, v)| (k.clone(), v.to_json())).collect())
    }
}

impl<T: FromJson> FromJson for BTreeMap<String, T> {
    fn from_json(value: &Value) -> Result<Self, Error> {
        let map = value
            .as_object()
            .ok_or_else(|| mismatch("an object", value))?;
        // Inserted one by one: `collect()` into a map sorts first, and that sort is a few KB of
        // wasm per value type.
        let mut out = BTreeMap::new();
        for (k, v) in map.iter() {
            out.insert(k.to_owned(), T::from_json(v).map_err(|e| e.within(k))?);
        }
        Ok(out)
    }
}

// ---------------------------------------------------------------------------------------------
// Reading

/// Parses JSON text.
pub fn parse_value(text: &str) -> Result<Value, Error> {
    let mut p = Parser {
        text,
        bytes: text.as_bytes(),
        pos: 0,
        depth: 0,
    };
    p.skip_ws();
    let value = p.value()?;
    p.skip_ws();
    if p.pos < p.bytes.len() {
        return Err(p.error("trailing characters"));
    }
    Ok(value)
}

struct Parser<'a> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
    depth: usize,
}

impl Parser<'_> {
    fn error(&self, message: &str) -> Error {
        // Line and column of the byte at `pos` (the end, for an early end), counting
        // characters.
        let at = self.pos.min(self.bytes.len());
        let mut start = at;
        while start > 0 && !self.text.is_char_boundary(start) {
            start -= 1;
        }
        let before = &self.text[..start];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let column = before[line_start..].chars().count() + 1;
        Error {
            message: message.to_owned(),
            at: Some((line, column)),
        }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn skip_ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.pos += 1;
        }
    }

    fn value(&mut self) -> Result<Value, Error> {
        match self.peek() {
            None => Err(self.error("EOF while parsing a value")),
            Some(b'{') => self.nested(Parser::object),
            Some(b'[') => self.nested(Parser::array),
            Some(b'"') => self.string().map(Value::String),
            Some(b't') => self.word("true", Value::Bool(true)),
            Some(b'f') => self.word("false", Value::Bool(false)),
            Some(b'n') => self.word("null", Value::Null),
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(_) => Err(self.error("expected value")),
        }
    }

    fn nested(&mut self, f: fn(&mut Self) -> Result<Value, Error>) -> Result<Value, Error> {
        if self.depth >= MAX_DEPTH {
            return Err(self.error("recursion limit exceeded"));
        }
        self.depth += 1;
        self.pos += 1;
        let v = f(self);
        self.depth -= 1;
        v
    }

    fn word(&mut self, word: &str, value: Value) -> Result<Value, Error> {
        for &b in word.as_bytes() {
            match self.peek() {
                Some(c) if c == b => self.pos += 1,
                None => return Err(self.error("EOF while parsing a value")),
                Some(_) => return Err(self.error("expected value")),
            }
        }
        Ok(value)
    }

    fn digits(&mut self) -> usize {
        let start = self.pos;
        while let Some(b'0'..=b'9') = self.peek() {
            self.pos += 1;
        }
        self.pos - start
    }

    fn number(&mut self) -> Result<Value, Error> {
        let start = self.pos;
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        match self.peek() {
            Some(b'0') => self.pos += 1,
            Some(b'1'..=b'9') => {
                self.digits();
            }
            None => return Err(self.error("EOF while parsing a value")),
            Some(_) => return Err(self.error("invalid number")),
        }
        if self.peek() == Some(b'.') {
            self.pos += 1;
            if self.digits() == 0 {
                return Err(self.error("invalid number"));
            }
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.pos += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.pos += 1;
            }
            if self.digits() == 0 {
                return Err(self.error("invalid number"));
            }
        }
        self.text[start..self.pos]
            .parse()
            .map(Value::Number)
            .map_err(|_| self.error("invalid number"))
    }

    /// A string; `pos` is at its opening quote.
    fn string(&mut self) -> Result<String, Error> {
        self.pos += 1;
        let mut out = String::new();
        loop {
            let start = self.pos;
            while let Some(&b) = self.bytes.get(self.pos) {
                if b == b'"' || b == b'\\' || b < 0x20 {
                    break;
                }
                self.pos += 1;
            }
            // Both ends are at ASCII bytes, so the slice is whole characters.
            out.push_str(&self.text[start..self.pos]);
            match self.peek() {
                None => return Err(self.error("EOF while parsing a string")),
                Some(b'"') => {
                    self.pos += 1;
                    return Ok(out);
                }
                Some(b'\\') => {
                    self.pos += 1;
                    self.escape(&mut out)?;
                }
                Some(_) => {
                    return Err(self
                        .error("control character (\\u0000-\\u001F) found while parsing a string"))
                }
            }
        }
    }

    fn escape(&mut self, out: &mut String) -> Result<(), Error> {
        let Some(b) = self.peek() else {
            return Err(self.error("EOF while parsing a string"));
        };
        self.pos += 1;
        let c = match b {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => {
                let first = self.hex4()?;
                if (0xD800..0xDC00).contains(&first) && self.bytes[self.pos..].starts_with(b"\\u") {
                    let save = self.pos;
                    self.pos += 2;
                    let second = self.hex4()?;
                    if (0xDC00..0xE000).contains(&second) {
                        let c = 0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00);
                        out.push(char::from_u32(c).unwrap_or('\u{FFFD}'));
                        return Ok(());
                    }
                    // Not a pair: the second escape is read on its own.
                    self.pos = save;
                }
                char::from_u32(first).unwrap_or('\u{FFFD}')
            }
            _ => {
                self.pos -= 1;
                return Err(self.error("invalid escape"));
            }
        };
        out.push(c);
        Ok(())
    }

    fn hex4(&mut self) -> Result<u32, Error> {
        let mut n = 0;
        for _ in 0..4 {
            let d = match self.peek() {
                None => return Err(self.error("EOF while parsing a string")),
                Some(b) => (b as char).to_digit(16),
            };
            let Some(d) = d else {
                return Err(self.error("invalid escape"));
            };
            n = n * 16 + d;
            self.pos += 1;
        }
        Ok(n)
    }

    fn array(&mut self) -> Result<Value, Error> {
        let mut items = Vec::new();
        self.skip_ws();
        if self.peek() == Some(b']') {
            self.pos += 1;
            return Ok(Value::Array(items));
        }
        loop {
            self.skip_ws();
            items.push(self.value()?);
            self.skip_ws();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b']') => {
                    self.pos += 1;
                    return Ok(Value::Array(items));
                }
                None => return Err(self.error("EOF while parsing a list")),
                Some(_) => return Err(self.error("expected `,` or `]`")),
            }
        }
    }

    fn object(&mut self) -> Result<Value, Error> {
        // Pairs are kept as they come; `Map::get` takes the last of repeated keys, so a
        // hostile object with many keys costs no more than reading it.
        let mut pairs = Vec::new();
        self.skip_ws();
        if self.peek() == Some(b'}') {
            self.pos += 1;
            return Ok(Value::Object(Map(pairs)));
        }
        loop {
            self.skip_ws();
            match self.peek() {
                Some(b'"') => {}
                None => return Err(self.error("EOF while parsing an object")),
                Some(_) => return Err(self.error("key must be a string")),
            }
            let key = self.string()?;
            self.skip_ws();
            match self.peek() {
                Some(b':') => self.pos += 1,
                None => return Err(self.error("EOF while parsing an object")),
                Some(_) => return Err(self.error("expected `:`")),
            }
            self.skip_ws();
            let value = self.value()?;
            pairs.push((key, value));
            self.skip_ws();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b'}') => {
                    self.pos += 1;
                    return Ok(Value::Object(Map(pairs)));
                }
                None => return Err(self.error("EOF while parsing an object")),
                Some(_) => return Err(self.error("expected `,` or `}`")),
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Writing

/// Writes `value`; `indent` is the current depth when pretty-printing.
fn write_value(out: &mut String, value: &Value, indent: Option<usize>) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => write_number(out, *n),
        Value::String(s) => write_string(out, s),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                newline(out, indent.map(|d| d + 1));
                write_value(out, item, indent.map(|d| d + 1));
            }
            if !items.is_empty() {
                newline(out, indent);
            }
            out.push(']');
        }
        Value::Object(map) => {
            out.push('{');
            for (i, (k, v)) in map.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                newline(out, indent.map(|d| d + 1));
                write_string(out, k);
                out.push(':');
                if indent.is_some() {
                    out.push(' ');
                }
                write_value(out, v, indent.map(|d| d + 1));
            }
            if !map.is_empty() {
                newline(out, indent);
            }
            out.push('}');
        }
    }
}

fn newline(out: &mut String, indent: Option<usize>) {
    if let Some(depth) = indent {
        out.push('\n');
        for _ in 0..depth {
            out.push_str("  ");
        }
    }
}

/// Numbers as JavaScript writes them: whole numbers without a fraction, very large and very
/// small ones with an exponent; `NaN` and infinities, which JSON lacks, as `null`.
fn write_number(out: &mut String, n: f64) {
    use std::fmt::Write;
    let _ = if !n.is_finite() {
        out.write_str("null")
    } else if n.fract() == 0.0 && n.abs() < 1e15 {
        write!(out, "{}", n as i64)
    } else if n != 0.0 && (n.abs() >= 1e21 || n.abs() < 1e-6) {
        write!(out, "{n:e}")
    } else {
        write!(out, "{n}")
    };
}

fn write_string(out: &mut String, s: &str) {
    out.push('"');
    let bytes = s.as_bytes();
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let escaped = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0x08 => "\\b",
            0x0c => "\\f",
            0..=0x1f => "",
            _ => continue,
        };
        out.push_str(&s[start..i]);
        if escaped.is_empty() {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            out.push_str("\\u00");
            out.push(HEX[(b >> 4) as usize] as char);
            out.push(HEX[(b & 0xf) as usize] as char);
        } else {
            out.push_str(escaped);
        }
        start = i + 1;
    }
    out.push_str(&s[start..]);
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_reports_errors() {
        let v: Vec<String> = parse(r#"["a", "b"]"#).unwrap();
        assert_eq!(stringify(&v), r#"["a","b"]"#);
        assert!(parse::<Vec<String>>("[1,").is_err());
        let e = parse::<Vec<String>>("[1]").unwrap_err().to_string();
        assert_eq!(e, "`0`: expected a string, found a number");
    }

    #[test]
    fn syntax_errors_say_where() {
        let cases = [
            ("", "EOF while parsing a value at line 1 column 1"),
            ("{not json}", "key must be a string at line 1 column 2"),
            ("[1,\n 2,]", "expected value at line 2 column 4"),
            ("{\"a\" 1}", "expected `:` at line 1 column 6"),
            ("\"é\u{1}\"", "control character (\\u0000-\\u001F) found while parsing a string at line 1 column 3"),
            ("01", "trailing characters at line 1 column 2"),
            ("-", "EOF while parsing a value at line 1 column 2"),
            ("1.", "invalid number at line 1 column 3"),
            ("nul", "EOF while parsing a value at line 1 column 4"),
            ("\"\\x\"", "invalid escape at line 1 column 3"),
            ("NaN", "expected value at line 1 column 1"),
        ];
        for (text, expected) in cases {
            assert_eq!(
                parse_value(text).unwrap_err().to_string(),
                expected,
                "{text:?}"
            );
        }
    }

    #[test]
    fn strings_escape_and_unescape() {
        let v = parse_value(r#""a\"b\\c\/d\b\f\n\r\t\u00e9\u20ac\ud83d\ude00 \ud800x""#).unwrap();
        assert_eq!(v, "a\"b\\c/d\u{8}\u{c}\n\r\té€😀 \u{FFFD}x");
        assert_eq!(
            Value::from("q\"\\\n\u{1}é").to_string(),
            r#""q\"\\\n\u0001é""#
        );
    }

    #[test]
    fn numbers_are_written_as_javascript_does() {
        for (n, text) in [
            (0.0, "0"),
            (-0.0, "0"),
            (3.0, "3"),
            (-12.5, "-12.5"),
            (1e21, "1e21"),
            (1.5e-7, "1.5e-7"),
            (1_700_000_000_000.0, "1700000000000"),
            (f64::NAN, "null"),
        ] {
            assert_eq!(Value::Number(n).to_string(), text);
        }
        assert_eq!(0.7f32.to_json().to_string(), "0.7");
        assert_eq!(parse_value("1e400").unwrap().to_string(), "null");
        assert_eq!(parse_value("12.0").unwrap().as_u64(), Some(12));
        assert_eq!(parse_value("-1").unwrap().as_u64(), None);
    }

    #[test]
    fn pretty_output_indents_two_spaces() {
        let v = parse_value(r#"{"a":[1,{"b":null}],"c":{},"d":[]}"#).unwrap();
        assert_eq!(
            v.pretty(),
            "{\n  \"a\": [\n    1,\n    {\n      \"b\": null\n    }\n  ],\n  \"c\": {},\n  \"d\": []\n}"
        );
    }

    #[test]
    fn repeated_keys_take_the_last_and_order_does_not_matter_for_equality() {
        let v = parse_value(r#"{"a":1,"b":2,"a":3}"#).unwrap();
        assert_eq!(v["a"], 3.0);
        assert_eq!(v, parse_value(r#"{"b":2,"a":3}"#).unwrap());
        assert_ne!(v, parse_value(r#"{"b":2,"a":1}"#).unwrap());
    }

    #[test]
    fn nesting_is_capped() {
        let ok = "[".repeat(MAX_DEPTH) + &"]".repeat(MAX_DEPTH);
        assert!(parse_value(&ok).is_ok());
        let deep = "[".repeat(100_000);
        assert!(parse_value(&deep)
            .unwrap_err()
            .to_string()
            .starts_with("recursion limit exceeded"));
        let deep = "{\"a\":".repeat(MAX_DEPTH + 1) + "1" + &"}".repeat(MAX_DEPTH + 1);
        assert!(parse_value(&deep).is_err());
    }

    #[test]
    fn many_keys_are_read_in_linear_time() {
        let text = format!(
            "{{{}\"last\":1}}",
            (0..200_000)
                .map(|i| format!("\"k{i}\":{i},"))
                .collect::<String>()
        );
        let v = parse_value(&text).unwrap();
        assert_eq!(v["k199999"], 199_999.0);
        assert_eq!(v.as_object().unwrap().len(), 200_001);
    }

    #[test]
    fn fields_required_optional_and_lenient() {
        let v = parse_value(r#"{"n":5,"s":"x","z":null}"#).unwrap();
        let o = v.as_object().unwrap();
        assert_eq!(o.field::<u32>("n"), Ok(5));
        assert_eq!(
            o.field::<u32>("m").unwrap_err().to_string(),
            "missing field `m`"
        );
        assert_eq!(o.optional::<String>("z"), Ok(None));
        assert!(o.optional::<u32>("s").is_err());
        assert_eq!(o.lenient::<u32>("s"), None);
        assert_eq!(o.lenient::<String>("s").as_deref(), Some("x"));
    }
}
