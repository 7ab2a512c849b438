//! The sign-in page.

use super::api::SignIn;
use crate::components::{field_error, form_errors, Banner, TextField, Tone};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// `/login`: email and password. A plain form posting to the sign-in server function, so it
/// works before (and without) hydration; `next` returns the person where they were going.
#[component]
pub fn LoginPage() -> impl IntoView {
    let action = ServerAction::<SignIn>::new();
    let query = use_query_map();
    let next = move || query.read().get("next").unwrap_or_default();
    let email = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    // Without scripts, a refused sign-in comes back as a redirect to this page with the error
    // in the query; the action picks it up and the page renders it on the server.
    let (fields, general) = form_errors(action);
    Effect::new(move |_| {
        if let Some(Err(_)) = action.value().get() {
            password.set(String::new());
        }
    });
    view! {
        <Title text="Sign in" />
        <main id="main" class="auth-page">
            <div class="auth-card">
                <p class="brand">"Gatehouse"</p>
                <h1 class="page-title">"Sign in"</h1>
                <Show when=move || general.get().is_some()>
                    <Banner tone=Tone::Error>{move || general.get()}</Banner>
                </Show>
                <ActionForm action=action attr:class="form-stack" attr:novalidate=true>
                    <input type="hidden" name="next" value=next />
                    <TextField
                        id="email"
                        label="Email address"
                        name="email"
                        input_type="email"
                        autocomplete="username"
                        required=true
                        autofocus=true
                        value=email
                        error=field_error(fields, "email")
                    />
                    <TextField
                        id="password"
                        label="Password"
                        name="password"
                        input_type="password"
                        autocomplete="current-password"
                        required=true
                        value=password
                        error=field_error(fields, "password")
                    />
                    <button type="submit" class="btn btn-primary w-full" disabled=move || action.pending().get()>
                        {move || if action.pending().get() { "Signing in…" } else { "Sign in" }}
                    </button>
                </ActionForm>
                <div class="auth-alternatives">
                    <a class="btn btn-secondary w-full" href="/join">"Join with invite code"</a>
                    <a class="btn btn-ghost w-full" href="/login/key">"Sign in with key"</a>
                </div>
                <p class="auth-footnote">
                    "Gatehouse accounts are by invitation only. If you were invited by email, use the link in your invitation."
                </p>
            </div>
        </main>
    }
}
