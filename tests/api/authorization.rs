//! The authorization matrix: every server function and every REST route, asked by each of six
//! personas, against ONE table of expected outcomes.
//!
//! The personas (columns of the table):
//! 1. anonymous: no session;
//! 2. member: a plain `member` of company A;
//! 3. association manager: the `manager` of an association (a tenant admin elsewhere);
//! 4. company admin: an `admin` of company A, whose resources the rows address;
//! 5. other organisation's admin: an `admin` of company C;
//! 6. platform admin: an `admin` of the platform organisation.
//!
//! Every row addresses company A's resources (an invitation, an invite code, partners in each
//! state, a credential invitation...), made once in [`world`]. The rows run in table order and
//! each persona in column order, so a state-changing row may leave the resource in another
//! state for the next cell: expectations are about authorization, and [`Outcome::Allowed`]
//! accepts the 409/410/422 that a resource in the wrong state or a deliberately invalid form
//! answers.
//!
//! The table is checked against the code: a server function (as registered with Leptos) or a
//! REST route (a `.route("...", ...)` in `src/`) without a row fails the test, and so does a
//! row naming an endpoint that no longer exists.

use crate::helpers::{spawn_app_with, Browser, TestApp, PASSWORD};
use reqwest::StatusCode;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use uuid::Uuid;

/// What a persona must get from an endpoint.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Outcome {
    /// A public endpoint: anything but 400 (the table's arguments are wrong), 401, 403 or 5xx.
    Public,
    /// 401: a session (or, for the partner API, a bearer token) is required.
    Unauth,
    /// 403: signed in, but the role may not do this.
    Forbidden,
    /// 404: company A's resource does not exist for this persona.
    Hidden,
    /// Authorized: not 400, 401, 403, 404 nor 5xx (409, 410, 422 and 429 are fine).
    Allowed,
}

use Outcome::{Allowed, Forbidden, Hidden, Public, Unauth};

impl Outcome {
    fn admits(self, status: u16) -> bool {
        match self {
            Public => !matches!(status, 400 | 401 | 403) && status < 500,
            Unauth => status == 401,
            Forbidden => status == 403,
            Hidden => status == 404,
            Allowed => !matches!(status, 400 | 401 | 403 | 404) && status < 500,
        }
    }
}

/// The personas, in the order of the table's columns.
const PERSONAS: [&str; 6] = [
    "anonymous",
    "member",
    "association manager",
    "company admin",
    "other organisation's admin",
    "platform admin",
];

/// A request body; `{name}` placeholders are filled from the [`World`].
#[derive(Clone, Copy, Debug)]
enum Body {
    Empty,
    Form(&'static [(&'static str, &'static str)]),
    Json(&'static str),
}

/// One endpoint and what each persona gets from it.
struct Row {
    expect: [Outcome; 6],
    method: &'static str,
    /// With `{name}` placeholders filled from the [`World`] (a REST route's path parameters).
    path: &'static str,
    body: Body,
    /// Each persona asks from a session of its own, signed in just for this row (for rows that
    /// end or replace the session they run in).
    fresh_session: bool,
}

impl Row {
    fn fresh(mut self) -> Self {
        self.fresh_session = true;
        self
    }
}

/// A server function (POST, form-encoded like the pages send them).
fn sf(
    expect: [Outcome; 6],
    path: &'static str,
    form: &'static [(&'static str, &'static str)],
) -> Row {
    Row {
        expect,
        method: "POST",
        path,
        body: Body::Form(form),
        fresh_session: false,
    }
}

/// A REST route.
fn rest(expect: [Outcome; 6], method: &'static str, path: &'static str, body: Body) -> Row {
    Row {
        expect,
        method,
        path,
        body,
        fresh_session: false,
    }
}

/// Columns: anonymous, member, association manager, company admin (of A), other
/// organisation's admin (of C), platform admin.
#[rustfmt::skip]
fn table() -> Vec<Row> {
    // Who manages invitations and invite codes: association managers, company owners and
    // admins, platform admins (each in their own organisation; platform admins in every
    // organisation for invitations, but invite codes always act on the session's organisation).
    const MANAGERS: [Outcome; 6] = [Unauth, Forbidden, Allowed, Allowed, Allowed, Allowed];
    // Company A's invitation: platform admins manage every organisation's invitations.
    const A_INVITATION: [Outcome; 6] = [Unauth, Forbidden, Hidden, Allowed, Hidden, Allowed];
    // Company A's invite code, partner or credential invitation: only company A's tenant
    // admins (and integration managers) see it; the platform admin keeps the provider
    // registry and sees no tenant's partners.
    const A_ONLY: [Outcome; 6] = [Unauth, Forbidden, Hidden, Allowed, Hidden, Hidden];
    // The Integrations area: tenant admins (association managers, company owners and admins),
    // integration managers and platform admins.
    const INTEGRATIONS: [Outcome; 6] = [Unauth, Forbidden, Allowed, Allowed, Allowed, Allowed];
    // Anyone signed in.
    const SIGNED_IN: [Outcome; 6] = [Unauth, Allowed, Allowed, Allowed, Allowed, Allowed];
    const PLATFORM_ONLY: [Outcome; 6] = [Unauth, Forbidden, Forbidden, Forbidden, Forbidden, Allowed];
    const PUBLIC: [Outcome; 6] = [Public; 6];
    // Partner API and token endpoint: client credentials or bearer tokens, never cookies.
    const MACHINES_ONLY: [Outcome; 6] = [Unauth; 6];

    vec![
        // ---- Signing in (public) -------------------------------------------------------------
        sf(PUBLIC, "/rpc/auth/session", &[]),
        sf(PUBLIC, "/rpc/auth/sign-in", &[("email", "{member_email}"), ("password", "{password}")]).fresh(),
        sf(PUBLIC, "/rpc/auth/sign-out", &[]).fresh(),
        sf(PUBLIC, "/rpc/keys/challenge", &[("purpose", "sign_in")]),
        // A malformed key: answered 422 before any signature check, never signs anyone in.
        sf(PUBLIC, "/rpc/auth/sign-in-with-key", &[("public_key", "not-a-key"), ("challenge_id", "{nil}"), ("signature", "AAAA")]),

        // ---- Registration links (the token is the credential) --------------------------------
        sf(PUBLIC, "/rpc/registration/view", &[("token", "{reg_token}"), ("org", "{reg_org}")]),
        // A password that fails the policy: 422, the token is not spent.
        sf(PUBLIC, "/rpc/registration/complete", &[("token", "{reg_token}"), ("org", "{reg_org}"), ("first_name", "Jo"), ("last_name", "Joiner"), ("password", "short"), ("password_confirmation", "other")]),
        // Accepting needs an account; the invitation is for someone else, so 409.
        sf(SIGNED_IN, "/rpc/registration/accept", &[("token", "{reg_token}"), ("org", "{reg_org}")]),
        sf(PUBLIC, "/rpc/registration/request-new", &[("token", "{reg_token}"), ("org", "{reg_org}"), ("email", "joiner@matrix.example")]),

        // ---- Dashboards and organisations ------------------------------------------------------
        sf(SIGNED_IN, "/rpc/dashboard/summary", &[]),
        sf(PLATFORM_ONLY, "/rpc/organisations/list", &[]),
        sf(PLATFORM_ONLY, "/rpc/organisations/create", &[("name", "Matrix Cooperative"), ("kind", "cooperative")]),

        // ---- Member invitations ------------------------------------------------------------------
        sf(MANAGERS, "/rpc/invitations/options", &[]),
        sf(MANAGERS, "/rpc/invitations/list", &[]),
        // `organisation_id` names company A; only the platform admin's is honoured (the others
        // invite into their own organisation, checked after the matrix).
        sf(MANAGERS, "/rpc/invitations/create", &[("organisation_id", "{company_a}"), ("email", "newcomer@matrix.example"), ("first_name", "New"), ("last_name", "Comer"), ("role", "member"), ("designation", "Analyst"), ("department", "")]),
        sf(A_INVITATION, "/rpc/invitations/resend", &[("id", "{invitation}")]),
        sf(A_INVITATION, "/rpc/invitations/revoke", &[("id", "{invitation}"), ("reason", "matrix")]),
        sf(A_INVITATION, "/rpc/invitations/history", &[("id", "{invitation}")]),
        // The switch belongs to the caller's own organisation (from the session).
        sf(MANAGERS, "/rpc/invitations/reminders", &[]),
        sf(MANAGERS, "/rpc/invitations/reminders/set", &[("enabled", "true")]),
        // The REST API: the browser session is one way in, with the same rules.
        rest(MANAGERS, "POST", "/api/invitations", Body::Json(r#"{"organisation_id":"{company_a}","email":"rest@matrix.example","first_name":"Rest","last_name":"Caller","role":"member"}"#)),
        rest(MANAGERS, "GET", "/api/invitations", Body::Empty),
        rest(PUBLIC, "GET", "/api/invitations/validate", Body::Empty),
        rest(A_INVITATION, "GET", "/api/invitations/{invitation}", Body::Empty),
        rest(A_INVITATION, "POST", "/api/invitations/{invitation}/resend", Body::Empty),
        rest(A_INVITATION, "POST", "/api/invitations/{invitation}/revoke", Body::Json(r#"{"reason":"matrix"}"#)),
        rest(PUBLIC, "GET", "/api/openapi.json", Body::Empty),
        sf(PUBLIC, "/rpc/invitations/api-reference", &[]),
        rest(MANAGERS, "POST", "/api/invitations/bulk", Body::Json(r#"[{"email":"bulk-{nil}@matrix.example","first_name":"Bulk","last_name":"Row","role":"member"}]"#)),
        rest(A_INVITATION, "GET", "/api/invitations/bulk/{bulk_job}", Body::Empty),
        // The "Bulk invite" dialog's server functions (JSON-encoded: a file's text).
        rest(MANAGERS, "POST", "/rpc/invitations/bulk-check", Body::Json(r#"{"csv":"email,first_name,last_name,role\ncheck@matrix.example,Che,Ck,member\n","organisation_id":null}"#)),
        rest(MANAGERS, "POST", "/rpc/invitations/bulk-start", Body::Json(r#"{"csv":"email,first_name,last_name,role\nstart@matrix.example,Sta,Rt,member\n","organisation_id":null}"#)),
        sf(A_INVITATION, "/rpc/invitations/bulk-status", &[("id", "{bulk_job}")]),
        rest(A_INVITATION, "GET", "/api/invitations/bulk/{bulk_job}/result.csv", Body::Empty),

        // ---- Analytics: invitation managers, their own organisation (platform admins: any) -----
        sf(MANAGERS, "/rpc/analytics/report", &[("from", ""), ("to", ""), ("organisation", "")]),
        rest(MANAGERS, "GET", "/analytics/export.csv", Body::Empty),

        // ---- Audit log: invitation managers, their own organisation (platform admins: all) ------
        sf(MANAGERS, "/rpc/audit-log/list", &[("action", ""), ("subject", ""), ("actor", ""), ("from", ""), ("to", "")]),
        rest(MANAGERS, "GET", "/audit-log/export.csv", Body::Empty),
        rest(MANAGERS, "GET", "/audit-log/export.jsonl", Body::Empty),

        // ---- Webhooks of company A's partner: its Integrations people only -----------------
        sf(A_ONLY, "/rpc/integrations/webhooks", &[("partner", "{partner}")]),
        sf(A_ONLY, "/rpc/integrations/webhooks/add", &[("partner", "{partner}"), ("url", "https://hooks.invalid/new"), ("description", ""), ("event_types", "partner.suspended")]),
        sf(A_ONLY, "/rpc/integrations/webhooks/rotate-secret", &[("id", "{webhook_endpoint}")]),
        sf(A_ONLY, "/rpc/integrations/webhooks/test", &[("id", "{webhook_endpoint}")]),
        sf(A_ONLY, "/rpc/integrations/webhooks/reenable", &[("id", "{webhook_endpoint}")]),
        sf(A_ONLY, "/rpc/integrations/webhooks/log", &[("id", "{webhook_endpoint}")]),
        sf(A_ONLY, "/rpc/integrations/webhooks/replay", &[("id", "{webhook_endpoint}"), ("message", "{webhook_message}")]),
        sf(A_ONLY, "/rpc/integrations/webhooks/mapping", &[("partner", "{partner}")]),
        sf(A_ONLY, "/rpc/integrations/webhooks/mapping/preview", &[("partner", "{partner}"), ("event_type", "partner.suspended"), ("rules", "[]")]),
        sf(A_ONLY, "/rpc/integrations/webhooks/mapping/save", &[("partner", "{partner}"), ("rules", "[]")]),

        // ---- Email templates: invitation managers, their own organisation only -----------------
        sf(MANAGERS, "/rpc/email-templates/load", &[("kind", "invitation")]),
        sf(MANAGERS, "/rpc/email-templates/preview", &[("kind", "invitation"), ("subject", "Hi"), ("body_text", "{{ link }}"), ("body_html", "{{ link }}")]),
        sf(MANAGERS, "/rpc/email-templates/save", &[("kind", "invitation_reminder"), ("subject", "Hi"), ("body_text", "{{ link }}"), ("body_html", "{{ link }}")]),
        sf(MANAGERS, "/rpc/email-templates/reset", &[("kind", "invitation_reminder")]),
        sf(MANAGERS, "/rpc/email-templates/send-test", &[("kind", "invitation"), ("subject", "Hi"), ("body_text", "{{ link }}"), ("body_html", "{{ link }}")]),
        sf(MANAGERS, "/rpc/email-templates/sender", &[("sender_name", ""), ("reply_to", "")]),
        rest(MANAGERS, "GET", "/email-templates/preview-frame", Body::Empty),
        rest(MANAGERS, "POST", "/email-templates/preview-frame", Body::Form(&[("kind", "invitation"), ("subject", "Hi"), ("body_text", "{{ link }}"), ("body_html", "{{ link }}")])),

        // ---- API tokens: invitation managers, their own organisation only -----------------
        sf(MANAGERS, "/rpc/api-tokens/options", &[]),
        sf(MANAGERS, "/rpc/api-tokens/list", &[]),
        sf(MANAGERS, "/rpc/api-tokens/create", &[("name", "matrix"), ("role", "member"), ("expires_in_days", "30")]),
        sf(A_ONLY, "/rpc/api-tokens/revoke", &[("id", "{api_token}")]),

        // ---- Invite codes ----------------------------------------------------------------------------
        sf(MANAGERS, "/rpc/invite-codes/options", &[]),
        sf(MANAGERS, "/rpc/invite-codes/list", &[("status", "")]),
        sf(MANAGERS, "/rpc/invite-codes/create", &[("role", "member"), ("expires_in_days", "7"), ("max_uses", "1"), ("note", "matrix"), ("count", "1")]),
        sf(A_ONLY, "/rpc/invite-codes/reveal", &[("id", "{invite_code}")]),
        sf(A_ONLY, "/rpc/invite-codes/revoke", &[("id", "{invite_code}")]),
        // Malformed fields: 422 before the code is looked up; nobody is signed in by it.
        sf(PUBLIC, "/rpc/invite-codes/redeem", &[("code", "nope"), ("display_name", ""), ("public_key", "not-a-key"), ("challenge_id", "{nil}"), ("signature", "AAAA")]),

        // ---- Integrations: providers and partners -----------------------------------------------
        sf(INTEGRATIONS, "/rpc/integrations/overview", &[]),
        // Providers are the platform admin's registry.
        sf(PLATFORM_ONLY, "/rpc/integrations/providers/save", &[("id", "{provider}"), ("name", "Acme Payments"), ("description", "Payment status updates"), ("sandbox", "on"), ("production", "on"), ("security_policy_url", "https://acme.example/security"), ("runbook_url", "https://acme.example/runbook"), ("escalation_email", "oncall@acme.example"), ("min_key_length", "32"), ("min_entropy_bits", "128"), ("rotation_days", "90")]),
        // Partners belong to tenants (associations, companies): the platform admin gets 403 on
        // purpose (`create_partner`: "403 outside a tenant").
        sf([Unauth, Forbidden, Allowed, Allowed, Allowed, Forbidden], "/rpc/integrations/partners/create", &[("name", "Matrix Partner"), ("legal_basis", "Contract"), ("agreement_document_id", "DSA-1"), ("provider_id", "{provider}"), ("environment", "sandbox"), ("contacts", "Tess Lead <tess@bank.example>"), ("scopes", "partner:ping")]),
        sf(A_ONLY, "/rpc/integrations/partners/detail", &[("id", "{partner}")]),
        sf(A_ONLY, "/rpc/integrations/partners/update", &[("id", "{draft_partner}"), ("environment", "sandbox"), ("contacts", "Tess Lead <tess@bank.example>"), ("scopes", "partner:ping")]),
        sf(A_ONLY, "/rpc/integrations/partners/submit", &[("id", "{draft_partner}")]),
        sf(A_ONLY, "/rpc/integrations/partners/approve", &[("id", "{pending_partner}"), ("policy_document_id", "POL-9")]),
        sf(A_ONLY, "/rpc/integrations/partners/reject", &[("id", "{rejected_partner}"), ("reason", "matrix")]),
        // Tenant admins only, checked before the partner is looked up: 403 for the platform
        // admin on purpose (`set_suspended`).
        sf([Unauth, Forbidden, Hidden, Allowed, Hidden, Forbidden], "/rpc/integrations/partners/suspend", &[("id", "{partner}"), ("suspend", "true")]),
        sf(A_ONLY, "/rpc/integrations/partners/decommission", &[("id", "{retired_partner}"), ("reason", "matrix")]),
        // Tenant admins and integration managers; the approved partner has a secret to rotate.
        sf(A_ONLY, "/rpc/integrations/partners/rotate-secret", &[("id", "{partner}")]),

        // ---- Credential invitations --------------------------------------------------------------
        // The public credential page first, while the link is open (the token is the
        // credential); a too-short secret: 422, nothing accepted.
        sf(PUBLIC, "/rpc/integrations/credential-invite/view", &[("token", "{credential_token}")]),
        sf(PUBLIC, "/rpc/integrations/credential-invite/submit", &[("token", "{credential_token}"), ("api_key_id", "fb-key-01"), ("secret", "short"), ("secret_confirmation", "other")]),
        sf(PUBLIC, "/rpc/integrations/credential-invite/receipt", &[("token", "{credential_token}")]),
        sf(A_ONLY, "/rpc/integrations/credential-invitations/create", &[("partner_id", "{partner}"), ("recipient_email", "lead@bank.example"), ("environment", "sandbox")]),
        sf(A_ONLY, "/rpc/integrations/credential-invitations/refresh", &[("id", "{credential_invitation}")]),
        // Like refresh and revoke: another tenant's credential invitation does not exist.
        sf(A_ONLY, "/rpc/integrations/credential-invitations/events", &[("id", "{credential_invitation}")]),
        sf(A_ONLY, "/rpc/integrations/credential-invitations/revoke", &[("id", "{credential_invitation}")]),

        // ---- Dev mailbox: development without SMTP (the test configuration), from this
        // machine only; there it is public by design. -------------------------------------------
        sf(PUBLIC, "/rpc/dev/mailbox", &[]),
        rest(PUBLIC, "GET", "/dev/mailbox/{mail}/html", Body::Empty),

        // ---- REST routes -------------------------------------------------------------------------
        rest(A_ONLY, "GET", "/integrations/partners/{partner}/invite-events.jsonl", Body::Empty),
        rest(PUBLIC, "GET", "/healthz", Body::Empty),
        rest(PUBLIC, "GET", "/readyz", Body::Empty),
        // A metrics token is configured (without one, /metrics is 404 for everyone): cookies
        // are no scrape credential, so even the platform admin gets 401.
        rest(MACHINES_ONLY, "GET", "/metrics", Body::Empty),
        rest(MACHINES_ONLY, "POST", "/oauth/token", Body::Form(&[("grant_type", "client_credentials")])),
        rest(MACHINES_ONLY, "POST", "/api/partner/v1/ping", Body::Empty),
        rest(MACHINES_ONLY, "POST", "/api/partner/v1/invitations", Body::Json(r#"{"email":"api@matrix.example","first_name":"Api","last_name":"Person","role":"member"}"#)),
        rest(MACHINES_ONLY, "GET", "/api/partner/v1/invitations/{invitation}", Body::Empty),
        rest(MACHINES_ONLY, "GET", "/api/partner/v1/members/stats", Body::Empty),
        rest(PUBLIC, "GET", "/api/partner/v1/openapi.json", Body::Empty),
    ]
}

// ---------------------------------------------------------------------------------------------
// The endpoints that exist.
// ---------------------------------------------------------------------------------------------

/// `path` with every `{parameter}` written `{}`, so a table row and a route template compare.
fn template(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut in_param = false;
    for c in path.chars() {
        match c {
            '{' => {
                in_param = true;
                out.push_str("{}");
            }
            '}' => in_param = false,
            _ if in_param => {}
            _ => out.push(c),
        }
    }
    out
}

/// Every `.rs` file under `src/`.
fn rust_sources() -> Vec<(PathBuf, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut out = Vec::new();
    let mut stack = vec![root];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("src/ is readable") {
            let path = entry.expect("directory entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).unwrap();
                out.push((path, text));
            }
        }
    }
    out
}

/// The source without its `//` comment lines (doc comments included).
fn without_comment_lines(text: &str) -> String {
    text.lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The HTTP methods an axum method router expression names (`get(...)`, `post(...)`,
/// `get(..).post(..)`).
fn methods_in(handler: &str) -> Vec<String> {
    let mut out = Vec::new();
    for m in ["get", "post", "put", "patch", "delete", "head", "options"] {
        let mut from = 0;
        while let Some(i) = handler[from..].find(m) {
            let at = from + i;
            let before = handler[..at].chars().next_back();
            let after = handler[at + m.len()..].trim_start().chars().next();
            if !before.is_some_and(|c| c.is_alphanumeric() || c == '_') && after == Some('(') {
                out.push(m.to_uppercase());
            }
            from = at + m.len();
        }
    }
    out
}

/// `(method, template)` of every `.route("<literal>", <method router>)` in `src/`. There is no
/// router introspection in axum, so the source is read. A route whose method cannot be read is
/// listed with method `?`, which no row matches.
fn rest_routes(sources: &[(PathBuf, String)]) -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    for (_, text) in sources {
        let code = without_comment_lines(text);
        let mut rest = code.as_str();
        while let Some(i) = rest.find(".route(") {
            rest = &rest[i + ".route(".len()..];
            let Some(lit) = rest.trim_start().strip_prefix('"') else {
                continue;
            };
            let Some(end) = lit.find('"') else { continue };
            let route = &lit[..end];
            let args = &lit[end + 1..];
            let mut depth = 1;
            let mut stop = args.len();
            for (j, c) in args.char_indices() {
                match c {
                    '(' => depth += 1,
                    ')' => {
                        depth -= 1;
                        if depth == 0 {
                            stop = j;
                            break;
                        }
                    }
                    _ => {}
                }
            }
            let methods = methods_in(&args[..stop]);
            if methods.is_empty() {
                out.insert(("?".to_owned(), template(route)));
            }
            for m in methods {
                out.insert((m, template(route)));
            }
        }
    }
    out
}

/// `(method, path)` of every server function Leptos registered (they are registered once the
/// app is built). If none were registered in this binary, the `#[server(endpoint = "...")]`
/// attributes in `src/` are read instead (served as POST under `/api/`).
fn server_functions(sources: &[(PathBuf, String)]) -> (BTreeSet<(String, String)>, bool) {
    let registered: BTreeSet<(String, String)> = leptos::server_fn::axum::server_fn_paths()
        .map(|(path, method)| (method.as_str().to_owned(), path.to_owned()))
        .collect();
    if !registered.is_empty() {
        return (registered, true);
    }
    let mut scanned = BTreeSet::new();
    for (_, text) in sources {
        let code = without_comment_lines(text);
        let mut rest = code.as_str();
        while let Some(i) = rest.find("#[server(") {
            rest = &rest[i + "#[server(".len()..];
            let attr = &rest[..rest.find(")]").unwrap_or(rest.len())];
            if let Some(e) = attr.find("endpoint") {
                let value = &attr[e..];
                if let Some(q) = value.find('"') {
                    let name = &value[q + 1..];
                    if let Some(end) = name.find('"') {
                        scanned.insert(("POST".to_owned(), format!("/rpc/{}", &name[..end])));
                    }
                }
            }
        }
    }
    (scanned, false)
}

// ---------------------------------------------------------------------------------------------
// The world the rows address.
// ---------------------------------------------------------------------------------------------

struct World {
    /// Placeholder values: `{name}` → value.
    values: BTreeMap<&'static str, String>,
    /// The personas' sessions, in column order.
    browsers: Vec<Browser>,
    /// The personas' sign-in emails (`None` for anonymous), in column order.
    emails: Vec<Option<String>>,
    company_a: Uuid,
    platform: Uuid,
}

/// The JSON answer of a setup step that must work.
async fn ok_json(res: reqwest::Response, what: &str) -> Value {
    let status = res.status();
    let body = res.text().await.unwrap();
    assert_eq!(status, StatusCode::OK, "setup: {what}: {body}");
    serde_json::from_str(&body).unwrap_or(Value::Null)
}

/// Registers a draft partner of company A as `im`; returns its id.
async fn register_partner(app: &TestApp, im: &mut Browser, name: &str, provider: &str) -> String {
    let res = app
        .post(
            im,
            "/rpc/integrations/partners/create",
            &[
                ("name", name),
                ("legal_basis", "Contract, GDPR art. 6(1)(b)"),
                ("agreement_document_id", "DSA-2026-041"),
                ("provider_id", provider),
                ("environment", "sandbox"),
                ("contacts", "Tess Lead <tess@firstbank.example>"),
                ("scopes", "partner:ping invitations:read"),
            ],
        )
        .await;
    ok_json(res, "register a partner")
        .await
        .as_str()
        .unwrap()
        .to_owned()
}

async fn world(app: &TestApp) -> World {
    let platform = app.organisation("", "platform").await;
    let company_a = app.organisation("Company A", "company").await;
    let association = app.organisation("Association B", "association").await;
    let company_c = app.organisation("Company C", "company").await;

    let owner_email = "owner@a.matrix.example";
    let im_email = "integrations@a.matrix.example";
    let member_email = "member@a.matrix.example";
    let manager_email = "manager@b.matrix.example";
    let admin_a_email = "admin@a.matrix.example";
    let admin_c_email = "admin@c.matrix.example";
    let platform_email = "admin@platform.matrix.example";
    app.user(owner_email, company_a, "owner").await;
    app.user(im_email, company_a, "integration_manager").await;
    app.user(member_email, company_a, "member").await;
    app.user(admin_a_email, company_a, "admin").await;
    app.user(manager_email, association, "manager").await;
    app.user(admin_c_email, company_c, "admin").await;
    app.user(platform_email, platform, "admin").await;

    let mut owner = app.sign_in(owner_email).await;
    let mut im = app.sign_in(im_email).await;
    let mut platform_admin = app.sign_in(platform_email).await;

    // The provider registry (the platform admin's).
    let res = app
        .post(
            &mut platform_admin,
            "/rpc/integrations/providers/save",
            &[
                ("name", "Acme Payments"),
                ("description", "Payment status updates"),
                ("sandbox", "on"),
                ("production", "on"),
                ("security_policy_url", "https://acme.example/security"),
                ("runbook_url", "https://acme.example/runbook"),
                ("escalation_email", "oncall@acme.example"),
                ("min_key_length", "32"),
                ("min_entropy_bits", "128"),
                ("rotation_days", "90"),
            ],
        )
        .await;
    let provider = ok_json(res, "save the provider")
        .await
        .as_str()
        .unwrap()
        .to_owned();

    // Company A's partners, one per state the rows need. The integration manager registers
    // and submits; the owner approves (nobody approves their own submission).
    let partner = register_partner(app, &mut im, "Approved Bank", &provider).await;
    let draft_partner = register_partner(app, &mut im, "Draft Bank", &provider).await;
    let pending_partner = register_partner(app, &mut im, "Pending Bank", &provider).await;
    let rejected_partner = register_partner(app, &mut im, "Rejected Bank", &provider).await;
    let retired_partner = register_partner(app, &mut im, "Retired Bank", &provider).await;
    for id in [&partner, &pending_partner, &rejected_partner] {
        let res = app
            .post(&mut im, "/rpc/integrations/partners/submit", &[("id", id)])
            .await;
        ok_json(res, "submit a partner").await;
    }
    let res = app
        .post(
            &mut owner,
            "/rpc/integrations/partners/approve",
            &[("id", &partner), ("policy_document_id", "POL-7")],
        )
        .await;
    ok_json(res, "approve a partner").await;

    // A credential invitation for the approved partner.
    let res = app
        .post(
            &mut im,
            "/rpc/integrations/credential-invitations/create",
            &[
                ("partner_id", &partner),
                ("recipient_email", "tess@firstbank.example"),
                ("environment", "sandbox"),
            ],
        )
        .await;
    let created = ok_json(res, "create a credential invitation").await;
    let credential_invitation = created["id"].as_str().unwrap().to_owned();
    let credential_token = created["link"]
        .as_str()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_owned();

    // Two member invitations: one the managing rows act on, one whose link the
    // registration rows use (never resent nor revoked, so its token stays valid).
    let res = app
        .invite(&mut owner, "managed@matrix.example", "member")
        .await;
    ok_json(res, "invite managed@").await;
    let invitation = app.invitation_id("managed@matrix.example").await;
    let res = app
        .invite(&mut owner, "joiner@matrix.example", "member")
        .await;
    ok_json(res, "invite joiner@").await;
    let (reg_token, reg_org) = app.latest_token("joiner@matrix.example").await;

    // An invite code.
    let res = app
        .post(
            &mut owner,
            "/rpc/invite-codes/create",
            &[
                ("role", "member"),
                ("expires_in_days", "7"),
                ("max_uses", "1"),
                ("note", "matrix"),
                ("count", "1"),
            ],
        )
        .await;
    let codes = ok_json(res, "create an invite code").await;
    let invite_code = codes["codes"][0]["id"].as_str().unwrap().to_owned();

    // An API token of company A.
    let res = app
        .post(
            &mut owner,
            "/rpc/api-tokens/create",
            &[
                ("name", "matrix"),
                ("role", "member"),
                ("expires_in_days", "30"),
            ],
        )
        .await;
    let api_token = ok_json(res, "create an API token").await["id"]
        .as_str()
        .unwrap()
        .to_owned();

    // A bulk import of company A.
    let res = owner
        .send(
            app.client
                .post(format!("{}/api/invitations/bulk", app.base))
                .header("content-type", "application/json")
                .body(r#"[{"email":"bulk@matrix.example","first_name":"Bulk","last_name":"Row","role":"member"}]"#),
        ).await;
    assert_eq!(
        res.status(),
        reqwest::StatusCode::ACCEPTED,
        "start a bulk import"
    );
    let bulk_job = res.json::<serde_json::Value>().await.unwrap()["job"]["id"]
        .as_str()
        .unwrap()
        .to_owned();

    // A webhook endpoint of company A's partner with one failed message (test set-up: its
    // secret is not a real one, and its host does not resolve).
    let webhook_endpoint = Uuid::new_v4();
    sqlx::query(
        "INSERT INTO webhook_endpoints (id, organisation_id, partner_id, url, event_types,
                                        secret_key_id, secret_nonce, secret_ciphertext)
         VALUES ($1, $2, $3::uuid, 'https://hooks.invalid/matrix', '{partner.suspended}',
                 'none', '\\x00', '\\x00')",
    )
    .bind(webhook_endpoint)
    .bind(company_a)
    .bind(&partner)
    .execute(&app.pool)
    .await
    .unwrap();
    let webhook_message = Uuid::new_v4();
    sqlx::query(
        "INSERT INTO webhook_messages (id, endpoint_id, event_type, body, status)
         VALUES ($1, $2, 'partner.suspended', '{}', 'failed')",
    )
    .bind(webhook_message)
    .bind(webhook_endpoint)
    .execute(&app.pool)
    .await
    .unwrap();

    let mail: i64 = sqlx::query_scalar("SELECT max(id) FROM email_outbox")
        .fetch_one(&app.pool)
        .await
        .unwrap();

    let values = BTreeMap::from([
        ("company_a", company_a.to_string()),
        ("member_email", member_email.to_owned()),
        ("password", PASSWORD.to_owned()),
        ("nil", Uuid::nil().to_string()),
        ("provider", provider),
        ("partner", partner),
        ("draft_partner", draft_partner),
        ("pending_partner", pending_partner),
        ("rejected_partner", rejected_partner),
        ("retired_partner", retired_partner),
        ("credential_invitation", credential_invitation),
        ("credential_token", credential_token),
        ("invitation", invitation.to_string()),
        ("reg_token", reg_token),
        ("reg_org", reg_org),
        ("invite_code", invite_code),
        ("api_token", api_token),
        ("bulk_job", bulk_job),
        ("webhook_endpoint", webhook_endpoint.to_string()),
        ("webhook_message", webhook_message.to_string()),
        ("mail", mail.to_string()),
    ]);

    let emails: Vec<Option<String>> = [
        None,
        Some(member_email),
        Some(manager_email),
        Some(admin_a_email),
        Some(admin_c_email),
        Some(platform_email),
    ]
    .into_iter()
    .map(|e| e.map(str::to_owned))
    .collect();
    let mut browsers = Vec::new();
    for email in &emails {
        browsers.push(session_of(app, email.as_deref()).await);
    }
    World {
        values,
        browsers,
        emails,
        company_a,
        platform,
    }
}

/// A new session of the persona signing in as `email` (anonymous for `None`).
async fn session_of(app: &TestApp, email: Option<&str>) -> Browser {
    match email {
        Some(e) => app.sign_in(e).await,
        None => Browser::anonymous(),
    }
}

/// `text` with every `{name}` placeholder replaced by its value.
///
/// # Panics
/// On a placeholder the world does not know (a mistake in the table).
fn fill(text: &str, values: &BTreeMap<&'static str, String>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let name_len = after
            .find(|c: char| !(c.is_ascii_lowercase() || c == '_'))
            .unwrap_or(after.len());
        if name_len > 0 && after[name_len..].starts_with('}') {
            let name = &after[..name_len];
            let value = values
                .get(name)
                .unwrap_or_else(|| panic!("the table names an unknown placeholder {{{name}}}"));
            out.push_str(value);
            rest = &after[name_len + 1..];
        } else {
            // Not a placeholder (JSON braces).
            out.push('{');
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

/// Sends `row` as `browser`; returns the status and the start of the body.
async fn send(
    app: &TestApp,
    browser: &Browser,
    row: &Row,
    values: &BTreeMap<&'static str, String>,
) -> (u16, String) {
    let method = reqwest::Method::from_bytes(row.method.as_bytes()).unwrap();
    let url = format!("{}{}", app.base, fill(row.path, values));
    let mut req = app.client.request(method, url);
    if row.method != "GET" {
        // As the app's own pages send it.
        req = req.header("sec-fetch-site", "same-origin");
    }
    req = match row.body {
        Body::Empty => req,
        Body::Form(pairs) => {
            let filled: Vec<(String, String)> = pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), fill(v, values)))
                .collect();
            req.form(&filled)
        }
        Body::Json(json) => req
            .header("content-type", "application/json")
            .body(fill(json, values)),
    };
    // The persona's cookies go out; a cookie the answer sets is not kept.
    let res = browser.send(req).await;
    let status = res.status().as_u16();
    let body = res.text().await.unwrap_or_default();
    (status, body.chars().take(200).collect())
}

#[tokio::test]
async fn every_endpoint_answers_every_persona_as_the_table_says() {
    let app = spawn_app_with(|c| {
        c.metrics_token = Some(secrecy::SecretString::from(
            "matrix-metrics-token".to_owned(),
        ))
    })
    .await;
    let table = table();
    let mut problems = Vec::new();

    // ---- The table against the endpoints that exist ----------------------------------------
    let sources = rust_sources();
    let (functions, registered) = server_functions(&sources);
    assert!(
        functions.len() >= 40,
        "expected the ~42 server functions ({}), found {}: {functions:?}",
        if registered {
            "registered with Leptos"
        } else {
            "none registered; read from #[server(endpoint)] in src/"
        },
        functions.len()
    );
    let routes = rest_routes(&sources);
    assert!(
        routes.len() >= 10,
        "expected the REST routes of src/startup.rs and src/partner_api/router.rs, found {routes:?}"
    );
    let endpoints: BTreeSet<(String, String)> = functions.union(&routes).cloned().collect();
    let mut rows = BTreeSet::new();
    for row in &table {
        let key = (row.method.to_owned(), template(row.path));
        if !rows.insert(key.clone()) {
            problems.push(format!("the table has two rows for {} {}", key.0, key.1));
        }
    }
    for (method, path) in endpoints.difference(&rows) {
        problems.push(format!(
            "{method} {path} has no row in the authorization table: add one"
        ));
    }
    for (method, path) in rows.difference(&endpoints) {
        problems.push(format!(
            "the authorization table has a row for {method} {path}, which is no endpoint (any more)"
        ));
    }

    // ---- Every cell ----------------------------------------------------------------------------
    let w = world(&app).await;
    let mut cells = 0;
    for row in &table {
        for (p, expected) in row.expect.iter().enumerate() {
            let browser = if row.fresh_session {
                session_of(&app, w.emails[p].as_deref()).await
            } else {
                w.browsers[p].clone()
            };
            let (status, body) = send(&app, &browser, row, &w.values).await;
            cells += 1;
            if !expected.admits(status) {
                problems.push(format!(
                    "{} {} as {}: expected {expected:?}, got {status}: {body}",
                    row.method, row.path, PERSONAS[p]
                ));
            }
        }
    }

    // ---- Nothing of company A was changed from outside --------------------------------------
    // Invitations into A come only from A's managers or platform admins (the others'
    // `organisation_id` is ignored), and partners of A only from A's people.
    let foreign_invitations: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM invitations i
          WHERE i.organisation_id = $1 AND i.inviter_id IS NOT NULL
            AND NOT EXISTS (SELECT 1 FROM memberships m WHERE m.user_id = i.inviter_id
                              AND m.organisation_id IN ($1, $2))",
    )
    .bind(w.company_a)
    .bind(w.platform)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    if foreign_invitations > 0 {
        problems.push(format!(
            "{foreign_invitations} invitation(s) into company A were made by people of another organisation"
        ));
    }
    let foreign_partners: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM partners p
          WHERE p.organisation_id = $1
            AND NOT EXISTS (SELECT 1 FROM memberships m WHERE m.user_id = p.created_by
                              AND m.organisation_id = $1)",
    )
    .bind(w.company_a)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    if foreign_partners > 0 {
        problems.push(format!(
            "{foreign_partners} partner(s) of company A were registered by people of another organisation"
        ));
    }

    eprintln!(
        "authorization matrix: {} endpoints x {} personas = {cells} cells ({} server functions{}, {} REST routes)",
        table.len(),
        PERSONAS.len(),
        functions.len(),
        if registered { " registered" } else { " read from src/" },
        routes.len(),
    );
    assert!(
        problems.is_empty(),
        "{} problem(s) in the authorization matrix ({cells} cells):\n{}",
        problems.len(),
        problems.join("\n")
    );
}
