use clap::Parser;
use rapport::cli::{Cli, Command};
use rapport::config::Settings;
use rapport::startup::{self, Application};
use rapport::telemetry;

#[actix_web::main]
async fn main() {
    rapport::memory::return_large_blocks_to_the_system();
    let result = run(Cli::parse()).await;
    telemetry::flush();
    if let Err(err) = result {
        eprintln!("rapport: {err:#}");
        std::process::exit(1);
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let command = cli.command.unwrap_or(Command::Serve);
    if let Command::Openapi = command {
        println!("{}", rapport::openapi::spec_json()?);
        return Ok(());
    }
    let settings = Settings::from_env()?;
    telemetry::init(&settings.log_format);
    match command {
        Command::Serve => {
            Application::build(settings)
                .await?
                .run_until_stopped()
                .await?
        }
        Command::Migrate => startup::migrate_only(&settings).await?,
        Command::Openapi => unreachable!("handled above"),
    }
    Ok(())
}
