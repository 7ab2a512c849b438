//! The fields of one invitation as a person or a system types them, parsed by one function for
//! every way in: the invite dialog (in the browser, before it submits), the server function,
//! the partner API, and the REST API and CSV import that build on it. Each way in adds only
//! what it alone knows: which organisation, and which roles the inviter may grant.

use super::{EmailAddress, OptionalText, OrgKind, PersonName, Role};
use crate::error::FieldErrors;

/// Longest designation or department, in characters.
pub const MAX_DETAIL_CHARS: usize = 100;

/// The fields as typed, before parsing. Optional fields are empty strings when absent.
#[derive(Clone, Copy, Debug, Default)]
pub struct DraftFields<'a> {
    pub email: &'a str,
    pub first_name: &'a str,
    pub last_name: &'a str,
    /// The role's wire name (`member`, `admin`, ...).
    pub role: &'a str,
    pub designation: &'a str,
    pub department: &'a str,
}

/// An invitation's person and role, every field valid. The organisation is not part of it:
/// the caller's session or token decides that.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InvitationDraft {
    pub email: EmailAddress,
    pub first_name: PersonName,
    pub last_name: PersonName,
    pub role: Role,
    pub designation: Option<String>,
    pub department: Option<String>,
}

impl InvitationDraft {
    /// Parses `fields`, recording a sentence under the field's name in `errs` for every bad
    /// field (field names: `email`, `first_name`, `last_name`, `role`, `designation`,
    /// `department`), so that all problems are reported at once.
    ///
    /// `kind` is the kind of the organisation invited into; `None` when it is not known (the
    /// caller reports that under its own field), and then the role is only checked for being
    /// chosen. `may_grant` is the inviter's rule: a sentence when the role is not theirs to
    /// grant.
    ///
    /// Returns the draft when every field parsed.
    pub fn parse(
        fields: &DraftFields<'_>,
        kind: Option<OrgKind>,
        may_grant: impl Fn(Role) -> Result<(), String>,
        errs: &mut FieldErrors,
    ) -> Option<Self> {
        let email = errs.check("email", EmailAddress::parse(fields.email));
        let first_name = errs.check("first_name", PersonName::parse(fields.first_name));
        let last_name = errs.check("last_name", PersonName::parse(fields.last_name));
        let role = if fields.role.trim().is_empty() {
            errs.add("role", "Choose a role.");
            None
        } else {
            kind.and_then(|kind| {
                let parsed =
                    Role::parse_for(fields.role, kind).and_then(|r| may_grant(r).map(|()| r));
                errs.check("role", parsed)
            })
        };
        let designation = errs.check(
            "designation",
            OptionalText::parse(fields.designation, MAX_DETAIL_CHARS),
        );
        let department = errs.check(
            "department",
            OptionalText::parse(fields.department, MAX_DETAIL_CHARS),
        );
        Some(Self {
            email: email?,
            first_name: first_name?,
            last_name: last_name?,
            role: role?,
            designation: designation?.into_inner(),
            department: department?.into_inner(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::AppError;

    fn fields<'a>(email: &'a str, role: &'a str) -> DraftFields<'a> {
        DraftFields {
            email,
            first_name: "Ada",
            last_name: "Lovelace",
            role,
            ..DraftFields::default()
        }
    }

    fn problems(errs: FieldErrors) -> Vec<(String, String)> {
        match errs.finish() {
            Err(AppError::Validation(v)) => v.into_iter().map(|e| (e.field, e.message)).collect(),
            _ => Vec::new(),
        }
    }

    #[test]
    fn a_valid_draft_parses_with_trimmed_fields() {
        let mut errs = FieldErrors::default();
        let mut f = fields(" ada@example.org ", "member");
        f.designation = "  Engineer ";
        let draft = InvitationDraft::parse(&f, Some(OrgKind::Company), |_| Ok(()), &mut errs)
            .expect("valid");
        assert_eq!(draft.email.as_str(), "ada@example.org");
        assert_eq!(draft.role, Role::Member);
        assert_eq!(draft.designation.as_deref(), Some("Engineer"));
        assert_eq!(draft.department, None);
        assert!(problems(errs).is_empty());
    }

    #[test]
    fn every_bad_field_is_reported_at_once() {
        let mut errs = FieldErrors::default();
        let f = DraftFields {
            email: "not an email",
            first_name: "",
            last_name: "Lovelace",
            role: "",
            designation: &"x".repeat(101),
            department: "",
        };
        assert!(
            InvitationDraft::parse(&f, Some(OrgKind::Company), |_| Ok(()), &mut errs).is_none()
        );
        let fields: Vec<String> = problems(errs).into_iter().map(|(f, _)| f).collect();
        assert_eq!(fields, ["email", "first_name", "role", "designation"]);
    }

    #[test]
    fn the_inviters_rule_decides_the_role() {
        let mut errs = FieldErrors::default();
        let refuse = |_| Err("You cannot grant this role.".to_owned());
        let parsed = InvitationDraft::parse(
            &fields("a@example.org", "admin"),
            Some(OrgKind::Company),
            refuse,
            &mut errs,
        );
        assert!(parsed.is_none());
        assert_eq!(
            problems(errs),
            [("role".to_owned(), "You cannot grant this role.".to_owned())]
        );
    }

    #[test]
    fn without_a_known_organisation_the_role_is_only_required() {
        let mut errs = FieldErrors::default();
        let parsed = InvitationDraft::parse(
            &fields("a@example.org", "admin"),
            None,
            |_| Ok(()),
            &mut errs,
        );
        assert!(parsed.is_none());
        assert!(problems(errs).is_empty());
    }
}
