//! The Integrations area: `/integrations` (providers and the tenant's partners) and
//! `/integrations/partners/:id` (one partner: approval, credentials, configuration,
//! credential governance and the audit trail).

use super::api::{
    credential_invitation_events, load_integrations, load_partner, ApprovePartner,
    CreateCredentialInvitation, CreatePartner, CredentialInvitationDto, DecommissionPartner,
    IssuedCredentials, PartnerDetail, ProviderDto, RefreshCredentialInvitation, RejectPartner,
    RevokeCredentialInvitation, SaveProvider, ScopeDto, SubmitPartner, SuspendPartner,
    UpdatePartner,
};
use crate::{
    auth::{api::SignedInUser, keystore::copy_to_clipboard},
    components::{
        apply_error, field_error, format_utc, on_action, use_toast, Banner, Dialog, RequireSession,
        SelectField, TextArea, TextField, Tone,
    },
    domain::{IntegrationEnvironment, PartnerStatus, Scope},
    error::FieldError,
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;
use uuid::Uuid;

fn allowed(s: SignedInUser) -> bool {
    s.integrations_path.is_some()
}

/// A badge per partner state; the text carries the meaning.
#[component]
pub fn PartnerStatusBadge(status: PartnerStatus) -> impl IntoView {
    let class = match status {
        PartnerStatus::Draft => "badge badge-grey",
        PartnerStatus::PendingApproval => "badge badge-blue",
        PartnerStatus::Approved => "badge badge-blue",
        PartnerStatus::Rejected => "badge badge-red",
        PartnerStatus::Active => "badge badge-green",
        PartnerStatus::Suspended => "badge badge-orange",
        PartnerStatus::Decommissioned => "badge badge-grey",
    };
    let text = if status == PartnerStatus::Active {
        "Active · healthy"
    } else {
        status.label()
    };
    view! { <span class=class>{text}</span> }
}

/// The warning shown wherever a provider lacks policy metadata.
#[component]
pub fn ProviderWarning(provider: ProviderDto) -> impl IntoView {
    let missing = provider.missing_metadata();
    (!missing.is_empty()).then(|| {
        view! {
            <Banner tone=Tone::Warning title=format!("{} is missing policy information", provider.name)>
                <p>{format!("Missing: {}. Ask a platform admin to complete the provider before sharing credentials.", missing.join(", "))}</p>
            </Banner>
        }
    })
}

fn external_link(url: String) -> AnyView {
    let href = url.clone();
    view! { <a class="link break-all" href=href rel="noopener noreferrer" target="_blank">{url}</a> }
        .into_any()
}

/// Security policy, runbook and escalation contact of a provider, with the warning banner.
#[component]
pub fn PolicySummary(provider: ProviderDto) -> impl IntoView {
    let p = provider.clone();
    view! {
        <ProviderWarning provider=provider />
        <dl class="facts">
            <div>
                <dt>"Security policy"</dt>
                <dd>{match p.security_policy_url.clone() {
                    Some(u) => external_link(u),
                    None => view! { <span class="text-missing">"Not provided"</span> }.into_any(),
                }}</dd>
            </div>
            <div>
                <dt>"Runbook"</dt>
                <dd>{match p.runbook_url.clone() {
                    Some(u) => external_link(u),
                    None => view! { <span class="text-missing">"Not provided"</span> }.into_any(),
                }}</dd>
            </div>
            <div>
                <dt>"Escalation contact"</dt>
                <dd>{match p.escalation_email.clone() {
                    Some(e) => {
                        let href = format!("mailto:{e}");
                        view! { <a class="link" href=href>{e}</a> }.into_any()
                    }
                    None => view! { <span class="text-missing">"Not provided"</span> }.into_any(),
                }}</dd>
            </div>
            <div>
                <dt>"Key requirements"</dt>
                <dd>{format!("At least {} characters and {} bits of estimated strength", p.min_key_length, p.min_entropy_bits)}</dd>
            </div>
            <div>
                <dt>"Rotation"</dt>
                <dd>{format!("Every {} days", p.rotation_days)}</dd>
            </div>
        </dl>
    }
}

/// (value, label) options of a select for `envs`.
fn environment_options(envs: &[IntegrationEnvironment]) -> Signal<Vec<(String, String)>> {
    Signal::stored(
        envs.iter()
            .map(|e| (e.as_str().to_owned(), e.label().to_owned()))
            .collect(),
    )
}

/// The scope catalogue as checkboxes, personal-data scopes marked.
#[component]
fn ScopePicker(
    catalogue: Vec<ScopeDto>,
    selected: RwSignal<Vec<Scope>>,
    #[prop(into)] error: Signal<Option<String>>,
) -> impl IntoView {
    view! {
        <fieldset class="field" aria-describedby="scopes-error">
            <legend class="field-label">"Scopes (least privilege)"</legend>
            <ul class="scope-list">
                {catalogue.into_iter().map(|s| {
                    let scope = s.scope;
                    let id = format!("scope-{}", s.name.replace(':', "-"));
                    view! {
                        <li class="scope-option">
                            <input
                                type="checkbox"
                                id=id.clone()
                                class="checkbox"
                                prop:checked=move || selected.with(|v| v.contains(&scope))
                                on:change=move |ev| {
                                    let on = event_target_checked(&ev);
                                    selected.update(|v| {
                                        v.retain(|x| *x != scope);
                                        if on {
                                            v.push(scope);
                                        }
                                    });
                                }
                            />
                            <label for=id class="flex-1">
                                <span class="scope-name">{s.name.clone()}</span>
                                {s.personal_data.then(|| view! { <span class="badge badge-orange ml-2">"Personal data"</span> })}
                                <span class="scope-description">{s.description.clone()}</span>
                            </label>
                        </li>
                    }
                }).collect_view()}
            </ul>
            <p id="scopes-error" class="field-error" aria-live="polite">{move || error.get()}</p>
        </fieldset>
    }
}

fn scope_string(selected: &[Scope]) -> String {
    selected
        .iter()
        .map(|s| s.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

#[component]
fn ProviderDialog(
    open: RwSignal<bool>,
    editing: RwSignal<Option<ProviderDto>>,
    on_saved: Callback<String>,
) -> impl IntoView {
    let action = ServerAction::<SaveProvider>::new();
    let name = RwSignal::new(String::new());
    let description = RwSignal::new(String::new());
    let sandbox = RwSignal::new(true);
    let production = RwSignal::new(true);
    let policy = RwSignal::new(String::new());
    let runbook = RwSignal::new(String::new());
    let escalation = RwSignal::new(String::new());
    let min_len = RwSignal::new("32".to_owned());
    let min_bits = RwSignal::new("128".to_owned());
    let rotation = RwSignal::new("90".to_owned());
    let fields = RwSignal::new(Vec::<FieldError>::new());
    let general = RwSignal::new(None::<String>);
    Effect::new(move |_| {
        if open.get() {
            let p = editing.get_untracked();
            name.set(p.as_ref().map(|p| p.name.clone()).unwrap_or_default());
            description.set(
                p.as_ref()
                    .map(|p| p.description.clone())
                    .unwrap_or_default(),
            );
            sandbox.set(
                p.as_ref()
                    .is_none_or(|p| p.environments.contains(&IntegrationEnvironment::Sandbox)),
            );
            production.set(
                p.as_ref()
                    .is_none_or(|p| p.environments.contains(&IntegrationEnvironment::Production)),
            );
            policy.set(
                p.as_ref()
                    .and_then(|p| p.security_policy_url.clone())
                    .unwrap_or_default(),
            );
            runbook.set(
                p.as_ref()
                    .and_then(|p| p.runbook_url.clone())
                    .unwrap_or_default(),
            );
            escalation.set(
                p.as_ref()
                    .and_then(|p| p.escalation_email.clone())
                    .unwrap_or_default(),
            );
            min_len.set(p.as_ref().map_or(32, |p| p.min_key_length).to_string());
            min_bits.set(p.as_ref().map_or(128, |p| p.min_entropy_bits).to_string());
            rotation.set(p.as_ref().map_or(90, |p| p.rotation_days).to_string());
            fields.set(Vec::new());
            general.set(None);
        }
    });
    Effect::new(move |_| match action.value().get() {
        Some(Ok(_)) => {
            open.set(false);
            on_saved.run(name.get_untracked());
        }
        Some(Err(e)) => apply_error(&e, fields, general),
        None => {}
    });
    Effect::new(move |_| {
        for text in [
            name,
            description,
            policy,
            runbook,
            escalation,
            min_len,
            min_bits,
            rotation,
        ] {
            text.track();
        }
        sandbox.track();
        production.track();
        fields.set(Vec::new());
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        action.dispatch(SaveProvider {
            id: editing.get_untracked().map(|p| p.id.to_string()),
            name: name.get_untracked(),
            description: Some(description.get_untracked()),
            sandbox: sandbox.get_untracked().then(|| "on".to_owned()),
            production: production.get_untracked().then(|| "on".to_owned()),
            security_policy_url: Some(policy.get_untracked()),
            runbook_url: Some(runbook.get_untracked()),
            escalation_email: Some(escalation.get_untracked()),
            min_key_length: Some(min_len.get_untracked()),
            min_entropy_bits: Some(min_bits.get_untracked()),
            rotation_days: Some(rotation.get_untracked()),
        });
    };
    view! {
        <Dialog id="provider-dialog" title="Provider" open description="Partners see this information on their credential page.">
            <form class="form-stack" novalidate=true on:submit=submit>
                <Show when=move || general.get().is_some()>
                    <Banner tone=Tone::Error>{move || general.get()}</Banner>
                </Show>
                <TextField id="provider-name" label="Name" name="name" required=true autofocus=true value=name error=field_error(fields, "name") />
                <TextArea id="provider-description" label="Description" name="description" value=description error=field_error(fields, "description") />
                <fieldset class="field" aria-describedby="provider-env-error">
                    <legend class="field-label">"Environments"</legend>
                    <div class="flex gap-6">
                        <label class="checkbox-label"><input type="checkbox" class="checkbox" prop:checked=move || sandbox.get() on:change=move |ev| sandbox.set(event_target_checked(&ev)) />"Sandbox"</label>
                        <label class="checkbox-label"><input type="checkbox" class="checkbox" prop:checked=move || production.get() on:change=move |ev| production.set(event_target_checked(&ev)) />"Production"</label>
                    </div>
                    <p id="provider-env-error" class="field-error" aria-live="polite">{move || field_error(fields, "environments").get()}</p>
                </fieldset>
                <TextField id="provider-policy" label="Security policy URL" name="security_policy_url" input_type="url" hint="https://…" value=policy error=field_error(fields, "security_policy_url") />
                <TextField id="provider-runbook" label="Runbook URL" name="runbook_url" input_type="url" hint="https://…" value=runbook error=field_error(fields, "runbook_url") />
                <TextField id="provider-escalation" label="Escalation email" name="escalation_email" input_type="email" value=escalation error=field_error(fields, "escalation_email") />
                <div class="grid-2">
                    <TextField id="provider-min-length" label="Minimum key length" name="min_key_length" input_type="number" hint="Characters, 16 to 512" value=min_len error=field_error(fields, "min_key_length") />
                    <TextField id="provider-min-bits" label="Minimum key strength" name="min_entropy_bits" input_type="number" hint="Bits, 64 to 1024" value=min_bits error=field_error(fields, "min_entropy_bits") />
                </div>
                <TextField id="provider-rotation" label="Rotation interval" name="rotation_days" input_type="number" hint="Days, 1 to 730" value=rotation error=field_error(fields, "rotation_days") />
                <div class="dialog-actions">
                    <button type="button" class="btn btn-secondary" on:click=move |_| open.set(false)>"Cancel"</button>
                    <button type="submit" class="btn btn-primary" disabled=move || action.pending().get()>"Save provider"</button>
                </div>
            </form>
        </Dialog>
    }
}

#[component]
fn RegisterPartnerDialog(
    open: RwSignal<bool>,
    providers: Vec<ProviderDto>,
    catalogue: Vec<ScopeDto>,
    on_created: Callback<Uuid>,
) -> impl IntoView {
    let action = ServerAction::<CreatePartner>::new();
    let name = RwSignal::new(String::new());
    let legal = RwSignal::new(String::new());
    let agreement = RwSignal::new(String::new());
    let provider = RwSignal::new(String::new());
    let environment = RwSignal::new("sandbox".to_owned());
    let contacts = RwSignal::new(String::new());
    let scopes = RwSignal::new(vec![Scope::PartnerPing]);
    let fields = RwSignal::new(Vec::<FieldError>::new());
    let general = RwSignal::new(None::<String>);
    let provider_options = Signal::stored(
        std::iter::once((String::new(), "Choose a provider".to_owned()))
            .chain(providers.iter().map(|p| (p.id.to_string(), p.name.clone())))
            .collect::<Vec<_>>(),
    );
    let env_options = environment_options(&IntegrationEnvironment::ALL);
    Effect::new(move |_| match action.value().get() {
        Some(Ok(id)) => {
            open.set(false);
            on_created.run(id);
        }
        Some(Err(e)) => apply_error(&e, fields, general),
        None => {}
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        action.dispatch(CreatePartner {
            name: name.get_untracked(),
            legal_basis: legal.get_untracked(),
            agreement_document_id: agreement.get_untracked(),
            provider_id: provider.get_untracked(),
            environment: environment.get_untracked(),
            contacts: contacts.get_untracked(),
            scopes: Some(scope_string(&scopes.get_untracked())),
        });
    };
    let catalogue = StoredValue::new(catalogue);
    // A correction clears the previous answer's errors.
    Effect::new(move |_| {
        for text in [name, legal, agreement, provider, environment, contacts] {
            text.track();
        }
        scopes.track();
        fields.set(Vec::new());
    });
    view! {
        <Dialog id="register-partner-dialog" title="Register partner" open description="The partner starts as a draft. A tenant admin approves it before any credentials exist.">
            <form class="form-stack" novalidate=true on:submit=submit>
                <Show when=move || general.get().is_some()>
                    <Banner tone=Tone::Error>{move || general.get()}</Banner>
                </Show>
                <TextField id="partner-name" label="Organisation name" name="name" required=true autofocus=true value=name error=field_error(fields, "name") />
                <TextField id="partner-legal" label="Legal basis" name="legal_basis" required=true hint="e.g. Contract, GDPR art. 6(1)(b)" value=legal error=field_error(fields, "legal_basis") />
                <TextField id="partner-agreement" label="Data-sharing agreement ID" name="agreement_document_id" required=true hint="The signed agreement's document ID" value=agreement error=field_error(fields, "agreement_document_id") />
                <div class="grid-2">
                    <SelectField id="partner-provider" label="Provider" name="provider_id" value=provider options=provider_options error=field_error(fields, "provider_id") required=true />
                    <SelectField id="partner-environment" label="Environment" name="environment" value=environment options=env_options error=field_error(fields, "environment") required=true />
                </div>
                <TextArea id="partner-contacts" label="Technical contacts" name="contacts" required=true hint="One per line: Name <email@example.org>" value=contacts error=field_error(fields, "contacts") />
                <ScopePicker catalogue=catalogue.get_value() selected=scopes error=field_error(fields, "scopes") />
                <div class="dialog-actions">
                    <button type="button" class="btn btn-secondary" on:click=move |_| open.set(false)>"Cancel"</button>
                    <button type="submit" class="btn btn-primary" disabled=move || action.pending().get()>"Register partner"</button>
                </div>
            </form>
        </Dialog>
    }
}

/// `/integrations`.
#[component]
pub fn IntegrationsPage() -> impl IntoView {
    view! {
        <RequireSession allow=allowed render=|_s: SignedInUser| view! { <IntegrationsBody /> }.into_any() />
    }
}

#[component]
fn IntegrationsBody() -> impl IntoView {
    let toast = use_toast();
    let version = RwSignal::new(0u32);
    let data = Resource::new(move || version.get(), |_| load_integrations());
    let provider_open = RwSignal::new(false);
    let editing = RwSignal::new(None::<ProviderDto>);
    let register_open = RwSignal::new(false);
    let on_saved = Callback::new(move |name: String| {
        toast.show(format!("Provider {name} saved."));
        version.update(|v| *v += 1);
    });
    let on_created = Callback::new(move |id: Uuid| {
        let _ = window()
            .location()
            .set_href(&format!("/integrations/partners/{id}"));
    });
    view! {
        <Title text="Integrations" />
        <div class="page-head">
            <div>
                <h1 class="page-title">"Integrations"</h1>
                <p class="page-subtitle">"Providers, partners and their credentials, with least-privilege scopes and an audit trail."</p>
            </div>
        </div>
        <ProviderDialog open=provider_open editing on_saved />
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(d) => {
                        let can_edit = d.can_edit_providers;
                        let providers = d.providers.clone();
                        view! {
                            <section class="card mt-6" aria-labelledby="providers-heading">
                                <div class="section-head">
                                    <h2 id="providers-heading" class="section-title">"Providers"</h2>
                                    {can_edit.then(|| view! {
                                        <button type="button" class="btn btn-primary" on:click=move |_| { editing.set(None); provider_open.set(true); }>"Add provider"</button>
                                    })}
                                </div>
                                {d.providers.is_empty().then(|| view! { <p class="field-hint">"No providers yet. A platform admin adds them."</p> })}
                                <ul class="provider-list">
                                    {d.providers.into_iter().map(|p| {
                                        let edit = p.clone();
                                        let label = format!("Edit {}", p.name);
                                        view! {
                                            <li class="provider-card">
                                                <div class="section-head">
                                                    <h3 class="provider-name">{p.name.clone()}</h3>
                                                    {can_edit.then(|| view! {
                                                        <button type="button" class="btn btn-ghost btn-sm" aria-label=label on:click=move |_| { editing.set(Some(edit.clone())); provider_open.set(true); }>"Edit"</button>
                                                    })}
                                                </div>
                                                <p class="field-hint">{p.description.clone()}</p>
                                                <p class="field-hint">{format!("Environments: {}", p.environments.iter().map(|e| e.label()).collect::<Vec<_>>().join(", "))}</p>
                                                <PolicySummary provider=p />
                                            </li>
                                        }
                                    }).collect_view()}
                                </ul>
                            </section>
                            {d.can_register_partners.then(|| view! {
                                <section class="card mt-6" aria-labelledby="partners-heading">
                                    <div class="section-head">
                                        <h2 id="partners-heading" class="section-title">"Partners"</h2>
                                        <button type="button" class="btn btn-primary" on:click=move |_| register_open.set(true)>"Register partner"</button>
                                    </div>
                                    <RegisterPartnerDialog open=register_open providers=providers.clone() catalogue=d.scopes.clone() on_created />
                                    {if d.partners.is_empty() {
                                        view! { <p class="field-hint">"No partners yet."</p> }.into_any()
                                    } else {
                                        view! {
                                            <div class="table-wrap">
                                                <table class="table">
                                                    <caption class="sr-only">"Partners, newest first"</caption>
                                                    <thead><tr>
                                                        <th scope="col">"Partner"</th>
                                                        <th scope="col">"Status"</th>
                                                        <th scope="col" class="hide-sm">"Environment"</th>
                                                        <th scope="col" class="hide-sm">"Last successful sync"</th>
                                                    </tr></thead>
                                                    <tbody>
                                                        {d.partners.into_iter().map(|p| view! {
                                                            <tr>
                                                                <td>
                                                                    <a class="link" href=format!("/integrations/partners/{}", p.id)>{p.name.clone()}</a>
                                                                    <p class="cell-secondary">{p.provider_name.clone()}</p>
                                                                </td>
                                                                <td><PartnerStatusBadge status=p.status /></td>
                                                                <td class="hide-sm">{p.environment.label()}</td>
                                                                <td class="hide-sm cell-secondary">{p.last_successful_sync_at.map_or_else(|| "Never".to_owned(), format_utc)}</td>
                                                            </tr>
                                                        }).collect_view()}
                                                    </tbody>
                                                </table>
                                            </div>
                                        }.into_any()
                                    }}
                                </section>
                            })}
                        }.into_any()
                    }
                    Err(e) => view! { <Banner tone=Tone::Error>{e.to_string()}</Banner> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// A dialog with one text field and a confirm button, for approve / reject / decommission.
#[component]
fn ReasonDialog(
    id: &'static str,
    title: &'static str,
    open: RwSignal<bool>,
    #[prop(into)] description: String,
    field_id: &'static str,
    field_label: &'static str,
    field_name: &'static str,
    required: bool,
    confirm: &'static str,
    danger: bool,
    pending: Signal<bool>,
    errors: RwSignal<Vec<FieldError>>,
    general: RwSignal<Option<String>>,
    on_confirm: Callback<String>,
) -> impl IntoView {
    let value = RwSignal::new(String::new());
    view! {
        <Dialog id=id title=title open description=description>
            <form class="form-stack" novalidate=true on:submit=move |ev| {
                ev.prevent_default();
                on_confirm.run(value.get_untracked());
            }>
                <Show when=move || general.get().is_some()>
                    <Banner tone=Tone::Error>{move || general.get()}</Banner>
                </Show>
                <TextField id=field_id label=field_label name=field_name required=required autofocus=true value=value error=field_error(errors, field_name) />
                <div class="dialog-actions">
                    <button type="button" class="btn btn-secondary" on:click=move |_| open.set(false)>"Cancel"</button>
                    <button type="submit" class=if danger { "btn btn-danger" } else { "btn btn-primary" } disabled=move || pending.get()>{confirm}</button>
                </div>
            </form>
        </Dialog>
    }
}

/// `/integrations/partners/:id`.
#[component]
pub fn PartnerPage() -> impl IntoView {
    view! {
        <RequireSession allow=allowed render=|_s: SignedInUser| view! { <PartnerBody /> }.into_any() />
    }
}

#[component]
fn CredentialsShownOnce(creds: IssuedCredentials, open: RwSignal<bool>) -> impl IntoView {
    let creds = StoredValue::new(creds);
    let copied = RwSignal::new(false);
    view! {
        <Dialog id="credentials-dialog" title="Client credentials" open description="Give these to the partner's tech lead over a secure channel.">
            <div class="form-stack">
                <Banner tone=Tone::Warning title="The client secret is shown once">
                    <p>"Gatehouse keeps only a hash of it. Copy it now; if it is lost, decommission the partner and onboard it again."</p>
                </Banner>
                <div class="field">
                    <label class="field-label" for="client-id">"Client ID"</label>
                    <input id="client-id" class="input code-input" readonly=true value=creds.with_value(|c| c.client_id.clone()) />
                </div>
                <div class="field">
                    <label class="field-label" for="client-secret">"Client secret"</label>
                    <div class="copy-row">
                        <input id="client-secret" class="input code-input grow" readonly=true value=creds.with_value(|c| c.client_secret.clone()) />
                        <button type="button" class="btn btn-secondary" on:click=move |_| { creds.with_value(|c| copy_to_clipboard(&c.client_secret)); copied.set(true); }>
                            {move || if copied.get() { "Copied" } else { "Copy secret" }}
                        </button>
                    </div>
                </div>
                <div class="field">
                    <label class="field-label" for="token-endpoint">"Token endpoint"</label>
                    <input id="token-endpoint" class="input code-input" readonly=true value=creds.with_value(|c| c.token_endpoint.clone()) />
                </div>
                <div class="dialog-actions">
                    <button type="button" class="btn btn-primary" on:click=move |_| open.set(false)>"I have stored the secret"</button>
                </div>
            </div>
        </Dialog>
    }
}

#[component]
fn InvitationRow(
    inv: CredentialInvitationDto,
    on_refresh: Callback<Uuid>,
    on_revoke: Callback<Uuid>,
    on_events: Callback<Uuid>,
) -> impl IntoView {
    let id = inv.id;
    let badge = match inv.status.as_str() {
        "accepted" => "badge badge-green",
        "expired" => "badge badge-orange",
        "revoked" => "badge badge-red",
        _ => "badge badge-blue",
    };
    let status_label = match inv.status.as_str() {
        "accepted" => "Accepted",
        "expired" => "Expired",
        "revoked" => "Revoked",
        _ => "Pending",
    };
    let rotation = match (inv.rotation_days, inv.rotation_due_at) {
        (Some(days), Some(due)) => format!("Every {days} days · due {}", format_utc(due)),
        _ => "—".to_owned(),
    };
    view! {
        <tr>
            <td>
                <p class="cell-primary">{inv.recipient_email.clone()}</p>
                <p class="cell-secondary">{inv.environment.label()}{inv.api_key_id.clone().map(|k| format!(" · key ID {k}"))}</p>
                <p class="cell-secondary md:hidden">{rotation.clone()}</p>
            </td>
            <td><span class=badge>{status_label}</span></td>
            <td class="cell-secondary hide-sm">{if inv.status == "accepted" { inv.accepted_at.map(|a| format!("Accepted {}", format_utc(a))).unwrap_or_default() } else { format!("Expires {}", format_utc(inv.expires_at)) }}</td>
            <td class="cell-secondary hide-sm">{rotation}</td>
            <td>
                <div class="row-actions">
                    {inv.can_refresh.then(|| view! {
                        <button type="button" class="btn btn-secondary btn-sm" aria-label=format!("Refresh invitation for {}", inv.recipient_email) on:click=move |_| on_refresh.run(id)>"Refresh invitation"</button>
                        <button type="button" class="btn btn-danger-outline btn-sm" aria-label=format!("Revoke invitation for {}", inv.recipient_email) on:click=move |_| on_revoke.run(id)>"Revoke"</button>
                    })}
                    <button type="button" class="btn btn-ghost btn-sm" aria-label=format!("Events of the invitation for {}", inv.recipient_email) on:click=move |_| on_events.run(id)>"Events"</button>
                </div>
            </td>
        </tr>
    }
}

#[component]
fn EventsDialog(open: RwSignal<bool>, target: RwSignal<Option<Uuid>>) -> impl IntoView {
    let events = Resource::new(
        move || target.get(),
        |id| async move {
            match id {
                Some(id) => credential_invitation_events(id).await.map(Some),
                None => Ok(None),
            }
        },
    );
    view! {
        <Dialog id="invite-events-dialog" title="Invitation events" open>
            <Suspense fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match events.await {
                        Ok(Some(list)) => view! {
                            <ol class="timeline">
                                {list.into_iter().map(|e| view! {
                                    <li class="timeline-item">
                                        <p class="timeline-action">{e.event.replace('_', " ")}</p>
                                        <p class="timeline-meta">
                                            {format_utc(e.at)}
                                            {e.reason_code.map(|r| format!(" · reason {r}"))}
                                            {e.elapsed_ms.map(|ms| format!(" · {:.1} s after first view", ms as f64 / 1000.0))}
                                        </p>
                                    </li>
                                }).collect_view()}
                            </ol>
                        }.into_any(),
                        Ok(None) => ().into_any(),
                        Err(e) => view! { <Banner tone=Tone::Error>{e.to_string()}</Banner> }.into_any(),
                    }
                })}
            </Suspense>
        </Dialog>
    }
}

#[component]
fn CredentialInviteDialog(
    open: RwSignal<bool>,
    partner: PartnerDetail,
    on_done: Callback<()>,
) -> impl IntoView {
    let action = ServerAction::<CreateCredentialInvitation>::new();
    let email = RwSignal::new(
        partner
            .contacts
            .first()
            .map(|c| c.email.clone())
            .unwrap_or_default(),
    );
    let environment = RwSignal::new(partner.environment.as_str().to_owned());
    let fields = RwSignal::new(Vec::<FieldError>::new());
    let general = RwSignal::new(None::<String>);
    let link = RwSignal::new(None::<String>);
    let env_options = environment_options(&partner.provider.environments);
    Effect::new(move |_| match action.value().get() {
        Some(Ok(c)) => link.set(Some(c.link)),
        Some(Err(e)) => apply_error(&e, fields, general),
        None => {}
    });
    // The page reloads its data only once the dialog closes: reloading earlier would rebuild
    // this dialog and lose the link it shows.
    Effect::new(move |_| {
        if !open.get() && link.get_untracked().is_some() {
            link.set(None);
            on_done.run(());
        }
    });
    let partner_id = partner.id;
    let provider = StoredValue::new(partner.provider.clone());
    let copied = RwSignal::new(false);
    view! {
        <Dialog id="credential-invite-dialog" title="Invite tech lead" open description="The tech lead gets a single-use link to submit the API key and secret.">
            {move || match link.get() {
                Some(l) => {
                    let copy = l.clone();
                    view! {
                        <div class="form-stack">
                            <Banner tone=Tone::Success>"Credential invitation sent."</Banner>
                            <div class="field">
                                <label class="field-label" for="credential-link">"Invitation link"</label>
                                <div class="copy-row">
                                    <input id="credential-link" class="input code-input grow" readonly=true value=l />
                                    <button type="button" class="btn btn-secondary" on:click=move |_| { copy_to_clipboard(&copy); copied.set(true); }>
                                        {move || if copied.get() { "Copied" } else { "Copy link" }}
                                    </button>
                                </div>
                            </div>
                            <div class="dialog-actions">
                                <button type="button" class="btn btn-primary" on:click=move |_| open.set(false)>"Done"</button>
                            </div>
                        </div>
                    }.into_any()
                }
                None => view! {
                    <form class="form-stack" novalidate=true on:submit=move |ev| {
                        ev.prevent_default();
                        action.dispatch(CreateCredentialInvitation {
                            partner_id,
                            recipient_email: email.get_untracked(),
                            environment: environment.get_untracked(),
                        });
                    }>
                        <Show when=move || general.get().is_some()>
                            <Banner tone=Tone::Error>{move || general.get()}</Banner>
                        </Show>
                        <h3 class="section-title">{format!("Confirm {} metadata", provider.with_value(|p| p.name.clone()))}</h3>
                        <PolicySummary provider=provider.get_value() />
                        <TextField id="credential-email" label="Tech lead's email" name="recipient_email" input_type="email" required=true autofocus=true value=email error=field_error(fields, "recipient_email") />
                        <SelectField id="credential-environment" label="Environment" name="environment" value=environment options=env_options error=field_error(fields, "environment") required=true />
                        <div class="dialog-actions">
                            <button type="button" class="btn btn-secondary" on:click=move |_| open.set(false)>"Cancel"</button>
                            <button type="submit" class="btn btn-primary" disabled=move || action.pending().get()>"Send invitation"</button>
                        </div>
                    </form>
                }.into_any(),
            }}
        </Dialog>
    }
}

#[component]
fn EditPartnerDialog(
    open: RwSignal<bool>,
    partner: PartnerDetail,
    on_done: Callback<()>,
) -> impl IntoView {
    let action = ServerAction::<UpdatePartner>::new();
    let environment = RwSignal::new(partner.environment.as_str().to_owned());
    let contacts = RwSignal::new(
        partner
            .contacts
            .iter()
            .map(|c| format!("{} <{}>", c.name, c.email))
            .collect::<Vec<_>>()
            .join("\n"),
    );
    let scopes = RwSignal::new(partner.scopes.iter().map(|s| s.scope).collect::<Vec<_>>());
    let fields = RwSignal::new(Vec::<FieldError>::new());
    let general = RwSignal::new(None::<String>);
    let env_options = environment_options(&partner.provider.environments);
    Effect::new(move |_| match action.value().get() {
        Some(Ok(())) => {
            open.set(false);
            on_done.run(());
        }
        Some(Err(e)) => apply_error(&e, fields, general),
        None => {}
    });
    let id = partner.id;
    let catalogue = StoredValue::new(partner.scope_catalogue.clone());
    view! {
        <Dialog id="edit-partner-dialog" title="Edit configuration" open description="Changes are audited. New scopes on an approved partner need a new approval.">
            <form class="form-stack" novalidate=true on:submit=move |ev| {
                ev.prevent_default();
                action.dispatch(UpdatePartner {
                    id,
                    environment: environment.get_untracked(),
                    contacts: contacts.get_untracked(),
                    scopes: Some(scope_string(&scopes.get_untracked())),
                });
            }>
                <Show when=move || general.get().is_some()>
                    <Banner tone=Tone::Error>{move || general.get()}</Banner>
                </Show>
                <SelectField id="edit-environment" label="Environment" name="environment" value=environment options=env_options error=field_error(fields, "environment") required=true />
                <TextArea id="edit-contacts" label="Technical contacts" name="contacts" required=true hint="One per line: Name <email@example.org>" value=contacts error=field_error(fields, "contacts") />
                <ScopePicker catalogue=catalogue.get_value() selected=scopes error=field_error(fields, "scopes") />
                <div class="dialog-actions">
                    <button type="button" class="btn btn-secondary" on:click=move |_| open.set(false)>"Cancel"</button>
                    <button type="submit" class="btn btn-primary" disabled=move || action.pending().get()>"Save changes"</button>
                </div>
            </form>
        </Dialog>
    }
}

#[component]
fn PartnerBody() -> impl IntoView {
    let params = use_params_map();
    let id = move || {
        params
            .read()
            .get("id")
            .and_then(|s| Uuid::parse_str(&s).ok())
    };
    let toast = use_toast();
    let version = RwSignal::new(0u32);
    let partner = Resource::new(
        move || (id(), version.get()),
        |(id, _)| async move {
            match id {
                Some(id) => load_partner(id).await,
                None => Err(crate::error::AppError::NotFound(
                    "There is no such partner.".into(),
                )),
            }
        },
    );
    let refresh = move || version.update(|v| *v += 1);

    let submit = ServerAction::<SubmitPartner>::new();
    let approve = ServerAction::<ApprovePartner>::new();
    let reject = ServerAction::<RejectPartner>::new();
    let decommission = ServerAction::<DecommissionPartner>::new();
    let refresh_inv = ServerAction::<RefreshCredentialInvitation>::new();
    let suspend = ServerAction::<SuspendPartner>::new();
    let revoke_inv = ServerAction::<RevokeCredentialInvitation>::new();
    let page_error = RwSignal::new(None::<String>);
    let approve_open = RwSignal::new(false);
    let reject_open = RwSignal::new(false);
    let decommission_open = RwSignal::new(false);
    let creds_open = RwSignal::new(false);
    let creds = RwSignal::new(None::<IssuedCredentials>);
    let invite_open = RwSignal::new(false);
    let edit_open = RwSignal::new(false);
    let events_open = RwSignal::new(false);
    let events_target = RwSignal::new(None::<Uuid>);
    let (approve_errs, approve_general) = (RwSignal::new(Vec::new()), RwSignal::new(None));
    let (reject_errs, reject_general) = (RwSignal::new(Vec::new()), RwSignal::new(None));
    let (decom_errs, decom_general) = (RwSignal::new(Vec::new()), RwSignal::new(None));

    let show_error = move |e: crate::error::AppError| page_error.set(Some(e.to_string()));
    on_action(
        submit.value(),
        move |()| {
            toast.show("Submitted for approval.");
            refresh();
        },
        show_error,
    );
    on_action(
        approve.value(),
        move |c| {
            approve_open.set(false);
            creds.set(Some(c));
            creds_open.set(true);
            refresh();
        },
        move |e| apply_error(&e, approve_errs, approve_general),
    );
    on_action(
        reject.value(),
        move |()| {
            reject_open.set(false);
            toast.show("Partner rejected.");
            refresh();
        },
        move |e| apply_error(&e, reject_errs, reject_general),
    );
    on_action(
        decommission.value(),
        move |()| {
            decommission_open.set(false);
            toast.show("Partner decommissioned. Its credentials and tokens no longer work.");
            refresh();
        },
        move |e| apply_error(&e, decom_errs, decom_general),
    );
    on_action(
        suspend.value(),
        move |()| {
            toast.show("Partner status changed.");
            refresh();
        },
        show_error,
    );
    on_action(
        refresh_inv.value(),
        move |()| {
            toast.show("Invitation refreshed: the same link works again.");
            refresh();
        },
        show_error,
    );
    on_action(
        revoke_inv.value(),
        move |()| {
            toast.show("Invitation revoked: its link no longer works.");
            refresh();
        },
        show_error,
    );
    let on_revoke = Callback::new(move |inv: Uuid| {
        revoke_inv.dispatch(RevokeCredentialInvitation { id: inv });
    });
    let on_refresh = Callback::new(move |inv: Uuid| {
        refresh_inv.dispatch(RefreshCredentialInvitation { id: inv });
    });
    let on_events = Callback::new(move |inv: Uuid| {
        events_target.set(Some(inv));
        events_open.set(true);
    });
    let on_done = Callback::new(move |()| refresh());

    view! {
        <Title text="Partner" />
        <p class="mb-4"><a class="link" href="/integrations">"← Integrations"</a></p>
        <Show when=move || page_error.get().is_some()>
            <Banner tone=Tone::Error>{move || page_error.get()}</Banner>
        </Show>
        {move || creds.get().map(|c| view! { <CredentialsShownOnce creds=c open=creds_open /> })}
        <EventsDialog open=events_open target=events_target />
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match partner.await {
                    Ok(p) => {
                        let pid = p.id;
                        let status = p.status;
                        view! {
                            <Title text=p.name.clone() />
                            <div class="page-head">
                                <div>
                                    <h1 class="page-title">{p.name.clone()}</h1>
                                    <p class="page-subtitle">{format!("{} · {}", p.provider.name, p.environment.label())}</p>
                                </div>
                                <PartnerStatusBadge status=status />
                            </div>
                            {p.decide_blocked_reason.clone().map(|r| view! { <Banner tone=Tone::Info>{r}</Banner> })}
                            <div class="flex flex-wrap gap-2 mt-4">
                                {p.can_submit.then(|| view! {
                                    <button type="button" class="btn btn-primary" disabled=move || submit.pending().get() on:click=move |_| { submit.dispatch(SubmitPartner { id: pid }); }>"Submit for approval"</button>
                                })}
                                {p.can_decide.then(|| view! {
                                    <button type="button" class="btn btn-primary" on:click=move |_| approve_open.set(true)>"Approve"</button>
                                    <button type="button" class="btn btn-danger-outline" on:click=move |_| reject_open.set(true)>"Reject"</button>
                                })}
                                {p.can_edit.then(|| view! {
                                    <button type="button" class="btn btn-secondary" on:click=move |_| edit_open.set(true)>"Edit configuration"</button>
                                })}
                                {p.can_suspend.then(|| view! {
                                    <button type="button" class="btn btn-secondary" disabled=move || suspend.pending().get() on:click=move |_| { suspend.dispatch(SuspendPartner { id: pid, suspend: true }); }>"Suspend"</button>
                                })}
                                {p.can_resume.then(|| view! {
                                    <button type="button" class="btn btn-primary" disabled=move || suspend.pending().get() on:click=move |_| { suspend.dispatch(SuspendPartner { id: pid, suspend: false }); }>"Resume"</button>
                                })}
                                {p.can_decommission.then(|| view! {
                                    <button type="button" class="btn btn-danger-outline" on:click=move |_| decommission_open.set(true)>"Decommission"</button>
                                })}
                            </div>
                            <EditPartnerDialog open=edit_open partner=p.clone() on_done />
                            <CredentialInviteDialog open=invite_open partner=p.clone() on_done />
                            <ReasonDialog id="approve-dialog" title="Approve partner" open=approve_open
                                description="Approval issues client credentials. Record the policy document this approval rests on."
                                field_id="approve-document" field_label="Policy document ID" field_name="policy_document_id" required=true
                                confirm="Approve and issue credentials" danger=false pending=Signal::derive(move || approve.pending().get())
                                errors=approve_errs general=approve_general
                                on_confirm=Callback::new(move |doc: String| { approve.dispatch(ApprovePartner { id: pid, policy_document_id: doc }); }) />
                            <ReasonDialog id="reject-dialog" title="Reject partner" open=reject_open
                                description="The integration manager sees the reason and can resubmit."
                                field_id="reject-reason" field_label="Reason" field_name="reason" required=true
                                confirm="Reject" danger=true pending=Signal::derive(move || reject.pending().get())
                                errors=reject_errs general=reject_general
                                on_confirm=Callback::new(move |reason: String| { reject.dispatch(RejectPartner { id: pid, reason }); }) />
                            <ReasonDialog id="decommission-dialog" title="Decommission partner" open=decommission_open
                                description="Credentials and every access token stop working at once. This cannot be undone."
                                field_id="decommission-reason" field_label="Reason" field_name="reason" required=false
                                confirm="Decommission" danger=true pending=Signal::derive(move || decommission.pending().get())
                                errors=decom_errs general=decom_general
                                on_confirm=Callback::new(move |reason: String| { decommission.dispatch(DecommissionPartner { id: pid, reason: Some(reason) }); }) />
                            <section class="card mt-6" aria-labelledby="details-heading">
                                <h2 id="details-heading" class="section-title">"Details"</h2>
                                <dl class="facts">
                                    <div><dt>"Legal basis"</dt><dd>{p.legal_basis.clone()}</dd></div>
                                    <div><dt>"Data-sharing agreement"</dt><dd>{p.agreement_document_id.clone()}</dd></div>
                                    <div><dt>"Technical contacts"</dt><dd>{p.contacts.iter().map(|c| format!("{} <{}>", c.name, c.email)).collect::<Vec<_>>().join(", ")}</dd></div>
                                    <div><dt>"Registered by"</dt><dd>{p.created_by.clone()}</dd></div>
                                    {p.submitted_by.clone().map(|s| view! { <div><dt>"Submitted by"</dt><dd>{s}</dd></div> })}
                                    {p.decided_by.clone().map(|s| view! { <div><dt>"Decided by"</dt><dd>{s}</dd></div> })}
                                    {p.approval_policy_document_id.clone().map(|s| view! { <div><dt>"Policy document"</dt><dd>{s}</dd></div> })}
                                    {p.rejection_reason.clone().map(|s| view! { <div><dt>"Rejection reason"</dt><dd>{s}</dd></div> })}
                                    {p.client_id.clone().map(|s| view! { <div><dt>"Client ID"</dt><dd class="font-mono break-all">{s}</dd></div> })}
                                    <div><dt>"Last successful sync"</dt><dd>{p.last_successful_sync_at.map_or_else(|| "Never".to_owned(), format_utc)}</dd></div>
                                    <div><dt>"Scope violations"</dt><dd>{p.scope_violations.to_string()}</dd></div>
                                </dl>
                            </section>
                            <section class="card mt-6" aria-labelledby="scopes-heading">
                                <h2 id="scopes-heading" class="section-title">"Scopes"</h2>
                                {p.scopes.is_empty().then(|| view! { <p class="field-hint">"No scopes yet."</p> })}
                                <ul class="scope-list">
                                    {p.scopes.iter().map(|s| view! {
                                        <li class="scope-item">
                                            <span class="scope-name">{s.name.clone()}</span>
                                            {s.personal_data.then(|| view! { <span class="badge badge-orange ml-2">"Personal data"</span> })}
                                            <span class="scope-description">{s.description.clone()}</span>
                                        </li>
                                    }).collect_view()}
                                </ul>
                            </section>
                            <section class="card mt-6" aria-labelledby="provider-heading">
                                <h2 id="provider-heading" class="section-title">{format!("Provider: {}", p.provider.name)}</h2>
                                <PolicySummary provider=p.provider.clone() />
                            </section>
                            <section class="card mt-6" aria-labelledby="governance-heading">
                                <div class="section-head">
                                    <h2 id="governance-heading" class="section-title">"Credential governance"</h2>
                                    <div class="flex flex-wrap gap-2">
                                        <a class="btn btn-ghost" href=format!("/integrations/partners/{pid}/invite-events.jsonl") download="">"Export events (JSON lines)"</a>
                                        {p.can_invite_credentials.then(|| view! {
                                            <button type="button" class="btn btn-primary" on:click=move |_| invite_open.set(true)>"Invite tech lead"</button>
                                        })}
                                    </div>
                                </div>
                                {if p.credential_invitations.is_empty() {
                                    view! { <p class="field-hint">"No credential invitations yet."</p> }.into_any()
                                } else {
                                    view! {
                                        <div class="table-wrap">
                                            <table class="table">
                                                <caption class="sr-only">"Credential invitations, newest first"</caption>
                                                <thead><tr>
                                                    <th scope="col">"Tech lead"</th>
                                                    <th scope="col">"Status"</th>
                                                    <th scope="col" class="hide-sm">"Expiry"</th>
                                                    <th scope="col" class="hide-sm">"Rotation"</th>
                                                    <th scope="col"><span class="sr-only">"Actions"</span></th>
                                                </tr></thead>
                                                <tbody>
                                                    {p.credential_invitations.iter().cloned().map(|inv| view! { <InvitationRow inv on_refresh on_revoke on_events /> }).collect_view()}
                                                </tbody>
                                            </table>
                                        </div>
                                    }.into_any()
                                }}
                            </section>
                            <section class="card mt-6" aria-labelledby="audit-heading">
                                <h2 id="audit-heading" class="section-title">"Audit trail"</h2>
                                <ol class="timeline">
                                    {p.events.iter().map(|e| view! {
                                        <li class="timeline-item">
                                            <p class="timeline-action">{e.action.replace('_', " ")}</p>
                                            <p class="timeline-meta">{format!("{} · {}", format_utc(e.at), e.actor)}</p>
                                            {e.detail.clone().map(|d| view! { <p class="timeline-detail">{d}</p> })}
                                        </li>
                                    }).collect_view()}
                                </ol>
                            </section>
                        }.into_any()
                    }
                    Err(e) => view! { <Banner tone=Tone::Error>{e.to_string()}</Banner> }.into_any(),
                }
            })}
        </Suspense>
    }
}
