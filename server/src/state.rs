//! The application state shared by every request.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use redis::aio::ConnectionManager;

use crate::auth::accounts_cache::AccountsCache;
use crate::auth::password::PasswordHasher;
use crate::auth::rate_limit::{Limit, RateLimiter};
use crate::auth::sessions::Sessions;
use crate::calendar::Calendar;
use crate::cache::ResponseCache;
use crate::config::Config;
use crate::db::Db;
use crate::documents::Documents;
use crate::events::Events;
use crate::clock::Clock;
use crate::services::comments::submission::Submissions;

#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub config: Arc<Config>,
    pub sessions: Sessions,
    /// The accounts behind live sessions, for a few seconds.
    pub accounts: Arc<AccountsCache>,
    pub limiter: RateLimiter,
    pub hasher: PasswordHasher,
    pub redis: Option<ConnectionManager>,
    pub events: Events,
    /// The working-day calendar deadlines are counted on, as last read from the database
    /// (`services::calendar::current` reads it afresh when it changed).
    pub calendar: Arc<crate::services::calendar::CalendarCell>,
    /// Anonymous query responses, served again for a moment while nothing public changed.
    pub responses: ResponseCache,
    /// Parsed GraphQL documents by query text.
    pub documents: Documents,
    /// The texts of automatic persisted queries, by SHA-256.
    pub persisted: crate::persisted::PersistedQueries,
    /// The writers of comment submissions on PostgreSQL (none on SQLite).
    pub submissions: Option<Submissions>,
    /// Open WebSocket connections, for their caps.
    pub sockets: Arc<crate::websocket::Sockets>,
    /// The time every rule reads and every new id carries.
    pub clock: Clock,
    /// Email over SMTP (None without SMTP_URL: the in-app inbox only).
    pub mailer: Option<crate::services::mail::Mailer>,
    /// Wakes this instance's outbox worker when something was written for it.
    pub outbox_wake: Arc<tokio::sync::Notify>,
    /// Wakes this instance's similar-group worker when a comment was written here.
    pub similar_wake: Arc<tokio::sync::Notify>,
    /// Wakes this instance's bulk reply worker when a job was started here.
    pub bulk_reply_wake: Arc<tokio::sync::Notify>,
    /// The HTTP client webhook deliveries go out on (its connections are kept and reused).
    pub webhooks: reqwest::Client,
    /// Seals and opens applicants' identity document numbers.
    pub data_key: Arc<crate::data_key::DataKey>,
}

impl AppState {
    pub async fn new(mut config: Config) -> anyhow::Result<Self> {
        if config.secret_key.is_empty() {
            // Without SECRET_KEY each start has its own key: address hashes and export links then only
            // hold for this process, which is fine for one local instance.
            tracing::warn!("SECRET_KEY is not set; using a random key for this process");
            config.secret_key = crate::util::random_token(32)?.into_bytes();
        }
        // The calendar is checked before anything connects, so a bad file stops the start at once.
        let calendar = Calendar::load(config.holiday_calendar.as_deref())?;
        let data_key = Arc::new(crate::data_key::DataKey::for_installation(&config.data_key, config.is_sqlite().then_some(config.database_url.as_str()))?);
        let db = Db::connect(&config).await?;
        let redis = match &config.redis_url {
            Some(url) => Some(connect_redis(url).await?),
            None => None,
        };
        let (sessions, limiter) = match &redis {
            Some(conn) => (
                Sessions::redis(conn.clone(), config.session_idle, config.session_absolute),
                RateLimiter::Redis(conn.clone()),
            ),
            None => (Sessions::in_memory(config.session_idle, config.session_absolute), RateLimiter::in_memory()),
        };
        let hasher = PasswordHasher::new(config.password_hash_threads)?;
        let events = match &config.redis_url {
            Some(url) => Events::redis(url).await?,
            None => Events::in_process(),
        };
        let responses = ResponseCache::new(config.response_cache);
        let mailer = match &config.smtp_url {
            Some(url) => Some(crate::services::mail::Mailer::new(url, &config.mail_from)?),
            None => None,
        };
        let webhooks = crate::services::webhooks::client(&config)?;
        // One writer per statement connection (SUBMISSION_WRITERS of them).
        let clock = Clock::default();
        let submissions = db.statements.clone().map(|statements| {
            let writers = statements.size();
            Submissions::start(statements, db.clone(), events.clone(), clock.clone(), writers)
        });
        Ok(Self {
            db,
            config: Arc::new(config),
            sessions,
            accounts: Arc::default(),
            limiter,
            hasher,
            redis,
            events,
            calendar: Arc::new(crate::services::calendar::CalendarCell::new(calendar)),
            responses,
            documents: Documents::default(),
            persisted: Default::default(),
            submissions,
            sockets: Arc::default(),
            clock,
            mailer,
            outbox_wake: Arc::default(),
            similar_wake: Arc::default(),
            bulk_reply_wake: Arc::default(),
            webhooks,
            data_key,
        })
    }

    pub fn limit(&self, kind: LimitKind) -> Limit {
        let l = &self.config.rate_limits;
        let (name, limit, secs) = match kind {
            LimitKind::LoginFailures => ("login-fail", l.login_failures, 15 * 60),
            LimitKind::LoginFailuresPerAddress => ("login-fail-addr", l.login_failures_per_address, 15 * 60),
            LimitKind::Registrations => ("register-addr", l.registrations_per_hour, 3600),
            LimitKind::CommentsPerMinute => ("comment-min", l.comments_per_minute, 60),
            LimitKind::CommentsPerDay => ("comment-day", l.comments_per_day, 24 * 3600),
            LimitKind::Reports => ("report-hour", l.reports_per_hour, 3600),
            LimitKind::ApplicationsPerDay => ("application-day", l.applications_per_day, 24 * 3600),
            LimitKind::ObservationsPerDay => ("observation-day", l.observations_per_day, 24 * 3600),
            LimitKind::DisclosureRequestsPerDay => ("disclosure-day", l.disclosure_requests_per_day, 24 * 3600),
            LimitKind::VerificationEmails => ("verify-email-hour", l.verification_emails_per_hour, 3600),
            LimitKind::PasswordResets => ("reset-email-hour", l.password_resets_per_hour, 3600),
            LimitKind::PasswordResetsPerAddress => ("reset-addr-hour", l.password_resets_per_address, 3600),
        };
        Limit { name, limit, window: Duration::from_secs(secs) }
    }
}

#[derive(Clone, Copy, Debug)]
pub enum LimitKind {
    LoginFailures,
    LoginFailuresPerAddress,
    Registrations,
    CommentsPerMinute,
    CommentsPerDay,
    Reports,
    ApplicationsPerDay,
    ObservationsPerDay,
    DisclosureRequestsPerDay,
    VerificationEmails,
    PasswordResets,
    PasswordResetsPerAddress,
}

/// Deadlines in a year the calendar does not know count weekdays only: say so while there is time to
/// add the year.
pub(crate) fn warn_about_missing_years(calendar: &Calendar) {
    use chrono::Datelike;
    let this_year = chrono::Utc::now().year();
    for year in [this_year, this_year + 1] {
        if !calendar.covers(year) {
            tracing::warn!(year, "the holiday calendar has no entry for {year}: deadlines in {year} count weekdays only until an admin enters it (setCalendarYear)");
        }
    }
}

pub(crate) async fn connect_redis(url: &str) -> anyhow::Result<ConnectionManager> {
    let client = redis::Client::open(url).context("REDIS_URL is not a valid Redis URL")?;
    // The reconnection backoff starts at one second and multiplies by `factor` (the default, 100,
    // made each request wait up to two minutes while Redis was down): capped at half a second, a
    // request fails with SERVICE_UNAVAILABLE within seconds instead.
    let config = redis::aio::ConnectionManagerConfig::new()
        .set_connection_timeout(Duration::from_secs(3))
        .set_response_timeout(Duration::from_secs(3))
        .set_number_of_retries(2)
        .set_factor(2)
        .set_max_delay(500);
    tokio::time::timeout(Duration::from_secs(10), ConnectionManager::new_with_config(client, config))
        .await
        .context("timed out connecting to Redis")?
        .context("cannot connect to Redis")
}
