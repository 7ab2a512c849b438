//! Email bodies, rendered from the minijinja templates in `templates/email/` (one folder per
//! email: `subject.txt`, `body.txt`, `body.html`; see that folder's README for the variables).
//!
//! The templates are embedded at compile time, so the binary reads no file at run time, and are
//! parsed once into one shared [`Environment`]. Escaping follows the template's extension:
//! `.html` output HTML-escapes every value (`& < > " '`, so a value from a person can neither
//! open a tag nor leave an attribute), `.txt` output escapes nothing.

use crate::domain::EmailTemplateKind;
use minijinja::{
    context, escape_formatter, syntax::SyntaxConfig, AutoEscape, Environment, ErrorKind, Output,
    State, UndefinedBehavior, Value,
};
use std::sync::{Arc, LazyLock};

/// A rendered email: subject (one line), plain-text body, HTML body, and what the outbox
/// records beside it. The bodies carry one-time links, so `Debug` shows the subject only.
#[derive(Clone)]
pub struct RenderedEmail {
    pub subject: String,
    pub text: String,
    pub html: String,
    /// The organisation template it came from: `(kind, version)`, version 0 being the
    /// built-in template; `None` for the emails no organisation edits.
    pub template: Option<(EmailTemplateKind, i32)>,
    /// The sender's display name (the address stays `MAIL_FROM`).
    pub sender_name: Option<String>,
    /// The `Reply-To` address.
    pub reply_to: Option<String>,
}

crate::debug_without_secrets!(RenderedEmail {
    subject,
    template,
    sender_name,
    reply_to
});

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

/// The three parts of an editable email's template, as minijinja source.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TemplateSource {
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// The built-in template of `kind`: what "Reset to default" restores and what the editor
/// starts from.
pub fn default_source(kind: EmailTemplateKind) -> TemplateSource {
    let part = |file: &str| {
        let name = format!("{}/{file}", kind.as_str());
        TEMPLATES
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, s)| (*s).to_owned())
            .unwrap_or_default()
    };
    TemplateSource {
        subject: part("subject.txt"),
        text: part("body.txt"),
        html: part("body.html"),
    }
}

/// Most fuel (minijinja's unit of work: about one instruction or 64 bytes) one part of an
/// organisation's template may spend per render: far above what any email needs, far below
/// a loop that would stall the worker.
pub const TEMPLATE_FUEL: u64 = 50_000;
/// Most bytes one rendered part of an organisation's template may hold.
pub const MAX_RENDERED_BYTES: usize = 256 * 1024;
/// Most characters of one part's source (the subject: [`MAX_SUBJECT_CHARS`]).
pub const MAX_SOURCE_CHARS: usize = 65_536;
/// Most characters of a subject template.
pub const MAX_SUBJECT_CHARS: usize = 1_000;

/// One problem with one part of a template: `field` is `subject`, `body_text` or `body_html`;
/// `message` a sentence for beside that field, starting with the line when there is one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TemplateProblem {
    pub field: &'static str,
    pub message: String,
}

/// An organisation's template, checked and parsed, ready to render any number of emails.
///
/// It renders in a sandbox: its own environment holding only `layout.html` and its three
/// parts (no loader, so no file or network access; no macros, no built-in filters or
/// functions), strict about unknown variables, with HTML autoescaping in `body.html`, a fuel
/// budget per part ([`TEMPLATE_FUEL`]) and a cap on each rendered part
/// ([`MAX_RENDERED_BYTES`]). Source: OWASP ASVS 5.0 V1.3.7 (server-side template injection).
pub struct OrgTemplate {
    kind: EmailTemplateKind,
    version: i32,
    env: Environment<'static>,
}

impl std::fmt::Debug for OrgTemplate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OrgTemplate")
            .field("kind", &self.kind)
            .field("version", &self.version)
            .finish_non_exhaustive()
    }
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

/// The names of the three parts inside an [`OrgTemplate`]'s environment, with their fields.
const PARTS: [(&str, &str); 3] = [
    ("subject", "custom/subject.txt"),
    ("body_text", "custom/body.txt"),
    ("body_html", "custom/body.html"),
];

/// The line of `source` where the word `name` first appears, counted from 1.
fn line_of(source: &str, name: &str) -> Option<usize> {
    source
        .lines()
        .position(|line| {
            line.match_indices(name).any(|(i, _)| {
                let word = |c: char| c.is_alphanumeric() || c == '_';
                !line[..i].chars().next_back().is_some_and(word)
                    && !line[i + name.len()..].chars().next().is_some_and(word)
            })
        })
        .map(|i| i + 1)
}

/// A minijinja error as a sentence, with its line.
fn describe(e: &minijinja::Error) -> String {
    let what = match e.kind() {
        ErrorKind::OutOfFuel => {
            "the template does too much work (an endless or very long loop?)".to_owned()
        }
        ErrorKind::TemplateNotFound => {
            "only \"layout.html\" can be extended or included".to_owned()
        }
        ErrorKind::UnknownFilter | ErrorKind::UnknownFunction | ErrorKind::UnknownMethod => {
            format!("{}: templates have no filters or functions here", e.kind())
        }
        _ => match e.detail() {
            Some(d) => format!("{}: {d}", e.kind()),
            None => e.kind().to_string(),
        },
    };
    match e.line() {
        Some(l) => format!("Line {l}: {what}."),
        None => format!("{}{}.", what[..1].to_uppercase(), &what[1..]),
    }
}

/// Checks `source` as an organisation's template of `kind` and renders it with `sample`
/// (the variables of `kind`): the parsed template, and the sample email as its preview.
///
/// Refused, each problem beside its field: a part too long, a syntax error, a placeholder
/// `kind` does not offer, a body that does not show `link`, a render that fails, runs out of
/// fuel or grows past [`MAX_RENDERED_BYTES`].
///
/// # Errors
/// Every [`TemplateProblem`] found.
pub fn compile(
    kind: EmailTemplateKind,
    version: i32,
    source: &TemplateSource,
    sample: &SampleData<'_>,
) -> Result<(OrgTemplate, RenderedEmail), Vec<TemplateProblem>> {
    let mut problems = Vec::new();
    let sources = [&source.subject, &source.text, &source.html];
    let mut env = sandbox();
    for ((field, name), src) in PARTS.iter().zip(sources) {
        let limit = if *field == "subject" {
            MAX_SUBJECT_CHARS
        } else {
            MAX_SOURCE_CHARS
        };
        if src.trim().is_empty() {
            problems.push(TemplateProblem {
                field,
                message: "Enter this part of the email.".into(),
            });
            continue;
        }
        if src.chars().count() > limit {
            problems.push(TemplateProblem {
                field,
                message: format!("Keep this part under {limit} characters."),
            });
            continue;
        }
        if let Err(e) = env.add_template_owned(*name, src.clone()) {
            problems.push(TemplateProblem {
                field,
                message: describe(&e),
            });
            continue;
        }
        let Ok(template) = env.get_template(name) else {
            continue;
        };
        let mut unknown: Vec<String> = template
            .undeclared_variables(false)
            .into_iter()
            .filter(|v| !kind.placeholders().contains(&v.as_str()))
            .filter(|v| !(*field == "body_html" && v == "subject"))
            .collect();
        unknown.sort();
        for v in unknown {
            let at = line_of(src, &v).map_or(String::new(), |l| format!("Line {l}: "));
            problems.push(TemplateProblem {
                field,
                message: format!(
                    "{at}unknown placeholder {{{{ {v} }}}}; this email offers {}.",
                    kind.placeholders().join(", ")
                ),
            });
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let template = OrgTemplate { kind, version, env };
    let rendered = match template.render(&sample.context()) {
        Ok(r) => r,
        Err(e) => return Err(vec![e]),
    };
    // In HTML the link appears escaped (`&` as `&amp;`).
    let escaped_link = sample
        .link()
        .replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('\'', "&#x27;")
        .replace('<', "&lt;")
        .replace('>', "&gt;");
    for (field, body, link) in [
        ("body_text", &rendered.text, sample.link()),
        ("body_html", &rendered.html, escaped_link.as_str()),
    ] {
        if !body.contains(link) {
            problems.push(TemplateProblem {
                field,
                message: "The email must show the link: add {{ link }}.".into(),
            });
        }
    }
    if problems.is_empty() {
        Ok((template, rendered))
    } else {
        Err(problems)
    }
}

/// The sandbox environment of organisation templates (see [`OrgTemplate`]), holding
/// `layout.html` only.
fn sandbox() -> Environment<'static> {
    let mut env = Environment::new();
    env.set_syntax(
        SyntaxConfig::builder()
            .keep_trailing_newline(true)
            .build()
            .expect("the default syntax is valid"),
    );
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_formatter(escape_html_without_slash);
    env.set_fuel(Some(TEMPLATE_FUEL));
    env.set_recursion_limit(16);
    if let Some((name, source)) = TEMPLATES.iter().find(|(n, _)| *n == "layout.html") {
        env.add_template(name, source)
            .expect("the built-in layout parses (checked by the snapshot tests)");
    }
    env
}

impl OrgTemplate {
    /// Parses a version that [`compile`] accepted when it was saved (nothing more is checked).
    ///
    /// # Errors
    /// The first part that no longer parses (a newer minijinja, say).
    pub fn load(
        kind: EmailTemplateKind,
        version: i32,
        source: &TemplateSource,
    ) -> Result<Self, TemplateProblem> {
        let mut env = sandbox();
        let sources = [&source.subject, &source.text, &source.html];
        for ((field, name), src) in PARTS.iter().zip(sources) {
            env.add_template_owned(*name, src.clone())
                .map_err(|e| TemplateProblem {
                    field,
                    message: describe(&e),
                })?;
        }
        Ok(Self { kind, version, env })
    }

    /// The version recorded on each email it renders.
    pub fn version(&self) -> i32 {
        self.version
    }

    /// Renders the three parts with `ctx`; the first problem found.
    fn render(&self, ctx: &Value) -> Result<RenderedEmail, TemplateProblem> {
        let part = |(field, name): (&'static str, &str), ctx: &Value| {
            let out = self
                .env
                .get_template(name)
                .and_then(|t| t.render(ctx))
                .map_err(|e| TemplateProblem {
                    field,
                    message: describe(&e),
                })?;
            if out.len() > MAX_RENDERED_BYTES {
                return Err(TemplateProblem {
                    field,
                    message: format!(
                        "The rendered text is larger than {} KB.",
                        MAX_RENDERED_BYTES / 1024
                    ),
                });
            }
            Ok(out)
        };
        let subject = part(PARTS[0], ctx)?.trim().to_owned();
        if subject.contains(['\r', '\n']) {
            return Err(TemplateProblem {
                field: "subject",
                message: "The subject must be one line.".into(),
            });
        }
        let text = part(PARTS[1], ctx)?;
        let html = part(PARTS[2], &context! { subject => &subject, ..ctx.clone() })?;
        Ok(RenderedEmail {
            subject,
            text,
            html,
            template: Some((self.kind, self.version)),
            sender_name: None,
            reply_to: None,
        })
    }
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
        .filter(|t| t.kind == kind)
        .and_then(|t| match t.render(&ctx) {
            Ok(r) => Some(r),
            Err(p) => {
                tracing::warn!(kind = kind.as_str(), version = t.version, field = p.field,
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
    "webhook_disabled/subject.txt",
    "webhook_disabled/body.txt",
    "webhook_disabled/body.html",
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
        template: None,
        sender_name: None,
        reply_to: None,
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

    /// The sample data of the invitation kinds, with `link` the only place the token is.
    fn sample_invitation(link: &str) -> SampleData<'_> {
        SampleData::Invitation(InvitationEmail {
            invitee_first_name: "Ada",
            invitee_last_name: "Lovelace",
            organisation: "Smith & Daughters",
            role: "Member",
            inviter: Some("Grace Hopper"),
            link,
            expires: "7 December 2026, 14:05 UTC",
        })
    }

    fn with(subject: &str, text: &str, html: &str) -> TemplateSource {
        TemplateSource {
            subject: subject.into(),
            text: text.into(),
            html: html.into(),
        }
    }

    fn problems(source: &TemplateSource) -> Vec<TemplateProblem> {
        let link = registration_link();
        compile(
            EmailTemplateKind::Invitation,
            1,
            source,
            &sample_invitation(&link),
        )
        .expect_err("refused")
    }

    #[test]
    fn every_built_in_template_passes_the_organisation_checks() {
        let link = registration_link();
        for kind in EmailTemplateKind::ALL {
            let sample = match kind {
                EmailTemplateKind::CredentialInvitation => {
                    SampleData::CredentialInvitation(CredentialInvitationEmail {
                        partner: "First Bank",
                        organisation: "Acme",
                        provider: "Stripe",
                        environment: "Sandbox",
                        link: &link,
                        expires: "7 December 2026, 14:05 UTC",
                    })
                }
                _ => sample_invitation(&link),
            };
            let (t, preview) = compile(kind, 3, &default_source(kind), &sample).unwrap();
            assert_eq!(t.version(), 3);
            assert_eq!(preview.template, Some((kind, 3)));
            let builtin = render_default(kind, &sample).unwrap();
            assert_eq!(
                (preview.subject, preview.text, preview.html),
                (builtin.subject, builtin.text, builtin.html),
                "{kind:?}: the sandbox renders the built-in source as the built-in email"
            );
        }
    }

    #[test]
    fn an_organisation_template_is_used_with_its_version_and_escaped_in_html() {
        let link = registration_link();
        let source = with(
            "Welcome to {{ organisation }}, {{ invitee_first_name }}",
            "Hi {{ invitee_first_name }} {{ invitee_last_name }}: {{ link }}\n",
            "<p>Hi {{ invitee_first_name }}</p><a href=\"{{ link }}\">Join</a>",
        );
        let (t, _) = compile(
            EmailTemplateKind::Invitation,
            7,
            &source,
            &sample_invitation(&link),
        )
        .unwrap();
        let branding = Branding {
            template: Some(t),
            version: 7,
            sender_name: Some("Smith HR".into()),
            reply_to: Some("hr@example.org".into()),
        };
        let m = invitation(
            &branding,
            &InvitationEmail {
                invitee_first_name: "<b>Ada</b>",
                invitee_last_name: "Lovelace",
                organisation: "Smith & Daughters",
                role: "Member",
                inviter: None,
                link: &link,
                expires: "soon",
            },
        )
        .unwrap();
        assert_eq!(m.subject, "Welcome to Smith & Daughters, <b>Ada</b>");
        assert!(m.text.starts_with("Hi <b>Ada</b> Lovelace: https://"));
        assert!(m.html.starts_with("<p>Hi &lt;b&gt;Ada&lt;/b&gt;</p>"));
        assert_eq!(m.template, Some((EmailTemplateKind::Invitation, 7)));
        assert_eq!(m.sender_name.as_deref(), Some("Smith HR"));
        // The reminder is another kind: this template does not apply to it.
        let r = invitation_reminder(
            &branding,
            &InvitationEmail {
                invitee_first_name: "Ada",
                invitee_last_name: "Lovelace",
                organisation: "Acme",
                role: "Member",
                inviter: None,
                link: &link,
                expires: "soon",
            },
        )
        .unwrap();
        assert_eq!(r.template, Some((EmailTemplateKind::InvitationReminder, 0)));
    }

    #[test]
    fn a_syntax_error_names_its_field_and_line() {
        let p = problems(&with(
            "Hello",
            "{{ link }}\n{% if inviter %}\nno end",
            "{{ link }}",
        ));
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].field, "body_text");
        assert!(
            p[0].message.starts_with("Line 2: syntax error"),
            "{}",
            p[0].message
        );
    }

    #[test]
    fn an_unknown_placeholder_is_named_with_its_line() {
        let p = problems(&with(
            "Hello {{ first_name }}",
            "{{ link }}",
            "<p>\n{{ link }} {{ password }}</p>",
        ));
        let by: Vec<_> = p.iter().map(|p| (p.field, p.message.as_str())).collect();
        assert!(
            by[0].0 == "subject"
                && by[0]
                    .1
                    .starts_with("Line 1: unknown placeholder {{ first_name }}"),
            "{by:?}"
        );
        assert!(
            by[1].0 == "body_html"
                && by[1]
                    .1
                    .starts_with("Line 2: unknown placeholder {{ password }}"),
            "{by:?}"
        );
        assert!(by[0].1.contains("invitee_first_name"));
    }

    #[test]
    fn both_bodies_must_show_the_link() {
        let p = problems(&with(
            "Hello",
            "No link here",
            "{% if false %}{{ link }}{% endif %}",
        ));
        let fields: Vec<_> = p.iter().map(|p| p.field).collect();
        assert_eq!(fields, ["body_text", "body_html"]);
        assert!(p[0].message.contains("{{ link }}"));
    }

    #[test]
    fn the_sandbox_stops_endless_work_huge_output_and_other_files() {
        // Six nested loops over a 90-character link: about 5e11 steps.
        let endless = "{% for a in link %}{% for b in link %}{% for c in link %}\
                       {% for d in link %}{% for e in link %}{% for f in link %}x\
                       {% endfor %}{% endfor %}{% endfor %}{% endfor %}{% endfor %}{% endfor %}{{ link }}";
        let p = problems(&with("Hi", endless, "{{ link }}"));
        assert_eq!(p[0].field, "body_text");
        assert!(p[0].message.contains("too much work"), "{}", p[0].message);

        let p = problems(&with(
            "Hi",
            "{{ link }}",
            "{% include \"invitation/body.html\" %}{{ link }}",
        ));
        assert!(
            p[0].message.contains("only \"layout.html\""),
            "{}",
            p[0].message
        );

        let p = problems(&with("Hi", "{{ link|upper }}", "{{ link }}"));
        assert!(p[0].message.contains("no filters"), "{}", p[0].message);

        let p = problems(&with("Hi\n{{ link }}", "{{ link }}", "{{ link }}"));
        assert_eq!(p[0].field, "subject");
    }

    #[test]
    fn output_past_the_cap_is_refused() {
        // 3,000 copies of a 90-character link: 270 KB, under the fuel budget.
        let big = format!("{}{{{{ link }}}}", "{{ link }}".repeat(3_000));
        let p = problems(&with("Hi", &big, "{{ link }}"));
        assert_eq!(p[0].field, "body_text");
        assert!(
            p[0].message.contains("larger than 256 KB"),
            "{}",
            p[0].message
        );
    }
}
