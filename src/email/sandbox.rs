//! The sandbox organisations' own email templates render in (issue 11): each template gets an
//! environment of its own holding only the built-in `layout.html` and its three parts (no
//! loader, so no file or network access; no macros, filters or functions), strict about
//! unknown variables, HTML-escaping in `body.html`, with a fuel budget and a cap on each
//! rendered part. [`compile`] checks a template before it is saved; [`OrgTemplate::load`]
//! parses a saved one for sending. Source: OWASP ASVS 5.0 V1.3.7 (template injection).

use super::builtin::{escape_html_without_slash, RenderedEmail, TemplateSource, TEMPLATES};
use crate::domain::EmailTemplateKind;
use minijinja::{context, syntax::SyntaxConfig, Environment, ErrorKind, UndefinedBehavior, Value};

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

/// Checks `source` as an organisation's template of `kind` and renders it with `ctx` (sample
/// values of the variables of `kind`, whose link is `link`): the parsed template, and the
/// sample email as its preview.
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
    ctx: &Value,
    link: &str,
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
    let rendered = match template.render(ctx) {
        Ok(r) => r,
        Err(e) => return Err(vec![e]),
    };
    // In HTML the link appears escaped (`&` as `&amp;`).
    let escaped_link = link
        .replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('\'', "&#x27;")
        .replace('<', "&lt;")
        .replace('>', "&gt;");
    for (field, body, link) in [
        ("body_text", &rendered.text, link),
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

    /// The email it is a template of.
    pub fn kind(&self) -> EmailTemplateKind {
        self.kind
    }

    /// Renders the three parts with `ctx`; the first problem found.
    ///
    /// # Errors
    /// The first [`TemplateProblem`]: a render error, too much work, or too large an output.
    pub fn render(&self, ctx: &Value) -> Result<RenderedEmail, TemplateProblem> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::email::templates::compile as compile_sample;
    use crate::email::templates::{
        default_source, invitation, invitation_reminder, render_default, Branding,
        CredentialInvitationEmail, InvitationEmail, SampleData,
    };

    /// A token as the app makes them (64 hex characters).
    const TOKEN: &str = "9f2c4e6a8b0d1f3e5a7c9e1b3d5f7a9c0e2a4c6e8b0d2f4a6c8e0b2d4f6a8c0e";

    /// A registration link as `invitations::service::registration_link` makes them.
    fn registration_link() -> String {
        let org = "4b6f1c3e-2d8a-4f5b-9c7e-1a2b3c4d5e6f";
        format!("https://gatehouse.test/register?token={TOKEN}&org={org}")
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
        compile_sample(
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
            let (t, preview) = compile_sample(kind, 3, &default_source(kind), &sample).unwrap();
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
        let (t, _) = compile_sample(
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
