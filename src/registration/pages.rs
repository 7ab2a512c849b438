//! `/register?token=…&org=…`: the page behind the emailed link, and its dead-link variants.

use super::api::{
    registration_view, AcceptInvitation, CompleteRegistration, InvitationPreview,
    RegistrationState, RequestNewInvitation,
};
use crate::{
    auth::api::SignOut,
    components::{
        apply_error, field_error, form_errors, format_utc, Banner, Countdown, ErrorBanner,
        TextField, Tone,
    },
    domain::{EmailAddress, PasswordPolicy, PersonName},
    error::{FieldError, FieldErrors},
};
use leptos::{prelude::*, server_fn::ServerFn};
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// Sets the HTTP status of the page and forbids caching (the URL carries a credential).
fn set_response(view: &RegistrationState) {
    #[cfg(feature = "ssr")]
    if let Some(opts) = use_context::<leptos_axum::ResponseOptions>() {
        use axum::http::{header, HeaderValue, StatusCode};
        opts.set_status(StatusCode::from_u16(view.status_code()).unwrap_or(StatusCode::OK));
        opts.insert_header(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    #[cfg(not(feature = "ssr"))]
    let _ = view;
}

/// The registration page.
#[component]
pub fn RegisterPage() -> impl IntoView {
    let query = use_query_map();
    let params = move || {
        query.with(|q| {
            (
                q.get("token").unwrap_or_default(),
                q.get("org").unwrap_or_default(),
            )
        })
    };
    let state = Resource::new(params, |(token, org)| registration_view(token, org));
    view! {
        <main id="main" class="auth-page">
            <div class="auth-card auth-card-wide">
                <p class="brand">"Gatehouse"</p>
                <Suspense fallback=|| view! { <p>"Checking your invitation…"</p> }>
                    {move || Suspend::new(async move {
                        let (token, org) = params();
                        match state.await {
                            Ok(v) => {
                                set_response(&v);
                                match v {
                                    RegistrationState::Open(p) => view! { <RegistrationForm token org preview=*p /> }.into_any(),
                                    other => view! { <DeadLink view=other token org /> }.into_any(),
                                }
                            }
                            Err(e) => view! {
                                <Title text="Registration" />
                                <h1 class="page-title">"Registration"</h1>
                                <ErrorBanner error=e />
                            }.into_any(),
                        }
                    })}
                </Suspense>
            </div>
        </main>
    }
}

fn validate_registration(
    first: &str,
    last: &str,
    password: &str,
    confirmation: &str,
    min: usize,
) -> Vec<FieldError> {
    let mut errs = FieldErrors::default();
    errs.check("first_name", PersonName::parse(first));
    errs.check("last_name", PersonName::parse(last));
    errs.check("password", PasswordPolicy::new(min).check_length(password));
    errs.check(
        "password_confirmation",
        PasswordPolicy::check_confirmation(password, confirmation),
    );
    match errs.finish() {
        Err(crate::error::AppError::Validation(v)) => v,
        _ => Vec::new(),
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

#[component]
fn RegistrationForm(token: String, org: String, preview: InvitationPreview) -> impl IntoView {
    let action = ServerAction::<CompleteRegistration>::new();
    let first = RwSignal::new(preview.first_name.clone());
    let last = RwSignal::new(preview.last_name.clone());
    let password = RwSignal::new(String::new());
    let confirmation = RwSignal::new(String::new());
    // With scripts, the fields are checked here first and the action is dispatched; without,
    // the form posts itself and a refusal comes back in the URL (see `form_errors`).
    let (fields, general) = form_errors(action);
    let min = preview.password_min_chars;
    let (t, o) = (
        StoredValue::new(token.clone()),
        StoredValue::new(org.clone()),
    );
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let errs = validate_registration(
            &first.get_untracked(),
            &last.get_untracked(),
            &password.get_untracked(),
            &confirmation.get_untracked(),
            min,
        );
        if !errs.is_empty() {
            fields.set(errs);
            return;
        }
        fields.set(Vec::new());
        action.dispatch(CompleteRegistration {
            token: t.get_value(),
            org: o.get_value(),
            first_name: first.get_untracked(),
            last_name: last.get_untracked(),
            password: password.get_untracked(),
            password_confirmation: confirmation.get_untracked(),
        });
    };
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
    view! {
        <Title text="Complete Registration" />
        <h1 class="page-title">{format!("Join {}", preview.organisation_name)}</h1>
        <p class="page-subtitle">"You have been invited. Check your details, choose a password, and you are in."</p>
        <Countdown expires_at=preview.expires_at server_now=preview.server_now expires_text />
        <dl class="details">
            {details.into_iter().map(|(l, v)| view! { <Detail label=l value=v /> }).collect_view()}
        </dl>
        {existing}
        {show_form.then(|| view! {
            <form class="form-stack" method="post" action=CompleteRegistration::url() novalidate=true on:submit=submit>
                <Show when=move || general.get().is_some()>
                    <Banner tone=Tone::Error>{move || general.get()}</Banner>
                </Show>
                <input type="hidden" name="token" value=token.clone() />
                <input type="hidden" name="org" value=org.clone() />
                <div class="grid-2">
                    <TextField id="first-name" label="First name" name="first_name" autocomplete="given-name" required=true value=first error=field_error(fields, "first_name") />
                    <TextField id="last-name" label="Last name" name="last_name" autocomplete="family-name" required=true value=last error=field_error(fields, "last_name") />
                </div>
                <TextField id="password" label="Password" name="password" input_type="password" autocomplete="new-password" required=true
                    hint=format!("At least {min} characters. Long passphrases are welcome; common passwords are refused.")
                    value=password error=field_error(fields, "password") />
                <TextField id="password-confirmation" label="Confirm password" name="password_confirmation" input_type="password" autocomplete="new-password" required=true
                    value=confirmation error=field_error(fields, "password_confirmation") />
                <button type="submit" class="btn btn-primary w-full" disabled=move || action.pending().get()>
                    {move || if action.pending().get() { "Creating your account…" } else { "Complete Registration" }}
                </button>
            </form>
        })}
    }
}

#[component]
fn ExistingAccount(token: String, org: String, preview: InvitationPreview) -> impl IntoView {
    let accept = ServerAction::<AcceptInvitation>::new();
    let sign_out = ServerAction::<SignOut>::new();
    let error = RwSignal::new(None::<String>);
    Effect::new(move |_| {
        if let Some(Err(e)) = accept.value().get() {
            error.set(Some(e.to_string()));
        }
    });
    let here = format!("/register?token={token}&org={org}");
    let next: String = form_urlencoded::byte_serialize(here.as_bytes()).collect();
    let email = preview.email.clone();
    let body = match preview.signed_in_as.clone() {
        Some(me) if me.eq_ignore_ascii_case(&email) => view! {
            <p>{format!("You are signed in as {me}. Accept to join {}.", preview.organisation_name)}</p>
            <button type="button" class="btn btn-primary w-full mt-4" disabled=move || accept.pending().get()
                on:click=move |_| { accept.dispatch(AcceptInvitation { token: token.clone(), org: org.clone() }); }>
                "Accept invitation"
            </button>
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
            <Show when=move || error.get().is_some()>
                <Banner tone=Tone::Error>{move || error.get()}</Banner>
            </Show>
            {body}
        </section>
    }
}

#[component]
fn RequestNew(token: String, org: String) -> impl IntoView {
    let action = ServerAction::<RequestNewInvitation>::new();
    let email = RwSignal::new(String::new());
    let fields = RwSignal::new(Vec::<FieldError>::new());
    let general = RwSignal::new(None::<String>);
    let done = RwSignal::new(None::<String>);
    Effect::new(move |_| match action.value().get() {
        Some(Ok(msg)) => {
            fields.set(Vec::new());
            general.set(None);
            done.set(Some(msg));
        }
        Some(Err(e)) => apply_error(&e, fields, general),
        None => {}
    });
    let (t, o) = (StoredValue::new(token), StoredValue::new(org));
    view! {
        <Show
            when=move || done.get().is_none()
            fallback=move || view! { <Banner tone=Tone::Success>{move || done.get()}</Banner> }
        >
            <form class="form-stack mt-6" novalidate=true on:submit=move |ev| {
                ev.prevent_default();
                if let Err(e) = EmailAddress::parse(&email.get_untracked()) {
                    fields.set(vec![FieldError { field: "email".into(), message: e.to_string() }]);
                    return;
                }
                action.dispatch(RequestNewInvitation { token: t.get_value(), org: o.get_value(), email: email.get_untracked() });
            }>
                <Show when=move || general.get().is_some()>
                    <Banner tone=Tone::Error>{move || general.get()}</Banner>
                </Show>
                <TextField id="reissue-email" label="Email address" name="email" input_type="email" autocomplete="email" required=true
                    hint="The address the invitation was sent to." value=email error=field_error(fields, "email") />
                <button type="submit" class="btn btn-primary" disabled=move || action.pending().get()>"Request a new invitation"</button>
            </form>
        </Show>
    }
}

#[component]
fn DeadLink(view: RegistrationState, token: String, org: String) -> impl IntoView {
    match view {
        RegistrationState::Expired => view! {
            <Title text="Invitation expired" />
            <h1 class="page-title">"This invitation has expired"</h1>
            <Banner tone=Tone::Warning>"Invitation links work for a limited time. Ask for a new one and the person who invited you will be notified."</Banner>
            <RequestNew token org />
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
