//! `/settings/api-tokens`: invitation managers make, follow and revoke their organisation's
//! API tokens for the invitations REST API.

use super::{
    api::{api_token_options, list_api_tokens, CreateApiToken, RevokeApiToken},
    dto::{CreatedToken, TokenChoices, TokenStatus, TokenSummary},
};
use crate::{
    auth::{api::SignedInUser, keystore},
    components::{
        apply_error, field_error, format_utc, on_new_result, successes, use_toast, Banner,
        ErrorBanner, RequireSession, SelectField, TextField, Tone,
    },
    error::FieldError,
};
use leptos::prelude::*;
use leptos_meta::Title;

/// The API tokens page: for people who manage invitations.
#[component]
pub fn ApiTokensPage() -> impl IntoView {
    view! {
        <RequireSession
            allow=|s: SignedInUser| s.invitations_path.is_some()>
            <TokensBody />
        </RequireSession>
    }
}

/// Active green, Expired orange, Revoked red; the text carries the meaning.
#[component]
fn TokenStatusBadge(status: TokenStatus) -> impl IntoView {
    let class = match status {
        TokenStatus::Active => "badge badge-green",
        TokenStatus::Expired => "badge badge-orange",
        TokenStatus::Revoked => "badge badge-red",
    };
    view! { <span class=class>{status.label()}</span> }
}

/// The token just made, with a copy button, and the warning that it is shown once.
#[component]
fn NewToken(token: CreatedToken) -> impl IntoView {
    let copied = RwSignal::new(false);
    let text = token.token.clone();
    view! {
        <Banner tone=Tone::Success title=format!("Token “{}” created", token.name)>
            <p>"Copy it now: it is shown only once. Systems send it in the header "<code>"Authorization: Bearer <token>"</code></p>
            <div class="field">
                <label class="field-label" for="new-token">"API token"</label>
                <div class="copy-row">
                    <input class="input code-input grow" id="new-token" readonly=true value=token.token.clone() />
                    <button type="button" class="btn btn-secondary" aria-label="Copy API token" on:click=move |_| {
                        keystore::copy_to_clipboard(&text);
                        copied.set(true);
                    }>{move || if copied.get() { "Copied" } else { "Copy" }}</button>
                </div>
            </div>
            <p class="field-hint">"Expires " {format_utc(token.expires_at)} "."</p>
        </Banner>
    }
}

#[component]
fn CreateForm(choices: TokenChoices, action: ServerAction<CreateApiToken>) -> impl IntoView {
    let name = RwSignal::new(String::new());
    let role = RwSignal::new(String::new());
    let days = RwSignal::new("90".to_owned());
    let fields = RwSignal::new(Vec::<FieldError>::new());
    let general = RwSignal::new(None::<String>);
    let created = RwSignal::new(None::<CreatedToken>);
    let role_options = Signal::stored(
        std::iter::once((String::new(), "Choose a role".to_owned()))
            .chain(
                choices
                    .roles
                    .iter()
                    .map(|r| (r.value.as_str().to_owned(), r.label.clone())),
            )
            .collect::<Vec<_>>(),
    );
    let day_options = Signal::stored(
        choices
            .expiry_days
            .iter()
            .map(|(d, l)| (d.to_string(), l.clone()))
            .collect::<Vec<_>>(),
    );
    on_new_result(
        action,
        move |t: CreatedToken| {
            name.set(String::new());
            fields.set(Vec::new());
            general.set(None);
            created.set(Some(t));
        },
        move |e| {
            created.set(None);
            apply_error(&e, fields, general)
        },
    );
    view! {
        <section class="card" aria-labelledby="create-token-title">
            <h2 class="section-title" id="create-token-title">"Create a token"</h2>
            <form class="form-stack" novalidate=true on:submit=move |ev| {
                ev.prevent_default();
                let mut problems = Vec::new();
                if name.get_untracked().trim().is_empty() {
                    problems.push(FieldError { field: "name".into(), message: "Give the token a name, for example the system that will use it.".into() });
                }
                if role.get_untracked().is_empty() {
                    problems.push(FieldError { field: "role".into(), message: "Choose a role.".into() });
                }
                if !problems.is_empty() {
                    fields.set(problems);
                    return;
                }
                action.dispatch(CreateApiToken {
                    name: name.get_untracked(),
                    role: role.get_untracked(),
                    expires_in_days: days.get_untracked(),
                });
            }>
                <Show when=move || general.get().is_some()>
                    <Banner tone=Tone::Error>{move || general.get()}</Banner>
                </Show>
                <TextField id="token-name" label="Name" name="name" required=true value=name error=field_error(fields, "name") hint="Which system uses it, for example “HR sync”." />
                <SelectField id="token-role" label="Role" name="role" required=true value=role options=role_options error=field_error(fields, "role") />
                <SelectField id="token-expiry" label="Expires after" name="expires_in_days" value=days options=day_options error=field_error(fields, "expires_in_days") />
                <div>
                    <button type="submit" class="btn btn-primary" disabled=move || action.pending().get()>"Create token"</button>
                </div>
            </form>
            {move || created.get().map(|t| view! { <div class="mt-6"><NewToken token=t /></div> })}
        </section>
    }
}

#[component]
fn TokenTable(tokens: Vec<TokenSummary>, revoke: ServerAction<RevokeApiToken>) -> impl IntoView {
    if tokens.is_empty() {
        return view! { <p class="empty">"No API tokens yet."</p> }.into_any();
    }
    view! {
        <div class="table-wrap">
            <table class="table">
                <caption class="sr-only">"API tokens"</caption>
                <thead>
                    <tr>
                        <th scope="col">"Name"</th>
                        <th scope="col" class="hide-sm">"Role"</th>
                        <th scope="col">"Status"</th>
                        <th scope="col" class="hide-sm">"Created by"</th>
                        <th scope="col" class="hide-sm">"Expires"</th>
                        <th scope="col">"Last used"</th>
                        <th scope="col"><span class="sr-only">"Actions"</span></th>
                    </tr>
                </thead>
                <tbody>
                    {tokens.into_iter().map(|t| {
                        let id = t.id;
                        let label = format!("Revoke token {}", t.name);
                        view! {
                            <tr>
                                <td class="cell-primary">{t.name}</td>
                                <td class="hide-sm">{t.role_label}</td>
                                <td><TokenStatusBadge status=t.status /></td>
                                <td class="hide-sm">{t.created_by}</td>
                                <td class="hide-sm">{format_utc(t.expires_at)}</td>
                                <td>{t.last_used_at.map_or_else(|| "Never".to_owned(), format_utc)}</td>
                                <td>
                                    {(t.status == TokenStatus::Active).then(|| view! {
                                        <button type="button" class="btn btn-danger-outline btn-sm" aria-label=label
                                            disabled=move || revoke.pending().get()
                                            on:click=move |_| { revoke.dispatch(RevokeApiToken { id }); }>
                                            "Revoke"
                                        </button>
                                    })}
                                </td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
    .into_any()
}

#[component]
fn TokensBody() -> impl IntoView {
    let toast = use_toast();
    let create = ServerAction::<CreateApiToken>::new();
    let revoke = ServerAction::<RevokeApiToken>::new();
    let (made, revoked) = (successes(create), successes(revoke));
    let list = Resource::new(move || (made.get(), revoked.get()), |_| list_api_tokens());
    let options = Resource::new(|| (), |_| api_token_options());
    on_new_result(
        revoke,
        move |_| toast.show("The token was revoked. It no longer works."),
        move |e| toast.show(e.to_string()),
    );
    view! {
        <Title text="API tokens" />
        <div class="page-head">
            <div>
                <h1 class="page-title">"API tokens"</h1>
                <p class="page-subtitle">
                    "Tokens let your systems call the invitations API with a role no higher than yours. "
                    <a class="link" href="/api/reference">"API reference"</a>
                </p>
            </div>
        </div>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match options.await {
                    Ok(choices) => view! { <CreateForm choices action=create /> }.into_any(),
                    Err(e) => view! { <ErrorBanner error=e /> }.into_any(),
                }
            })}
        </Suspense>
        <h2 class="section-title mt-6">"Tokens"</h2>
        <Suspense fallback=|| view! { <p>"Loading tokens…"</p> }>
            {move || Suspend::new(async move {
                match list.await {
                    Ok(tokens) => view! { <TokenTable tokens revoke /> }.into_any(),
                    Err(e) => view! { <ErrorBanner error=e /> }.into_any(),
                }
            })}
        </Suspense>
    }
}
