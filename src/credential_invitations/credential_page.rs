//! `/integrations/credential-invite/:token`: where a partner's tech lead submits the API key
//! and secret. Public (the link is the credential); a GET never spends the token.
//!
//! The secret is checked as it is typed by the same Rust validator the server runs
//! ([`crate::domain::assess_key`], compiled to wasm), so a weak key is refused before any
//! request; the server checks again.

use super::api::{
    credential_invite, credential_receipt, CredentialAccepted, CredentialInviteView,
    SubmitCredentials,
};
use crate::{
    components::{field_error, form_errors, format_utc, Banner, Countdown, TextField, Tone},
    domain::{assess_key, KeyRequirements},
    error::{AppError, FieldError},
    providers::pages::PolicySummary,
};
use leptos::{prelude::*, server_fn::ServerFn};
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

/// Sets the HTTP status of a dead link and `Cache-Control: no-store` on every answer.
fn set_response<T>(result: &Result<T, AppError>) {
    #[cfg(feature = "ssr")]
    if let Some(opts) = use_context::<leptos_axum::ResponseOptions>() {
        use axum::http::{header, HeaderValue, StatusCode};
        let status = result.as_ref().map_or_else(AppError::status_code, |_| 200);
        opts.set_status(StatusCode::from_u16(status).unwrap_or(StatusCode::OK));
        opts.insert_header(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    #[cfg(not(feature = "ssr"))]
    let _ = result;
}

/// The page.
#[component]
pub fn CredentialInvitePage() -> impl IntoView {
    let params = use_params_map();
    let token = move || params.read().get("token").unwrap_or_default();
    let view_data = Resource::new(token, credential_invite);
    let receipt = Resource::new(token, credential_receipt);
    view! {
        <main id="main" class="auth-page">
            <div class="auth-card auth-card-wide">
                <p class="brand">"Gatehouse"</p>
                <Suspense fallback=|| view! { <p>"Checking your link…"</p> }>
                    {move || Suspend::new(async move {
                        // A submission posted without scripts comes back here, its link spent.
                        if let Ok(Some(accepted)) = receipt.await {
                            set_response(&Ok(()));
                            return view! { <Received accepted /> }.into_any();
                        }
                        let result = view_data.await;
                        set_response(&result);
                        match result {
                            Ok(v) => view! { <CredentialForm token=token() view=v /> }.into_any(),
                            Err(e) => view! {
                                <Title text="Credential invitation" />
                                <h1 class="page-title">"This link does not work"</h1>
                                <Banner tone=Tone::Error>{e.to_string()}</Banner>
                            }.into_any(),
                        }
                    })}
                </Suspense>
            </div>
        </main>
    }
}

/// The answer to an accepted submission.
#[component]
fn Received(accepted: CredentialAccepted) -> impl IntoView {
    view! {
        <Title text="Credentials received" />
        <h1 class="page-title">"Credentials received"</h1>
        <Banner tone=Tone::Success title="Thank you">
            <p>"The secret was encrypted as it arrived and will never be shown again, to anyone. You can close this page."</p>
        </Banner>
        <p>{format!("Rotate this secret every {} days. It is due on {}.", accepted.rotation_days, format_utc(accepted.rotation_due_at))}</p>
    }
}

/// A password input with a show/hide toggle, its hint and error.
#[component]
fn SecretField(
    id: &'static str,
    label: &'static str,
    name: &'static str,
    value: RwSignal<String>,
    visible: RwSignal<bool>,
    #[prop(into)] error: Signal<Option<String>>,
    #[prop(optional, into)] described_extra: Option<String>,
) -> impl IntoView {
    let error_id = format!("{id}-error");
    let described = match described_extra {
        Some(extra) => format!("{error_id} {extra}"),
        None => error_id.clone(),
    };
    view! {
        <div class="field">
            <div class="field-label-row">
                <label for=id class="field-label">{label}</label>
                <span class="field-required" aria-hidden="true">"*"</span>
            </div>
            <div class="copy-row">
                <input
                    id=id
                    name=name
                    class="input code-input grow"
                    type=move || if visible.get() { "text" } else { "password" }
                    autocomplete="off"
                    spellcheck="false"
                    required=true
                    class:input-invalid=move || error.with(Option::is_some)
                    aria-invalid=move || error.with(Option::is_some).then_some("true")
                    aria-describedby=described
                    prop:value=move || value.get()
                    on:input=move |ev| value.set(event_target_value(&ev))
                />
                <button type="button" class="btn btn-secondary" aria-controls=id aria-pressed=move || visible.get().to_string()
                    on:click=move |_| visible.update(|v| *v = !*v)>
                    {move || if visible.get() { "Hide" } else { "Show" }}
                </button>
            </div>
            <p id=error_id class="field-error" aria-live="polite">{move || error.get()}</p>
        </div>
    }
}

#[component]
fn CredentialForm(token: String, view: CredentialInviteView) -> impl IntoView {
    let action = ServerAction::<SubmitCredentials>::new();
    let key_id = RwSignal::new(String::new());
    let secret = RwSignal::new(String::new());
    let confirm = RwSignal::new(String::new());
    let visible = RwSignal::new(false);
    // Without scripts the form posts itself: the server runs the same validator and a refusal
    // comes back in the URL with every reason (see `form_errors`).
    let (fields, general) = form_errors(action);
    let accepted = RwSignal::new(None::<CredentialAccepted>);
    let requirements = KeyRequirements {
        min_length: view.provider.min_key_length.max(0) as usize,
        min_entropy_bits: view.provider.min_entropy_bits.max(0) as u32,
    };
    let assessment = Memo::new(move |_| assess_key(&secret.get(), &requirements));
    Effect::new(move |_| {
        if let Some(Ok(a)) = action.value().get() {
            secret.set(String::new());
            confirm.set(String::new());
            accepted.set(Some(a));
        }
    });
    let hidden_token = token.clone();
    let token = StoredValue::new(token);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let mut errs = Vec::new();
        if key_id.get_untracked().trim().is_empty() {
            errs.push(FieldError {
                field: "api_key_id".into(),
                message: "Enter the key ID.".into(),
            });
        }
        let a = assessment.get_untracked();
        if !a.is_acceptable() {
            errs.push(FieldError {
                field: "secret".into(),
                message: "This secret is too weak for the provider; the reasons are listed below."
                    .into(),
            });
        }
        if secret.get_untracked() != confirm.get_untracked() {
            errs.push(FieldError {
                field: "secret_confirmation".into(),
                message: "The two secrets do not match.".into(),
            });
        }
        if !errs.is_empty() {
            fields.set(errs);
            return;
        }
        fields.set(Vec::new());
        action.dispatch(SubmitCredentials {
            token: token.get_value(),
            api_key_id: key_id.get_untracked(),
            secret: secret.get_untracked(),
            secret_confirmation: confirm.get_untracked(),
        });
    };
    let provider_name = view.provider.name.clone();
    let expires_text = format_utc(view.expires_at);
    let rotation_days = view.provider.rotation_days;
    let due_text = format_utc(view.rotation_due_if_accepted_now);
    view! {
        <Title text=format!("Submit {} credentials", provider_name) />
        {move || accepted.get().map(|accepted| view! { <Received accepted /> })}
        <div class:hidden=move || accepted.get().is_some()>
            <h1 class="page-title">{format!("Submit {} credentials", view.provider.name)}</h1>
            <p class="page-subtitle">{format!("{} asks {} for the {} API key and secret ({}).", view.organisation_name, view.partner_name, view.provider.name, view.environment.label())}</p>
            <div class="mt-4"></div>
            <Countdown expires_at=view.expires_at server_now=view.now expires_text=expires_text.clone() label="Time left to submit" />
            <section class="mt-6" aria-labelledby="policy-heading">
                <h2 id="policy-heading" class="section-title">"Provider policy"</h2>
                <PolicySummary provider=view.provider.clone() />
            </section>
            <section class="mt-6" aria-labelledby="rotation-heading">
                <h2 id="rotation-heading" class="section-title">"Rotation guidance"</h2>
                <p>{format!("Rotate this secret every {rotation_days} days. If you submit it today, the next rotation is due on {due_text}.")}</p>
            </section>
            <Show when=move || general.get().is_some()>
                <Banner tone=Tone::Error>{move || general.get()}</Banner>
            </Show>
            <form class="form-stack mt-6" method="post" action=SubmitCredentials::url() novalidate=true on:submit=submit>
                <input type="hidden" name="token" value=hidden_token />
                <TextField id="api-key-id" label="Key ID" name="api_key_id" required=true autocomplete="off" value=key_id error=field_error(fields, "api_key_id") />
                <SecretField id="secret" label="Secret" name="secret" value=secret visible error=field_error(fields, "secret") described_extra="secret-strength" />
                <div id="secret-strength" class="strength" aria-live="polite">
                    {move || {
                        let a = assessment.get();
                        if a.length == 0 {
                            view! { <p class="field-hint">{format!("At least {} characters from a random generator.", requirements.min_length)}</p> }.into_any()
                        } else if a.is_acceptable() {
                            view! { <p class="strength-ok">{format!("Strong enough: about {} bits.", a.estimated_bits)}</p> }.into_any()
                        } else {
                            view! {
                                <ul class="strength-problems">
                                    {a.problems.iter().map(|p| view! { <li>{p.to_string()}</li> }).collect_view()}
                                </ul>
                            }.into_any()
                        }
                    }}
                </div>
                <SecretField id="secret-confirmation" label="Confirm secret" name="secret_confirmation" value=confirm visible error=field_error(fields, "secret_confirmation") />
                <button type="submit" class="btn btn-primary w-full" disabled=move || action.pending().get()>
                    {move || if action.pending().get() { "Submitting…" } else { "Submit credentials" }}
                </button>
            </form>
            <p class="auth-footnote mt-4">{format!("The link expires on {expires_text}. The secret is encrypted on arrival and never shown again.")}</p>
        </div>
    }
}
