//! argon2id hashing on a small pool of dedicated threads, so a login flood cannot starve other
//! requests: hashing never runs on the async runtime, at most `threads` hashes run at once, and callers
//! queue (with back-pressure) for a free worker. Dedicated threads also keep memory flat: each reuses
//! its allocator arena for the 19 MiB argon2 needs, where a growing blocking pool would keep one per
//! thread it ever started.

use std::sync::{Arc, Mutex};

use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher as _, PasswordVerifier as _};
use argon2::Argon2;
use tokio::sync::{mpsc, oneshot};

use crate::error::{AppError, AppResult};

type Job = Box<dyn FnOnce() + Send>;

#[derive(Clone)]
pub struct PasswordHasher {
    jobs: mpsc::Sender<Job>,
    /// Verified against when the email is unknown, so that both failures take the same time.
    dummy_hash: Arc<String>,
}

impl PasswordHasher {
    pub fn new(threads: usize) -> anyhow::Result<Self> {
        let dummy_hash = hash_blocking("gongkai-dummy-password")?;
        let threads = threads.max(1);
        let (jobs, queue) = mpsc::channel::<Job>(threads * 64);
        let queue = Arc::new(Mutex::new(queue));
        for n in 0..threads {
            let queue = queue.clone();
            std::thread::Builder::new().name(format!("argon2-{n}")).spawn(move || loop {
                // The lock is held only while waiting for the next job, never while hashing.
                let job = match queue.lock() {
                    Ok(mut q) => q.blocking_recv(),
                    Err(_) => None,
                };
                match job {
                    Some(job) => job(),
                    None => break,
                }
            })?;
        }
        Ok(Self { jobs, dummy_hash: Arc::new(dummy_hash) })
    }

    pub async fn hash(&self, password: &str) -> AppResult<String> {
        let password = password.to_owned();
        self.run(move || hash_blocking(&password)).await
    }

    /// Checks `password` against `hash`, or against a dummy hash when there is no account.
    pub async fn verify(&self, password: &str, hash: Option<&str>) -> AppResult<bool> {
        let password = password.to_owned();
        let (hash, real) = match hash {
            Some(h) => (h.to_owned(), true),
            None => (self.dummy_hash.as_ref().clone(), false),
        };
        let matched = self
            .run(move || {
                let parsed = PasswordHash::new(&hash).map_err(|e| anyhow::anyhow!("stored hash is unreadable: {e}"))?;
                Ok(Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
            })
            .await?;
        Ok(real && matched)
    }

    async fn run<T: Send + 'static>(&self, job: impl FnOnce() -> anyhow::Result<T> + Send + 'static) -> AppResult<T> {
        let (tx, rx) = oneshot::channel();
        let job: Job = Box::new(move || {
            let _ = tx.send(job());
        });
        self.jobs.send(job).await.map_err(|_| AppError::internal(anyhow::anyhow!("the password hashing threads stopped")))?;
        rx.await.map_err(|_| AppError::internal(anyhow::anyhow!("a password hashing job was lost")))?.map_err(AppError::Internal)
    }
}

/// argon2id with the crate defaults: 19 MiB, 2 iterations, 1 lane, a random salt.
fn hash_blocking(password: &str) -> anyhow::Result<String> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| anyhow::anyhow!("hashing failed: {e}"))
}
