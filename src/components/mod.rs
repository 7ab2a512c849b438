//! Shared UI pieces: buttons, labelled fields with their error text, status badges, dialogs,
//! banners, toasts, the countdown and the page chrome. Every page uses these, so the whole
//! product looks and behaves the same, in light and dark mode.

mod countdown;
mod layout;
mod not_found;

pub use countdown::{format_remaining, Countdown};
pub use layout::{AppHeader, PageSession, RequireSession};
pub use not_found::NotFound;

/// Dates on pages: [`crate::domain::format_utc`], the same on server and browser.
pub use crate::domain::format_utc;

use crate::{
    domain::{DeliveryState, InvitationStatus},
    error::{AppError, FieldError},
};
use leptos::{prelude::*, server_fn::ServerFn};

/// Visual weight of a [`Button`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum ButtonKind {
    #[default]
    Primary,
    Secondary,
    Danger,
    Ghost,
}

fn button_class(kind: ButtonKind) -> &'static str {
    match kind {
        ButtonKind::Primary => "btn btn-primary",
        ButtonKind::Secondary => "btn btn-secondary",
        ButtonKind::Danger => "btn btn-danger",
        ButtonKind::Ghost => "btn btn-ghost",
    }
}

/// A button. `submit` makes it a form's submit button; `busy` disables it and shows
/// `busy_label` while a request runs.
#[component]
pub fn Button(
    #[prop(optional)] kind: ButtonKind,
    #[prop(optional)] submit: bool,
    #[prop(optional, into)] busy: Signal<bool>,
    #[prop(optional, into)] busy_label: Option<&'static str>,
    #[prop(optional, into)] aria_label: Option<String>,
    #[prop(optional)] on_click: Option<Callback<()>>,
    children: Children,
) -> impl IntoView {
    let busy_label = busy_label.unwrap_or("Working…");
    let body = children();
    view! {
        <button
            type=if submit { "submit" } else { "button" }
            class=button_class(kind)
            disabled=move || busy.get()
            aria-busy=move || busy.get().then_some("true")
            aria-label=aria_label
            on:click=move |_| {
                if let Some(cb) = on_click {
                    cb.run(());
                }
            }
        >
            <span class:hidden=move || busy.get()>{body}</span>
            <span class:hidden=move || !busy.get()>{busy_label}</span>
        </button>
    }
}

/// The message for `field` among `errors`, as a signal for a [`TextField`].
pub fn field_error(
    errors: RwSignal<Vec<FieldError>>,
    field: &'static str,
) -> Signal<Option<String>> {
    Signal::derive(move || {
        errors.with(|errs| {
            errs.iter()
                .find(|e| e.field == field)
                .map(|e| e.message.clone())
        })
    })
}

/// Runs `ok` with each success of a server action and `err` with each failure (an effect on
/// the action's `value()`).
pub fn on_action<T, E>(
    value: impl Get<Value = Option<Result<T, E>>> + 'static,
    ok: impl Fn(T) + 'static,
    err: impl Fn(E) + 'static,
) {
    Effect::new(move |_| match value.get() {
        Some(Ok(v)) => ok(v),
        Some(Err(e)) => err(e),
        None => {}
    });
}

/// The field errors and the general message of a form whose submissions go to `action`,
/// updated with each failure.
///
/// They start from the action's value as it is now, so that a form posted without scripts
/// shows its errors: the server redirects a failed plain post back to the form's page with the
/// error in the query (`__path`, `__err`), `ServerAction::new` decodes it, and the page renders
/// it on the server, where effects do not run.
pub fn form_errors<S>(
    action: ServerAction<S>,
) -> (RwSignal<Vec<FieldError>>, RwSignal<Option<String>>)
where
    S: ServerFn<Error = AppError> + Clone + Send + Sync + 'static,
    S::Output: Clone + Send + Sync + 'static,
{
    let fields = RwSignal::new(Vec::<FieldError>::new());
    let general = RwSignal::new(None::<String>);
    if let Some(Err(e)) = action.value().get_untracked() {
        apply_error(&e, fields, general);
    }
    Effect::new(move |_| {
        if let Some(Err(e)) = action.value().get() {
            apply_error(&e, fields, general);
        }
    });
    (fields, general)
}

/// How many times `action` has completed successfully, counted from its `version()`: the key
/// of a resource that reloads after each success. A refusal does not count, as it changes
/// nothing on the server, and reloading then would rebuild the form that shows the errors.
pub fn successes<S>(action: ServerAction<S>) -> Memo<usize>
where
    S: ServerFn + Clone + Send + Sync + 'static,
    S::Output: Send + Sync + 'static,
    S::Error: Send + Sync + 'static,
{
    Memo::new(move |previous: Option<&usize>| {
        let version = action.version().get();
        if action.value().with(|v| matches!(v, Some(Ok(_)))) {
            version
        } else {
            previous.copied().unwrap_or(0)
        }
    })
}

/// Runs `ok` or `err` with each result of `action` that arrives after this call, but not with
/// a result it already holds: a dialog rebuilt after its page reloaded must not act on (or
/// show) the outcome of an earlier submission again.
pub fn on_new_result<S>(
    action: ServerAction<S>,
    ok: impl Fn(S::Output) + 'static,
    err: impl Fn(S::Error) + 'static,
) where
    S: ServerFn + Clone + Send + Sync + 'static,
    S::Output: Clone + Send + Sync + 'static,
    S::Error: Clone + Send + Sync + 'static,
{
    let seen = action.version().get_untracked();
    Effect::new(move |_| {
        if action.version().get() == seen {
            return;
        }
        match action.value().get_untracked() {
            Some(Ok(v)) => ok(v),
            Some(Err(e)) => err(e),
            None => {}
        }
    });
}

/// Splits a server function's error into per-field errors and a general message.
pub fn apply_error(
    err: &AppError,
    fields: RwSignal<Vec<FieldError>>,
    general: RwSignal<Option<String>>,
) {
    match err {
        AppError::Validation(errs) => {
            fields.set(errs.clone());
            general.set(None);
        }
        other => {
            fields.set(Vec::new());
            general.set(Some(other.to_string()));
        }
    }
}

/// A field's label, with a visual (not announced) marker when required; the input's own
/// `required` attribute tells assistive technology.
#[component]
fn FieldLabel(id: &'static str, label: &'static str, required: bool) -> impl IntoView {
    view! {
        <div class="field-label-row">
            <label for=id class="field-label">{label}</label>
            {required.then(|| view! { <span class="field-required" aria-hidden="true">"*"</span> })}
        </div>
    }
}

/// A labelled text input with its hint and error text, wired for assistive technology
/// (`aria-invalid`, `aria-describedby`).
#[component]
pub fn TextField(
    id: &'static str,
    label: &'static str,
    name: &'static str,
    value: RwSignal<String>,
    #[prop(into)] error: Signal<Option<String>>,
    #[prop(optional)] input_type: Option<&'static str>,
    #[prop(optional)] required: bool,
    #[prop(optional)] autocomplete: Option<&'static str>,
    #[prop(optional, into)] hint: Option<String>,
    #[prop(optional)] autofocus: bool,
) -> impl IntoView {
    let error_id = format!("{id}-error");
    let hint_id = format!("{id}-hint");
    let described = {
        let (error_id, hint_id, has_hint) = (error_id.clone(), hint_id.clone(), hint.is_some());
        move || {
            let mut ids = Vec::new();
            if has_hint {
                ids.push(hint_id.clone());
            }
            if error.with(Option::is_some) {
                ids.push(error_id.clone());
            }
            (!ids.is_empty()).then(|| ids.join(" "))
        }
    };
    view! {
        <div class="field">
            <FieldLabel id label required />
            {hint.map(|h| view! { <p id=hint_id.clone() class="field-hint">{h}</p> })}
            <input
                id=id
                name=name
                type=input_type.unwrap_or("text")
                class="input"
                class:input-invalid=move || error.with(Option::is_some)
                required=required
                autocomplete=autocomplete
                autofocus=autofocus
                aria-invalid=move || error.with(Option::is_some).then_some("true")
                aria-describedby=described
                // The attribute carries the initial value into the server-rendered HTML (a
                // `prop:` is set only in the browser), so forms work before hydration.
                value=value.get_untracked()
                prop:value=move || value.get()
                on:input=move |ev| value.set(event_target_value(&ev))
            />
            <p id=error_id class="field-error" aria-live="polite">
                {move || error.get()}
            </p>
        </div>
    }
}

/// A labelled `<textarea>` with its hint and error text, wired like [`TextField`]. `rows`
/// defaults to 3; `mono` sets a monospaced font and turns spellcheck off (pasted keys, JSON).
#[component]
pub fn TextArea(
    id: &'static str,
    label: &'static str,
    name: &'static str,
    value: RwSignal<String>,
    #[prop(into)] error: Signal<Option<String>>,
    #[prop(optional, into)] hint: Option<String>,
    #[prop(optional)] required: bool,
    #[prop(optional)] rows: Option<u32>,
    #[prop(optional)] mono: bool,
) -> impl IntoView {
    let error_id = format!("{id}-error");
    let hint_id = format!("{id}-hint");
    let described = {
        let (error_id, hint_id, has_hint) = (error_id.clone(), hint_id.clone(), hint.is_some());
        move || {
            let mut ids = Vec::new();
            if has_hint {
                ids.push(hint_id.clone());
            }
            if error.with(Option::is_some) {
                ids.push(error_id.clone());
            }
            (!ids.is_empty()).then(|| ids.join(" "))
        }
    };
    view! {
        <div class="field">
            <FieldLabel id label required />
            {hint.map(|h| view! { <p id=hint_id.clone() class="field-hint">{h}</p> })}
            <textarea
                id=id
                name=name
                class="input"
                class:font-mono=mono
                class:text-xs=mono
                rows=rows.unwrap_or(3)
                spellcheck=(!mono).to_string()
                required=required
                class:input-invalid=move || error.with(Option::is_some)
                aria-invalid=move || error.with(Option::is_some).then_some("true")
                aria-describedby=described
                prop:value=move || value.get()
                on:input=move |ev| value.set(event_target_value(&ev))
            ></textarea>
            <p id=error_id class="field-error" aria-live="polite">
                {move || error.get()}
            </p>
        </div>
    }
}

/// A labelled `<select>` with its error text. `options` are (value, label) pairs.
#[component]
pub fn SelectField(
    id: &'static str,
    label: &'static str,
    name: &'static str,
    value: RwSignal<String>,
    #[prop(into)] options: Signal<Vec<(String, String)>>,
    #[prop(into)] error: Signal<Option<String>>,
    #[prop(optional)] required: bool,
) -> impl IntoView {
    let error_id = format!("{id}-error");
    let described = {
        let error_id = error_id.clone();
        move || error.with(Option::is_some).then(|| error_id.clone())
    };
    view! {
        <div class="field">
            <FieldLabel id label required />
            <select
                id=id
                name=name
                class="input"
                class:input-invalid=move || error.with(Option::is_some)
                required=required
                aria-invalid=move || error.with(Option::is_some).then_some("true")
                aria-describedby=described
                prop:value=move || value.get()
                on:change=move |ev| value.set(event_target_value(&ev))
            >
                {move || {
                    options
                        .get()
                        .into_iter()
                        .map(|(v, l)| {
                            let selected = value.with_untracked(|cur| *cur == v);
                            view! { <option value=v selected=selected>{l}</option> }
                        })
                        .collect_view()
                }}
            </select>
            <p id=error_id class="field-error" aria-live="polite">
                {move || error.get()}
            </p>
        </div>
    }
}

/// A coloured badge for an invitation's status. The text carries the meaning; colour only
/// repeats it.
#[component]
pub fn StatusBadge(status: InvitationStatus) -> impl IntoView {
    let class = match status {
        InvitationStatus::Pending => "badge badge-blue",
        InvitationStatus::Accepted => "badge badge-green",
        InvitationStatus::Expired => "badge badge-orange",
        InvitationStatus::Revoked => "badge badge-red",
    };
    view! { <span class=class>{status.label()}</span> }
}

/// A small badge for an email's delivery state.
#[component]
pub fn DeliveryBadge(state: Option<DeliveryState>) -> impl IntoView {
    let (class, text) = match state {
        Some(DeliveryState::Sent) => ("badge badge-green", "Sent"),
        Some(DeliveryState::Queued) => ("badge badge-grey", "Queued"),
        Some(DeliveryState::Failed) => ("badge badge-red", "Failed"),
        Some(DeliveryState::Cancelled) => ("badge badge-grey", "Cancelled"),
        None => ("badge badge-grey", "No email"),
    };
    view! { <span class=class>{text}</span> }
}

/// Tone of a [`Banner`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tone {
    Info,
    Success,
    Warning,
    Error,
}

/// A message across the content. Errors are announced immediately (`role="alert"`), the rest
/// politely (`role="status"`).
#[component]
pub fn Banner(
    tone: Tone,
    #[prop(optional, into)] title: Option<String>,
    children: Children,
) -> impl IntoView {
    let (class, role) = match tone {
        Tone::Info => ("banner banner-info", "status"),
        Tone::Success => ("banner banner-success", "status"),
        Tone::Warning => ("banner banner-warning", "status"),
        Tone::Error => ("banner banner-error", "alert"),
    };
    view! {
        <div class=class role=role>
            {title.map(|t| view! { <p class="banner-title">{t}</p> })}
            <div>{children()}</div>
        </div>
    }
}

/// A page's failure to load what it shows: the error's sentence in an error [`Banner`], and,
/// during server rendering, the error's HTTP status on the page itself (with `Retry-After`
/// for 429 and 503), so a page whose database is unavailable answers 503 rather than a
/// 200 that monitors and crawlers would take for success. A page that is redirecting keeps
/// its redirect's status.
#[component]
pub fn ErrorBanner(error: crate::error::AppError) -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(opts) = use_context::<leptos_axum::ResponseOptions>() {
        use axum::http::{header, HeaderValue, StatusCode};
        // A page that redirects (the sign-in a body's refusal comes from) keeps its redirect.
        let redirecting = opts
            .0
            .read()
            .map(|r| r.headers.contains_key(header::LOCATION))
            .unwrap_or(false);
        if !redirecting {
            opts.set_status(
                StatusCode::from_u16(error.status_code())
                    .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            );
            if let Some(secs) = error.retry_after_secs() {
                opts.insert_header(header::RETRY_AFTER, HeaderValue::from(secs));
            }
        }
    }
    view! { <Banner tone=Tone::Error>{error.to_string()}</Banner> }
}

/// A modal dialog: labelled by its title, closes on Escape and on the close button.
/// Rendered only while `open` is true; the first field inside should carry `autofocus`.
#[component]
pub fn Dialog(
    id: &'static str,
    title: &'static str,
    open: RwSignal<bool>,
    #[prop(optional, into)] description: Option<String>,
    children: ChildrenFn,
) -> impl IntoView {
    let title_id = StoredValue::new(format!("{id}-title"));
    let description = StoredValue::new(description);
    let children = StoredValue::new(children);
    let panel = NodeRef::<leptos::html::Div>::new();
    // Modal behaviour (WAI-ARIA APG dialog pattern): the dialog is rendered in a portal on
    // <body>; while it is open everything else on the page is `inert` (not focusable, hidden
    // from assistive technology), focus moves to the field marked `autofocus` (or the first
    // control), and on close focus returns to the control that opened it.
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        let opener = StoredValue::new_local(None::<web_sys::HtmlElement>);
        let set_background_inert = move |panel: Option<&web_sys::Element>| {
            let Some(body) = document().body() else {
                return;
            };
            let children = body.children();
            for i in 0..children.length() {
                let Some(child) = children.item(i) else {
                    continue;
                };
                match panel {
                    Some(p) if !child.contains(Some(p)) => {
                        let _ = child.set_attribute("inert", "");
                    }
                    Some(_) => {}
                    None => {
                        let _ = child.remove_attribute("inert");
                    }
                }
            }
        };
        Effect::new(move |was_open: Option<bool>| {
            let is_open = open.get();
            if is_open && was_open != Some(true) {
                opener.set_value(
                    document()
                        .active_element()
                        .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok()),
                );
            }
            if !is_open && was_open == Some(true) {
                set_background_inert(None);
                if let Some(el) = opener.get_value() {
                    let _ = el.focus();
                }
            }
            is_open
        });
        Effect::new(move |_| {
            if let Some(el) = panel.get() {
                // After the frame, once the portal has put the dialog into the document.
                request_animation_frame(move || {
                    set_background_inert(Some(&el));
                    let target =
                        el.query_selector("[autofocus]").ok().flatten().or_else(|| {
                            el.query_selector("input, select, textarea").ok().flatten()
                        });
                    if let Some(target) = target {
                        if let Ok(target) = target.dyn_into::<web_sys::HtmlElement>() {
                            let _ = target.focus();
                        }
                    }
                });
            }
        });
    }
    view! {
        <Show when=move || open.get()>
            <leptos::portal::Portal>
            <div class="dialog-backdrop" on:click=move |_| open.set(false)></div>
            <div
                node_ref=panel
                id=id
                class="dialog"
                role="dialog"
                aria-modal="true"
                aria-labelledby=title_id.get_value()
                on:keydown=move |ev| {
                    if ev.key() == "Escape" {
                        open.set(false);
                    }
                }
            >
                <div class="dialog-header">
                    <h2 id=title_id.get_value() class="dialog-title">{title}</h2>
                    <button type="button" class="btn btn-ghost" aria-label="Close" on:click=move |_| open.set(false)>
                        "✕"
                    </button>
                </div>
                {description.get_value().map(|d| view! { <p class="dialog-description">{d}</p> })}
                {children.with_value(|c| c())}
            </div>
            </leptos::portal::Portal>
        </Show>
    }
}

/// The toast region: one polite live region at the bottom of the page showing the latest
/// confirmation ("Invitation sent to …"). Put [`provide_toasts`] above it.
#[component]
pub fn ToastRegion() -> impl IntoView {
    let toast = use_context::<Toast>();
    view! {
        <div class="toast-region" role="status" aria-live="polite">
            {move || toast.and_then(|t| t.0.get()).map(|msg| view! { <div class="toast">{msg}</div> })}
        </div>
    }
}

/// Handle for showing a toast.
#[derive(Clone, Copy)]
pub struct Toast(RwSignal<Option<String>>);

impl Toast {
    /// Shows `message` for five seconds.
    pub fn show(&self, message: impl Into<String>) {
        let sig = self.0;
        let message = message.into();
        sig.set(Some(message.clone()));
        set_timeout(
            move || {
                if sig.get_untracked().as_deref() == Some(message.as_str()) {
                    sig.set(None);
                }
            },
            std::time::Duration::from_secs(5),
        );
    }
}

/// Provides the [`Toast`] handle to the component tree.
pub fn provide_toasts() {
    provide_context(Toast(RwSignal::new(None)));
}

/// The [`Toast`] handle.
pub fn use_toast() -> Toast {
    use_context::<Toast>().unwrap_or_else(|| Toast(RwSignal::new(None)))
}

/// A `data:` URL holding `text` (UTF-8) as `mime`, for download links and images made from
/// text the server sent (QR code SVG, CSV, a key backup).
pub fn data_url(mime: &str, text: &str) -> String {
    let encoded: String = form_urlencoded::byte_serialize(text.as_bytes())
        .collect::<String>()
        .replace('+', "%20");
    format!("data:{mime};charset=utf-8,{encoded}")
}
