//! Wall-clock times as the JSON contract writes them: RFC 3339, UTC, with milliseconds.

use std::time::SystemTime;

use time::OffsetDateTime;

/// `2026-11-24T23:40:01.217Z` for a moment (times before 1970 or past 9999 cannot occur on a
/// working clock and are written as the epoch).
pub fn rfc3339_millis(at: SystemTime) -> String {
    let t = OffsetDateTime::from(at);
    let t = if (0..=9999).contains(&t.year()) {
        t
    } else {
        OffsetDateTime::UNIX_EPOCH
    };
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.millisecond()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn times_are_rfc3339_utc_with_milliseconds() {
        let at = |ms: u64| SystemTime::UNIX_EPOCH + Duration::from_millis(ms);
        assert_eq!(rfc3339_millis(at(0)), "1970-01-01T00:00:00.000Z");
        assert_eq!(
            rfc3339_millis(at(1_795_563_601_217)),
            "2026-11-24T23:40:01.217Z"
        );
        // a leap day, and the milliseconds truncated, never rounded up
        assert_eq!(
            rfc3339_millis(at(951_782_400_999) + Duration::from_micros(900)),
            "2000-02-29T00:00:00.999Z"
        );
    }
}
