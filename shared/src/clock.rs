//! Time as the API shows and stores it: RFC 3339 UTC with millisecond precision
//! (fixed width, so it sorts as text) and Unix seconds for TTLs and tokens.

use time::format_description::FormatItem;
use time::macros::format_description;
use time::OffsetDateTime;

const RFC3339_MILLIS: &[FormatItem<'static>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z");

/// One reading of the clock, in the forms the code needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Now(OffsetDateTime);

impl Now {
    pub fn read() -> Self {
        Self(OffsetDateTime::now_utc())
    }

    pub fn at_unix(secs: i64) -> Self {
        Self(OffsetDateTime::from_unix_timestamp(secs).unwrap_or(OffsetDateTime::UNIX_EPOCH))
    }

    pub fn at_unix_millis(millis: i64) -> Self {
        let nanos = i128::from(millis) * 1_000_000;
        Self(OffsetDateTime::from_unix_timestamp_nanos(nanos).unwrap_or(OffsetDateTime::UNIX_EPOCH))
    }

    /// An RFC 3339 time in any offset (`2026-01-02T03:04:05+01:00`), or `None`.
    pub fn parse_rfc3339(text: &str) -> Option<Self> {
        let parsed = OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339).ok()?;
        Some(Self(parsed.to_offset(time::UtcOffset::UTC)))
    }

    pub fn unix(self) -> i64 {
        self.0.unix_timestamp()
    }

    pub fn unix_millis(self) -> i64 {
        (self.0.unix_timestamp_nanos() / 1_000_000) as i64
    }

    pub fn rfc3339(self) -> String {
        // Formatting a valid UTC time with a static description cannot fail.
        self.0.format(RFC3339_MILLIS).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_is_fixed_width_utc_with_millis() {
        assert_eq!(Now::at_unix(0).rfc3339(), "1970-01-01T00:00:00.000Z");
        assert_eq!(Now::at_unix(1_700_000_000).rfc3339(), "2023-11-14T22:13:20.000Z");
        assert_eq!(Now::read().rfc3339().len(), 24);
        assert_eq!(Now::at_unix_millis(1_700_000_000_123).rfc3339(), "2023-11-14T22:13:20.123Z");
        let parsed = Now::parse_rfc3339("2023-11-14T23:13:20.5+01:00").expect("parses");
        assert_eq!(parsed.rfc3339(), "2023-11-14T22:13:20.500Z");
        assert_eq!(Now::parse_rfc3339("yesterday"), None);
    }
}
