//! `argon2-ceiling`: how many argon2id verifications (default parameters, as the server uses) this
//! machine does per second on `--threads` threads, the ceiling for the sign-in benchmark.

use std::time::{Duration, Instant};

use anyhow::{anyhow, bail};
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::Argon2;
use gongkai_bench::plan::PASSWORD;

fn main() -> anyhow::Result<()> {
    let mut threads = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2);
    let mut seconds = 5.0f64;
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value = args.next().ok_or_else(|| anyhow!("{flag} needs a value"))?;
        match flag.as_str() {
            "--threads" => threads = value.parse()?,
            "--seconds" => seconds = value.parse()?,
            other => bail!("unknown argument `{other}` (usage: argon2-ceiling [--threads N] [--seconds S])"),
        }
    }
    let hash: PasswordHash =
        Argon2::default().hash_password(PASSWORD.as_bytes()).map_err(|e| anyhow!("hashing failed: {e}"))?;
    let hash = hash.to_string();
    let until = Instant::now() + Duration::from_secs_f64(seconds);
    let started = Instant::now();
    let workers: Vec<_> = (0..threads.max(1))
        .map(|_| {
            let hash = hash.clone();
            std::thread::spawn(move || -> anyhow::Result<Vec<f64>> {
                let parsed = PasswordHash::new(&hash).map_err(|e| anyhow!("unreadable hash: {e}"))?;
                let mut latencies = Vec::new();
                while Instant::now() < until {
                    let t = Instant::now();
                    if Argon2::default().verify_password(PASSWORD.as_bytes(), &parsed).is_err() {
                        bail!("the password did not verify");
                    }
                    latencies.push(t.elapsed().as_secs_f64() * 1000.0);
                }
                Ok(latencies)
            })
        })
        .collect();
    let mut all = Vec::new();
    for w in workers {
        all.extend(w.join().map_err(|_| anyhow!("a worker panicked"))??);
    }
    let elapsed = started.elapsed().as_secs_f64();
    all.sort_by(f64::total_cmp);
    let pct = |p: f64| all.get(((all.len() as f64 - 1.0) * p).round() as usize).copied().unwrap_or(0.0);
    println!(
        "RESULT requests={} duration_s={elapsed:.3} rps={:.1} p50_ms={:.3} p99_ms={:.3} threads={threads}",
        all.len(),
        all.len() as f64 / elapsed,
        pct(0.5),
        pct(0.99)
    );
    Ok(())
}
