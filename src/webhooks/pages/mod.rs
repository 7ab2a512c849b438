//! The webhook section of a partner's page (endpoints, health, "Add endpoint") and the page of
//! one endpoint (`/integrations/webhooks/:id`: test event, re-enable, secret rotation, and the
//! delivery log with replays).

mod endpoint;
mod mapping;

pub use endpoint::WebhookEndpointPage;

use super::api::{load_webhooks, AddWebhookEndpoint, CreatedEndpoint, EndpointDto, WebhookPanel};
use crate::{
    auth::keystore,
    components::{
        apply_error, field_error, format_utc, on_new_result, successes, Banner, ErrorBanner,
        TextField, Tone,
    },
    error::{AppError, FieldError},
};
use leptos::prelude::*;
use mapping::MappingCard;
use uuid::Uuid;

/// Enabled green, Disabled red; the text carries the meaning.
#[component]
pub(super) fn EndpointBadge(enabled: bool) -> impl IntoView {
    if enabled {
        view! { <span class="badge badge-green">"Enabled"</span> }
    } else {
        view! { <span class="badge badge-red">"Disabled"</span> }
    }
}

/// A signing secret shown once, with a copy button.
#[component]
pub(super) fn SecretOnce(
    title: String,
    secret: String,
    #[prop(optional, into)] note: Option<String>,
) -> impl IntoView {
    let copied = RwSignal::new(false);
    let text = secret.clone();
    view! {
        <Banner tone=Tone::Success title=title>
            <p>"Copy the signing secret now: it is shown only once. The receiver checks each message's "<code>"webhook-signature"</code>" with it (Standard Webhooks)."</p>
            {note.map(|n| view! { <p>{n}</p> })}
            <div class="field">
                <label class="field-label" for="webhook-secret">"Signing secret"</label>
                <div class="copy-row">
                    <input class="input code-input grow" id="webhook-secret" readonly=true value=secret />
                    <button type="button" class="btn btn-secondary" aria-label="Copy signing secret" on:click=move |_| {
                        keystore::copy_to_clipboard(&text);
                        copied.set(true);
                    }>{move || if copied.get() { "Copied" } else { "Copy" }}</button>
                </div>
            </div>
        </Banner>
    }
}

/// What the webhook section of a partner's page loads: its panel and its field mapping, with
/// the actions that reload them. Made once at the top of the partner page ([`WebhookData::new`]),
/// not inside the partner's own `Suspense`: a resource first made inside resolved `Suspense`
/// content did not reliably find its server-rendered value while hydrating, and the section
/// then failed to hydrate (a hydration mismatch on most reloads of an approved partner's page).
#[derive(Clone, Copy)]
pub struct WebhookData {
    add: ServerAction<AddWebhookEndpoint>,
    panel: Resource<Result<WebhookPanel, AppError>>,
    mapping: mapping::MappingData,
}

impl WebhookData {
    /// The section's data for the partner `partner()` names (`None`: no such partner, 404).
    pub fn new(partner: impl Fn() -> Option<Uuid> + Copy + Send + Sync + 'static) -> Self {
        let add = ServerAction::<AddWebhookEndpoint>::new();
        let added = successes(add);
        let panel = Resource::new(
            move || (partner(), added.get()),
            |(partner, _)| async move {
                match partner {
                    Some(p) => load_webhooks(p).await,
                    None => Err(AppError::NotFound("There is no such partner.".into())),
                }
            },
        );
        Self {
            add,
            panel,
            mapping: mapping::MappingData::new(partner),
        }
    }
}

/// The webhook section of a partner's page, over `data` ([`WebhookData`]).
#[component]
pub fn WebhookSection(data: WebhookData) -> impl IntoView {
    let WebhookData {
        add,
        panel,
        mapping,
    } = data;
    let created = RwSignal::new(None::<CreatedEndpoint>);
    view! {
        <section class="card mt-6" aria-labelledby="webhooks-heading">
            <Suspense fallback=|| view! { <p>"Loading webhooks…"</p> }>
                {move || Suspend::new(async move {
                    match panel.await {
                        Ok(p) => view! { <Panel panel=p add created mapping /> }.into_any(),
                        Err(e) => view! {
                            <h2 id="webhooks-heading" class="section-title">"Webhooks"</h2>
                            <ErrorBanner error=e />
                        }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn Panel(
    panel: WebhookPanel,
    add: ServerAction<AddWebhookEndpoint>,
    created: RwSignal<Option<CreatedEndpoint>>,
    mapping: mapping::MappingData,
) -> impl IntoView {
    let health = if panel.degraded {
        view! { <span class="badge badge-orange">"Degraded"</span> }.into_any()
    } else {
        view! { <span class="badge badge-green">"Healthy"</span> }.into_any()
    };
    view! {
        <div class="section-head">
            <h2 id="webhooks-heading" class="section-title">"Webhooks"</h2>
            <p class="flex items-center gap-2 text-sm">"Webhook health: " {health}</p>
        </div>
        <p class="field-hint">{format!(
            "Events reach {} at the endpoints below, signed with each endpoint's own secret. Last successful delivery: {}.",
            panel.partner_name,
            panel.last_delivery_at.map_or_else(|| "never".to_owned(), format_utc)
        )}</p>
        {panel.degraded.then(|| view! {
            <div class="mt-3"><Banner tone=Tone::Warning>"An endpoint was disabled after failed deliveries. Open it, read its delivery log and re-enable it."</Banner></div>
        })}
        {move || created.get().map(|c| view! {
            <div class="mt-4"><SecretOnce title=format!("Endpoint added: {}", c.endpoint.url) secret=c.secret /></div>
        })}
        {if panel.endpoints.is_empty() {
            view! { <p class="empty-state mt-4">"No webhook endpoints yet."</p> }.into_any()
        } else {
            view! { <EndpointTable endpoints=panel.endpoints.clone() /> }.into_any()
        }}
        <AddEndpointForm panel=panel.clone() add created />
        <MappingCard data=mapping />
    }
}

#[component]
fn EndpointTable(endpoints: Vec<EndpointDto>) -> impl IntoView {
    view! {
        <div class="table-wrap mt-4">
            <table class="table">
                <caption class="sr-only">"Webhook endpoints"</caption>
                <thead>
                    <tr>
                        <th scope="col">"Endpoint"</th>
                        <th scope="col">"Status"</th>
                        <th scope="col" class="hide-sm">"Events"</th>
                        <th scope="col" class="hide-sm">"Last success"</th>
                    </tr>
                </thead>
                <tbody>
                    {endpoints.into_iter().map(|e| view! {
                        <tr>
                            <th scope="row" class="cell-primary break-all">
                                <a class="link" href=format!("/integrations/webhooks/{}", e.id)>{e.url.clone()}</a>
                                {(!e.description.is_empty()).then(|| view! { <p class="cell-secondary">{e.description.clone()}</p> })}
                            </th>
                            <td><EndpointBadge enabled=e.enabled /></td>
                            <td class="hide-sm font-mono text-xs">{e.event_types.join(" ")}</td>
                            <td class="hide-sm">{e.last_success_at.map_or_else(|| "Never".to_owned(), format_utc)}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

#[component]
fn AddEndpointForm(
    panel: WebhookPanel,
    add: ServerAction<AddWebhookEndpoint>,
    created: RwSignal<Option<CreatedEndpoint>>,
) -> impl IntoView {
    let url = RwSignal::new(String::new());
    let description = RwSignal::new(String::new());
    let chosen = RwSignal::new(Vec::<String>::new());
    let fields = RwSignal::new(Vec::<FieldError>::new());
    let general = RwSignal::new(None::<String>);
    on_new_result(
        add,
        move |c: CreatedEndpoint| {
            url.set(String::new());
            description.set(String::new());
            chosen.set(Vec::new());
            fields.set(Vec::new());
            general.set(None);
            created.set(Some(c));
        },
        move |e| apply_error(&e, fields, general),
    );
    let partner = panel.partner_id;
    let types_error = field_error(fields, "event_types");
    view! {
        <form class="form-stack mt-6" novalidate=true aria-labelledby="add-endpoint-heading" on:submit=move |ev| {
            ev.prevent_default();
            add.dispatch(AddWebhookEndpoint {
                partner,
                url: url.get_untracked(),
                description: description.get_untracked(),
                event_types: chosen.get_untracked().join(" "),
            });
        }>
            <h3 id="add-endpoint-heading" class="font-semibold">"Add endpoint"</h3>
            <Show when=move || general.get().is_some()>
                <Banner tone=Tone::Error>{move || general.get()}</Banner>
            </Show>
            <TextField id="endpoint-url" label="Endpoint URL" name="url" input_type="url" required=true value=url
                error=field_error(fields, "url") hint="https only; Gatehouse refuses private and internal addresses." />
            <TextField id="endpoint-description" label="Description" name="description" value=description
                error=field_error(fields, "description") />
            <fieldset class="field" aria-describedby="event-types-error">
                <legend class="field-label">"Event types"</legend>
                <div class="grid gap-2 sm:grid-cols-2">
                    {panel.catalogue.into_iter().map(|t| {
                        let name = t.name.clone();
                        let id = format!("event-{}", t.name.replace(['.', '_'], "-"));
                        let for_id = id.clone();
                        let hint = if t.allowed {
                            t.description.clone()
                        } else {
                            format!("Needs the scope {}, which this partner was not granted.", t.scope.clone().unwrap_or_default())
                        };
                        view! {
                            <label class="checkbox-label" for=for_id>
                                <input type="checkbox" class="checkbox" id=id disabled=!t.allowed
                                    prop:checked={let name = name.clone(); move || chosen.with(|c| c.contains(&name))}
                                    on:change=move |ev| {
                                        let on = event_target_checked(&ev);
                                        chosen.update(|c| {
                                            c.retain(|x| *x != name);
                                            if on { c.push(name.clone()); }
                                        });
                                    } />
                                <span><span class="font-mono text-xs">{t.name.clone()}</span><span class="block field-hint">{hint}</span></span>
                            </label>
                        }
                    }).collect_view()}
                </div>
                <p id="event-types-error" class="field-error" aria-live="polite">{move || types_error.get()}</p>
            </fieldset>
            <div>
                <button type="submit" class="btn btn-primary" disabled=move || add.pending().get()>"Add endpoint"</button>
            </div>
        </form>
    }
}
