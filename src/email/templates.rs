//! Email bodies, rendered from the minijinja templates in `templates/email/` (one folder per
//! email: `subject.txt`, `body.txt`, `body.html`; see that folder's README for the variables).
//!
//! The templates are embedded at compile time, so the binary reads no file at run time, and are
//! parsed once into one shared [`Environment`]. Escaping follows the template's extension:
//! `.html` output HTML-escapes every value (`& < > " '`, so a value from a person can neither
//! open a tag nor leave an attribute), `.txt` output escapes nothing.

use minijinja::{
    context, escape_formatter, syntax::SyntaxConfig, AutoEscape, Environment, Output, State,
    UndefinedBehavior, Value,
};
use std::sync::{Arc, LazyLock};

/// A rendered email: subject (one line), plain-text body, HTML body. The bodies carry
/// one-time links, so `Debug` shows the subject only.
#[derive(Clone)]
pub struct RenderedEmail {
    pub subject: String,
    pub text: String,
    pub html: String,
}

crate::debug_without_secrets!(RenderedEmail { subject });

/// An email could not be rendered: a template failed to parse when the environment was built,
/// or failed to render (e.g. it names a variable the email does not provide). Only a broken
/// template causes it, never a value from a person; the snapshot tests below render every
/// template, so it cannot reach production unnoticed. Callers log it and answer 500.
#[derive(Debug, thiserror::Error)]
#[error("could not render the {email} email")]
pub struct RenderError {
    /// The email's folder name, e.g. `"invitation"`.
    email: &'static str,
    #[source]
    source: Arc<minijinja::Error>,
}

/// What an invitation email says.
pub struct InvitationEmail<'a> {
    pub invitee_first_name: &'a str,
    pub organisation: &'a str,
    pub role: &'a str,
    /// "First Last" of the inviter, or `None` for the system (bootstrap admin).
    pub inviter: Option<&'a str>,
    /// The full "Complete Registration" link; the only place the token appears.
    pub link: &'a str,
    /// Expiry as readable UTC text, e.g. "30 November 2026, 14:05 UTC".
    pub expires: &'a str,
}

/// The invitation to complete registration (`templates/email/invitation/`).
///
/// # Errors
/// [`RenderError`] if the templates are broken.
pub fn invitation(e: &InvitationEmail<'_>) -> Result<RenderedEmail, RenderError> {
    render("invitation", invitation_context(e))
}

/// The variables of the invitation email and of its reminder.
fn invitation_context(e: &InvitationEmail<'_>) -> Value {
    context! {
        invitee_first_name => e.invitee_first_name,
        organisation => e.organisation,
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
/// (`templates/email/credential_invitation/`).
///
/// # Errors
/// [`RenderError`] if the templates are broken.
pub fn credential_invitation(
    e: &CredentialInvitationEmail<'_>,
) -> Result<RenderedEmail, RenderError> {
    render(
        "credential_invitation",
        context! {
            partner => e.partner,
            organisation => e.organisation,
            provider => e.provider,
            environment => e.environment,
            link => e.link,
            expires => e.expires,
        },
    )
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

/// Reminds an invitee that their invitation expires soon (`templates/email/invitation_reminder/`);
/// the same facts as the invitation itself.
///
/// # Errors
/// [`RenderError`] if the templates are broken.
pub fn invitation_reminder(e: &InvitationEmail<'_>) -> Result<RenderedEmail, RenderError> {
    render("invitation_reminder", invitation_context(e))
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

/// Every template, by its name in the environment (path under `templates/email/`).
macro_rules! embedded {
    ($($name:literal),* $(,)?) => {
        &[$(($name, include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/templates/email/", $name)))),*]
    };
}
const TEMPLATES: &[(&str, &str)] = embedded![
    "layout.html",
    "invitation/subject.txt",
    "invitation/body.txt",
    "invitation/body.html",
    "credential_invitation/subject.txt",
    "credential_invitation/body.txt",
    "credential_invitation/body.html",
    "reissue_request/subject.txt",
    "reissue_request/body.txt",
    "reissue_request/body.html",
    "invitation_reminder/subject.txt",
    "invitation_reminder/body.txt",
    "invitation_reminder/body.html",
    "rotation_reminder/subject.txt",
    "rotation_reminder/body.txt",
    "rotation_reminder/body.html",
];

/// The one environment, built on first use; a parse error is kept and returned by every render.
static ENVIRONMENT: LazyLock<Result<Environment<'static>, Arc<minijinja::Error>>> =
    LazyLock::new(|| build_environment().map_err(Arc::new));

fn build_environment() -> Result<Environment<'static>, minijinja::Error> {
    let mut env = Environment::new();
    // Files are sent as written: keep the text body's final newline.
    env.set_syntax(
        SyntaxConfig::builder()
            .keep_trailing_newline(true)
            .build()?,
    );
    // A misspelt variable is an error (caught by the tests), not a silent blank.
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    // Autoescape by extension is minijinja's default callback (.html on, .txt off).
    env.set_formatter(escape_html_without_slash);
    for (name, source) in TEMPLATES {
        env.add_template(name, source)?;
    }
    Ok(env)
}

/// minijinja's own HTML escaping also turns `/` into `&#x2f;`, which would mangle every link in
/// the HTML source for no gain (OWASP no longer asks for it). This escapes `& < > " '` and
/// leaves everything else to [`escape_formatter`].
fn escape_html_without_slash(
    out: &mut Output,
    state: &mut State,
    value: &Value,
) -> Result<(), minijinja::Error> {
    match value.as_str() {
        Some(s) if *state.auto_escape() == AutoEscape::Html && !value.is_safe() => {
            let mut rest = s;
            while let Some(i) = rest.find(['&', '<', '>', '"', '\'']) {
                out.write_str(&rest[..i])?;
                out.write_str(match rest.as_bytes()[i] {
                    b'&' => "&amp;",
                    b'<' => "&lt;",
                    b'>' => "&gt;",
                    b'"' => "&quot;",
                    _ => "&#x27;",
                })?;
                rest = &rest[i + 1..];
            }
            out.write_str(rest)?;
            Ok(())
        }
        _ => escape_formatter(out, state, value),
    }
}

/// Renders `templates/email/<email>/` with `ctx`; the HTML layout also gets `subject`.
fn render(email: &'static str, ctx: Value) -> Result<RenderedEmail, RenderError> {
    let error = |source: Arc<minijinja::Error>| RenderError { email, source };
    let env = ENVIRONMENT.as_ref().map_err(|e| error(Arc::clone(e)))?;
    let part = |file: &str, ctx: &Value| {
        env.get_template(&format!("{email}/{file}"))
            .and_then(|t| t.render(ctx))
            .map_err(|e| error(Arc::new(e)))
    };
    let subject = part("subject.txt", &ctx)?.trim().to_owned();
    let text = part("body.txt", &ctx)?;
    let html = part("body.html", &context! { subject => &subject, ..ctx })?;
    Ok(RenderedEmail {
        subject,
        text,
        html,
    })
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
        let m = invitation(&InvitationEmail {
            invitee_first_name: "Ada",
            organisation: "Smith & Daughters",
            role: "Member",
            inviter: Some("Grace Hopper"),
            link: &registration_link(),
            expires: "7 December 2026, 14:05 UTC",
        })
        .unwrap();
        insta::assert_snapshot!(redacted(&m));
    }

    #[test]
    fn invitation_by_gatehouse_itself_snapshot() {
        let m = invitation(&InvitationEmail {
            invitee_first_name: "Admin",
            organisation: "Platform",
            role: "Admin",
            inviter: None,
            link: &registration_link(),
            expires: "7 December 2026, 14:05 UTC",
        })
        .unwrap();
        insta::assert_snapshot!(redacted(&m));
    }

    #[test]
    fn credential_invitation_snapshot() {
        let m = credential_invitation(&CredentialInvitationEmail {
            partner: "First Bank",
            organisation: "Acme Payments",
            provider: "Stripe",
            environment: "Sandbox",
            link: &format!("https://gatehouse.test/integrations/credential-invite/{TOKEN}"),
            expires: "7 December 2026, 14:05 UTC",
        })
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
        let m = invitation_reminder(&InvitationEmail {
            invitee_first_name: "Ada",
            organisation: "Smith & Daughters",
            role: "Member",
            inviter: Some("Grace Hopper"),
            link: &registration_link(),
            expires: "7 December 2026, 14:05 UTC",
        })
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
    fn every_value_from_a_person_is_escaped_in_html_only() {
        let nasty = r#"<script>alert('x')</script> & "q""#;
        let m = invitation(&InvitationEmail {
            invitee_first_name: nasty,
            organisation: "Acme <Ltd>",
            role: "Member",
            inviter: Some(nasty),
            link: "https://g.example/register?token=ab&org=1\"><b>",
            expires: "1 December 2026, 10:00 UTC",
        })
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
            credential_invitation(&CredentialInvitationEmail {
                partner: nasty,
                organisation: nasty,
                provider: nasty,
                environment: nasty,
                link: "https://g.example/x",
                expires: nasty,
            })
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
