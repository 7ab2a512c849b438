//! The webhook section of a partner's page (endpoints, health, "Add endpoint") and the page of
//! one endpoint (`/integrations/webhooks/:id`: test event, re-enable, secret rotation, and the
//! delivery log with replays).

use super::api::{
    load_webhook_log, load_webhook_mapping, load_webhooks, preview_webhook_mapping,
    AddWebhookEndpoint, CreatedEndpoint, DeliveryResult, EndpointDto, MappingEditor,
    ReenableWebhookEndpoint, ReplayWebhookMessage, RotateWebhookSecret, SaveWebhookMapping,
    SendWebhookTest, WebhookPanel,
};
use crate::domain::webhook_mapping::{DateFormat, MappingRule};
use crate::{
    auth::{api::SignedInUser, keystore},
    components::{
        apply_error, field_error, format_utc, on_new_result, successes, use_toast, Banner,
        ErrorBanner, RequireSession, TextField, Tone,
    },
    error::FieldError,
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;
use uuid::Uuid;

/// Enabled green, Disabled red; the text carries the meaning.
#[component]
fn EndpointBadge(enabled: bool) -> impl IntoView {
    if enabled {
        view! { <span class="badge badge-green">"Enabled"</span> }
    } else {
        view! { <span class="badge badge-red">"Disabled"</span> }
    }
}

/// A signing secret shown once, with a copy button.
#[component]
fn SecretOnce(
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

/// The webhook section of partner `partner`'s page.
#[component]
pub fn WebhookSection(partner: Uuid) -> impl IntoView {
    let add = ServerAction::<AddWebhookEndpoint>::new();
    let added = successes(add);
    let panel = Resource::new(move || added.get(), move |_| load_webhooks(partner));
    let created = RwSignal::new(None::<CreatedEndpoint>);
    view! {
        <section class="card mt-6" aria-labelledby="webhooks-heading">
            <Suspense fallback=|| view! { <p>"Loading webhooks…"</p> }>
                {move || Suspend::new(async move {
                    match panel.await {
                        Ok(p) => view! { <Panel panel=p add created /> }.into_any(),
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
        <MappingCard partner=panel.partner_id />
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

/// `/integrations/webhooks/:id`.
#[component]
pub fn WebhookEndpointPage() -> impl IntoView {
    view! {
        <RequireSession
            allow=|s: SignedInUser| s.integrations_path.is_some()
            render=|_s: SignedInUser| view! { <EndpointBody /> }.into_any()
        />
    }
}

fn describe(r: &DeliveryResult) -> String {
    let answer = match (r.status_code, &r.error) {
        (Some(code), _) => format!("answered HTTP {code}"),
        (None, Some(e)) => format!("failed: {e}"),
        (None, None) => "did not answer".to_owned(),
    };
    format!("The endpoint {answer} in {} ms.", r.duration_ms)
}

#[component]
fn EndpointBody() -> impl IntoView {
    let params = use_params_map();
    let id = move || {
        params
            .read()
            .get("id")
            .and_then(|s| Uuid::parse_str(&s).ok())
            .unwrap_or_default()
    };
    let toast = use_toast();
    let test = ServerAction::<SendWebhookTest>::new();
    let reenable = ServerAction::<ReenableWebhookEndpoint>::new();
    let rotate = ServerAction::<RotateWebhookSecret>::new();
    let replay = ServerAction::<ReplayWebhookMessage>::new();
    let changes = [
        successes(test),
        successes(reenable),
        successes(rotate),
        successes(replay),
    ];
    let log = Resource::new(
        move || (id(), changes.map(|c| c.get())),
        |(id, _)| load_webhook_log(id),
    );
    let result = RwSignal::new(None::<(Tone, String)>);
    let rotated = RwSignal::new(None::<(String, i64)>);
    on_new_result(
        test,
        move |r: DeliveryResult| {
            let tone = if r.succeeded {
                Tone::Success
            } else {
                Tone::Error
            };
            result.set(Some((tone, format!("Test event sent. {}", describe(&r)))));
        },
        move |e| result.set(Some((Tone::Error, e.to_string()))),
    );
    on_new_result(
        reenable,
        move |r: DeliveryResult| {
            if r.enabled {
                result.set(Some((
                    Tone::Success,
                    format!("Endpoint re-enabled. {}", describe(&r)),
                )));
            } else {
                result.set(Some((
                    Tone::Error,
                    format!(
                        "Still disabled: the test event did not succeed. {}",
                        describe(&r)
                    ),
                )));
            }
        },
        move |e| result.set(Some((Tone::Error, e.to_string()))),
    );
    on_new_result(
        rotate,
        move |r| rotated.set(Some((r.secret, r.previous_expires_at))),
        move |e| result.set(Some((Tone::Error, e.to_string()))),
    );
    on_new_result(
        replay,
        move |()| toast.show("The message is queued again with the same id."),
        move |e| result.set(Some((Tone::Error, e.to_string()))),
    );
    view! {
        <Title text="Webhook endpoint" />
        <Suspense fallback=|| view! { <p>"Loading the endpoint…"</p> }>
            {move || Suspend::new(async move {
                match log.await {
                    Ok(l) => {
                        let eid = l.endpoint.id;
                        let enabled = l.endpoint.enabled;
                        view! {
                            <nav aria-label="Breadcrumb" class="text-sm mb-2">
                                <a class="link" href=format!("/integrations/partners/{}", l.partner_id)>{l.partner_name.clone()}</a>
                            </nav>
                            <div class="page-head">
                                <div>
                                    <h1 class="page-title">"Webhook endpoint"</h1>
                                    <p class="page-subtitle break-all">{l.endpoint.url.clone()}</p>
                                </div>
                                <div class="page-actions">
                                    <button type="button" class="btn btn-secondary" disabled=move || test.pending().get()
                                        on:click=move |_| { test.dispatch(SendWebhookTest { id: eid }); }>"Send test event"</button>
                                    {(!enabled).then(|| view! {
                                        <button type="button" class="btn btn-primary" disabled=move || reenable.pending().get()
                                            on:click=move |_| { reenable.dispatch(ReenableWebhookEndpoint { id: eid }); }>"Re-enable"</button>
                                    })}
                                    <button type="button" class="btn btn-secondary" disabled=move || rotate.pending().get()
                                        on:click=move |_| { rotate.dispatch(RotateWebhookSecret { id: eid }); }>"Rotate secret"</button>
                                </div>
                            </div>
                            {move || result.get().map(|(tone, text)| view! { <div class="mb-4"><Banner tone=tone>{text}</Banner></div> })}
                            {move || rotated.get().map(|(secret, until)| view! {
                                <div class="mb-4"><SecretOnce title="New signing secret".to_owned() secret
                                    note=format!("The previous secret also signs every message until {}.", format_utc(until)) /></div>
                            })}
                            <section class="card" aria-labelledby="endpoint-facts">
                                <h2 id="endpoint-facts" class="section-title">"Endpoint"</h2>
                                <dl class="facts">
                                    <div><dt>"Status"</dt><dd><EndpointBadge enabled=enabled /></dd></div>
                                    {l.endpoint.disabled_reason.clone().map(|r| view! { <div><dt>"Disabled because"</dt><dd>{r}</dd></div> })}
                                    <div><dt>"Events"</dt><dd class="font-mono text-xs">{l.endpoint.event_types.join(" ")}</dd></div>
                                    <div><dt>"Consecutive failures"</dt><dd>{l.endpoint.consecutive_failures.to_string()}</dd></div>
                                    <div><dt>"Last success"</dt><dd>{l.endpoint.last_success_at.map_or_else(|| "Never".to_owned(), format_utc)}</dd></div>
                                    <div><dt>"Signing secret created"</dt><dd>{format_utc(l.endpoint.secret_created_at)}</dd></div>
                                    {l.endpoint.previous_secret_expires_at.map(|t| view! { <div><dt>"Previous secret signs until"</dt><dd>{format_utc(t)}</dd></div> })}
                                </dl>
                            </section>
                            <section class="mt-6" aria-labelledby="log-heading">
                                <h2 id="log-heading" class="section-title mb-3">"Delivery log"</h2>
                                {if l.attempts.is_empty() {
                                    view! { <p class="empty-state">"No delivery attempts yet."</p> }.into_any()
                                } else {
                                    view! {
                                        <div class="table-wrap">
                                            <table class="table">
                                                <caption class="sr-only">"Delivery attempts, newest first"</caption>
                                                <thead>
                                                    <tr>
                                                        <th scope="col">"Time"</th>
                                                        <th scope="col">"Event"</th>
                                                        <th scope="col">"Answer"</th>
                                                        <th scope="col" class="hide-sm">"Duration"</th>
                                                        <th scope="col" class="hide-sm">"Message"</th>
                                                        <th scope="col"><span class="sr-only">"Actions"</span></th>
                                                    </tr>
                                                </thead>
                                                <tbody>
                                                    {l.attempts.into_iter().map(|a| {
                                                        let message = a.message_id;
                                                        let answer = match (a.status_code, a.error.clone()) {
                                                            (Some(code), _) => format!("HTTP {code}"),
                                                            (None, Some(e)) => e,
                                                            (None, None) => "—".to_owned(),
                                                        };
                                                        let label = format!("Replay message {}", a.webhook_id);
                                                        view! {
                                                            <tr>
                                                                <td class="cell-secondary">{format_utc(a.at)}</td>
                                                                <td class="font-mono text-xs">{a.event_type.clone()}</td>
                                                                <td>
                                                                    {answer}
                                                                    {a.response_excerpt.clone().filter(|r| !r.is_empty()).map(|r| view! {
                                                                        <details class="mt-1"><summary class="text-xs">"Response"</summary><pre class="text-xs whitespace-pre-wrap break-all">{r}</pre></details>
                                                                    })}
                                                                </td>
                                                                <td class="hide-sm">{format!("{} ms", a.duration_ms)}</td>
                                                                <td class="hide-sm"><span class="font-mono text-xs break-all">{a.webhook_id.clone()}</span><span class="block cell-secondary">{a.message_status.clone()}</span></td>
                                                                <td>
                                                                    <button type="button" class="btn btn-secondary btn-sm" aria-label=label
                                                                        disabled=move || replay.pending().get()
                                                                        on:click=move |_| { replay.dispatch(ReplayWebhookMessage { id: eid, message }); }>"Replay"</button>
                                                                </td>
                                                            </tr>
                                                        }
                                                    }).collect_view()}
                                                </tbody>
                                            </table>
                                        </div>
                                    }.into_any()
                                }}
                            </section>
                        }.into_any()
                    }
                    Err(e) => view! { <ErrorBanner error=e /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// A rule as one line of text.
fn describe_rule(r: &MappingRule) -> String {
    match r {
        MappingRule::Rename { field, to } => format!("Rename {field} to {to}"),
        MappingRule::Drop { field } => format!("Drop {field}"),
        MappingRule::Constant { field, value } => format!("Set {field} to \u{201c}{value}\u{201d}"),
        MappingRule::DateFormat { field, format } => format!(
            "Write {field} as {}",
            match format {
                DateFormat::Rfc3339 => "RFC 3339",
                DateFormat::UnixSeconds => "Unix seconds",
                DateFormat::Date => "a date (YYYY-MM-DD)",
            }
        ),
    }
}

/// The partner's schema mapping: its rules, a form to add one, the live preview on a sample
/// event, and "Save mapping".
#[component]
fn MappingCard(partner: Uuid) -> impl IntoView {
    let save = ServerAction::<SaveWebhookMapping>::new();
    let saved = successes(save);
    let editor = Resource::new(move || saved.get(), move |_| load_webhook_mapping(partner));
    view! {
        <section class="mt-8" aria-labelledby="mapping-heading">
            <h3 id="mapping-heading" class="font-semibold">"Field mapping"</h3>
            <Suspense fallback=|| view! { <p>"Loading the mapping…"</p> }>
                {move || Suspend::new(async move {
                    match editor.await {
                        Ok(e) => view! { <MappingEditorView editor=e save /> }.into_any(),
                        Err(e) => view! { <ErrorBanner error=e /> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn MappingEditorView(
    editor: MappingEditor,
    save: ServerAction<SaveWebhookMapping>,
) -> impl IntoView {
    let toast = use_toast();
    let partner = editor.partner_id;
    let rules = RwSignal::new(editor.rules.clone());
    let op = RwSignal::new("rename".to_owned());
    let field = RwSignal::new(
        editor
            .fields
            .first()
            .map(|f| f.name.clone())
            .unwrap_or_default(),
    );
    let value = RwSignal::new(String::new());
    let format = RwSignal::new("unix_seconds".to_owned());
    let event = RwSignal::new(editor.event_types.first().cloned().unwrap_or_default());
    let error = RwSignal::new(None::<String>);
    on_new_result(
        save,
        move |e: MappingEditor| {
            error.set(None);
            toast.show(format!(
                "Mapping version {} saved. Messages queued from now on use it.",
                e.version
            ));
        },
        move |e| error.set(Some(e.to_string())),
    );
    let preview = Resource::new(
        move || {
            (
                event.get(),
                serde_json::to_string(&rules.get()).unwrap_or_default(),
            )
        },
        move |(event, rules)| preview_webhook_mapping(partner, event, rules),
    );
    let fields = editor.fields.clone();
    let date_fields: Vec<String> = editor
        .fields
        .iter()
        .filter(|f| f.is_date)
        .map(|f| f.name.clone())
        .collect();
    let add_rule = move |_| {
        let f = field.get_untracked();
        let v = value.get_untracked().trim().to_owned();
        let rule = match op.get_untracked().as_str() {
            "drop" => MappingRule::Drop { field: f },
            "constant" => MappingRule::Constant { field: f, value: v },
            "date_format" => MappingRule::DateFormat {
                field: f,
                format: match format.get_untracked().as_str() {
                    "date" => DateFormat::Date,
                    "rfc3339" => DateFormat::Rfc3339,
                    _ => DateFormat::UnixSeconds,
                },
            },
            _ => MappingRule::Rename { field: f, to: v },
        };
        rules.update(|r| r.push(rule));
        value.set(String::new());
    };
    let value_label = move || match op.get().as_str() {
        "constant" => "Value",
        _ => "New name",
    };
    view! {
        <p class="field-hint">{format!(
            "Reshape the data of every message this partner receives. Only fields its scopes allow can be named. {}",
            if editor.version == 0 { "No mapping saved yet.".to_owned() } else { format!("Version {} in use.", editor.version) }
        )}</p>
        <Show when=move || error.get().is_some()>
            <Banner tone=Tone::Error>{move || error.get()}</Banner>
        </Show>
        <ol class="mt-3 space-y-2" aria-label="Mapping rules">
            {move || {
                let list = rules.get();
                if list.is_empty() {
                    view! { <li class="field-hint">"No rules: data goes out as Gatehouse writes it."</li> }.into_any()
                } else {
                    list.into_iter().enumerate().map(|(i, r)| {
                        let text = describe_rule(&r);
                        let label = format!("Remove rule {}: {text}", i + 1);
                        view! {
                            <li class="flex items-center justify-between gap-2 rounded-lg border border-zinc-200 px-3 py-2 text-sm dark:border-zinc-700">
                                <span>{text}</span>
                                <button type="button" class="btn btn-ghost btn-sm" aria-label=label
                                    on:click=move |_| rules.update(|r| { r.remove(i); })>"Remove"</button>
                            </li>
                        }
                    }).collect_view().into_any()
                }
            }}
        </ol>
        <div class="mt-4 grid items-end gap-3 sm:grid-cols-4" role="group" aria-label="Add a rule">
            <div class="field">
                <label class="field-label" for="rule-op">"Operation"</label>
                <select id="rule-op" class="input" prop:value=move || op.get() on:change=move |ev| op.set(event_target_value(&ev))>
                    <option value="rename">"Rename"</option>
                    <option value="drop">"Drop"</option>
                    <option value="constant">"Constant value"</option>
                    <option value="date_format">"Date format"</option>
                </select>
            </div>
            <div class="field">
                <label class="field-label" for="rule-field">{move || if op.get() == "constant" { "Field name" } else { "Field" }}</label>
                {move || if op.get() == "constant" {
                    view! { <input id="rule-field" class="input" prop:value=move || field.get() on:input=move |ev| field.set(event_target_value(&ev)) /> }.into_any()
                } else {
                    let names: Vec<String> = if op.get() == "date_format" { date_fields.clone() } else { fields.iter().map(|f| f.name.clone()).collect() };
                    if !names.contains(&field.get_untracked()) {
                        field.set(names.first().cloned().unwrap_or_default());
                    }
                    view! {
                        <select id="rule-field" class="input" on:change=move |ev| field.set(event_target_value(&ev))>
                            {names.into_iter().map(|n| {
                                let selected = n == field.get_untracked();
                                view! { <option value=n.clone() selected=selected>{n.clone()}</option> }
                            }).collect_view()}
                        </select>
                    }.into_any()
                }}
            </div>
            <div class="field">
                {move || match op.get().as_str() {
                    "drop" => view! { <span class="field-hint">"Nothing more to choose."</span> }.into_any(),
                    "date_format" => view! {
                        <label class="field-label" for="rule-format">"Date format"</label>
                        <select id="rule-format" class="input" prop:value=move || format.get() on:change=move |ev| format.set(event_target_value(&ev))>
                            <option value="unix_seconds">"Unix seconds"</option>
                            <option value="date">"Date (YYYY-MM-DD)"</option>
                            <option value="rfc3339">"RFC 3339"</option>
                        </select>
                    }.into_any(),
                    _ => view! {
                        <label class="field-label" for="rule-value">{value_label}</label>
                        <input id="rule-value" class="input" prop:value=move || value.get() on:input=move |ev| value.set(event_target_value(&ev)) />
                    }.into_any(),
                }}
            </div>
            <div class="pb-1">
                <button type="button" class="btn btn-secondary" on:click=add_rule>"Add rule"</button>
            </div>
        </div>
        <div class="mt-4 field">
            <label class="field-label" for="preview-event">"Preview with"</label>
            <select id="preview-event" class="input sm:max-w-xs" on:change=move |ev| event.set(event_target_value(&ev))>
                {editor.event_types.iter().map(|t| view! { <option value=t.clone()>{t.clone()}</option> }).collect_view()}
            </select>
        </div>
        <Suspense fallback=|| view! { <p>"Previewing…"</p> }>
            {move || Suspend::new(async move {
                match preview.await {
                    Ok(p) => view! {
                        <div class="chart-pair mt-3">
                            <div>
                                <h4 class="text-sm font-semibold mb-1">"Gatehouse's data"</h4>
                                <pre class="preview-text h-auto" tabindex="0" aria-label="Data before the mapping">{p.before}</pre>
                            </div>
                            <div>
                                <h4 class="text-sm font-semibold mb-1">"What the partner receives"</h4>
                                <pre class="preview-text h-auto" tabindex="0" aria-label="Data after the mapping">{p.after}</pre>
                            </div>
                        </div>
                    }.into_any(),
                    Err(e) => view! { <Banner tone=Tone::Error>{e.to_string()}</Banner> }.into_any(),
                }
            })}
        </Suspense>
        <div class="mt-4">
            <button type="button" class="btn btn-primary" disabled=move || save.pending().get()
                on:click=move |_| { save.dispatch(SaveWebhookMapping { partner, rules: serde_json::to_string(&rules.get_untracked()).unwrap_or_default() }); }>
                "Save mapping"
            </button>
        </div>
    }
}
