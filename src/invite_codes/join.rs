//! `/join`: redeem an invite code with a key pair made in this browser, and `/login/key`:
//! sign in again with that key.
//!
//! Both need the browser (the key pair is made and used there), so their buttons are enabled
//! once the page has hydrated; without JavaScript the page says why nothing can happen.

use super::api::{key_challenge, redeem_invite_code, JoinOutcome};
use crate::{
    auth::{api::sign_in_with_key, keystore},
    components::{field_error, Banner, TextArea, TextField, Tone},
    domain::{challenge_message, ChallengePurpose, InviteCode, KeyBackup, KeyPair, PersonName},
    error::{AppError, FieldError, FieldErrors},
};
use leptos::{prelude::*, task::spawn_local};
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// True once the page runs in the browser (hydrated).
fn hydrated_signal() -> ReadSignal<bool> {
    let (hydrated, set_hydrated) = signal(false);
    Effect::new(move |_| set_hydrated.set(true));
    hydrated
}

/// Gets a challenge for `purpose` and signs it with `pair`: (challenge id, signature).
async fn answer_challenge(
    pair: &KeyPair,
    purpose: ChallengePurpose,
) -> Result<(uuid::Uuid, String), AppError> {
    use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
    let c = key_challenge(purpose).await?;
    let challenge = URL_SAFE_NO_PAD
        .decode(&c.challenge)
        .map_err(|_| AppError::Internal)?;
    let message = challenge_message(purpose, &c.origin, &challenge);
    Ok((c.id, pair.sign_b64(&message)))
}

/// The join form: code, display name, and the success panel with the backup.
#[component]
pub fn JoinPage() -> impl IntoView {
    let query = use_query_map();
    // A prefilled code shows normalised on the server's render as in the browser.
    let prefill = query.read_untracked().get("code").unwrap_or_default();
    let code = RwSignal::new(InviteCode::typed_display(&prefill));
    // Upper-case and group what is typed.
    Effect::new(move |_| {
        let typed = code.get();
        let shown = InviteCode::typed_display(&typed);
        if shown != typed {
            code.set(shown);
        }
    });
    let name = RwSignal::new(String::new());
    let fields = RwSignal::new(Vec::<FieldError>::new());
    let general = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let joined = RwSignal::new(None::<(JoinOutcome, KeyBackup)>);
    let hydrated = hydrated_signal();

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let mut errs = FieldErrors::default();
        let parsed = errs.check("code", InviteCode::parse(&code.get_untracked()));
        errs.check("display_name", PersonName::parse(&name.get_untracked()));
        if let Err(AppError::Validation(v)) = errs.finish() {
            fields.set(v);
            return;
        }
        fields.set(Vec::new());
        general.set(None);
        let Some(pair) = keystore::generate() else {
            general.set(Some(
                "This browser cannot make a key pair (no Web Crypto). Try a current browser."
                    .into(),
            ));
            return;
        };
        let code_text = parsed.map(|c| c.formatted()).unwrap_or_default();
        busy.set(true);
        spawn_local(async move {
            let result = async {
                let (challenge_id, signature) =
                    answer_challenge(&pair, ChallengePurpose::Join).await?;
                redeem_invite_code(
                    code_text,
                    name.get_untracked(),
                    pair.public_key_b64(),
                    challenge_id,
                    signature,
                )
                .await
            }
            .await;
            busy.set(false);
            match result {
                Ok(outcome) => {
                    keystore::remember(&pair);
                    joined.set(Some((outcome, pair.backup())));
                }
                // Unknown, expired, used-up and revoked codes: the message belongs to the code.
                // (The challenge was fetched a moment ago, so an expired one is not expected.)
                Err(e @ (AppError::NotFound(_) | AppError::Gone(_))) => {
                    fields.set(vec![FieldError {
                        field: "code".into(),
                        message: e.to_string(),
                    }]);
                }
                Err(AppError::Validation(v)) => fields.set(v),
                Err(e) => general.set(Some(e.to_string())),
            }
        });
    };

    view! {
        <Title text="Join with an invite code" />
        <main id="main" class="auth-page">
            <div class="auth-card auth-card-wide">
                <p class="brand">"Gatehouse"</p>
                {move || match joined.get() {
                    Some((outcome, backup)) => view! { <Joined outcome backup /> }.into_any(),
                    None => view! {
                        <h1 class="page-title">"Join with an invite code"</h1>
                        <p class="page-subtitle">
                            "Your browser makes a key pair for you. The private key stays on this device; nobody else, not even Gatehouse, ever sees it."
                        </p>
                        <noscript>
                            <p class="banner banner-warning">"Joining needs JavaScript: your key pair is made in your browser."</p>
                        </noscript>
                        <Show when=move || general.get().is_some()>
                            <Banner tone=Tone::Error>{move || general.get()}</Banner>
                        </Show>
                        <form class="form-stack" novalidate=true on:submit=submit>
                            <TextField
                                id="join-code"
                                label="Invite code"
                                name="code"
                                hint="12 letters and digits, like ABCD-EFGH-JKMN. Dashes and spaces don't matter."
                                autocomplete="off"
                                required=true
                                autofocus=true
                                value=code
                                error=field_error(fields, "code")
                            />
                            <TextField
                                id="join-name"
                                label="Display name"
                                name="display_name"
                                hint="How other members will see you."
                                autocomplete="nickname"
                                required=true
                                value=name
                                error=field_error(fields, "display_name")
                            />
                            <button type="submit" class="btn btn-primary w-full" disabled=move || busy.get() || !hydrated.get()>
                                {move || if busy.get() { "Joining…" } else { "Join" }}
                            </button>
                        </form>
                        <p class="auth-footnote">
                            "Already a member? " <a class="link" href="/login/key">"Sign in with key"</a>
                            " or " <a class="link" href="/login">"sign in with email"</a> "."
                        </p>
                    }.into_any(),
                }}
            </div>
        </main>
    }
}

/// After joining: the new identity, the backup file and the way on.
#[component]
fn Joined(outcome: JoinOutcome, backup: KeyBackup) -> impl IntoView {
    let json = backup.to_json();
    let href = keystore::backup_data_url(&backup);
    let file_name = "gatehouse-key.json";
    let copied = RwSignal::new(false);
    view! {
        <h1 class="page-title">{format!("Welcome to {}", outcome.organisation_name)}</h1>
        <Banner tone=Tone::Success>{format!("You joined as {}.", outcome.role_label)}</Banner>
        <div class="field">
            <label class="field-label" for="identity">"Your identity"</label>
            <input class="input code-input" id="identity" readonly=true value=outcome.did.clone() />
        </div>
        <Banner tone=Tone::Warning title="Save your private key now">
            <p>
                "Your private key exists only in this browser. If you clear it or change devices without a backup, it cannot be recovered, by us or anyone. Keep the backup file somewhere safe and private: whoever has it can sign in as you."
            </p>
        </Banner>
        <div class="flex flex-wrap gap-3">
            <a class="btn btn-primary" href=href download=file_name>"Download backup file"</a>
            <button type="button" class="btn btn-secondary" on:click=move |_| {
                keystore::copy_to_clipboard(&json);
                copied.set(true);
            }>"Copy private key backup"</button>
        </div>
        <p class="field-hint" role="status">{move || copied.get().then_some("Backup copied to the clipboard.")}</p>
        <p>
            <a class="btn btn-secondary w-full" href=outcome.dashboard_path rel="external">"Continue to your dashboard"</a>
        </p>
    }
}

/// `/login/key`: sign in with the key kept on this device, or restore one from a backup.
#[component]
pub fn KeySignInPage() -> impl IntoView {
    let query = use_query_map();
    let next = query.read_untracked().get("next");
    let hydrated = hydrated_signal();
    let stored = RwSignal::new(None::<String>);
    let backup_text = RwSignal::new(String::new());
    let fields = RwSignal::new(Vec::<FieldError>::new());
    let general = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    Effect::new(move |_| stored.set(keystore::remembered().map(|p| p.did())));

    let sign_in = move |pair: KeyPair| {
        let next = next.clone();
        busy.set(true);
        general.set(None);
        spawn_local(async move {
            let result = async {
                let (challenge_id, signature) =
                    answer_challenge(&pair, ChallengePurpose::SignIn).await?;
                sign_in_with_key(pair.public_key_b64(), challenge_id, signature, next).await
            }
            .await;
            busy.set(false);
            match result {
                Ok(dest) => {
                    keystore::remember(&pair);
                    let _ = window().location().set_href(&dest);
                }
                Err(e) => general.set(Some(e.to_string())),
            }
        });
    };
    let sign_in = StoredValue::new(sign_in);

    let use_stored = move |_| {
        if let Some(pair) = keystore::remembered() {
            sign_in.with_value(|f| f(pair));
        }
    };
    let restore = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        match KeyBackup::restore(&backup_text.get_untracked()) {
            Ok(pair) => {
                fields.set(Vec::new());
                sign_in.with_value(|f| f(pair));
            }
            Err(e) => fields.set(vec![FieldError {
                field: "backup".into(),
                message: format!("{e} Paste the whole file, including the braces."),
            }]),
        }
    };
    let on_file = move |ev: leptos::ev::Event| {
        #[cfg(feature = "hydrate")]
        {
            use wasm_bindgen::JsCast;
            let Some(input) = ev
                .target()
                .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
            else {
                return;
            };
            let Some(file) = input.files().and_then(|f| f.get(0)) else {
                return;
            };
            spawn_local(async move {
                if let Ok(text) = wasm_bindgen_futures::JsFuture::from(file.text()).await {
                    backup_text.set(text.as_string().unwrap_or_default());
                }
            });
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = ev;
    };
    let forget = move |_| {
        keystore::forget();
        stored.set(None);
    };

    view! {
        <Title text="Sign in with key" />
        <main id="main" class="auth-page">
            <div class="auth-card">
                <p class="brand">"Gatehouse"</p>
                <h1 class="page-title">"Sign in with key"</h1>
                <p class="page-subtitle">"Members who joined with an invite code sign in with the key pair their browser made. No password is involved."</p>
                <noscript>
                    <p class="banner banner-warning">"Signing in with a key needs JavaScript."</p>
                </noscript>
                <Show when=move || general.get().is_some()>
                    <Banner tone=Tone::Error>{move || general.get()}</Banner>
                </Show>
                {move || stored.get().map(|did| view! {
                    <div class="form-stack">
                        <p>"This device holds the key of"</p>
                        <p class="code-box break-all">{did}</p>
                        <button type="button" class="btn btn-primary w-full" disabled=move || busy.get() || !hydrated.get() on:click=use_stored>
                            {move || if busy.get() { "Signing in…" } else { "Sign in with this key" }}
                        </button>
                        <button type="button" class="btn btn-ghost w-full" on:click=forget>"Forget this key on this device"</button>
                    </div>
                })}
                <details class="disclosure" open=move || stored.get().is_none()>
                    <summary>"Restore from a backup file"</summary>
                    <form class="form-stack mt-4" novalidate=true on:submit=restore>
                        <div class="field">
                            <label for="backup-file" class="field-label">"Backup file"</label>
                            <input id="backup-file" type="file" accept="application/json,.json" class="input" on:change=on_file />
                        </div>
                        <TextArea id="backup-text" label="Or paste the backup" name="backup" rows=6 mono=true value=backup_text error=field_error(fields, "backup") />
                        <button type="submit" class="btn btn-secondary w-full" disabled=move || busy.get() || !hydrated.get()>"Sign in with backup"</button>
                    </form>
                </details>
                <p class="auth-footnote">
                    "New here? " <a class="link" href="/join">"Join with invite code"</a>
                    ". Have a password? " <a class="link" href="/login">"Sign in with email"</a> "."
                </p>
            </div>
        </main>
    }
}
