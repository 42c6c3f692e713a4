//! The `gongkai` binary: reads configuration, sets up logging and runs the chosen command.

use gongkai::cli::{self, Command};
use gongkai::config::{Config, LogFormat};

fn init_tracing(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    match format {
        LogFormat::Json => builder.json().init(),
        LogFormat::Text => builder.init(),
    }
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    match run().await {
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
    init_tracing(config.log_format);
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
        Command::ExportSchema | Command::Help => Ok(()),
    }
}
