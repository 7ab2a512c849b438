//! `/email-templates`: one email at a time (`?kind=`), its editor with a live preview (HTML in
//! a sandboxed frame of its own, text beside it), test sends, the version history, and the
//! organisation's sender settings.

use super::api::{
    load_email_template, PreviewEmailTemplate, ResetEmailTemplate, SaveEmailSender,
    SaveEmailTemplate, SendTestEmailTemplate, TemplateEditor, TemplatePreview,
};
use crate::{
    auth::api::SignedInUser,
    components::{
        apply_error, field_error, format_utc, on_new_result, successes, use_toast, Banner,
        ErrorBanner, RequireSession, TextArea, TextField, Tone,
    },
    domain::EmailTemplateKind,
    error::FieldError,
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// `/email-templates`, for the people who manage their organisation's invitations.
#[component]
pub fn EmailTemplatesPage() -> impl IntoView {
    view! {
        <RequireSession
            allow=|s: SignedInUser| s.reports>
            <TemplatesBody />
        </RequireSession>
    }
}

#[component]
fn TemplatesBody() -> impl IntoView {
    let query = use_query_map();
    let kind = Memo::new(move |_| {
        query
            .read()
            .get("kind")
            .and_then(|k| EmailTemplateKind::parse(&k))
            .unwrap_or(EmailTemplateKind::Invitation)
    });
    let save = ServerAction::<SaveEmailTemplate>::new();
    let reset = ServerAction::<ResetEmailTemplate>::new();
    let (saved, reverted) = (successes(save), successes(reset));
    let editor = Resource::new(
        move || (kind.get(), saved.get(), reverted.get()),
        |(k, _, _)| load_email_template(k.as_str().to_owned()),
    );
    view! {
        <Title text="Email templates" />
        <div class="page-head">
            <div>
                <h1 class="page-title">"Email templates"</h1>
                <p class="page-subtitle">"What your organisation's emails say, and who they come from. Each save is a new version, in use from then on."</p>
            </div>
        </div>
        <nav class="tabs" aria-label="Emails">
            {EmailTemplateKind::ALL.into_iter().map(|k| view! {
                <a class="tab" href=format!("/email-templates?kind={}", k.as_str())
                    aria-current=move || (kind.get() == k).then_some("page")>{k.label()}</a>
            }).collect_view()}
        </nav>
        <Suspense fallback=|| view! { <p>"Loading the template…"</p> }>
            {move || Suspend::new(async move {
                match editor.await {
                    Ok(e) => view! {
                        <SenderCard editor=e.clone() />
                        <Editor editor=e save reset />
                    }.into_any(),
                    Err(e) => view! { <ErrorBanner error=e /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// Sender display name and reply-to address.
#[component]
fn SenderCard(editor: TemplateEditor) -> impl IntoView {
    let toast = use_toast();
    let action = ServerAction::<SaveEmailSender>::new();
    let name = RwSignal::new(editor.sender.sender_name.clone());
    let reply_to = RwSignal::new(editor.sender.reply_to.clone());
    let fields = RwSignal::new(Vec::<FieldError>::new());
    let general = RwSignal::new(None::<String>);
    on_new_result(
        action,
        move |s| {
            fields.set(Vec::new());
            general.set(None);
            name.set(s.sender_name);
            reply_to.set(s.reply_to);
            toast.show("Sender saved. Emails from now on use it.");
        },
        move |e| apply_error(&e, fields, general),
    );
    view! {
        <section class="card mb-6" aria-labelledby="sender-title">
            <h2 class="section-title" id="sender-title">"Sender"</h2>
            <form class="form-grid mt-4" novalidate=true on:submit=move |ev| {
                ev.prevent_default();
                action.dispatch(SaveEmailSender { sender_name: name.get_untracked(), reply_to: reply_to.get_untracked() });
            }>
                <Show when=move || general.get().is_some()>
                    <Banner tone=Tone::Error>{move || general.get()}</Banner>
                </Show>
                <TextField id="sender-name" label="Sender name" name="sender_name" value=name
                    error=field_error(fields, "sender_name")
                    hint=format!("Shown as who the email is from, for example “{}”. Empty: Gatehouse's own name.", editor.organisation) />
                <TextField id="reply-to" label="Reply-to address" name="reply_to" input_type="email" value=reply_to
                    error=field_error(fields, "reply_to") autocomplete="email"
                    hint="Where replies go. Empty: no reply-to." />
                <div>
                    <button type="submit" class="btn btn-secondary" disabled=move || action.pending().get()>"Save sender"</button>
                </div>
            </form>
        </section>
    }
}

/// How long the editor waits after the last keystroke before it previews.
const PREVIEW_DELAY_MS: u64 = 400;

#[component]
fn Editor(
    editor: TemplateEditor,
    save: ServerAction<SaveEmailTemplate>,
    reset: ServerAction<ResetEmailTemplate>,
) -> impl IntoView {
    let toast = use_toast();
    let kind = editor.kind;
    let test = ServerAction::<SendTestEmailTemplate>::new();
    let preview = ServerAction::<PreviewEmailTemplate>::new();
    let subject = RwSignal::new(editor.subject.clone());
    let body_text = RwSignal::new(editor.body_text.clone());
    let body_html = RwSignal::new(editor.body_html.clone());
    let shown = RwSignal::new(editor.preview.clone());
    let fields = RwSignal::new(Vec::<FieldError>::new());
    let general = RwSignal::new(None::<String>);
    let form = NodeRef::<leptos::html::Form>::new();

    // Live preview: after a pause in typing, check the draft (errors beside the fields, the
    // subject and text preview) and post it into the HTML frame.
    let typed = StoredValue::new(0u64);
    Effect::new(move |first: Option<()>| {
        let draft = (subject.get(), body_text.get(), body_html.get());
        if first.is_none() {
            return;
        }
        let n = typed.get_value() + 1;
        typed.set_value(n);
        set_timeout(
            move || {
                if typed.get_value() != n {
                    return;
                }
                preview.dispatch(PreviewEmailTemplate {
                    kind: kind.as_str().to_owned(),
                    subject: draft.0,
                    body_text: draft.1,
                    body_html: draft.2,
                });
                if let Some(f) = form.get_untracked() {
                    let _ = f.request_submit();
                }
            },
            std::time::Duration::from_millis(PREVIEW_DELAY_MS),
        );
    });
    on_new_result(
        preview,
        move |p: TemplatePreview| {
            fields.set(Vec::new());
            general.set(None);
            shown.set(p);
        },
        move |e| apply_error(&e, fields, general),
    );
    on_new_result(
        save,
        move |e: TemplateEditor| {
            toast.show(format!(
                "Version {} saved. Emails from now on use it.",
                e.version
            ))
        },
        move |e| apply_error(&e, fields, general),
    );
    on_new_result(
        reset,
        move |_| toast.show("The built-in template is in use again."),
        move |e| apply_error(&e, fields, general),
    );
    on_new_result(
        test,
        move |to: String| toast.show(format!("Test email sent to {to}.")),
        move |e| apply_error(&e, fields, general),
    );
    let draft = move || {
        (
            kind.as_str().to_owned(),
            subject.get_untracked(),
            body_text.get_untracked(),
            body_html.get_untracked(),
        )
    };
    let placeholders = editor
        .placeholders
        .iter()
        .map(|p| format!("{{{{ {p} }}}}"))
        .collect::<Vec<_>>()
        .join(", ");
    let in_use = if editor.is_default {
        if editor.version == 0 {
            "Built-in template".to_owned()
        } else {
            format!("Version {} · built-in template", editor.version)
        }
    } else {
        format!("Version {}", editor.version)
    };
    let frame_src = format!("/email-templates/preview-frame?kind={}", kind.as_str());
    view! {
        <section class="card" aria-labelledby="editor-title">
            <div class="flex flex-wrap items-center justify-between gap-2">
                <h2 class="section-title" id="editor-title">{format!("{} email", kind.label())}</h2>
                <span class="badge badge-grey">{in_use}</span>
            </div>
            <p class="field-hint mt-2">"Placeholders: " <span class="font-mono">{placeholders}</span> ". Both bodies must show " <span class="font-mono">"{{ link }}"</span> ". Values are escaped in the HTML body."</p>
            <form node_ref=form class="form-stack mt-4" method="post" action="/email-templates/preview-frame" target="preview-frame" novalidate=true>
                <input type="hidden" name="kind" value=kind.as_str() />
                <Show when=move || general.get().is_some()>
                    <Banner tone=Tone::Error>{move || general.get()}</Banner>
                </Show>
                <TextField id="template-subject" label="Subject" name="subject" value=subject required=true
                    error=field_error(fields, "subject") />
                <TextArea id="template-text" label="Text body" name="body_text" value=body_text required=true mono=true rows=10
                    error=field_error(fields, "body_text") />
                <TextArea id="template-html" label="HTML body" name="body_html" value=body_html required=true mono=true rows=14
                    error=field_error(fields, "body_html")
                    hint="Jinja syntax. Extend \"layout.html\" and fill its content block to keep Gatehouse's frame, or write the whole document." />
                <p class="field-error" aria-live="polite">{move || field_error(fields, "test").get()}</p>
                <div class="flex flex-wrap gap-3">
                    <button type="button" class="btn btn-primary" disabled=move || save.pending().get()
                        on:click=move |_| {
                            let (kind, subject, body_text, body_html) = draft();
                            save.dispatch(SaveEmailTemplate { kind, subject, body_text, body_html });
                        }>"Save"</button>
                    <button type="submit" class="btn btn-secondary">"Preview"</button>
                    <button type="button" class="btn btn-secondary" disabled=move || test.pending().get()
                        on:click=move |_| {
                            let (kind, subject, body_text, body_html) = draft();
                            test.dispatch(SendTestEmailTemplate { kind, subject, body_text, body_html });
                        }>{format!("Send a test to {}", editor.test_recipient)}</button>
                    {(!editor.is_default).then(|| view! {
                        <button type="button" class="btn btn-danger-outline" disabled=move || reset.pending().get()
                            on:click=move |_| { reset.dispatch(ResetEmailTemplate { kind: kind.as_str().to_owned() }); }>
                            "Reset to default"
                        </button>
                    })}
                </div>
            </form>
        </section>
        <section class="card mt-6" aria-labelledby="preview-title">
            <h2 class="section-title" id="preview-title">"Preview"</h2>
            <p class="field-hint mt-1">"With sample data: an invitee called Ada Lovelace, your organisation and your name."</p>
            <p class="mt-3"><span class="font-semibold">"Subject: "</span>{move || shown.get().subject}</p>
            <div class="chart-pair mt-4">
                <div>
                    <h3 class="font-semibold mb-2">"HTML"</h3>
                    <iframe name="preview-frame" class="preview-frame" title="HTML preview of the email" src=frame_src></iframe>
                </div>
                <div>
                    <h3 class="font-semibold mb-2">"Text"</h3>
                    <pre class="preview-text" tabindex="0" aria-label="Text preview of the email">{move || shown.get().body_text}</pre>
                </div>
            </div>
        </section>
        <History editor />
    }
}

#[component]
fn History(editor: TemplateEditor) -> impl IntoView {
    view! {
        <section class="mt-6" aria-labelledby="history-title">
            <h2 class="section-title mb-3" id="history-title">"Versions"</h2>
            {if editor.history.is_empty() {
                view! { <p class="empty-state">"No version saved yet: the built-in template is in use."</p> }.into_any()
            } else {
                view! {
                    <div class="table-wrap">
                        <table class="table">
                            <caption class="sr-only">"Saved versions, newest first"</caption>
                            <thead>
                                <tr>
                                    <th scope="col">"Version"</th>
                                    <th scope="col">"Saved"</th>
                                    <th scope="col">"By"</th>
                                    <th scope="col">"Content"</th>
                                </tr>
                            </thead>
                            <tbody>
                                {editor.history.into_iter().map(|v| view! {
                                    <tr>
                                        <th scope="row">{v.version}</th>
                                        <td>{format_utc(v.created_at)}</td>
                                        <td>{v.created_by.unwrap_or_else(|| "—".to_owned())}</td>
                                        <td>{if v.is_default { "Built-in template" } else { "Custom" }}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                }.into_any()
            }}
        </section>
    }
}
