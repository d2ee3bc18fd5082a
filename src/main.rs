use clap::Parser;
use rapport::cli::{Cli, Command};
use rapport::config::Settings;
use rapport::startup::{self, Application};
use rapport::telemetry;

#[actix_web::main]
async fn main() {
    return_large_blocks_to_the_system();
    if let Err(err) = run(Cli::parse()).await {
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

/// Every password check borrows 19 MiB (argon2id's memory cost). glibc serves
/// a block that large with its own mapping, returned on free, but after the
/// first such free it raises that threshold to the block's size, and from then
/// on keeps the memory in its heaps: each login left about 19 MB of resident
/// memory behind (eight logins took the server from 52 to 188 MB). Pinning
/// the threshold at 1 MiB keeps large blocks mapped and returned.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn return_large_blocks_to_the_system() {
    const M_MMAP_THRESHOLD: i32 = -3;
    unsafe extern "C" {
        fn mallopt(param: i32, value: i32) -> i32;
    }
    // SAFETY: mallopt only sets an allocator parameter; it is called first
    // thing, and a failure (0) just leaves glibc's default in place.
    unsafe {
        mallopt(M_MMAP_THRESHOLD, 1 << 20);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn return_large_blocks_to_the_system() {}
