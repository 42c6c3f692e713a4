//! The server's clock: the time every rule reads (a consultation's status, the edit window, deadlines,
//! appointments) and the time in every new id. In production it is the system clock; a test moves one
//! server's clock forward (`advance`) instead of sleeping or rewriting times in SQL, and the rules and
//! the ids move with it.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, SubsecRound, Utc};
use uuid::timestamp::context::ContextV7;
use uuid::{Timestamp, Uuid};

#[derive(Clone, Default)]
pub struct Clock(Arc<Inner>);

#[derive(Default)]
struct Inner {
    /// How far this clock is ahead of the system clock, in microseconds (0 but in tests).
    ahead_micros: AtomicI64,
    /// Makes the ids of one millisecond increase (UUID v7's counter).
    ids: Mutex<ContextV7>,
}

impl Clock {
    /// The current time at the microsecond precision both databases keep.
    pub fn now(&self) -> DateTime<Utc> {
        let ahead = chrono::Duration::microseconds(self.0.ahead_micros.load(Ordering::Relaxed));
        (Utc::now() + ahead).trunc_subsecs(6)
    }

    /// A new time-ordered id (UUID v7) of the current time: sorting by id sorts by creation time.
    pub fn new_id(&self) -> Uuid {
        self.new_id_and_time().0
    }

    /// A new id and the creation time it encodes (millisecond precision), for rows listed by id but
    /// shown with their time: ordering by id and by `created_at` then always agree.
    pub fn new_id_and_time(&self) -> (Uuid, DateTime<Utc>) {
        let now = self.now();
        let seconds = u64::try_from(now.timestamp()).unwrap_or(0);
        let id = Uuid::new_v7(Timestamp::from_unix(&self.0.ids, seconds, now.timestamp_subsec_nanos()));
        let at = id
            .get_timestamp()
            .and_then(|ts| {
                let (secs, nanos) = ts.to_unix();
                DateTime::<Utc>::from_timestamp(i64::try_from(secs).ok()?, nanos)
            })
            .unwrap_or(now);
        (id, at)
    }

    /// Moves this clock forward (tests). It never goes back, so ids keep increasing.
    pub fn advance(&self, by: chrono::Duration) {
        let micros = by.num_microseconds().unwrap_or(i64::MAX).max(0);
        self.0.ahead_micros.fetch_add(micros, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_times_agree_and_follow_the_clock() {
        let clock = Clock::default();
        let (a, at) = clock.new_id_and_time();
        let (b, bt) = clock.new_id_and_time();
        assert!(a < b && at <= bt);
        assert!((Utc::now() - at).num_milliseconds().abs() < 1000);
        clock.advance(chrono::Duration::days(3));
        let (c, ct) = clock.new_id_and_time();
        assert!(b < c);
        assert!((ct - Utc::now() - chrono::Duration::days(3)).num_milliseconds().abs() < 1000);
        assert!((clock.now() - ct).num_milliseconds().abs() < 1000);
    }

    #[test]
    fn ids_of_one_millisecond_increase() {
        let clock = Clock::default();
        let ids: Vec<Uuid> = (0..1000).map(|_| clock.new_id()).collect();
        assert!(ids.windows(2).all(|w| w[0] < w[1]));
    }
}
