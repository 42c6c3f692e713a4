//! `gongkai serve` as a process of its own, for the tests that run several instances against one
//! database and one Redis. Configured through the environment like the real binary; it prints the
//! address it listens on, and exits when its standard input closes, so that it never outlives the
//! test process that started it, even one that was killed.

use std::io::Read;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    std::thread::spawn(|| {
        let mut sink = [0u8; 64];
        while matches!(std::io::stdin().read(&mut sink), Ok(n) if n > 0) {}
        std::process::exit(0);
    });
    let config = match gongkai::config::Config::from_env() {
        Ok(c) => c,
        Err(error) => {
            eprintln!("gongkai-instance: {error:#}");
            return std::process::ExitCode::FAILURE;
        }
    };
    // Warnings and errors (or what RUST_LOG asks for) go to standard error, which the tests read.
    if let Err(error) = gongkai::startup::init_tracing(config.log_format, "warn") {
        eprintln!("gongkai-instance: {error:#}");
        return std::process::ExitCode::FAILURE;
    }
    match gongkai::startup::serve(config).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("gongkai-instance: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
