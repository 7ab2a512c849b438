//! `/audit-log`: the filter is a plain GET form, so the filtered view is a URL (shareable,
//! works without scripts) and the exports take the same query string.

use super::api::{load_audit_log, AuditEventDto, AuditPage};
use crate::{
    auth::api::SignedInUser,
    components::{format_utc, Banner, ErrorBanner, RequireSession, Tone},
    error::{AppError, FieldError},
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_location, use_query_map};

/// The subject filter's choices: (stored type, label).
const SUBJECTS: [(&str, &str); 7] = [
    ("invitation", "Invitation"),
    ("invite_code", "Invite code"),
    ("partner", "Partner"),
    ("credential_invitation", "Credential invitation"),
    ("api_token", "API token"),
    ("organisation", "Organisation settings"),
    ("webhook_endpoint", "Webhook endpoint"),
];

fn subject_label(kind: &str) -> &str {
    SUBJECTS
        .iter()
        .find(|(k, _)| *k == kind)
        .map_or(kind, |(_, label)| label)
}

/// `/audit-log`, for the roles that manage invitations.
#[component]
pub fn AuditLogPage() -> impl IntoView {
    view! {
        <RequireSession
            allow=|s: SignedInUser| s.reports>
            <AuditLogBody />
        </RequireSession>
    }
}

#[component]
fn EventRow(e: AuditEventDto, show_org: bool) -> impl IntoView {
    let subject = match &e.subject {
        Some(name) => format!("{}: {name}", subject_label(&e.subject_type)),
        None => format!("{} {}", subject_label(&e.subject_type), e.subject_id),
    };
    view! {
        <tr>
            <td class="cell-secondary">{format_utc(e.at)}</td>
            {show_org.then(|| view! { <td class="hide-sm">{e.organisation.clone()}</td> })}
            <td>{e.actor.clone()}</td>
            <td><span class="font-mono">{e.action.clone()}</span></td>
            <td>{subject}</td>
            <td class="hide-sm cell-secondary">{e.ip.clone().unwrap_or_default()}</td>
            <td class="hide-sm cell-secondary font-mono">{e.request_id.clone().unwrap_or_default()}</td>
            <td class="hide-sm cell-secondary font-mono break-all">{e.detail.clone()}</td>
        </tr>
    }
}

/// The message of a bad filter field, if any.
fn field_message(err: &Option<AppError>, field: &str) -> Option<String> {
    match err {
        Some(AppError::Validation(errs)) => errs
            .iter()
            .find(|f: &&FieldError| f.field == field)
            .map(|f| f.message.clone()),
        _ => None,
    }
}

#[component]
fn AuditLogBody() -> impl IntoView {
    let query = use_query_map();
    let location = use_location();
    let param = move |k: &str| query.read().get(k).unwrap_or_default();
    let page = Resource::new(
        move || {
            (
                param("action"),
                param("subject"),
                param("actor"),
                param("from"),
                param("to"),
            )
        },
        |(action, subject, actor, from, to)| {
            load_audit_log(
                Some(action),
                Some(subject),
                Some(actor),
                Some(from),
                Some(to),
                None,
            )
        },
    );
    let extra = RwSignal::new(Vec::<AuditEventDto>::new());
    let cursor = RwSignal::new(None::<i64>);
    let loading_more = RwSignal::new(false);
    let more_error = RwSignal::new(None::<String>);
    let load_more = move |_| {
        let Some(before) = cursor.get_untracked() else {
            return;
        };
        loading_more.set(true);
        let (action, subject, actor, from, to) = (
            param("action"),
            param("subject"),
            param("actor"),
            param("from"),
            param("to"),
        );
        leptos::task::spawn_local(async move {
            match load_audit_log(
                Some(action),
                Some(subject),
                Some(actor),
                Some(from),
                Some(to),
                Some(before),
            )
            .await
            {
                Ok(p) => {
                    extra.update(|v| v.extend(p.events));
                    cursor.set(p.next_cursor);
                }
                Err(e) => more_error.set(Some(e.to_string())),
            }
            loading_more.set(false);
        });
    };
    // The exports take the filter exactly as the address bar has it.
    let export = move |path: &str| {
        let search = location.search.get();
        if search.is_empty() {
            path.to_owned()
        } else {
            format!("{path}?{}", search.trim_start_matches('?'))
        }
    };

    view! {
        <Title text="Audit log" />
        <div class="page-head">
            <div>
                <h1 class="page-title">"Audit log"</h1>
                <p class="page-subtitle">"Every recorded event across invitations, invite codes, partners, credential invitations and API tokens, newest first."</p>
            </div>
            <div class="page-actions">
                <a class="btn btn-secondary" href=move || export("/audit-log/export.csv") download="">"Export CSV"</a>
                <a class="btn btn-secondary" href=move || export("/audit-log/export.jsonl") download="">"Export JSON lines"</a>
            </div>
        </div>
        <Suspense fallback=|| view! { <p>"Loading the audit log…"</p> }>
            {move || Suspend::new(async move {
                let result = page.await;
                let (data, err): (Option<AuditPage>, Option<AppError>) = match result {
                    Ok(p) => (Some(p), None),
                    Err(e) => (None, Some(e)),
                };
                let actions = data.as_ref().map(|p| p.actions.clone()).unwrap_or_default();
                let current = |k: &str| param(k);
                let action_now = current("action");
                let subject_now = current("subject");
                let filter_errors = matches!(err, Some(AppError::Validation(_)));
                view! {
                    <form class="filters-audit" role="search" aria-label="Filter the audit log" method="get" action="/audit-log">
                        <div class="field">
                            <label class="field-label" for="filter-action">"Action"</label>
                            <select id="filter-action" name="action" class="input">
                                <option value="" selected=action_now.is_empty()>"All actions"</option>
                                {actions.into_iter().map(|a| {
                                    let selected = a == action_now;
                                    view! { <option value=a.clone() selected=selected>{a.clone()}</option> }
                                }).collect_view()}
                            </select>
                        </div>
                        <div class="field">
                            <label class="field-label" for="filter-subject">"Subject"</label>
                            <select id="filter-subject" name="subject" class="input">
                                <option value="" selected=subject_now.is_empty()>"All subjects"</option>
                                {SUBJECTS.iter().map(|(k, label)| {
                                    let selected = *k == subject_now;
                                    view! { <option value=*k selected=selected>{*label}</option> }
                                }).collect_view()}
                            </select>
                        </div>
                        <FilterText id="filter-actor" label="Actor" name="actor" input_type="search" value=current("actor") error=field_message(&err, "actor") />
                        <FilterText id="filter-from" label="From" name="from" input_type="date" value=current("from") error=field_message(&err, "from") />
                        <FilterText id="filter-to" label="To" name="to" input_type="date" value=current("to") error=field_message(&err, "to") />
                        <div class="filters-submit">
                            <button type="submit" class="btn btn-secondary">"Apply filters"</button>
                        </div>
                    </form>
                    {match (data, err) {
                        (Some(p), _) => {
                            cursor.set(p.next_cursor);
                            extra.set(Vec::new());
                            let show_org = p.all_organisations;
                            if p.events.is_empty() {
                                view! {
                                    <div class="empty-state">
                                        <p class="empty-title">"No events"</p>
                                        <p>"Nothing recorded matches these filters."</p>
                                    </div>
                                }.into_any()
                            } else {
                                view! {
                                    <div class="table-wrap">
                                        <table class="table">
                                            <caption class="sr-only">"Audit events, newest first"</caption>
                                            <thead><tr>
                                                <th scope="col">"Time"</th>
                                                {show_org.then(|| view! { <th scope="col" class="hide-sm">"Organisation"</th> })}
                                                <th scope="col">"Actor"</th>
                                                <th scope="col">"Action"</th>
                                                <th scope="col">"Subject"</th>
                                                <th scope="col" class="hide-sm">"IP"</th>
                                                <th scope="col" class="hide-sm">"Request ID"</th>
                                                <th scope="col" class="hide-sm">"Details"</th>
                                            </tr></thead>
                                            <tbody>
                                                {p.events.into_iter().map(|e| view! { <EventRow e show_org /> }).collect_view()}
                                                {move || extra.get().into_iter().map(|e| view! { <EventRow e show_org /> }).collect_view()}
                                            </tbody>
                                        </table>
                                    </div>
                                }.into_any()
                            }
                        }
                        (None, Some(_)) if filter_errors => view! {
                            <Banner tone=Tone::Error>"Please correct the highlighted filters."</Banner>
                        }.into_any(),
                        (None, Some(e)) => view! { <ErrorBanner error=e /> }.into_any(),
                        (None, None) => ().into_any(),
                    }}
                }
            })}
        </Suspense>
        <Show when=move || more_error.get().is_some()>
            <Banner tone=Tone::Error>{move || more_error.get()}</Banner>
        </Show>
        <Show when=move || cursor.get().is_some()>
            <p class="mt-6">
                <button type="button" class="btn btn-secondary" on:click=load_more disabled=move || loading_more.get()>
                    {move || if loading_more.get() { "Loading…" } else { "Load more" }}
                </button>
            </p>
        </Show>
    }
}

/// A text filter of the GET form, with its error next to it.
#[component]
fn FilterText(
    id: &'static str,
    label: &'static str,
    name: &'static str,
    input_type: &'static str,
    value: String,
    error: Option<String>,
) -> impl IntoView {
    let error_id = format!("{id}-error");
    let invalid = error.is_some();
    view! {
        <div class="field">
            <label class="field-label" for=id>{label}</label>
            <input id=id name=name type=input_type class="input" class:input-invalid=invalid value=value
                aria-invalid=invalid.then_some("true") aria-describedby=invalid.then(|| error_id.clone()) />
            {error.map(|m| view! { <p id=error_id class="field-error" aria-live="polite">{m}</p> })}
        </div>
    }
}
