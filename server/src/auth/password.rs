//! argon2id hashing on a small pool of dedicated threads, so a login flood cannot starve other
//! requests: hashing never runs on the async runtime, at most `threads` hashes run at once, callers
//! queue (with back-pressure) for a free worker, and the workers run at a lower scheduling priority
//! than the threads serving requests (on Linux), so that on a busy machine a sign-in waits rather than
//! every other request. Each worker keeps the 19 MiB of blocks argon2 fills and reuses them for every
//! hash, so memory stays flat and no hash pays for mapping and zeroing its memory.

use std::sync::{Arc, Mutex};

use argon2::password_hash::phc::{Output, ParamsString, PasswordHash, Salt};
use argon2::password_hash::PasswordHasher as _;
use argon2::{Algorithm, Argon2, Block, Params, Version};
use tokio::sync::{mpsc, oneshot};

use crate::error::{AppError, AppResult};

/// A job runs on a worker with the worker's argon2 memory.
type Job = Box<dyn FnOnce(&mut Memory) + Send>;

/// How much lower than the request threads the workers are scheduled (a nice value).
const WORKER_NICENESS: i32 = 10;

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
            std::thread::Builder::new().name(format!("argon2-{n}")).spawn(move || {
                lower_priority();
                let mut memory = Memory::default();
                loop {
                    // The lock is held only while waiting for the next job, never while hashing.
                    let job = match queue.lock() {
                        Ok(mut q) => q.blocking_recv(),
                        Err(_) => None,
                    };
                    match job {
                        Some(job) => job(&mut memory),
                        None => break,
                    }
                }
            })?;
        }
        Ok(Self { jobs, dummy_hash: Arc::new(dummy_hash) })
    }

    pub async fn hash(&self, password: &str) -> AppResult<String> {
        let password = password.to_owned();
        self.run(move |memory| memory.hash(&password)).await
    }

    /// Checks `password` against `hash`, or against a dummy hash when there is no account.
    pub async fn verify(&self, password: &str, hash: Option<&str>) -> AppResult<bool> {
        let password = password.to_owned();
        let (hash, real) = match hash {
            Some(h) => (h.to_owned(), true),
            None => (self.dummy_hash.as_ref().clone(), false),
        };
        let matched = self.run(move |memory| memory.verify(&password, &hash)).await?;
        Ok(real && matched)
    }

    async fn run<T: Send + 'static>(&self, job: impl FnOnce(&mut Memory) -> anyhow::Result<T> + Send + 'static) -> AppResult<T> {
        let (tx, rx) = oneshot::channel();
        let job: Job = Box::new(move |memory| {
            let _ = tx.send(job(memory));
        });
        self.jobs.send(job).await.map_err(|_| AppError::internal(anyhow::anyhow!("the password hashing threads stopped")))?;
        rx.await.map_err(|_| AppError::internal(anyhow::anyhow!("a password hashing job was lost")))?.map_err(AppError::Internal)
    }
}

/// A worker's argon2 blocks, grown to what the parameters in use need and then kept.
#[derive(Default)]
struct Memory(Vec<Block>);

/// Hashes needing more blocks than this many times the default get memory of their own, not kept.
const MAX_KEPT_FACTOR: usize = 4;

impl Memory {
    fn blocks(&mut self, count: usize, run: impl FnOnce(&mut [Block]) -> argon2::Result<()>) -> anyhow::Result<()> {
        let result = if count > Params::default().block_count() * MAX_KEPT_FACTOR {
            run(&mut vec![Block::default(); count])
        } else {
            if self.0.len() < count {
                self.0.resize(count, Block::default());
            }
            run(&mut self.0[..count])
        };
        result.map_err(|e| anyhow::anyhow!("argon2 failed: {e}"))
    }

    /// argon2id with the crate defaults (19 MiB, 2 iterations, 1 lane) and a random salt, in PHC form.
    fn hash(&mut self, password: &str) -> anyhow::Result<String> {
        let params = Params::default();
        let argon2 = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone());
        let salt = argon2::password_hash::try_generate_salt().map_err(|e| anyhow::anyhow!("no randomness for a salt: {e}"))?;
        let mut out = [0u8; Params::DEFAULT_OUTPUT_LEN];
        self.blocks(params.block_count(), |blocks| argon2.hash_password_into_with_memory(password.as_bytes(), &salt, &mut out, blocks))?;
        let phc = |e: argon2::password_hash::phc::Error| anyhow::anyhow!("cannot encode the hash: {e}");
        let hash = PasswordHash {
            algorithm: Algorithm::Argon2id.ident(),
            version: Some(Version::V0x13.into()),
            params: ParamsString::try_from(&params).map_err(|e| anyhow::anyhow!("cannot encode the parameters: {e}"))?,
            salt: Some(Salt::new(&salt).map_err(phc)?),
            hash: Some(Output::new(&out).map_err(phc)?),
        };
        Ok(hash.to_string())
    }

    /// Whether `password` matches the PHC string `stored`, computed with the parameters it names.
    fn verify(&mut self, password: &str, stored: &str) -> anyhow::Result<bool> {
        let unreadable = |e: &dyn std::fmt::Display| anyhow::anyhow!("stored hash is unreadable: {e}");
        let parsed = PasswordHash::new(stored).map_err(|e| unreadable(&e))?;
        let (Some(salt), Some(expected)) = (&parsed.salt, &parsed.hash) else { return Err(unreadable(&"no salt or no hash")) };
        let algorithm = Algorithm::try_from(parsed.algorithm.as_str()).map_err(|e| unreadable(&e))?;
        let version = match parsed.version {
            Some(v) => Version::try_from(v).map_err(|e| unreadable(&e))?,
            None => Version::default(),
        };
        let params = Params::try_from(&parsed).map_err(|e| unreadable(&e))?;
        let argon2 = Argon2::new(algorithm, version, params.clone());
        let mut out = vec![0u8; expected.len()];
        self.blocks(params.block_count(), |blocks| argon2.hash_password_into_with_memory(password.as_bytes(), salt.as_ref(), &mut out, blocks))?;
        // Output compares in constant time.
        Ok(Output::new(&out).map_err(|e| unreadable(&e))? == *expected)
    }
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn lower_priority() {
    // SAFETY: setpriority on the calling thread's own id only changes its scheduling weight.
    unsafe {
        let thread = libc::gettid();
        libc::setpriority(libc::PRIO_PROCESS, thread as libc::id_t, WORKER_NICENESS);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn lower_priority() {}

/// argon2id with the crate defaults, memory of its own (for the dummy hash made once at start).
fn hash_blocking(password: &str) -> anyhow::Result<String> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| anyhow::anyhow!("hashing failed: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use argon2::password_hash::PasswordVerifier as _;

    #[test]
    fn kept_memory_hashes_and_verifies_like_the_crate() {
        let mut memory = Memory::default();
        let ours = memory.hash("correct horse").unwrap();
        let parsed = PasswordHash::new(&ours).unwrap();
        assert!(Argon2::default().verify_password(b"correct horse", &parsed).is_ok(), "the crate accepts our hash");
        let theirs = hash_blocking("battery staple").unwrap();
        // The same memory, reused, with dirty blocks from the previous hash.
        assert!(memory.verify("battery staple", &theirs).unwrap());
        assert!(!memory.verify("battery stapler", &theirs).unwrap());
        assert!(memory.verify("correct horse", &ours).unwrap());
        assert!(memory.verify("x", "not a hash").is_err());
    }
}
