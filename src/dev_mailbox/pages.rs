//! The dev mailbox page.

use super::api::dev_mailbox;
use crate::{
    components::{format_utc, Banner, ErrorBanner, NotFound, Tone},
    error::AppError,
};
use leptos::prelude::*;
use leptos_meta::Title;

/// `/dev/mailbox`.
#[component]
pub fn MailboxPage() -> impl IntoView {
    let messages = Resource::new(|| (), |_| dev_mailbox());
    view! {
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match messages.await {
                    Err(AppError::NotFound(_)) => view! { <NotFound /> }.into_any(),
                    Err(e) => view! { <main id="main" class="page"><ErrorBanner error=e /></main> }.into_any(),
                    Ok(list) => view! {
                        <Title text="Dev mailbox" />
                        <main id="main" class="page">
                            <h1 class="page-title">"Dev mailbox"</h1>
                            <Banner tone=Tone::Info>
                                "No SMTP server is configured, so emails are kept here instead of being sent. This page does not exist in production."
                            </Banner>
                            {if list.is_empty() {
                                view! { <div class="empty-state"><p class="empty-title">"No emails yet"</p></div> }.into_any()
                            } else {
                                view! {
                                    <ul class="mailbox" aria-label="Emails, newest first">
                                        {list.into_iter().map(|m| view! {
                                            <li class="card">
                                                <article aria-label=format!("Email to {}: {}", m.recipient, m.subject)>
                                                    <h2 class="section-title">{m.subject.clone()}</h2>
                                                    <p class="cell-secondary">{format!("To {} · {}", m.recipient, format_utc(m.created_at))}</p>
                                                    <ul class="mailbox-links">
                                                        {m.links.iter().map(|l| view! { <li><a class="link break-all" href=l.clone()>{l.clone()}</a></li> }).collect_view()}
                                                    </ul>
                                                    <p class="mt-2"><a class="link" href=format!("/dev/mailbox/{}/html", m.id)>"View HTML version"</a></p>
                                                    <details class="mt-2">
                                                        <summary>"Plain text"</summary>
                                                        <pre class="mailbox-text">{m.text_body.clone()}</pre>
                                                    </details>
                                                </article>
                                            </li>
                                        }).collect_view()}
                                    </ul>
                                }.into_any()
                            }}
                        </main>
                    }.into_any(),
                }
            })}
        </Suspense>
    }
}
