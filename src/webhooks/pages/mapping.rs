//! A partner's field mapping on its page: the rules, a form to add one, the live preview on a
//! sample event, and "Save mapping".

use crate::{
    components::{on_new_result, successes, use_toast, Banner, ErrorBanner, Tone},
    domain::webhook_mapping::{DateFormat, MappingRule},
    error::AppError,
    webhooks::api::{
        load_webhook_mapping, preview_webhook_mapping, MappingEditor, MappingPreview,
        SaveWebhookMapping,
    },
};
use leptos::{prelude::*, task::spawn_local};
use uuid::Uuid;

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

/// The preview shown under the editor, and whether a newer one is on its way: the page's first
/// preview comes with the editor; after that each change of `event` or `rules` asks the server
/// again (in the browser), and only the answer to the latest question is shown: answers can
/// arrive out of order, and an older one must never replace a newer one.
fn live_preview(
    partner: Uuid,
    editor: &MappingEditor,
    event: RwSignal<String>,
    rules: RwSignal<Vec<MappingRule>>,
) -> (
    RwSignal<Option<Result<MappingPreview, String>>>,
    RwSignal<bool>,
) {
    let shown = RwSignal::new(editor.preview.clone().map(Ok));
    let previewing = RwSignal::new(false);
    let as_json = |r: &Vec<MappingRule>| serde_json::to_string(r).unwrap_or_default();
    // The question the shown preview answers (or will), and how many have been asked.
    let asked = StoredValue::new((event.get_untracked(), as_json(&editor.rules)));
    let latest = StoredValue::new(0u64);
    Effect::new(move || {
        let question = (event.get(), rules.with(as_json));
        if asked.try_with_value(|q| *q == question).unwrap_or(true) {
            return;
        }
        asked.set_value(question.clone());
        let n = latest.get_value() + 1;
        latest.set_value(n);
        previewing.set(true);
        spawn_local(async move {
            let answer = preview_webhook_mapping(partner, question.0, question.1)
                .await
                .map_err(|e| e.to_string());
            if latest.try_get_value() == Some(n) {
                shown.try_set(Some(answer));
                previewing.try_set(false);
            }
        });
    });
    (shown, previewing)
}

/// What the mapping card loads, made with the rest of the webhook section's data
/// ([`super::WebhookData`]) at the top of the partner page.
#[derive(Clone, Copy)]
pub(super) struct MappingData {
    save: ServerAction<SaveWebhookMapping>,
    editor: Resource<Result<MappingEditor, AppError>>,
}

impl MappingData {
    pub(super) fn new(partner: impl Fn() -> Option<Uuid> + Copy + Send + Sync + 'static) -> Self {
        let save = ServerAction::<SaveWebhookMapping>::new();
        let saved = successes(save);
        let editor = Resource::new(
            move || (partner(), saved.get()),
            |(partner, _)| async move {
                match partner {
                    Some(p) => load_webhook_mapping(p).await,
                    None => Err(AppError::NotFound("There is no such partner.".into())),
                }
            },
        );
        Self { save, editor }
    }
}

/// The partner's schema mapping: its rules, a form to add one, the live preview on a sample
/// event, and "Save mapping".
#[component]
pub(super) fn MappingCard(data: MappingData) -> impl IntoView {
    let MappingData { save, editor } = data;
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
    let (shown, previewing) = live_preview(partner, &editor, event, rules);
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
        <div aria-busy=move || previewing.get().to_string()>
            {move || match shown.get() {
                Some(Ok(p)) => view! {
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
                Some(Err(e)) => view! { <Banner tone=Tone::Error>{e}</Banner> }.into_any(),
                None => view! { <p class="field-hint mt-3">"This partner receives no events to preview."</p> }.into_any(),
            }}
        </div>
        <div class="mt-4">
            <button type="button" class="btn btn-primary" disabled=move || save.pending().get()
                on:click=move |_| { save.dispatch(SaveWebhookMapping { partner, rules: serde_json::to_string(&rules.get_untracked()).unwrap_or_default() }); }>
                "Save mapping"
            </button>
        </div>
    }
}
