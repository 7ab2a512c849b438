//! `/register?token=…&org=…`: the page behind the emailed link, and its dead-link variants.
//!
//! Served without the browser app (`crate::app::page_script` in its place): every form on it
//! posts itself, a refusal comes back in the URL and is shown next to its field
//! ([`form_errors`]), and the page script adds the live countdown and the fields' own checks
//! before a form posts. The page downloads no wasm (issue 13, G4).

use super::{
    api::{
        registration_view, AcceptInvitation, CompleteRegistration, InvitationPreview,
        RegistrationState, RequestNewInvitation,
    },
    dto::{register_path, REISSUE_ANSWER, REISSUE_QUERY, REISSUE_REQUESTED},
};
use crate::{
    auth::api::SignOut,
    components::{
        field_error, form_errors, format_utc, Banner, Countdown, ErrorBanner, TextField, Tone,
    },
    domain::{EmailAddress, PasswordPolicy, PasswordProblem, PersonName},
};
use leptos::{prelude::*, server_fn::ServerFn};
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// Sets the HTTP status of the page and forbids caching (the URL carries a credential).
fn set_response(view: &RegistrationState) {
    use axum::http::{header, HeaderValue, StatusCode};
    if let Some(opts) = use_context::<leptos_axum::ResponseOptions>() {
        opts.set_status(StatusCode::from_u16(view.status_code()).unwrap_or(StatusCode::OK));
        opts.insert_header(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
}

/// The registration page.
#[component]
pub fn RegisterPage() -> impl IntoView {
    let query = use_query_map();
    let (token, org, reissued) = query.with_untracked(|q| {
        (
            q.get("token").unwrap_or_default(),
            q.get("org").unwrap_or_default(),
            q.get(REISSUE_QUERY).as_deref() == Some(REISSUE_REQUESTED),
        )
    });
    // Awaited here rather than through a `Resource`: nothing hydrates the page, so its state
    // is not serialised into it.
    let page = Suspend::new(async move {
        match registration_view(token.clone(), org.clone()).await {
            Ok(v) => {
                set_response(&v);
                match v {
                    RegistrationState::Open(p) => {
                        view! { <RegistrationForm token org preview=*p /> }.into_any()
                    }
                    other => view! { <DeadLink view=other token org reissued /> }.into_any(),
                }
            }
            Err(e) => view! {
                <Title text="Registration" />
                <h1 class="page-title">"Registration"</h1>
                <ErrorBanner error=e />
            }
            .into_any(),
        }
    });
    view! {
        <main id="main" class="auth-page">
            <div class="auth-card auth-card-wide">
                <p class="brand">"Gatehouse"</p>
                <Suspense fallback=|| view! { <p>"Checking your invitation…"</p> }>{page}</Suspense>
            </div>
        </main>
    }
}

#[component]
fn Detail(label: &'static str, value: String) -> impl IntoView {
    view! {
        <div class="detail">
            <dt class="detail-label">{label}</dt>
            <dd class="detail-value">{value}</dd>
        </div>
    }
}

/// The message of an empty first or last name, for the page script's check before posting.
fn name_required() -> String {
    PersonName::parse("").err().unwrap_or_default()
}

#[component]
fn RegistrationForm(token: String, org: String, preview: InvitationPreview) -> impl IntoView {
    let action = ServerAction::<CompleteRegistration>::new();
    let (fields, general) = form_errors(action);
    let first = RwSignal::new(preview.first_name.clone());
    let last = RwSignal::new(preview.last_name.clone());
    let (password, confirmation) = (RwSignal::new(String::new()), RwSignal::new(String::new()));
    let min = PasswordPolicy::new(preview.password_min_chars).min_chars;
    let expires_text = format_utc(preview.expires_at);
    let mut details = vec![
        ("Organisation", preview.organisation_name.clone()),
        ("Role", preview.role_label.clone()),
        ("Email address", preview.email.clone()),
    ];
    if let Some(d) = preview.designation.clone() {
        details.push(("Designation", d));
    }
    if let Some(d) = preview.department.clone() {
        details.push(("Department", d));
    }
    let existing = preview.account_exists.then(|| {
        view! { <ExistingAccount token=token.clone() org=org.clone() preview=preview.clone() /> }
    });
    let show_form = !preview.account_exists;
    // `data-checked`: the page script checks the fields' `data-*` rules before the form posts,
    // with the messages of the server's own rules; the server checks everything again.
    view! {
        <Title text="Complete Registration" />
        <h1 class="page-title">{format!("Join {}", preview.organisation_name)}</h1>
        <p class="page-subtitle">
            {if show_form {
                "You have been invited. Check your details, choose a password, and you are in."
            } else {
                "You have been invited. Check the details, then accept with your account."
            }}
        </p>
        <Countdown expires_at=preview.expires_at server_now=preview.server_now expires_text />
        <dl class="details">
            {details.into_iter().map(|(l, v)| view! { <Detail label=l value=v /> }).collect_view()}
        </dl>
        {existing}
        {show_form.then(|| view! {
            <form class="form-stack" method="post" action=CompleteRegistration::url() novalidate=true data-checked="">
                {general.get_untracked().map(|g| view! { <Banner tone=Tone::Error>{g}</Banner> })}
                <input type="hidden" name="token" value=token.clone() />
                <input type="hidden" name="org" value=org.clone() />
                <div class="grid-2">
                    <TextField id="first-name" label="First name" name="first_name" autocomplete="given-name" required=true value=first error=field_error(fields, "first_name")
                        attr:data-required-message=name_required() />
                    <TextField id="last-name" label="Last name" name="last_name" autocomplete="family-name" required=true value=last error=field_error(fields, "last_name")
                        attr:data-required-message=name_required() />
                </div>
                <TextField id="password" label="Password" name="password" input_type="password" autocomplete="new-password" required=true
                    hint=format!("At least {min} characters. Long passphrases are welcome; common passwords are refused.")
                    value=password error=field_error(fields, "password")
                    attr:data-min-chars=min.to_string() attr:data-min-chars-message=PasswordProblem::TooShort(min).to_string() />
                <TextField id="password-confirmation" label="Confirm password" name="password_confirmation" input_type="password" autocomplete="new-password" required=true
                    value=confirmation error=field_error(fields, "password_confirmation")
                    attr:data-same-as="password" attr:data-same-as-message=PasswordProblem::Mismatch.to_string() />
                <button type="submit" class="btn btn-primary w-full" data-pending-label="Creating your account…">
                    "Complete Registration"
                </button>
            </form>
        })}
    }
}

#[component]
fn ExistingAccount(token: String, org: String, preview: InvitationPreview) -> impl IntoView {
    let accept = ServerAction::<AcceptInvitation>::new();
    let (_, error) = form_errors(accept);
    let sign_out = ServerAction::<SignOut>::new();
    let here = register_path(&token, &org, &[]);
    let next: String = form_urlencoded::byte_serialize(here.as_bytes()).collect();
    let email = preview.email.clone();
    let body = match preview.signed_in_as.clone() {
        Some(me) if me.eq_ignore_ascii_case(&email) => view! {
            <p>{format!("You are signed in as {me}. Accept to join {}.", preview.organisation_name)}</p>
            <form method="post" action=AcceptInvitation::url() class="mt-4">
                <input type="hidden" name="token" value=token />
                <input type="hidden" name="org" value=org />
                <button type="submit" class="btn btn-primary w-full" data-pending-label="Accepting…">"Accept invitation"</button>
            </form>
        }.into_any(),
        Some(me) => view! {
            <p>{format!("You are signed in as {me}, but this invitation is for {email}. Sign out, then sign in as {email} to accept it.")}</p>
            <ActionForm action=sign_out attr:class="mt-4">
                <button type="submit" class="btn btn-secondary">"Sign out"</button>
            </ActionForm>
        }.into_any(),
        None => view! {
            <p>{format!("An account with {email} already exists. Sign in to accept this invitation.")}</p>
            <a class="btn btn-primary w-full mt-4" href=format!("/login?next={next}")>"Sign in to accept"</a>
        }.into_any(),
    };
    view! {
        <section class="card mt-6" aria-labelledby="existing-heading">
            <h2 id="existing-heading" class="section-title">"You already have an account"</h2>
            {error.get_untracked().map(|e| view! { <Banner tone=Tone::Error>{e}</Banner> })}
            {body}
        </section>
    }
}

/// After expiry: the form that asks the inviter for a new invitation or, once asked
/// (`reissued`), the answer.
#[component]
fn RequestNew(token: String, org: String, reissued: bool) -> impl IntoView {
    if reissued {
        return view! { <Banner tone=Tone::Success>{REISSUE_ANSWER}</Banner> }.into_any();
    }
    let action = ServerAction::<RequestNewInvitation>::new();
    let (fields, general) = form_errors(action);
    let email = RwSignal::new(String::new());
    let required = EmailAddress::parse("")
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    view! {
        <form class="form-stack mt-6" method="post" action=RequestNewInvitation::url() novalidate=true data-checked="">
            {general.get_untracked().map(|g| view! { <Banner tone=Tone::Error>{g}</Banner> })}
            <input type="hidden" name="token" value=token />
            <input type="hidden" name="org" value=org />
            <TextField id="reissue-email" label="Email address" name="email" input_type="email" autocomplete="email" required=true
                hint="The address the invitation was sent to." value=email error=field_error(fields, "email")
                attr:data-required-message=required />
            <button type="submit" class="btn btn-primary" data-pending-label="Sending…">"Request a new invitation"</button>
        </form>
    }
    .into_any()
}

#[component]
fn DeadLink(view: RegistrationState, token: String, org: String, reissued: bool) -> impl IntoView {
    match view {
        RegistrationState::Expired => view! {
            <Title text="Invitation expired" />
            <h1 class="page-title">"This invitation has expired"</h1>
            <Banner tone=Tone::Warning>"Invitation links work for a limited time. Ask for a new one and the person who invited you will be notified."</Banner>
            <RequestNew token org reissued />
        }.into_any(),
        RegistrationState::Accepted => view! {
            <Title text="Invitation already used" />
            <h1 class="page-title">"This invitation has already been used"</h1>
            <Banner tone=Tone::Info>"An account was already created with this invitation. Sign in with it instead."</Banner>
            <p class="mt-6"><a class="btn btn-primary" href="/login">"Sign in"</a></p>
        }.into_any(),
        RegistrationState::Revoked => view! {
            <Title text="Invitation revoked" />
            <h1 class="page-title">"This invitation was revoked"</h1>
            <Banner tone=Tone::Error>"This link no longer works. Contact your administrator if you still need access."</Banner>
        }.into_any(),
        _ => view! {
            <Title text="Invitation not found" />
            <h1 class="page-title">"Invitation not found"</h1>
            <Banner tone=Tone::Error>"This invitation link is not valid. Check that you opened the whole link from your email, or ask for a new invitation."</Banner>
            <p class="mt-6"><a class="link" href="/login">"Go to sign in"</a></p>
        }.into_any(),
    }
}
