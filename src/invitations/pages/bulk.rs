//! The "Bulk invite" dialog: choose a CSV file, read every row's verdict (the dry run), confirm,
//! watch the progress bar, download the result file.

use crate::{
    components::{Banner, Dialog, Tone},
    invitations::api::{
        check_bulk_invitations, start_bulk_invitations, BulkJobStatus, BulkPreview, BulkVerdict,
        InviteChoices,
    },
};
use leptos::{prelude::*, task::spawn_local};

/// Rows the verdict table shows at most (the totals count them all).
const SHOWN_ROWS: usize = 200;

/// Where the dialog is.
#[derive(Clone)]
enum Step {
    Choose,
    Checked(BulkPreview),
    Running(BulkJobStatus),
}

/// The dialog. `on_done` runs when an import finished (the list reloads).
#[component]
pub fn BulkDialog(
    open: RwSignal<bool>,
    options: InviteChoices,
    on_done: Callback<()>,
) -> impl IntoView {
    let text = RwSignal::new(None::<String>);
    let file_name = RwSignal::new(String::new());
    let step = RwSignal::new(Step::Choose);
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let org = RwSignal::new(
        options
            .organisations
            .first()
            .map(|o| o.id.to_string())
            .unwrap_or_default(),
    );
    let orgs = StoredValue::new(options.organisations.clone());
    let many_orgs = options.organisations.len() > 1;

    let on_file = move |ev: leptos::ev::Event| {
        error.set(None);
        step.set(Step::Choose);
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
            if file.size() > 5.0 * 1024.0 * 1024.0 {
                error.set(Some(
                    "The file is larger than 5 MB. Split it into smaller files.".into(),
                ));
                return;
            }
            file_name.set(file.name());
            spawn_local(async move {
                match wasm_bindgen_futures::JsFuture::from(file.text()).await {
                    Ok(t) => text.set(t.as_string()),
                    Err(_) => error.set(Some("The file could not be read.".into())),
                }
            });
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = ev;
    };

    let check = move |_| {
        let Some(csv) = text.get_untracked() else {
            error.set(Some("Choose a CSV file first.".into()));
            return;
        };
        busy.set(true);
        error.set(None);
        spawn_local(async move {
            match check_bulk_invitations(csv, Some(org.get_untracked())).await {
                Ok(p) => step.set(Step::Checked(p)),
                Err(e) => error.set(Some(
                    e.field_message("file").unwrap_or_else(|| e.to_string()),
                )),
            }
            busy.set(false);
        });
    };

    let confirm = move |_| {
        let Some(csv) = text.get_untracked() else {
            return;
        };
        busy.set(true);
        error.set(None);
        spawn_local(async move {
            match start_bulk_invitations(csv, Some(org.get_untracked())).await {
                Ok(job) => step.set(Step::Running(job)),
                Err(e) => error.set(Some(
                    e.field_message("file").unwrap_or_else(|| e.to_string()),
                )),
            }
            busy.set(false);
        });
    };

    #[cfg(not(feature = "hydrate"))]
    let _ = on_done;
    // While a job runs, ask for its progress twice a second.
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        if let Ok(handle) = set_interval_with_handle(
            move || {
                if let Step::Running(job) = step.get_untracked() {
                    if job.status == "done" {
                        return;
                    }
                    spawn_local(async move {
                        if let Ok(now) =
                            crate::invitations::api::bulk_invitation_status(job.id).await
                        {
                            let finished = now.status == "done";
                            step.set(Step::Running(now));
                            if finished {
                                on_done.run(());
                            }
                        }
                    });
                }
            },
            std::time::Duration::from_millis(500),
        ) {
            on_cleanup(move || handle.clear());
        }
    });

    let reset = move || {
        text.set(None);
        file_name.set(String::new());
        step.set(Step::Choose);
        error.set(None);
    };

    view! {
        <Dialog id="bulk-dialog" title="Bulk invite" open description="Upload a CSV file: UTF-8, comma or semicolon separated, with a header row of email, first_name, last_name, role and optionally designation, department, expires_in_days. At most 10,000 rows and 5 MB. Nothing is sent until you confirm.">
            <Show when=move || error.get().is_some()>
                <Banner tone=Tone::Error>{move || error.get()}</Banner>
            </Show>
            {many_orgs.then(|| view! {
                <div class="field">
                    <label class="field-label" for="bulk-org">"Organisation"</label>
                    <select id="bulk-org" class="input" on:change=move |ev| { org.set(event_target_value(&ev)); step.set(Step::Choose); }>
                        {orgs.with_value(|os| os.iter().map(|o| view! { <option value=o.id.to_string()>{o.name.clone()}</option> }).collect_view())}
                    </select>
                </div>
            })}
            <div class="field">
                <label class="field-label" for="bulk-file">"CSV file"</label>
                <input id="bulk-file" type="file" accept=".csv,text/csv" class="input" on:change=on_file />
            </div>
            {move || match step.get() {
                Step::Choose => view! {
                    <div class="dialog-actions">
                        <button type="button" class="btn btn-secondary" on:click=move |_| open.set(false)>"Cancel"</button>
                        <button type="button" class="btn btn-primary" disabled=move || busy.get() || text.get().is_none() on:click=check>
                            {move || if busy.get() { "Checking…" } else { "Check file" }}
                        </button>
                    </div>
                }.into_any(),
                Step::Checked(p) => view! { <Verdicts preview=p busy confirm=Callback::new(confirm) /> }.into_any(),
                Step::Running(job) => {
                    let pct = if job.total_rows > 0 { job.processed_rows * 100 / job.total_rows } else { 100 };
                    let done = job.status == "done";
                    let result = format!("/api/invitations/bulk/{}/result.csv", job.id);
                    view! {
                        <div class="field">
                            <label class="field-label" for="bulk-progress">{if done { "Import finished" } else { "Importing…" }}</label>
                            <progress id="bulk-progress" class="progress" max=job.total_rows value=job.processed_rows>{format!("{pct}%")}</progress>
                            <p class="field-hint" aria-live="polite">
                                {format!("{} of {} rows done; {} invitations created.", job.processed_rows, job.total_rows, job.created_rows)}
                            </p>
                        </div>
                        <div class="dialog-actions">
                            {done.then(|| view! { <a class="btn btn-secondary" href=result.clone() download="">"Download results"</a> })}
                            <button type="button" class="btn btn-primary" on:click=move |_| { reset(); open.set(false); }>
                                {if done { "Done" } else { "Close (it keeps running)" }}
                            </button>
                        </div>
                    }.into_any()
                }
            }}
            <p class="field-hint">{move || file_name.get()}</p>
        </Dialog>
    }
}

/// The dry run's totals and the rows that will not be invited.
#[component]
fn Verdicts(
    preview: BulkPreview,
    busy: RwSignal<bool>,
    confirm: Callback<leptos::ev::MouseEvent>,
) -> impl IntoView {
    let valid = preview.totals.get("valid").copied().unwrap_or(0);
    let total = preview.rows.len();
    let totals: Vec<(String, usize)> = BulkVerdict::ALL
        .iter()
        .map(|v| {
            (
                v.label().to_owned(),
                preview.totals.get(v.as_str()).copied().unwrap_or(0),
            )
        })
        .filter(|(_, n)| *n > 0)
        .collect();
    let mut rows = preview.rows.clone();
    rows.sort_by_key(|r| (r.verdict == BulkVerdict::Valid, r.row));
    let hidden = rows.len().saturating_sub(SHOWN_ROWS);
    rows.truncate(SHOWN_ROWS);
    view! {
        <p class="bulk-summary">{format!("{valid} of {total} rows will be invited into {}.", preview.organisation_name)}</p>
        <ul class="bulk-totals" aria-label="Totals">
            {totals.into_iter().map(|(label, n)| view! { <li>{format!("{label}: {n}")}</li> }).collect_view()}
        </ul>
        <div class="table-wrap bulk-table" tabindex="0" role="region" aria-label="Verdicts per row">
            <table class="table">
                <caption class="sr-only">"Every row's verdict"</caption>
                <thead><tr><th scope="col">"Row"</th><th scope="col">"Email"</th><th scope="col">"Verdict"</th><th scope="col">"Why"</th></tr></thead>
                <tbody>
                    {rows.into_iter().map(|r| view! {
                        <tr>
                            <td>{r.row}</td>
                            <td class="cell-primary">{r.email}</td>
                            <td><span class=if r.verdict == BulkVerdict::Valid { "badge badge-green" } else { "badge badge-orange" }>{r.verdict.label()}</span></td>
                            <td>{r.message.unwrap_or_default()}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </div>
        {(hidden > 0).then(|| view! { <p class="field-hint">{format!("{hidden} more valid rows are not listed.")}</p> })}
        <div class="dialog-actions">
            <button type="button" class="btn btn-primary" disabled=move || busy.get() || valid == 0 on:click=move |ev| confirm.run(ev)>
                {format!("Invite {valid} people")}
            </button>
        </div>
    }
}
