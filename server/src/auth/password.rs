//! argon2id hashing off the async runtime, with bounded concurrency so a login flood cannot starve
//! other requests.

use std::sync::Arc;

use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher as _, PasswordVerifier as _};
use argon2::Argon2;
use tokio::sync::Semaphore;

use crate::error::{AppError, AppResult};

#[derive(Clone)]
pub struct PasswordHasher {
    permits: Arc<Semaphore>,
    /// Verified against when the email is unknown, so that both failures take the same time.
    dummy_hash: Arc<String>,
}

impl PasswordHasher {
    pub fn new(concurrency: usize) -> anyhow::Result<Self> {
        let dummy_hash = hash_blocking("gongkai-dummy-password")?;
        Ok(Self { permits: Arc::new(Semaphore::new(concurrency.max(1))), dummy_hash: Arc::new(dummy_hash) })
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
        let _permit = self.permits.acquire().await.map_err(AppError::internal)?;
        tokio::task::spawn_blocking(job).await.map_err(AppError::internal)?.map_err(AppError::Internal)
    }
}

/// argon2id with the crate defaults: 19 MiB, 2 iterations, 1 lane, a random salt.
fn hash_blocking(password: &str) -> anyhow::Result<String> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| anyhow::anyhow!("hashing failed: {e}"))
}
