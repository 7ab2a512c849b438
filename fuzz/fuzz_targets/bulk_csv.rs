//! The bulk-invitation CSV reader: any bytes either fail with a sentence or give at most
//! 10,000 rows, numbered in file order, every cell trimmed; and a neutralised cell never
//! starts a spreadsheet formula.
#![no_main]

use gatehouse::domain::bulk_csv::{neutralise, parse, MAX_ROWS};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    if let Ok(rows) = parse(bytes) {
        assert!(!rows.is_empty() && rows.len() <= MAX_ROWS);
        assert!(rows.windows(2).all(|w| w[0].row_no < w[1].row_no));
        for r in &rows {
            for cell in [
                &r.email,
                &r.first_name,
                &r.last_name,
                &r.role,
                &r.designation,
            ] {
                assert_eq!(cell.trim(), cell.as_str());
                let safe = neutralise(cell);
                assert!(!safe.starts_with(['=', '+', '-', '@', '\t', '\r']));
            }
        }
    } else if let Ok(text) = std::str::from_utf8(bytes) {
        let _ = neutralise(text);
    }
});
