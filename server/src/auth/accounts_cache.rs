//! The accounts behind live sessions, kept in the process for a few seconds so that a signed-in request
//! needs no database read to learn who is asking (the session itself is still looked up on every
//! request, so signing out, a password change and a suspension end access at once, on every instance).
//!
//! What may be stale, for at most `TTL`: the fields of an account changed by another instance. Accounts
//! change in two places only, and neither relies on this cache: a password change reads the account
//! afresh before checking the current password, and a suspension ends the account's sessions. Every
//! change of an account calls `forget` after its commit, and a read that raced such a change is not
//! kept (`generation`).

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use entities::user;
use uuid::Uuid;

/// How long a cached account is served.
pub const TTL: Duration = Duration::from_secs(10);
/// At most this many accounts are kept; past it, expired entries go, and if none had expired, all.
const CAPACITY: usize = 10_000;

#[derive(Default)]
pub struct AccountsCache {
    entries: Mutex<HashMap<Uuid, (Instant, user::Model)>>,
    generation: AtomicU64,
}

impl AccountsCache {
    /// The cached account, if it was read from the database less than `TTL` ago.
    pub fn get(&self, id: Uuid) -> Option<user::Model> {
        let entries = self.entries.lock().ok()?;
        entries.get(&id).filter(|(read_at, _)| read_at.elapsed() < TTL).map(|(_, user)| user.clone())
    }

    /// Taken before reading an account from the database and handed to `put` with what was read.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// Keeps an account read from the database, unless an account changed since `generation` was
    /// taken (the read may then predate the change).
    pub fn put(&self, user: &user::Model, generation: u64) {
        let Ok(mut entries) = self.entries.lock() else { return };
        if self.generation.load(Ordering::Acquire) != generation {
            return;
        }
        if entries.len() >= CAPACITY && !entries.contains_key(&user.id) {
            entries.retain(|_, (read_at, _)| read_at.elapsed() < TTL);
            if entries.len() >= CAPACITY {
                entries.clear();
            }
        }
        entries.insert(user.id, (Instant::now(), user.clone()));
    }

    /// After an account changed (called once the change committed).
    pub fn forget(&self, id: Uuid) {
        // The generation moves under the lock, so a `put` either sees the new generation or lands
        // before the removal.
        let Ok(mut entries) = self.entries.lock() else { return };
        self.generation.fetch_add(1, Ordering::AcqRel);
        entries.remove(&id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Role;

    fn account(name: &str) -> user::Model {
        let now = chrono::Utc::now();
        user::Model {
            id: Uuid::now_v7(),
            email: format!("{name}@example.test"),
            password_hash: String::new(),
            display_name: name.to_owned(),
            phone: None,
            role: Role::Citizen,
            department_id: None,
            suspended: false,
            suspended_reason: None,
            locale: None,
            email_verified_at: None,
            last_sign_in_at: None,
            created_at: now,
            updated_at: now,
        }
    }

    #[test]
    fn serves_what_was_put_and_forgets_it() {
        let cache = AccountsCache::default();
        let a = account("a");
        assert!(cache.get(a.id).is_none());
        cache.put(&a, cache.generation());
        assert_eq!(cache.get(a.id).map(|u| u.display_name), Some("a".to_owned()));
        cache.forget(a.id);
        assert!(cache.get(a.id).is_none());
    }

    #[test]
    fn a_read_that_raced_a_change_is_not_kept() {
        let cache = AccountsCache::default();
        let a = account("a");
        let before = cache.generation();
        // Another request changes an account (any account) while this one was reading.
        cache.forget(Uuid::now_v7());
        cache.put(&a, before);
        assert!(cache.get(a.id).is_none());
        cache.put(&a, cache.generation());
        assert!(cache.get(a.id).is_some());
    }

    #[test]
    fn stays_bounded() {
        let cache = AccountsCache::default();
        for i in 0..CAPACITY + 10 {
            cache.put(&account(&i.to_string()), cache.generation());
        }
        let len = cache.entries.lock().map(|e| e.len()).unwrap_or(usize::MAX);
        assert!(len <= CAPACITY, "{len} entries");
    }
}
