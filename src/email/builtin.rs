//! The built-in email templates: the files of `templates/email/` (one folder per email:
//! `subject.txt`, `body.txt`, `body.html`; see that folder's README for the variables),
//! embedded at compile time, so the binary reads no file at run time, and parsed once into one
//! shared [`Environment`]. Escaping follows the template's extension: `.html` output
//! HTML-escapes every value (`& < > " '`, so a value from a person can neither open a tag nor
//! leave an attribute), `.txt` output escapes nothing.

use crate::domain::EmailTemplateKind;
use minijinja::{
    context, escape_formatter, syntax::SyntaxConfig, AutoEscape, Environment, Output, State,
    UndefinedBehavior, Value,
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

/// Every template, by its name in the environment (path under `templates/email/`).
macro_rules! embedded {
    ($($name:literal),* $(,)?) => {
        &[$(($name, include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/templates/email/", $name)))),*]
    };
}
pub(super) const TEMPLATES: &[(&str, &str)] = embedded![
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
pub(super) fn escape_html_without_slash(
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
pub(super) fn render(email: &'static str, ctx: Value) -> Result<RenderedEmail, RenderError> {
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
