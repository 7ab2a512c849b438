//! The invitation-draft parser, shared by the form, the partner API and (later) bulk import:
//! any six fields and organisation kind give either a draft with no field errors, or field
//! errors naming only the six fields; a draft parses again to itself.
#![no_main]

use gatehouse::{
    domain::{DraftFields, InvitationDraft, OrgKind},
    error::{AppError, FieldErrors},
};
use libfuzzer_sys::fuzz_target;

const FIELDS: [&str; 6] = ["email", "first_name", "last_name", "role", "designation", "department"];

fuzz_target!(|input: &str| {
    let mut parts = input.split('\u{1f}');
    let mut next = || parts.next().unwrap_or("");
    let kind_byte = input.bytes().next().unwrap_or(0);
    let fields = DraftFields {
        email: next(),
        first_name: next(),
        last_name: next(),
        role: next(),
        designation: next(),
        department: next(),
    };
    let kind = match kind_byte % 5 {
        0 => None,
        1 => Some(OrgKind::Platform),
        2 => Some(OrgKind::Association),
        3 => Some(OrgKind::Company),
        _ => Some(OrgKind::Cooperative),
    };
    let mut errs = FieldErrors::default();
    let draft = InvitationDraft::parse(&fields, kind, |_| Ok(()), &mut errs);
    let problems = match errs.finish() {
        Ok(()) => Vec::new(),
        Err(AppError::Validation(v)) => v,
        Err(other) => panic!("not a validation error: {other:?}"),
    };
    match (&draft, problems.is_empty()) {
        (Some(_), false) => panic!("a draft with errors: {problems:?}"),
        // Without an organisation kind the role is the caller's to report.
        (None, true) => assert!(kind.is_none(), "no draft and no error"),
        _ => {}
    }
    for p in &problems {
        assert!(FIELDS.contains(&p.field.as_str()), "unknown field {}", p.field);
    }
    if let Some(d) = draft {
        let again = DraftFields {
            email: d.email.as_str(),
            first_name: d.first_name.as_str(),
            last_name: d.last_name.as_str(),
            role: d.role.as_str(),
            designation: d.designation.as_deref().unwrap_or(""),
            department: d.department.as_deref().unwrap_or(""),
        };
        let mut errs = FieldErrors::default();
        let reparsed = InvitationDraft::parse(&again, kind, |_| Ok(()), &mut errs);
        assert_eq!(reparsed.as_ref(), Some(&d));
    }
});
