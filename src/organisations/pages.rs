//! `/admin/organisations`.

use super::api::{list_organisations, CreateOrganisation, OrganisationSummary};
use crate::{
    auth::api::SignedInUser,
    components::{
        apply_error, field_error, on_new_result, successes, use_toast, Banner, Dialog, ErrorBanner,
        RequireSession, SelectField, TextField, Tone,
    },
    dashboards::pages::DashboardKind,
    domain::OrgKind,
    error::FieldError,
};
use leptos::prelude::*;
use leptos_meta::Title;

/// The organisations page (platform admins).
#[component]
pub fn OrganisationsPage() -> impl IntoView {
    view! {
        <RequireSession
            allow=|s: SignedInUser| DashboardKind::Platform.allows(&s)>
            <OrganisationsBody />
        </RequireSession>
    }
}

/// The "New organisation" dialog. `associations` are the choices for a company's parent.
#[component]
fn NewOrganisationDialog(
    open: RwSignal<bool>,
    action: ServerAction<CreateOrganisation>,
    #[prop(into)] associations: Signal<Vec<OrganisationSummary>>,
    on_created: Callback<String>,
) -> impl IntoView {
    let name = RwSignal::new(String::new());
    let kind = RwSignal::new("company".to_owned());
    let parent = RwSignal::new(String::new());
    let fields = RwSignal::new(Vec::<FieldError>::new());
    let general = RwSignal::new(None::<String>);
    let parent_options = Signal::derive(move || {
        std::iter::once((String::new(), "None".to_owned()))
            .chain(
                associations
                    .get()
                    .into_iter()
                    .map(|a| (a.id.to_string(), a.name)),
            )
            .collect::<Vec<_>>()
    });
    let kind_options = Signal::stored(vec![
        ("company".to_owned(), "Company".to_owned()),
        ("association".to_owned(), "Association".to_owned()),
        ("cooperative".to_owned(), "Cooperative".to_owned()),
    ]);
    on_new_result(
        action,
        move |_| {
            let created = name.get_untracked();
            name.set(String::new());
            parent.set(String::new());
            fields.set(Vec::new());
            general.set(None);
            open.set(false);
            on_created.run(created);
        },
        move |e| apply_error(&e, fields, general),
    );
    view! {
        <Dialog id="organisation-dialog" title="New organisation" open>
            <form class="form-stack" novalidate=true on:submit=move |ev| {
                ev.prevent_default();
                if name.get_untracked().trim().is_empty() {
                    fields.set(vec![FieldError { field: "name".into(), message: "Enter a name.".into() }]);
                    return;
                }
                let is_company = kind.get_untracked() == "company";
                action.dispatch(CreateOrganisation {
                    name: name.get_untracked(),
                    kind: kind.get_untracked(),
                    parent_id: is_company.then(|| parent.get_untracked()),
                });
            }>
                <Show when=move || general.get().is_some()>
                    <Banner tone=Tone::Error>{move || general.get()}</Banner>
                </Show>
                <TextField id="org-name" label="Name" name="name" required=true autofocus=true value=name error=field_error(fields, "name") />
                <SelectField id="org-kind" label="Kind" name="kind" value=kind options=kind_options error=field_error(fields, "kind") required=true />
                <Show when=move || kind.get() == "company">
                    <SelectField id="org-parent" label="Part of association" name="parent_id" value=parent options=parent_options error=field_error(fields, "parent_id") />
                </Show>
                <div class="dialog-actions">
                    <button type="button" class="btn btn-secondary" on:click=move |_| open.set(false)>"Cancel"</button>
                    <button type="submit" class="btn btn-primary" disabled=move || action.pending().get()>"Create organisation"</button>
                </div>
            </form>
        </Dialog>
    }
}

#[component]
fn OrganisationsBody() -> impl IntoView {
    let toast = use_toast();
    let create = ServerAction::<CreateOrganisation>::new();
    let created = successes(create);
    let list = Resource::new(move || created.get(), |_| list_organisations());
    let open = RwSignal::new(false);
    let on_created = Callback::new(move |name: String| toast.show(format!("{name} was created.")));
    // The dialog lives outside the list's Suspense, so that reloading the list never rebuilds
    // it; the list hands it the associations each time it loads.
    let associations = RwSignal::new(Vec::<OrganisationSummary>::new());
    view! {
        <Title text="Organisations" />
        <div class="page-head">
            <div>
                <h1 class="page-title">"Organisations"</h1>
                <p class="page-subtitle">"Associations and companies whose people Gatehouse admits."</p>
            </div>
            <button type="button" class="btn btn-primary" on:click=move |_| open.set(true)>"New organisation"</button>
        </div>
        <NewOrganisationDialog open action=create associations on_created />
        <Suspense fallback=|| view! { <p>"Loading organisations…"</p> }>
            {move || Suspend::new(async move {
                match list.await {
                    Ok(orgs) => {
                        associations.set(orgs.iter().filter(|o| o.kind == OrgKind::Association).cloned().collect());
                        view! {
                            <div class="table-wrap">
                                <table class="table">
                                    <caption class="sr-only">"Organisations"</caption>
                                    <thead>
                                        <tr>
                                            <th scope="col">"Name"</th>
                                            <th scope="col">"Kind"</th>
                                            <th scope="col" class="hide-sm">"Part of"</th>
                                            <th scope="col">"Members"</th>
                                            <th scope="col" class="hide-sm">"Pending invitations"</th>
                                        </tr>
                                    </thead>
                                    <tbody>
                                        {orgs.into_iter().map(|o| view! {
                                            <tr>
                                                <td class="cell-primary">{o.name}</td>
                                                <td>{o.kind.label()}</td>
                                                <td class="hide-sm">{o.parent_name.unwrap_or_else(|| "—".into())}</td>
                                                <td>{o.members}</td>
                                                <td class="hide-sm">{o.pending_invitations}</td>
                                            </tr>
                                        }).collect_view()}
                                    </tbody>
                                </table>
                            </div>
                        }.into_any()
                    }
                    Err(e) => view! { <ErrorBanner error=e /> }.into_any(),
                }
            })}
        </Suspense>
    }
}
