//! How times read for people: one format on the server and in the browser.

/// Formats Unix seconds (UTC) as `2026-11-30 14:05 UTC`, the same on server and browser.
pub fn format_utc(unix: i64) -> String {
    let f = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute] UTC");
    time::OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| t.format(&f).ok())
        .unwrap_or_default()
}

/// `t` as RFC 3339 in UTC (`2026-11-30T14:05:00Z`): the one machine format of times in audit
/// details and API bodies.
pub fn rfc3339(t: time::OffsetDateTime) -> String {
    t.to_offset(time::UtcOffset::UTC)
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| t.unix_timestamp().to_string())
}

#[cfg(test)]
mod tests {
    use super::{format_utc, rfc3339};

    #[test]
    fn rfc3339_is_utc() {
        let t = time::OffsetDateTime::from_unix_timestamp(1_796_040_300).unwrap();
        assert_eq!(rfc3339(t), "2026-11-30T12:05:00Z");
        let offset = t.to_offset(time::UtcOffset::from_hms(2, 0, 0).unwrap());
        assert_eq!(rfc3339(offset), "2026-11-30T12:05:00Z");
    }

    #[test]
    fn utc_formatting_matches_known_dates() {
        assert_eq!(format_utc(0), "1970-01-01 00:00 UTC");
        assert_eq!(format_utc(1_795_392_000), "2026-11-23 00:00 UTC");
        assert_eq!(format_utc(951_782_400 + 3_660), "2000-02-29 01:01 UTC");
    }
}
