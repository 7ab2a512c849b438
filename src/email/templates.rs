//! The emails Gatehouse sends, each with the values it shows: rendered from the built-in
//! templates ([`super::builtin`]), or, for the three emails an organisation may rewrite, from
//! its own version in the sandbox ([`super::sandbox`]) as its [`Branding`] says.

pub use super::builtin::{default_source, RenderError, RenderedEmail, TemplateSource};
pub use super::sandbox::{
    OrgTemplate, TemplateProblem, MAX_RENDERED_BYTES, MAX_SOURCE_CHARS, MAX_SUBJECT_CHARS,
    TEMPLATE_FUEL,
};

use super::builtin::render;
use crate::domain::EmailTemplateKind;
use minijinja::{context, Value};

/// What an invitation email says.
pub struct InvitationEmail<'a> {
    pub invitee_first_name: &'a str,
    pub invitee_last_name: &'a str,
    pub organisation: &'a str,
    pub role: &'a str,
    /// "First Last" of the inviter, or `None` for the system (bootstrap admin).
    pub inviter: Option<&'a str>,
    /// The full "Complete Registration" link; the only place the token appears.
    pub link: &'a str,
    /// Expiry as readable UTC text, e.g. "30 November 2026, 14:05 UTC".
    pub expires: &'a str,
}

/// The invitation to complete registration (`templates/email/invitation/`, or the
/// organisation's own version in `branding`).
///
/// # Errors
/// [`RenderError`] if the built-in templates are broken.
pub fn invitation(
    branding: &Branding,
    e: &InvitationEmail<'_>,
) -> Result<RenderedEmail, RenderError> {
    branded(
        branding,
        EmailTemplateKind::Invitation,
        invitation_context(e),
    )
}

/// The variables of the invitation email and of its reminder.
fn invitation_context(e: &InvitationEmail<'_>) -> Value {
    context! {
        invitee_first_name => e.invitee_first_name,
        invitee_last_name => e.invitee_last_name,        organisation => e.organisation,
        role => e.role,
        inviter => e.inviter,
        link => e.link,
        expires => e.expires,
    }
}

/// What a credential invitation email says.
pub struct CredentialInvitationEmail<'a> {
    pub partner: &'a str,
    pub organisation: &'a str,
    pub provider: &'a str,
    /// "Sandbox" or "Production".
    pub environment: &'a str,
    /// The one-time link to the credential page; the only place the token appears.
    pub link: &'a str,
    /// Expiry as readable UTC text, e.g. "30 November 2026, 14:05 UTC".
    pub expires: &'a str,
}

/// Asks a partner's tech lead to submit their API key and secret
/// (`templates/email/credential_invitation/`, or the organisation's own version in
/// `branding`).
///
/// # Errors
/// [`RenderError`] if the built-in templates are broken.
pub fn credential_invitation(
    branding: &Branding,
    e: &CredentialInvitationEmail<'_>,
) -> Result<RenderedEmail, RenderError> {
    branded(
        branding,
        EmailTemplateKind::CredentialInvitation,
        credential_context(e),
    )
}

fn credential_context(e: &CredentialInvitationEmail<'_>) -> Value {
    context! {
        partner => e.partner,
        organisation => e.organisation,
        provider => e.provider,
        environment => e.environment,
        link => e.link,
        expires => e.expires,
    }
}

/// Tells an inviter that an invitee asked for a new invitation after theirs expired
/// (`templates/email/reissue_request/`). `manage_link` is the inviter's Member Invitations page.
///
/// # Errors
/// [`RenderError`] if the templates are broken.
pub fn reissue_request(
    invitee_email: &str,
    organisation: &str,
    manage_link: &str,
) -> Result<RenderedEmail, RenderError> {
    render(
        "reissue_request",
        context! { invitee_email, organisation, manage_link },
    )
}

/// Reminds an invitee that their invitation expires soon (`templates/email/invitation_reminder/`,
/// or the organisation's own version in `branding`); the same facts as the invitation itself.
///
/// # Errors
/// [`RenderError`] if the built-in templates are broken.
pub fn invitation_reminder(
    branding: &Branding,
    e: &InvitationEmail<'_>,
) -> Result<RenderedEmail, RenderError> {
    branded(
        branding,
        EmailTemplateKind::InvitationReminder,
        invitation_context(e),
    )
}

/// What a client secret rotation reminder says.
pub struct RotationReminderEmail<'a> {
    pub partner: &'a str,
    pub organisation: &'a str,
    pub provider: &'a str,
    pub rotation_days: i32,
    /// "in 14 days", "tomorrow" or "now" (already overdue).
    pub when: &'a str,
    /// The due date, formatted.
    pub due: &'a str,
    /// The partner's page.
    pub manage_link: &'a str,
}

/// Reminds tenant admins and integration managers that a partner's client secret is due for
/// rotation (`templates/email/rotation_reminder/`; spec 001: every 90 days by default).
///
/// # Errors
/// [`RenderError`] if the templates are broken.
pub fn rotation_reminder(e: &RotationReminderEmail<'_>) -> Result<RenderedEmail, RenderError> {
    render(
        "rotation_reminder",
        context! {
            partner => e.partner,
            organisation => e.organisation,
            provider => e.provider,
            rotation_days => e.rotation_days,
            when => e.when,
            due => e.due,
            manage_link => e.manage_link,
        },
    )
}

/// What the email about a disabled webhook endpoint says.
pub struct WebhookDisabledEmail<'a> {
    pub partner: &'a str,
    pub organisation: &'a str,
    /// The endpoint's URL.
    pub url: &'a str,
    /// Why it was disabled, a sentence.
    pub reason: &'a str,
    /// The endpoint's page.
    pub manage_link: &'a str,
}

/// Tells tenant admins and integration managers that a webhook endpoint was disabled after
/// failures (`templates/email/webhook_disabled/`; spec 001 LOG-01).
///
/// # Errors
/// [`RenderError`] if the templates are broken.
pub fn webhook_disabled(e: &WebhookDisabledEmail<'_>) -> Result<RenderedEmail, RenderError> {
    render(
        "webhook_disabled",
        context! {
            partner => e.partner,
            organisation => e.organisation,
            url => e.url,
            reason => e.reason,
            manage_link => e.manage_link,
        },
    )
}

/// How an organisation's emails of one kind go out: its template (`None`: the built-in one),
/// the version recorded on each email (0 for the built-in template), sender display name and
/// reply-to address.
#[derive(Debug, Default)]
pub struct Branding {
    pub template: Option<OrgTemplate>,
    pub version: i32,
    pub sender_name: Option<String>,
    pub reply_to: Option<String>,
}

/// The variables of one editable email, for a preview or a check.
pub enum SampleData<'a> {
    Invitation(InvitationEmail<'a>),
    CredentialInvitation(CredentialInvitationEmail<'a>),
}

impl SampleData<'_> {
    fn context(&self) -> Value {
        match self {
            Self::Invitation(e) => invitation_context(e),
            Self::CredentialInvitation(e) => credential_context(e),
        }
    }

    fn link(&self) -> &str {
        match self {
            Self::Invitation(e) => e.link,
            Self::CredentialInvitation(e) => e.link,
        }
    }
}

/// Checks `source` as an organisation's template of `kind` with `sample`'s values
/// ([`super::sandbox::compile`]): the parsed template and the sample email as its preview.
///
/// # Errors
/// Every [`TemplateProblem`] found.
pub fn compile(
    kind: EmailTemplateKind,
    version: i32,
    source: &TemplateSource,
    sample: &SampleData<'_>,
) -> Result<(OrgTemplate, RenderedEmail), Vec<TemplateProblem>> {
    super::sandbox::compile(kind, version, source, &sample.context(), sample.link())
}

/// Renders `sample` with the built-in template of `kind` (the preview of "Reset to default").
///
/// # Errors
/// [`RenderError`] if the built-in templates are broken.
pub fn render_default(
    kind: EmailTemplateKind,
    sample: &SampleData<'_>,
) -> Result<RenderedEmail, RenderError> {
    render(kind.as_str(), sample.context())
}

/// Renders email `kind` with `ctx` through `branding`: the organisation's template when it has
/// one of this kind, else the built-in one, recorded as `branding.version` (a reset version, or
/// 0). When the organisation's fails on these values the email still goes out with the
/// built-in template, recorded as version 0, and the failure is logged.
fn branded(
    branding: &Branding,
    kind: EmailTemplateKind,
    ctx: Value,
) -> Result<RenderedEmail, RenderError> {
    let own = branding
        .template
        .as_ref()
        .filter(|t| t.kind() == kind)
        .and_then(|t| match t.render(&ctx) {
            Ok(r) => Some(r),
            Err(p) => {
                tracing::warn!(kind = kind.as_str(), version = t.version(), field = p.field,
                               problem = %p.message,
                               "organisation template failed; sent the built-in one");
                None
            }
        });
    // The built-in template: as the organisation's version (a reset, or 0 when it never saved
    // one), or as 0 when its own template failed just now (or is of another kind).
    let fallback = if branding.template.is_some() {
        0
    } else {
        branding.version
    };
    let mut email = match own {
        Some(r) => r,
        None => RenderedEmail {
            template: Some((kind, fallback)),
            ..render(kind.as_str(), ctx)?
        },
    };
    email.sender_name.clone_from(&branding.sender_name);
    email.reply_to.clone_from(&branding.reply_to);
    Ok(email)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A token as the app makes them (64 hex characters); snapshots show it as `[REDACTED]`.
    const TOKEN: &str = "9f2c4e6a8b0d1f3e5a7c9e1b3d5f7a9c0e2a4c6e8b0d2f4a6c8e0b2d4f6a8c0e";

    /// The email as one reviewable text, the token redacted. Asserts first that the token
    /// appears once in each body (the link) and never in the subject.
    fn redacted(m: &RenderedEmail) -> String {
        assert!(!m.subject.contains(TOKEN), "no token in the subject");
        assert_eq!(
            m.text.matches(TOKEN).count(),
            1,
            "the text link holds the token"
        );
        assert_eq!(
            m.html.matches(TOKEN).count(),
            1,
            "the HTML link holds the token"
        );
        sections(m).replace(TOKEN, "[REDACTED]")
    }

    /// Subject, text and HTML as one text, so one snapshot file shows the whole email.
    fn sections(m: &RenderedEmail) -> String {
        format!(
            "Subject: {}\n\n----- text/plain -----\n{}\n----- text/html -----\n{}",
            m.subject, m.text, m.html
        )
    }

    /// A registration link as `invitations::service::registration_link` makes them.
    fn registration_link() -> String {
        let org = "4b6f1c3e-2d8a-4f5b-9c7e-1a2b3c4d5e6f";
        format!("https://gatehouse.test/register?token={TOKEN}&org={org}")
    }

    #[test]
    fn invitation_snapshot() {
        let m = invitation(
            &Branding::default(),
            &InvitationEmail {
                invitee_first_name: "Ada",
                invitee_last_name: "Lovelace",
                organisation: "Smith & Daughters",
                role: "Member",
                inviter: Some("Grace Hopper"),
                link: &registration_link(),
                expires: "7 December 2026, 14:05 UTC",
            },
        )
        .unwrap();
        insta::assert_snapshot!(redacted(&m));
    }

    #[test]
    fn invitation_by_gatehouse_itself_snapshot() {
        let m = invitation(
            &Branding::default(),
            &InvitationEmail {
                invitee_first_name: "Admin",
                invitee_last_name: "Person",
                organisation: "Platform",
                role: "Admin",
                inviter: None,
                link: &registration_link(),
                expires: "7 December 2026, 14:05 UTC",
            },
        )
        .unwrap();
        insta::assert_snapshot!(redacted(&m));
    }

    #[test]
    fn credential_invitation_snapshot() {
        let m = credential_invitation(
            &Branding::default(),
            &CredentialInvitationEmail {
                partner: "First Bank",
                organisation: "Acme Payments",
                provider: "Stripe",
                environment: "Sandbox",
                link: &format!("https://gatehouse.test/integrations/credential-invite/{TOKEN}"),
                expires: "7 December 2026, 14:05 UTC",
            },
        )
        .unwrap();
        insta::assert_snapshot!(redacted(&m));
    }

    #[test]
    fn reissue_request_snapshot() {
        let m = reissue_request(
            "ada@example.org",
            "Smith & Daughters",
            "https://gatehouse.test/company/invitations",
        )
        .unwrap();
        // No token here: the link is the inviter's own list page.
        insta::assert_snapshot!(sections(&m));
    }

    #[test]
    fn invitation_reminder_snapshot() {
        let m = invitation_reminder(
            &Branding::default(),
            &InvitationEmail {
                invitee_first_name: "Ada",
                invitee_last_name: "Lovelace",
                organisation: "Smith & Daughters",
                role: "Member",
                inviter: Some("Grace Hopper"),
                link: &registration_link(),
                expires: "7 December 2026, 14:05 UTC",
            },
        )
        .unwrap();
        insta::assert_snapshot!(redacted(&m));
    }

    #[test]
    fn rotation_reminder_snapshot() {
        let m = rotation_reminder(&RotationReminderEmail {
            partner: "First Bank",
            organisation: "Smith & Daughters",
            provider: "Acme Payments",
            rotation_days: 90,
            when: "in 14 days",
            due: "15 December 2026, 09:00 UTC",
            manage_link:
                "https://gatehouse.test/integrations/partners/5b0c7a52-3d1e-4f8a-9c61-0d2f4b7e8a13",
        })
        .unwrap();
        // No token here: the link is the partner's page, behind sign-in.
        insta::assert_snapshot!(sections(&m));
    }

    #[test]
    fn webhook_disabled_snapshot() {
        let m = webhook_disabled(&WebhookDisabledEmail {
            partner: "First Bank",
            organisation: "Smith & Daughters",
            url: "https://hooks.first-bank.example/gatehouse",
            reason: "5 deliveries in a row failed (the last: HTTP 503).",
            manage_link:
                "https://gatehouse.test/integrations/webhooks/5b0c7a52-3d1e-4f8a-9c61-0d2f4b7e8a13",
        })
        .unwrap();
        insta::assert_snapshot!(sections(&m));
    }

    #[test]
    fn every_value_from_a_person_is_escaped_in_html_only() {
        let nasty = r#"<script>alert('x')</script> & "q""#;
        let m = invitation(
            &Branding::default(),
            &InvitationEmail {
                invitee_first_name: nasty,
                invitee_last_name: nasty,
                organisation: "Acme <Ltd>",
                role: "Member",
                inviter: Some(nasty),
                link: "https://g.example/register?token=ab&org=1\"><b>",
                expires: "1 December 2026, 10:00 UTC",
            },
        )
        .unwrap();
        assert_eq!(m.subject, "Invitation to join Acme <Ltd>");
        assert!(m.text.contains(nasty) && m.text.contains("as Member"));
        assert!(m
            .text
            .contains("Complete Registration: https://g.example/register?token=ab&org=1\"><b>"));
        assert!(!m.html.contains("<script>") && !m.html.contains("<Ltd>"));
        assert!(m
            .html
            .contains("<title>Invitation to join Acme &lt;Ltd&gt;</title>"));
        assert!(m
            .html
            .contains("&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; &quot;q&quot;"));
        // The link cannot leave its attribute; slashes stay readable.
        assert!(m.html.contains(
            r#"href="https://g.example/register?token=ab&amp;org=1&quot;&gt;&lt;b&gt;""#
        ));
        for m in [
            reissue_request(nasty, nasty, "https://g.example/x").unwrap(),
            credential_invitation(
                &Branding::default(),
                &CredentialInvitationEmail {
                    partner: nasty,
                    organisation: nasty,
                    provider: nasty,
                    environment: nasty,
                    link: "https://g.example/x",
                    expires: nasty,
                },
            )
            .unwrap(),
        ] {
            assert!(m.subject.contains(nasty) && m.text.contains(nasty));
            assert!(!m.html.contains("<script>") && !m.html.contains("\"q\""));
        }
    }

    #[test]
    fn bodies_end_with_one_newline_and_subjects_with_none() {
        let m = reissue_request("a@example.org", "Acme", "https://g.example/x").unwrap();
        assert!(!m.subject.ends_with('\n'));
        assert!(m.text.ends_with("Resend: https://g.example/x\n"));
        assert!(m.html.ends_with("</td></tr></table></body></html>\n"));
    }
}
