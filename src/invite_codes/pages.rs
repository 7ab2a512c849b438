//! The "Invite codes" page (beside "Member Invitations"): create single codes or batches,
//! share them (code, link, QR code, CSV), reveal and revoke them.

use super::api::{
    invite_code_options, list_invite_codes, CodeChoices, CodeSummary, CreateInviteCodes,
    CreatedCodes, RevealInviteCode, RevokeInviteCode, ShareableCode,
};
use crate::{
    auth::{api::SignedInUser, keystore},
    components::{
        apply_error, data_url, field_error, format_utc, on_new_result, successes, use_toast,
        Banner, Dialog, ErrorBanner, RequireSession, SelectField, TextField, Tone,
    },
    dashboards::pages::DashboardKind,
    domain::{parse_batch_size, parse_max_uses, CodeStatus, OptionalText},
    error::{FieldError, FieldErrors},
};
use leptos::prelude::*;
use leptos_meta::Title;
use uuid::Uuid;

/// The page for a dashboard kind.
#[component]
pub fn InviteCodesPage(kind: DashboardKind) -> impl IntoView {
    view! {
        <RequireSession
            allow=move |s: SignedInUser| kind.allows(&s) && s.invite_codes_path.is_some()>
            <CodesBody />
        </RequireSession>
    }
}

/// Active green, Expired orange, Used grey, Revoked red; the text carries the meaning.
#[component]
pub fn CodeStatusBadge(status: CodeStatus) -> impl IntoView {
    let class = match status {
        CodeStatus::Active => "badge badge-green",
        CodeStatus::Expired => "badge badge-orange",
        CodeStatus::Used => "badge badge-grey",
        CodeStatus::Revoked => "badge badge-red",
    };
    view! { <span class=class>{status.label()}</span> }
}

/// A value with a copy button that confirms the copy for screen readers too.
#[component]
fn CopyRow(label: &'static str, id: &'static str, value: String, mono: bool) -> impl IntoView {
    let copied = RwSignal::new(false);
    let text = value.clone();
    view! {
        <div class="field">
            <label class="field-label" for=id>{label}</label>
            <div class="copy-row">
                <input class="input code-input grow" class:code-input-large=mono id=id readonly=true value=value />
                <button type="button" class="btn btn-secondary" aria-label=format!("Copy {}", label.to_lowercase()) on:click=move |_| {
                    keystore::copy_to_clipboard(&text);
                    copied.set(true);
                }>{move || if copied.get() { "Copied" } else { "Copy" }}</button>
            </div>
        </div>
    }
}

/// Code, link and QR code of one code.
#[component]
fn ShareView(code: ShareableCode) -> impl IntoView {
    let qr = (!code.qr_svg.is_empty()).then(|| data_url("image/svg+xml", &code.qr_svg));
    let file = format!("invite-{}.svg", code.code);
    view! {
        <CopyRow label="Invite code" id="share-code" value=code.code.clone() mono=true />
        <CopyRow label="Shareable link" id="share-url" value=code.url.clone() mono=false />
        {qr.map(|src| view! {
            <figure class="qr">
                <img src=src.clone() width="240" height="240" alt=format!("QR code of the link {}", code.url) />
                <figcaption><a class="link" href=src download=file>"Download QR code (SVG)"</a></figcaption>
            </figure>
        })}
    }
}

fn validate_create(max_uses: &str, count: &str, note: &str, role: &str) -> Vec<FieldError> {
    let mut errs = FieldErrors::default();
    if role.is_empty() {
        errs.add("role", "Choose a role.");
    }
    errs.check("max_uses", parse_max_uses(max_uses));
    errs.check("count", parse_batch_size(count));
    errs.check("note", OptionalText::parse(note, 200));
    match errs.finish() {
        Err(crate::error::AppError::Validation(v)) => v,
        _ => Vec::new(),
    }
}

#[component]
fn CreateDialog(
    open: RwSignal<bool>,
    choices: CodeChoices,
    action: ServerAction<CreateInviteCodes>,
) -> impl IntoView {
    let role = RwSignal::new(String::new());
    let days = RwSignal::new("7".to_owned());
    let max_uses = RwSignal::new("1".to_owned());
    let count = RwSignal::new("1".to_owned());
    let note = RwSignal::new(String::new());
    let fields = RwSignal::new(Vec::<FieldError>::new());
    let general = RwSignal::new(None::<String>);
    let created = RwSignal::new(None::<CreatedCodes>);

    let role_options: Vec<(String, String)> =
        std::iter::once((String::new(), "Choose a role".to_owned()))
            .chain(
                choices
                    .roles
                    .iter()
                    .map(|r| (r.value.as_str().to_owned(), r.label.clone())),
            )
            .collect();
    let role_options = Signal::stored(role_options);
    let day_options: Vec<(String, String)> = choices
        .expiry_days
        .iter()
        .map(|(d, l)| (d.to_string(), l.clone()))
        .collect();
    let day_options = Signal::stored(day_options);

    on_new_result(
        action,
        move |c| {
            fields.set(Vec::new());
            general.set(None);
            created.set(Some(c));
        },
        move |e| apply_error(&e, fields, general),
    );
    // Closing resets the dialog for the next code.
    Effect::new(move |_| {
        if !open.get() {
            created.set(None);
            note.set(String::new());
        }
    });

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let errs = validate_create(
            &max_uses.get_untracked(),
            &count.get_untracked(),
            &note.get_untracked(),
            &role.get_untracked(),
        );
        if !errs.is_empty() {
            fields.set(errs);
            return;
        }
        action.dispatch(CreateInviteCodes {
            role: role.get_untracked(),
            expires_in_days: days.get_untracked(),
            max_uses: max_uses.get_untracked(),
            note: Some(note.get_untracked()),
            count: Some(count.get_untracked()),
        });
    };

    view! {
        <Dialog id="create-code-dialog" title="Create Invite" open description=format!("Anyone with the code can join {} with the role you choose.", choices.organisation_name)>
            {move || match created.get() {
                Some(c) => {
                    let expires = format_utc(c.expires_at);
                    let uses = if c.max_uses == 1 { "once".to_owned() } else { format!("{} times", c.max_uses) };
                    let summary = format!("{} · usable {uses} · expires {expires}", c.role_label);
                    let single = c.codes.len() == 1;
                    let headline = if single { "Invite code created.".to_owned() } else { format!("{} invite codes created.", c.codes.len()) };
                    view! {
                        <div class="form-stack">
                            <Banner tone=Tone::Success>
                                {headline}
                                " " {summary}
                            </Banner>
                            {if single {
                                c.codes.into_iter().next().map(|code| view! { <ShareView code /> }).into_any()
                            } else {
                                let href = data_url("text/csv", c.csv.as_deref().unwrap_or(""));
                                view! {
                                    <p><a class="btn btn-primary" href=href download="invite-codes.csv">"Download CSV"</a></p>
                                    <ul class="code-list" aria-label="Created codes">
                                        {c.codes.into_iter().map(|code| view! { <li class="font-mono">{code.code}</li> }).collect_view()}
                                    </ul>
                                }.into_any()
                            }}
                            <div class="dialog-actions">
                                <button type="button" class="btn btn-primary" on:click=move |_| open.set(false)>"Done"</button>
                            </div>
                        </div>
                    }.into_any()
                }
                None => {
                    view! {
                        <form class="form-stack" novalidate=true on:submit=submit>
                            <Show when=move || general.get().is_some()>
                                <Banner tone=Tone::Error>{move || general.get()}</Banner>
                            </Show>
                            <SelectField id="code-role" label="Role" name="role" value=role options=role_options error=field_error(fields, "role") required=true />
                            <SelectField id="code-expiry" label="Expires in" name="expires_in_days" value=days options=day_options error=field_error(fields, "expires_in_days") required=true />
                            <div class="grid-2">
                                <TextField id="code-max-uses" label="Uses per code" name="max_uses" input_type="number" hint="How many people can join with each code" required=true value=max_uses error=field_error(fields, "max_uses") />
                                <TextField id="code-count" label="Number of codes" name="count" input_type="number" hint="More than 1 makes a batch with a CSV file" required=true value=count error=field_error(fields, "count") />
                            </div>
                            <TextField id="code-note" label="Note" name="note" hint="Optional, e.g. Spring workshop" value=note error=field_error(fields, "note") />
                            <div class="dialog-actions">
                                <button type="button" class="btn btn-secondary" on:click=move |_| open.set(false)>"Cancel"</button>
                                <button type="submit" class="btn btn-primary" disabled=move || action.pending().get()>
                                    {move || if action.pending().get() { "Creating…" } else { "Create Invite" }}
                                </button>
                            </div>
                        </form>
                    }.into_any()
                }
            }}
        </Dialog>
    }
}

#[component]
fn RevealDialog(open: RwSignal<bool>, target: RwSignal<Option<Uuid>>) -> impl IntoView {
    let action = ServerAction::<RevealInviteCode>::new();
    Effect::new(move |_| {
        if open.get() {
            if let Some(id) = target.get_untracked() {
                action.dispatch(RevealInviteCode { id });
            }
        }
    });
    view! {
        <Dialog id="reveal-dialog" title="Invite code" open description="Revealing a code is recorded in the audit trail.">
            {move || match action.value().get() {
                Some(Ok(code)) if !action.pending().get() => view! {
                    <div class="form-stack"><ShareView code /></div>
                }.into_any(),
                Some(Err(e)) if !action.pending().get() => view! { <Banner tone=Tone::Error>{e.to_string()}</Banner> }.into_any(),
                _ => view! { <p>"Loading…"</p> }.into_any(),
            }}
            <div class="dialog-actions">
                <button type="button" class="btn btn-secondary" on:click=move |_| open.set(false)>"Done"</button>
            </div>
        </Dialog>
    }
}

#[component]
fn RevokeCodeDialog(
    open: RwSignal<bool>,
    target: RwSignal<Option<Uuid>>,
    action: ServerAction<RevokeInviteCode>,
    on_done: Callback<()>,
) -> impl IntoView {
    let general = RwSignal::new(None::<String>);
    on_new_result(
        action,
        move |()| {
            general.set(None);
            open.set(false);
            on_done.run(());
        },
        move |e| general.set(Some(e.to_string())),
    );
    view! {
        <Dialog id="revoke-code-dialog" title="Revoke invite code" open description="Nobody can join with this code after it is revoked. People who already joined stay members.">
            <Show when=move || general.get().is_some()>
                <Banner tone=Tone::Error>{move || general.get()}</Banner>
            </Show>
            <div class="dialog-actions">
                <button type="button" class="btn btn-secondary" autofocus=true on:click=move |_| open.set(false)>"Cancel"</button>
                <button type="button" class="btn btn-danger" disabled=move || action.pending().get() on:click=move |_| {
                    if let Some(id) = target.get_untracked() {
                        action.dispatch(RevokeInviteCode { id });
                    }
                }>"Revoke code"</button>
            </div>
        </Dialog>
    }
}

#[component]
fn CodeRow(
    code: CodeSummary,
    on_reveal: Callback<Uuid>,
    on_revoke: Callback<Uuid>,
) -> impl IntoView {
    let id = code.id;
    let label = format!(
        "{} code created {}",
        code.role_label,
        format_utc(code.created_at)
    );
    let can_revoke = matches!(code.status, CodeStatus::Active | CodeStatus::Expired);
    let expiry = if code.status == CodeStatus::Expired {
        format!("Expired {}", format_utc(code.expires_at))
    } else {
        format!("Expires {}", format_utc(code.expires_at))
    };
    let (l1, l2) = (label.clone(), label);
    view! {
        <tr>
            <td>
                <p class="cell-primary">{code.role_label.clone()}</p>
                {code.note.clone().map(|n| view! { <p class="cell-secondary">{n}</p> })}
                <p class="cell-secondary">{format!("By {}", code.creator_name)}{code.in_batch.then_some(" · batch")}</p>
                <p class="cell-secondary md:hidden">{expiry.clone()}</p>
            </td>
            <td>
                <CodeStatusBadge status=code.status />
                <p class="cell-secondary md:hidden tabular-nums mt-1">{format!("{} of {} used", code.used_count, code.max_uses)}</p>
            </td>
            <td class="hide-sm tabular-nums">{format!("{} / {}", code.used_count, code.max_uses)}</td>
            <td class="hide-sm cell-secondary">{expiry}</td>
            <td>
                <div class="row-actions">
                    <button type="button" class="btn btn-ghost btn-sm" aria-label=format!("Reveal {l1}") on:click=move |_| on_reveal.run(id)>"Reveal"</button>
                    {can_revoke.then(|| view! {
                        <button type="button" class="btn btn-danger-outline btn-sm" aria-label=format!("Revoke {l2}") on:click=move |_| on_revoke.run(id)>"Revoke"</button>
                    })}
                </div>
            </td>
        </tr>
    }
}

#[component]
fn CodesBody() -> impl IntoView {
    let toast = use_toast();
    let status = RwSignal::new(String::new());
    let create = ServerAction::<CreateInviteCodes>::new();
    let revoke = ServerAction::<RevokeInviteCode>::new();
    let (created, revoked) = (successes(create), successes(revoke));
    let choices = Resource::new(|| (), |_| invite_code_options());
    let codes = Resource::new(
        move || (status.get(), created.get(), revoked.get()),
        |(s, _, _)| list_invite_codes(Some(s)),
    );
    let create_open = RwSignal::new(false);
    let reveal_open = RwSignal::new(false);
    let reveal_target = RwSignal::new(None::<Uuid>);
    let revoke_open = RwSignal::new(false);
    let revoke_target = RwSignal::new(None::<Uuid>);
    let on_revoked = Callback::new(move |()| toast.show("The invite code was revoked."));
    let on_reveal = Callback::new(move |id| {
        reveal_target.set(Some(id));
        reveal_open.set(true);
    });
    let on_revoke = Callback::new(move |id| {
        revoke_target.set(Some(id));
        revoke_open.set(true);
    });
    let status_options: Vec<(String, String)> =
        std::iter::once((String::new(), "All statuses".to_owned()))
            .chain(
                [
                    CodeStatus::Active,
                    CodeStatus::Expired,
                    CodeStatus::Used,
                    CodeStatus::Revoked,
                ]
                .iter()
                .map(|s| (s.label().to_lowercase(), s.label().to_owned())),
            )
            .collect();
    let no_errors = Signal::derive(|| None::<String>);

    view! {
        <Title text="Invite codes" />
        <div class="page-head">
            <div>
                <h1 class="page-title">"Invite codes"</h1>
                <p class="page-subtitle">"Short codes people type, open as a link or scan as a QR code to join with a key made in their browser."</p>
            </div>
            <button type="button" class="btn btn-primary" on:click=move |_| create_open.set(true)>"Create Invite"</button>
        </div>
        <div class="filters">
            <SelectField id="code-filter-status" label="Status" name="status" value=status options=Signal::stored(status_options) error=no_errors />
        </div>
        // Its own Suspense: refreshing the list must not rebuild the dialog showing new codes.
        <Suspense>
            {move || Suspend::new(async move {
                choices.await.ok().map(|c| view! { <CreateDialog open=create_open choices=c action=create /> })
            })}
        </Suspense>
        <Suspense fallback=|| view! { <p>"Loading invite codes…"</p> }>
            {move || Suspend::new(async move {
                match codes.await {
                    Ok(list) if list.codes.is_empty() => view! {
                        <div class="empty-state">
                            <p class="empty-title">"No invite codes yet"</p>
                            <p>"Codes you create appear here with their status and how often they were used."</p>
                        </div>
                    }.into_any(),
                    Ok(list) => view! {
                        <div class="table-wrap">
                            <table class="table">
                                <caption class="sr-only">"Invite codes, newest first"</caption>
                                <thead>
                                    <tr>
                                        <th scope="col">"Invite"</th>
                                        <th scope="col">"Status"</th>
                                        <th scope="col" class="hide-sm">"Uses"</th>
                                        <th scope="col" class="hide-sm">"Expiry"</th>
                                        <th scope="col"><span class="sr-only">"Actions"</span></th>
                                    </tr>
                                </thead>
                                <tbody>
                                    {list.codes.into_iter().map(|code| view! { <CodeRow code on_reveal on_revoke /> }).collect_view()}
                                </tbody>
                            </table>
                        </div>
                        {list.truncated.then(|| view! { <p class="field-hint mt-4">{format!("Showing the newest {} codes.", super::api::LIST_LIMIT)}</p> })}
                    }.into_any(),
                    Err(e) => view! { <ErrorBanner error=e /> }.into_any(),
                }
            })}
        </Suspense>
        <RevealDialog open=reveal_open target=reveal_target />
        <RevokeCodeDialog open=revoke_open target=revoke_target action=revoke on_done=on_revoked />
    }
}
