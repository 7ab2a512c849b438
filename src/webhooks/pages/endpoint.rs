//! `/integrations/webhooks/:id`: one endpoint, "Send test event", "Re-enable" (only after a
//! 2xx to a test event), "Rotate secret", and the delivery log with replays.

use super::{EndpointBadge, SecretOnce};
use crate::{
    auth::api::SignedInUser,
    components::{
        format_utc, on_new_result, successes, use_toast, Banner, ErrorBanner, RequireSession, Tone,
    },
    webhooks::api::{
        load_webhook_log, DeliveryResult, ReenableWebhookEndpoint, ReplayWebhookMessage,
        RotateWebhookSecret, SendWebhookTest,
    },
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;
use uuid::Uuid;

/// `/integrations/webhooks/:id`.
#[component]
pub fn WebhookEndpointPage() -> impl IntoView {
    view! {
        <RequireSession
            allow=|s: SignedInUser| s.integrations_path.is_some()>
            <EndpointBody />
        </RequireSession>
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
