//! `/api/reference`: the invitations API's reference, read from its OpenAPI document and
//! served from this origin (no CDN, no scripts needed to read it).

use crate::{
    components::ErrorBanner,
    invitations::api::{load_api_reference, ApiReference, OperationDoc, SchemaDoc},
};
use leptos::prelude::*;
use leptos_meta::Title;

/// The page.
#[component]
pub fn ApiReferencePage() -> impl IntoView {
    let doc = Resource::new(|| (), |_| load_api_reference());
    view! {
        <Title text="API reference" />
        <main id="main" class="page">
            <Suspense fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match doc.await {
                        Ok(d) => view! { <Reference doc=d /> }.into_any(),
                        Err(e) => view! { <ErrorBanner error=e /> }.into_any(),
                    }
                })}
            </Suspense>
        </main>
    }
}

fn anchor(op: &OperationDoc) -> String {
    format!(
        "{}-{}",
        op.method.to_lowercase(),
        op.path
            .trim_start_matches('/')
            .replace(['/', '{', '}', '.'], "-")
    )
}

#[component]
fn Reference(doc: ApiReference) -> impl IntoView {
    let toc: Vec<(String, String)> = doc
        .operations
        .iter()
        .map(|o| (anchor(o), format!("{} {}", o.method, o.path)))
        .collect();
    view! {
        <div class="page-head">
            <div>
                <h1 class="page-title">{doc.title.clone()}</h1>
                <p class="page-subtitle">{doc.description.clone()}</p>
                <p class="mt-2"><a class="link" href="/api/openapi.json">"The OpenAPI 3.1 document (JSON)"</a></p>
            </div>
        </div>
        <nav aria-label="Operations" class="card">
            <h2 class="section-title">"Operations"</h2>
            <ul class="reference-toc">
                {toc.into_iter().map(|(id, label)| view! { <li><a class="link" href=format!("#{id}")><code>{label}</code></a></li> }).collect_view()}
            </ul>
        </nav>
        {doc.operations.into_iter().map(|op| view! { <Operation op /> }).collect_view()}
        <h2 class="section-title mt-6">"Schemas"</h2>
        {doc.schemas.into_iter().map(|s| view! { <Schema schema=s /> }).collect_view()}
    }
}

#[component]
fn Operation(op: OperationDoc) -> impl IntoView {
    let id = anchor(&op);
    let labelled = id.clone();
    view! {
        <section class="card mt-6" aria-labelledby=labelled>
            <h2 class="section-title" id=id><code>{format!("{} {}", op.method, op.path)}</code></h2>
            <p>{op.summary}</p>
            <p class="field-hint">"Authentication: " {op.auth}</p>
            {(!op.parameters.is_empty()).then(|| view! {
                <div class="table-wrap mt-2">
                    <table class="table">
                        <caption class="sr-only">"Parameters"</caption>
                        <thead><tr><th scope="col">"Parameter"</th><th scope="col">"In"</th><th scope="col">"Required"</th><th scope="col">"Meaning"</th></tr></thead>
                        <tbody>
                            {op.parameters.into_iter().map(|p| view! {
                                <tr><td><code>{p.name}</code></td><td>{p.location}</td><td>{if p.required { "yes" } else { "no" }}</td><td>{p.description}</td></tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                </div>
            })}
            {op.request.map(|r| view! { <p class="mt-2">"Request body: " <code>{r}</code></p> })}
            <div class="table-wrap mt-2">
                <table class="table">
                    <caption class="sr-only">"Responses"</caption>
                    <thead><tr><th scope="col">"Status"</th><th scope="col">"Meaning"</th><th scope="col">"Body"</th></tr></thead>
                    <tbody>
                        {op.responses.into_iter().map(|r| view! {
                            <tr><td>{r.status}</td><td>{r.description}</td><td><code>{r.body.unwrap_or_default()}</code></td></tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
        </section>
    }
}

#[component]
fn Schema(schema: SchemaDoc) -> impl IntoView {
    let id = format!("schema-{}", schema.name);
    let labelled = id.clone();
    view! {
        <section class="card mt-6" aria-labelledby=labelled>
            <h3 class="section-title" id=id><code>{schema.name}</code></h3>
            {(!schema.description.is_empty()).then(|| view! { <p>{schema.description}</p> })}
            {(!schema.fields.is_empty()).then(|| view! {
                <div class="table-wrap mt-2">
                    <table class="table">
                        <caption class="sr-only">"Fields"</caption>
                        <thead><tr><th scope="col">"Field"</th><th scope="col">"Type"</th><th scope="col">"Required"</th><th scope="col">"Meaning"</th></tr></thead>
                        <tbody>
                            {schema.fields.into_iter().map(|f| view! {
                                <tr><td><code>{f.name}</code></td><td>{f.kind}</td><td>{if f.required { "yes" } else { "no" }}</td><td>{f.description}</td></tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                </div>
            })}
        </section>
    }
}
