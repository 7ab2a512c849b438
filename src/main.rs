//! `gatehouse` — serve (default), or `gatehouse admin-link [EMAIL]` to print a fresh
//! registration link for a platform admin.

use gatehouse::{
    config::Config,
    domain::EmailAddress,
    startup,
    telemetry::{self, LogFormat},
};

/// mimalloc instead of the system allocator: measured in docs/PERFORMANCE.md (G1, G7).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    telemetry::init(LogFormat::from_env());
    let args: Vec<String> = std::env::args().skip(1).collect();
    let config = Config::from_env()?;
    match args.first().map(String::as_str) {
        None | Some("serve") => {
            let app = startup::Application::build(config).await?;
            app.run_until_stopped().await?;
        }
        Some("admin-link") => {
            let email = match args.get(1) {
                Some(e) => EmailAddress::parse(e).map_err(|e| anyhow::anyhow!("{e}"))?,
                None => config.bootstrap_admin_email.clone(),
            };
            let state = startup::prepare(config).await?;
            let link = gatehouse::bootstrap::issue_admin_link(&state, email.clone()).await?;
            println!(
                "Registration link for {email} (the previous one no longer works):\n\n  {link}\n"
            );
        }
        Some(other) => {
            eprintln!("unknown command {other:?}\nusage: gatehouse [serve | admin-link [EMAIL]]");
            std::process::exit(2);
        }
    }
    Ok(())
}
