//! The invite-code normaliser: any text either fails with a sentence or yields a code of
//! twelve Crockford symbols that reads back as itself, formatted or not.
#![no_main]

use gatehouse::domain::{InviteCode, ALPHABET, CODE_LEN};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: &str| {
    if let Ok(code) = InviteCode::parse(input) {
        assert_eq!(code.as_str().len(), CODE_LEN);
        assert!(code.as_str().bytes().all(|b| ALPHABET.contains(&b)));
        let formatted = code.formatted();
        assert_eq!(InviteCode::parse(&formatted).as_ref(), Ok(&code));
        assert_eq!(InviteCode::parse(&formatted.to_lowercase()).as_ref(), Ok(&code));
    }
});
