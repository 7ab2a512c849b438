//! `/analytics`: the range (and, for platform admins, the organisation) is a GET form, so a
//! report is a URL and the CSV export takes the same query string. Every chart is an SVG drawn
//! on the server, readable without scripts, with its data table beside it.

use super::api::{load_analytics, AnalyticsReport, BreakdownRow};
use crate::{
    auth::api::SignedInUser,
    components::{Banner, ErrorBanner, RequireSession, Tone},
    error::{AppError, FieldError},
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_location, use_query_map};

/// `/analytics`, for the roles that manage invitations.
#[component]
pub fn AnalyticsPage() -> impl IntoView {
    view! {
        <RequireSession
            allow=|s: SignedInUser| s.reports>
            <AnalyticsBody />
        </RequireSession>
    }
}

/// "2 h 05 min", "3 d 4 h", or "—".
fn duration(secs: Option<f64>) -> String {
    let Some(s) = secs else {
        return "—".to_owned();
    };
    let m = (s / 60.0).round() as i64;
    match m {
        m if m < 60 => format!("{m} min"),
        m if m < 24 * 60 => format!("{} h {:02} min", m / 60, m % 60),
        m => format!("{} d {} h", m / (24 * 60), (m / 60) % 24),
    }
}

fn percent(rate: Option<f64>) -> String {
    rate.map_or_else(|| "—".to_owned(), |r| format!("{:.1}%", r * 100.0))
}

fn message(err: &AppError, field: &str) -> Option<String> {
    match err {
        AppError::Validation(errs) => errs
            .iter()
            .find(|f: &&FieldError| f.field == field)
            .map(|f| f.message.clone()),
        _ => None,
    }
}

#[component]
fn Breakdown(
    id: &'static str,
    title: &'static str,
    column: &'static str,
    rows: Vec<BreakdownRow>,
) -> impl IntoView {
    view! {
        <section class="card mt-6" aria-labelledby=id>
            <h2 id=id class="section-title">{title}</h2>
            {if rows.is_empty() {
                view! { <p class="field-hint">"No invitations in this range."</p> }.into_any()
            } else {
                view! {
                    <div class="table-wrap">
                        <table class="table">
                            <caption class="sr-only">{title}</caption>
                            <thead><tr>
                                <th scope="col">{column}</th>
                                <th scope="col">"Sent"</th>
                                <th scope="col">"Accepted"</th>
                                <th scope="col">"Acceptance rate"</th>
                            </tr></thead>
                            <tbody>
                                {rows.into_iter().map(|b| {
                                    let rate = (b.sent > 0).then(|| b.accepted as f64 / b.sent as f64);
                                    view! {
                                        <tr>
                                            <th scope="row" class="cell-primary">{b.label}</th>
                                            <td>{b.sent}</td>
                                            <td>{b.accepted}</td>
                                            <td>{percent(rate)}</td>
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                }.into_any()
            }}
        </section>
    }
}

#[component]
fn Report(r: AnalyticsReport) -> impl IntoView {
    let bucket = r.bucket.clone();
    let period_heading = if bucket == "day" { "Day" } else { "Week of" };
    let stats = [
        ("Sent", r.sent.to_string()),
        ("Viewed", r.viewed.to_string()),
        ("Accepted", r.accepted.to_string()),
        ("Pending", r.pending.to_string()),
        ("Expired", r.expired.to_string()),
        ("Revoked", r.revoked.to_string()),
        ("Acceptance rate", percent(r.acceptance_rate)),
        (
            "Median time to accept",
            duration(r.median_seconds_to_accept),
        ),
        (
            "90th percentile time to accept",
            duration(r.p90_seconds_to_accept),
        ),
        ("Invite codes created", r.codes_created.to_string()),
        ("Joined with a code", r.code_redemptions.to_string()),
    ];
    view! {
        <p class="page-subtitle mt-2">{format!("{} · {} to {} (UTC)", r.scope, r.from, r.to)}</p>
        <section class="card mt-6" aria-labelledby="totals-heading">
            <h2 id="totals-heading" class="section-title">"Totals"</h2>
            <dl class="facts">
                {stats.into_iter().map(|(k, v)| view! { <div><dt>{k}</dt><dd class="text-lg font-semibold">{v}</dd></div> }).collect_view()}
            </dl>
        </section>
        <section class="card mt-6" aria-labelledby="funnel-heading">
            <h2 id="funnel-heading" class="section-title">"Funnel"</h2>
            <div class="chart-pair">
                <figure class="chart" inner_html=r.funnel_svg.clone()></figure>
                <div class="table-wrap">
                    <table class="table">
                        <caption class="sr-only">"Funnel: sent, viewed, accepted"</caption>
                        <thead><tr><th scope="col">"Step"</th><th scope="col">"Invitations"</th></tr></thead>
                        <tbody>
                            <tr><th scope="row">"Sent"</th><td>{r.sent}</td></tr>
                            <tr><th scope="row">"Viewed"</th><td>{r.viewed}</td></tr>
                            <tr><th scope="row">"Accepted"</th><td>{r.accepted}</td></tr>
                        </tbody>
                    </table>
                </div>
            </div>
        </section>
        <section class="card mt-6" aria-labelledby="periods-heading">
            <h2 id="periods-heading" class="section-title">{format!("Invitations per {bucket} by status")}</h2>
            <figure class="chart" inner_html=r.periods_svg.clone()></figure>
            <details class="mt-4">
                <summary class="link">{format!("Data table: invitations per {bucket}")}</summary>
                <div class="table-wrap mt-2">
                    <table class="table">
                        <caption class="sr-only">{format!("Invitations per {bucket} by status")}</caption>
                        <thead><tr>
                            <th scope="col">{period_heading}</th>
                            <th scope="col">"Sent"</th>
                            <th scope="col">"Accepted"</th>
                            <th scope="col">"Pending"</th>
                            <th scope="col">"Expired"</th>
                            <th scope="col">"Revoked"</th>
                        </tr></thead>
                        <tbody>
                            {r.periods.into_iter().map(|p| view! {
                                <tr>
                                    <th scope="row">{p.period}</th>
                                    <td>{p.sent}</td><td>{p.accepted}</td><td>{p.pending}</td><td>{p.expired}</td><td>{p.revoked}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                </div>
            </details>
        </section>
        <Breakdown id="roles-heading" title="By role" column="Role" rows=r.by_role />
        <Breakdown id="inviters-heading" title="By inviter" column="Inviter" rows=r.by_inviter />
    }
}

#[component]
fn AnalyticsBody() -> impl IntoView {
    let query = use_query_map();
    let location = use_location();
    let param = move |k: &str| query.read().get(k).unwrap_or_default();
    let report = Resource::new(
        move || (param("from"), param("to"), param("organisation")),
        |(from, to, organisation)| load_analytics(Some(from), Some(to), Some(organisation)),
    );
    let export = move || {
        let search = location.search.get();
        format!("/analytics/export.csv?{}", search.trim_start_matches('?'))
    };
    view! {
        <Title text="Analytics" />
        <div class="page-head">
            <div>
                <h1 class="page-title">"Analytics"</h1>
                <p class="page-subtitle">"What became of the invitations sent in a date range."</p>
            </div>
            <div class="page-actions">
                <a class="btn btn-secondary" href=export download="">"Export CSV"</a>
            </div>
        </div>
        <Suspense fallback=|| view! { <p>"Computing…"</p> }>
            {move || Suspend::new(async move {
                let result = report.await;
                let (from, to, org) = match &result {
                    Ok(r) => (r.from.clone(), r.to.clone(), r.organisation.map(|o| o.to_string()).unwrap_or_default()),
                    Err(_) => (param("from"), param("to"), param("organisation")),
                };
                let orgs = result.as_ref().map(|r| r.organisations.clone()).unwrap_or_default();
                let err = result.as_ref().err().cloned();
                let from_error = err.as_ref().and_then(|e| message(e, "from"));
                let to_error = err.as_ref().and_then(|e| message(e, "to"));
                view! {
                    <form class="filters-audit" role="search" aria-label="Choose the range" method="get" action="/analytics">
                        <RangeField id="range-from" label="From" name="from" value=from error=from_error />
                        <RangeField id="range-to" label="To" name="to" value=to error=to_error />
                        {(!orgs.is_empty()).then(|| view! {
                            <div class="field">
                                <label class="field-label" for="range-organisation">"Organisation"</label>
                                <select id="range-organisation" name="organisation" class="input">
                                    <option value="" selected=org.is_empty()>"All organisations"</option>
                                    {orgs.into_iter().map(|o| {
                                        let id = o.id.to_string();
                                        let selected = id == org;
                                        view! { <option value=id selected=selected>{o.name}</option> }
                                    }).collect_view()}
                                </select>
                            </div>
                        })}
                        <div class="filters-submit">
                            <button type="submit" class="btn btn-secondary">"Show"</button>
                        </div>
                    </form>
                    {match result {
                        Ok(r) => view! { <Report r /> }.into_any(),
                        Err(AppError::Validation(_)) => view! {
                            <Banner tone=Tone::Error>"Please correct the highlighted fields."</Banner>
                        }.into_any(),
                        Err(e) => view! { <ErrorBanner error=e /> }.into_any(),
                    }}
                }
            })}
        </Suspense>
    }
}

/// A date field of the GET form, with its error next to it.
#[component]
fn RangeField(
    id: &'static str,
    label: &'static str,
    name: &'static str,
    value: String,
    error: Option<String>,
) -> impl IntoView {
    let error_id = format!("{id}-error");
    let invalid = error.is_some();
    view! {
        <div class="field">
            <label class="field-label" for=id>{label}</label>
            <input id=id name=name type="date" class="input" class:input-invalid=invalid value=value
                aria-invalid=invalid.then_some("true") aria-describedby=invalid.then(|| error_id.clone()) />
            {error.map(|m| view! { <p id=error_id class="field-error" aria-live="polite">{m}</p> })}
        </div>
    }
}
