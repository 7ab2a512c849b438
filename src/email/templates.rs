//! Email bodies. Every value that comes from a person (names, organisation) is HTML-escaped.

use html_escape::{encode_double_quoted_attribute as attr, encode_text as text};

/// A rendered email: subject, plain-text body, HTML body.
#[derive(Clone, Debug)]
pub struct RenderedEmail {
    pub subject: String,
    pub text: String,
    pub html: String,
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

fn layout(title: &str, inner: &str) -> String {
    format!(
        r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>{title}</title></head>
<body style="margin:0;padding:24px;background:#f4f4f5;font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;color:#18181b">
<table role="presentation" width="100%" style="max-width:560px;margin:0 auto;background:#ffffff;border-radius:12px;padding:32px">
<tr><td>
<p style="margin:0 0 24px;font-weight:600;color:#4338ca">Gatehouse</p>
{inner}
</td></tr></table></body></html>"#,
        title = text(title)
    )
}

/// The invitation to complete registration.
pub fn invitation(e: &InvitationEmail<'_>) -> RenderedEmail {
    let subject = format!("Invitation to join {}", e.organisation);
    let by = e
        .inviter
        .map_or_else(String::new, |name| format!(" by {name}"));
    let text_body = format!(
        "Hello {first},\n\n\
         You have been invited{by} to join {org} as {role}.\n\n\
         Complete Registration: {link}\n\n\
         This link works once and expires on {expires}.\n\
         If you did not expect this invitation, you can ignore this email.\n",
        first = e.invitee_first_name,
        org = e.organisation,
        role = e.role,
        link = e.link,
        expires = e.expires,
    );
    let by_html = e.inviter.map_or_else(String::new, |name| {
        format!(" by <strong>{}</strong>", text(name))
    });
    let inner = format!(
        r#"<h1 style="font-size:20px;margin:0 0 16px">Join {org}</h1>
<p>Hello {first},</p>
<p>You have been invited{by_html} to join <strong>{org}</strong> as <strong>{role}</strong>.</p>
<p style="margin:28px 0"><a href="{href}" style="background:#4338ca;color:#ffffff;padding:12px 20px;border-radius:8px;text-decoration:none;font-weight:600">Complete Registration</a></p>
<p style="color:#52525b;font-size:14px">This link works once and expires on {expires}. If you did not expect this invitation, you can ignore this email.</p>"#,
        org = text(e.organisation),
        first = text(e.invitee_first_name),
        role = text(e.role),
        href = attr(e.link),
        expires = text(e.expires),
    );
    RenderedEmail {
        html: layout(&subject, &inner),
        subject,
        text: text_body,
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
    pub expires: &'a str,
}

/// Asks a partner's tech lead to submit their API key and secret.
pub fn credential_invitation(e: &CredentialInvitationEmail<'_>) -> RenderedEmail {
    let subject = format!(
        "Submit your {} credentials for {}",
        e.provider, e.organisation
    );
    let text_body = format!(
        "Hello,\n\n\
         {org} asks {partner} to submit the API key and secret for {provider} ({env}).\n\n\
         Submit credentials: {link}\n\n\
         The page shows the provider's security policy, runbook and escalation contact. \
         The link works once and expires on {expires}. The secret is encrypted on arrival and \
         never shown again.\n",
        org = e.organisation,
        partner = e.partner,
        provider = e.provider,
        env = e.environment,
        link = e.link,
        expires = e.expires,
    );
    let inner = format!(
        r#"<h1 style="font-size:20px;margin:0 0 16px">Submit {provider} credentials</h1>
<p><strong>{org}</strong> asks <strong>{partner}</strong> to submit the API key and secret for <strong>{provider}</strong> ({env}).</p>
<p style="margin:28px 0"><a href="{href}" style="background:#4338ca;color:#ffffff;padding:12px 20px;border-radius:8px;text-decoration:none;font-weight:600">Submit credentials</a></p>
<p style="color:#52525b;font-size:14px">The link works once and expires on {expires}. The secret is encrypted on arrival and never shown again.</p>"#,
        org = text(e.organisation),
        partner = text(e.partner),
        provider = text(e.provider),
        env = text(e.environment),
        href = attr(e.link),
        expires = text(e.expires),
    );
    RenderedEmail {
        html: layout(&subject, &inner),
        subject,
        text: text_body,
    }
}

/// Tells an inviter that an invitee asked for a new invitation after theirs expired.
pub fn reissue_request(
    invitee_email: &str,
    organisation: &str,
    manage_link: &str,
) -> RenderedEmail {
    let subject = format!("{invitee_email} asked for a new invitation to {organisation}");
    let text_body = format!(
        "{invitee_email} opened an expired invitation to {organisation} and asked for a new one.\n\n\
         To send it, open Member Invitations and choose Resend: {manage_link}\n"
    );
    let inner = format!(
        r#"<p><strong>{who}</strong> opened an expired invitation to <strong>{org}</strong> and asked for a new one.</p>
<p style="margin:28px 0"><a href="{href}" style="background:#4338ca;color:#ffffff;padding:12px 20px;border-radius:8px;text-decoration:none;font-weight:600">Open Member Invitations</a></p>"#,
        who = text(invitee_email),
        org = text(organisation),
        href = attr(manage_link),
    );
    RenderedEmail {
        html: layout(&subject, &inner),
        subject,
        text: text_body,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invitation_names_org_role_inviter_and_escapes() {
        let m = invitation(&InvitationEmail {
            invitee_first_name: "Ada",
            organisation: "Acme <Ltd>",
            role: "Member",
            inviter: Some("Grace Hopper"),
            link: "https://g.example/register?token=ab&org=1",
            expires: "1 December 2026, 10:00 UTC",
        });
        assert!(m.subject.contains("Acme <Ltd>"));
        assert!(m.text.contains("by Grace Hopper") && m.text.contains("as Member"));
        assert!(m.html.contains("Acme &lt;Ltd&gt;") && !m.html.contains("<Ltd>"));
        assert!(m.html.contains("register?token=ab&amp;org=1"));
        assert!(m
            .text
            .contains("Complete Registration: https://g.example/register?token=ab&org=1"));
    }
}
