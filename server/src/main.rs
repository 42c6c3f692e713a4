//! The `gongkai` binary: reads configuration, sets up logging and runs the chosen command.

use gongkai::cli::{self, Command};
use gongkai::config::Config;

/// glibc keeps freed memory in per-thread arenas and, after a large block is freed, raises its mmap
/// threshold so that the next large block comes from an arena and stays resident. A fixed threshold
/// maps and unmaps such blocks (export buffers, large responses) every time, and two arenas bound the
/// rest: the server's memory then follows its load instead of its history. (argon2's 19 MiB is kept
/// by each hashing thread on purpose, see `auth::password`.) mimalloc was tried instead: 27 % less
/// server CPU per signed-in comment page, but a peak RSS of 69 MiB over the scenarios and 108 MiB
/// during the JSON export, against 55 and 66 MiB here (BENCHMARKS.md).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn tune_allocator() {
    // SAFETY: mallopt only changes allocator parameters; it is called before any other thread starts.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 1 << 20);
        libc::mallopt(libc::M_ARENA_MAX, 2);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn tune_allocator() {}

fn main() -> std::process::ExitCode {
    tune_allocator();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("gongkai: cannot start the async runtime: {error}");
            return std::process::ExitCode::FAILURE;
        }
    };
    runtime.block_on(async_main())
}

async fn async_main() -> std::process::ExitCode {
    let outcome = run().await;
    // The log lines still in the buffer go out before the process ends (and before its last word).
    gongkai::logsink::flush();
    match outcome {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("gongkai: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let command = cli::parse(&args)?;
    if command == Command::ExportSchema {
        print!("{}", gongkai::graphql::sdl());
        return Ok(());
    }
    if command == Command::Help {
        println!("{}", cli::USAGE);
        return Ok(());
    }
    let config = Config::from_env()?;
    gongkai::startup::init_tracing(config.log_format, "info")?;
    match command {
        Command::Serve => gongkai::startup::serve(config).await,
        Command::Migrate => {
            let db = gongkai::db::Db::connect(&config).await?;
            db.migrate().await?;
            println!("Migrations applied.");
            Ok(())
        }
        Command::CreateAdmin { email, display_name } => cli::create_admin(config, email, display_name).await,
        Command::SeedDemo => cli::seed_demo(config).await,
        Command::BackfillSimilar { rebuild } => cli::backfill_similar(config, rebuild).await,
        Command::SearchBackfill { batch } => cli::search_backfill(config, batch).await,
        Command::ExportSchema | Command::Help => Ok(()),
    }
}
