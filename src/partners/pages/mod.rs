//! The Integrations area: `/integrations` (providers and the tenant's partners) and, in
//! [`partner`], `/integrations/partners/:id` (one partner: approval, credentials,
//! configuration, credential governance and the audit trail).

mod client_secret;
mod partner;

pub use partner::PartnerPage;

use super::api::{load_integrations, CreatePartner, PartnerSummary, ScopeDto};
use crate::{
    auth::api::SignedInUser,
    components::{
        apply_error, field_error, format_utc, successes, use_toast, Banner, Dialog, ErrorBanner,
        RequireSession, SelectField, TextArea, TextField, Tone,
    },
    domain::{IntegrationEnvironment, PartnerStatus, Scope},
    error::FieldError,
    providers::{
        api::SaveProvider,
        dto::ProviderDto,
        pages::{environment_options, PolicySummary, ProviderDialog},
    },
};
use leptos::prelude::*;
use leptos_meta::Title;
use uuid::Uuid;

/// "Rotations due": the tenant's partners whose client secret is overdue or due within
/// [`client_secret::DUE_SOON_DAYS`] days, soonest first. Nothing when none is.
#[component]
fn RotationsDue(partners: Vec<PartnerSummary>, now: i64) -> impl IntoView {
    let mut due: Vec<(PartnerSummary, i64)> = partners
        .into_iter()
        .filter_map(|p| p.secret_rotation_due_at.map(|d| (p, d)))
        .filter(|(_, d)| d - now <= client_secret::DUE_SOON_DAYS * 86_400)
        .collect();
    due.sort_by_key(|(_, d)| *d);
    (!due.is_empty()).then(|| view! {
        <section class="card mt-6" aria-labelledby="rotations-heading">
            <h2 id="rotations-heading" class="section-title">"Rotations due"</h2>
            <p class="field-hint">"Client secrets due for rotation under their provider's policy. Open a partner and choose “Rotate secret”."</p>
            <div class="table-wrap">
                <table class="table">
                    <caption class="sr-only">"Client secrets due for rotation, soonest first"</caption>
                    <thead><tr>
                        <th scope="col">"Partner"</th>
                        <th scope="col">"Due"</th>
                        <th scope="col">"State"</th>
                    </tr></thead>
                    <tbody>
                        {due.into_iter().map(|(p, d)| {
                            let (class, label) = client_secret::rotation_badge(d, now);
                            view! {
                                <tr>
                                    <td><a class="link" href=format!("/integrations/partners/{}", p.id)>{p.name.clone()}</a></td>
                                    <td class="cell-secondary">{format_utc(d)}</td>
                                    <td><span class=class>{label}</span></td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
        </section>
    })
}

pub(super) fn allowed(s: SignedInUser) -> bool {
    s.integrations_path.is_some()
}

/// A badge per partner state; the text carries the meaning.
#[component]
pub fn PartnerStatusBadge(
    status: PartnerStatus,
    /// A webhook endpoint disabled itself after failures (LOG-01).
    #[prop(optional)]
    degraded: bool,
) -> impl IntoView {
    let live = matches!(status, PartnerStatus::Active | PartnerStatus::Approved);
    if degraded && live {
        return view! { <span class="badge badge-orange">"Degraded"</span> }.into_any();
    }
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
    view! { <span class=class>{text}</span> }.into_any()
}

/// The scope catalogue as checkboxes, personal-data scopes marked.
#[component]
pub(super) fn ScopePicker(
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

pub(super) fn scope_string(selected: &[Scope]) -> String {
    selected
        .iter()
        .map(|s| s.as_str())
        .collect::<Vec<_>>()
        .join(" ")
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
        <RequireSession allow=allowed><IntegrationsBody /></RequireSession>
    }
}

#[component]
fn IntegrationsBody() -> impl IntoView {
    let toast = use_toast();
    let save_provider = ServerAction::<SaveProvider>::new();
    let saved = successes(save_provider);
    let data = Resource::new(move || saved.get(), |_| load_integrations());
    let provider_open = RwSignal::new(false);
    let editing = RwSignal::new(None::<ProviderDto>);
    let register_open = RwSignal::new(false);
    let on_saved = Callback::new(move |name: String| toast.show(format!("Provider {name} saved.")));
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
        <ProviderDialog open=provider_open editing action=save_provider on_saved />
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
                            <RotationsDue partners=d.partners.clone() now=d.now />
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
                                                                <td><PartnerStatusBadge status=p.status degraded=p.degraded /></td>
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
                    Err(e) => view! { <ErrorBanner error=e /> }.into_any(),
                }
            })}
        </Suspense>
    }
}
