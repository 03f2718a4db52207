//! When to retry a rate-limited request: the server's `retry-after-ms` / `Retry-After` headers,
//! else an exponential backoff.

/// How many times a rate-limited request is retried by itself, and the longest wait accepted.
pub const MAX_RETRIES: u32 = 3;
pub const MAX_WAIT_MS: u64 = 120_000;

/// The wait the server asked for, in milliseconds. `retry-after-ms` wins; `Retry-After` is
/// seconds or an HTTP date (compared with `now_unix_ms`).
pub fn retry_after_ms(
    retry_after_ms: Option<&str>,
    retry_after: Option<&str>,
    now_unix_ms: u64,
) -> Option<u64> {
    if let Some(ms) = retry_after_ms.and_then(|v| v.trim().parse::<f64>().ok()) {
        if ms.is_finite() && ms >= 0.0 {
            return Some(ms.round() as u64);
        }
    }
    let value = retry_after?.trim();
    if let Ok(secs) = value.parse::<f64>() {
        return (secs.is_finite() && secs >= 0.0).then(|| (secs * 1000.0).round() as u64);
    }
    let at = parse_http_date(value)?;
    Some((at * 1000).saturating_sub(now_unix_ms))
}

/// The wait before retry number `attempt` (1-based) when the server named none.
pub fn backoff_ms(attempt: u32) -> u64 {
    1000 * 2u64.pow(attempt.saturating_sub(1).min(6))
}

/// Parses an IMF-fixdate (`Wed, 21 Oct 2015 07:28:00 GMT`) into Unix seconds.
pub fn parse_http_date(s: &str) -> Option<u64> {
    let rest = s.split_once(", ").map_or(s, |(_, r)| r);
    let mut parts = rest.split_whitespace();
    let day: u64 = parts.next()?.parse().ok()?;
    let month = match parts.next()? {
        "Jan" => 1,
        "Feb" => 2,
        "Mar" => 3,
        "Apr" => 4,
        "May" => 5,
        "Jun" => 6,
        "Jul" => 7,
        "Aug" => 8,
        "Sep" => 9,
        "Oct" => 10,
        "Nov" => 11,
        "Dec" => 12,
        _ => return None,
    };
    let year: i64 = parts.next()?.parse().ok()?;
    let mut hms = parts.next()?.split(':').map(|p| p.parse::<u64>().ok());
    let (h, m, sec) = (hms.next()??, hms.next()??, hms.next()??);
    if parts.next()? != "GMT" || day == 0 || day > 31 || h > 23 || m > 59 || sec > 60 {
        return None;
    }
    let days = days_from_civil(year, month, day as i64);
    u64::try_from(days * 86_400 + (h * 3600 + m * 60 + sec) as i64).ok()
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_in_every_form() {
        let now = 1_445_412_480_000; // Wed, 21 Oct 2015 07:28:00 GMT
        let cases = [
            (Some("1500"), Some("9"), Some(1500)),
            (None, Some("2"), Some(2000)),
            (None, Some("0.5"), Some(500)),
            (None, Some("Wed, 21 Oct 2015 07:28:30 GMT"), Some(30_000)),
            (None, Some("Wed, 21 Oct 2015 07:27:00 GMT"), Some(0)),
            (None, Some("soon"), None),
            (Some("x"), None, None),
            (None, None, None),
        ];
        for (ms, after, expected) in cases {
            assert_eq!(retry_after_ms(ms, after, now), expected, "{ms:?} {after:?}");
        }
    }

    #[test]
    fn http_date_epoch() {
        assert_eq!(parse_http_date("Thu, 01 Jan 1970 00:00:00 GMT"), Some(0));
        assert_eq!(
            parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"),
            Some(784_111_777)
        );
    }

    #[test]
    fn backoff_doubles() {
        assert_eq!(
            (1..=4).map(backoff_ms).collect::<Vec<_>>(),
            vec![1000, 2000, 4000, 8000]
        );
    }
}
