//! Confab's JSON reader and writer checked against serde_json, which stays a dev-only
//! dependency: the same texts must be accepted or rejected alike and read to the same values,
//! and everything written must read back, in serde_json, to what was written.
//!
//! Deliberate differences (see `confab_core::json`): an unpaired surrogate escape reads as
//! U+FFFD, and a number too large for `f64` reads as infinity (written as `null`); serde_json
//! rejects both.

use confab_core::json::{parse_value, Map, Value};

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

fn from_serde(v: &serde_json::Value) -> Value {
    match v {
        serde_json::Value::Null => Value::Null,
        serde_json::Value::Bool(b) => Value::Bool(*b),
        serde_json::Value::Number(n) => Value::Number(n.as_f64().unwrap()),
        serde_json::Value::String(s) => Value::String(s.clone()),
        serde_json::Value::Array(a) => Value::Array(a.iter().map(from_serde).collect()),
        serde_json::Value::Object(o) => Value::Object(
            o.iter()
                .map(|(k, v)| (k.clone(), from_serde(v)))
                .collect::<Map>(),
        ),
    }
}

/// Whether what we read shows one of the deliberate differences: an infinite number, or a
/// U+FFFD that the text did not contain.
fn deliberately_different(text: &str, v: &Value) -> bool {
    match v {
        Value::Number(n) => !n.is_finite(),
        Value::String(s) => s.contains('\u{fffd}') && !text.contains('\u{fffd}'),
        Value::Array(a) => a.iter().any(|v| deliberately_different(text, v)),
        Value::Object(o) => o.iter().any(|(k, v)| {
            deliberately_different(text, &Value::String(k.to_owned()))
                || deliberately_different(text, v)
        }),
        _ => false,
    }
}

fn agree(text: &str) {
    let ours = parse_value(text);
    let theirs = serde_json::from_str::<serde_json::Value>(text);
    match (&ours, &theirs) {
        (Ok(a), Ok(b)) => assert_eq!(*a, from_serde(b), "{text:?}"),
        (Err(_), Err(_)) => {}
        (Ok(v), Err(_)) if deliberately_different(text, v) => return,
        _ => panic!("{text:?}: ours {ours:?}, serde_json {theirs:?}"),
    }
    if let Ok(v) = ours {
        writes_back(&v);
    }
}

fn writes_back(v: &Value) {
    for text in [v.to_string(), v.pretty()] {
        let back: serde_json::Value = serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("wrote {text:?}, which serde_json rejects: {e}"));
        assert_eq!(&from_serde(&back), v, "{text:?}");
    }
}

#[test]
fn hand_picked_texts() {
    for text in [
        "null",
        "true",
        "false",
        "0",
        "-0",
        "1",
        "-1",
        "1.5",
        "1e3",
        "1E+3",
        "1e-3",
        "0.1e1",
        "123456789012345678901234567890",
        "1.7976931348623157e308",
        "5e-324",
        "[]",
        "{}",
        "[1,2,[3,[4]]]",
        r#"{"a":{"b":{"c":[]}}}"#,
        " \t\n\r[ 1 , 2 ]\n ",
        r#""\u0000""#,
        r#""\ud83d\ude00""#,
        r#""\uD83D\uDE00""#,
        r#""é€😀""#,
        r#""\/\b\f\n\r\t\"\\""#,
        // Rejected by both.
        "",
        " ",
        "[",
        "]",
        "[1,]",
        "{,}",
        r#"{"a":1,}"#,
        r#"{"a"}"#,
        r#"{"a":}"#,
        "{1:2}",
        "01",
        "1.",
        ".1",
        "+1",
        "-",
        "1e",
        "1e+",
        "--1",
        "0x10",
        "NaN",
        "Infinity",
        "nul",
        "tru",
        "truex",
        "[1 2]",
        r#"{"a":1 "b":2}"#,
        "'a'",
        r#""abc"#,
        r#""\x""#,
        r#""\u12""#,
        r#""\u12g4""#,
        "\"a\nb\"",
        "\"\t\"",
        "[1]x",
        "//c\n1",
        "/*c*/1",
        "\u{feff}1",
    ] {
        agree(text);
    }
}

#[test]
fn random_texts_over_json_characters() {
    const PIECES: &[&str] = &[
        "{", "}", "[", "]", ",", ":", "\"", "\\", "\"a\"", "\"k\":", "1", "-", "0", ".", "e", "E",
        "+", "12", " ", "\n", "true", "null", "fals", "\\u", "00e9", "d83d", "de00", "é", "😀",
        "\u{1}", "\\n", "\\\"",
    ];
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for _ in 0..100_000 {
        let len = rng.below(12);
        let text: String = (0..len).map(|_| PIECES[rng.below(PIECES.len())]).collect();
        agree(&text);
    }
}

fn random_value(rng: &mut Rng, depth: usize) -> Value {
    match rng.below(if depth > 4 { 4 } else { 6 }) {
        0 => Value::Null,
        1 => Value::Bool(rng.below(2) == 0),
        2 => {
            let n = match rng.below(4) {
                0 => rng.below(1000) as f64,
                1 => -(rng.next() as f64) / 7.0,
                2 => f64::from_bits(rng.next() >> 2),
                _ => (rng.next() % 10_000) as f64 / 1000.0,
            };
            Value::Number(if n.is_finite() { n } else { 0.5 })
        }
        3 => Value::String(
            (0..rng.below(8))
                .map(|_| {
                    let c = rng.below(0x11_0000) as u32;
                    match rng.below(3) {
                        0 => char::from_u32(rng.below(0x80) as u32).unwrap(),
                        _ => char::from_u32(c).unwrap_or('\u{fffd}'),
                    }
                })
                .collect(),
        ),
        4 => Value::Array(
            (0..rng.below(5))
                .map(|_| random_value(rng, depth + 1))
                .collect(),
        ),
        _ => Value::Object(
            (0..rng.below(5))
                .map(|i| (format!("k{i}\"\\\u{1}"), random_value(rng, depth + 1)))
                .collect::<Map>(),
        ),
    }
}

#[test]
fn random_values_write_and_read_back() {
    let mut rng = Rng(42);
    for _ in 0..20_000 {
        let v = random_value(&mut rng, 0);
        writes_back(&v);
        assert_eq!(parse_value(&v.to_string()).unwrap(), v);
        assert_eq!(parse_value(&v.pretty()).unwrap(), v);
    }
}
