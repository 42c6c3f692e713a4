//! Configuration read from the environment, as the README lists it (docs/design.md, "How it runs").

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{bail, Context};

/// The longest deadline OBSERVATION_DUE_WORKING_DAYS may set (about a year of working days).
pub const MAX_DUE_WORKING_DAYS: u32 = 250;

/// Every setting the server reads. `Config::from_env` is the only place that touches the environment.
#[derive(Clone, Debug)]
pub struct Config {
    pub database_url: String,
    pub redis_url: Option<String>,
    pub listen_addr: SocketAddr,
    /// Signs export links and keys the hashes of client addresses.
    pub secret_key: Vec<u8>,
    /// Seals identity document numbers at rest (DATA_KEY, 64 hex characters; see `data_key`). Empty:
    /// a key file beside an SQLite database.
    pub data_key: Vec<u8>,
    pub log_format: LogFormat,
    pub cors_origins: Vec<String>,
    pub trusted_proxies: Vec<Cidr>,
    pub rate_limits: RateLimits,
    /// PUBLISHED comments with this many reports are hidden until staff look at them.
    pub report_hide_threshold: i32,
    pub session_idle: Duration,
    pub session_absolute: Duration,
    /// Threads computing argon2 (PASSWORD_HASH_THREADS): the largest number of hashes at once.
    pub password_hash_threads: usize,
    pub max_connections: u32,
    /// Tasks writing comment submissions on PostgreSQL, each on a connection of its own
    /// (SUBMISSION_WRITERS); taken from DATABASE_MAX_CONNECTIONS.
    pub submission_writers: u32,
    /// How long a signed export link works after `exportComments` issued it.
    pub export_link_ttl: Duration,
    /// Comments read per query while streaming an export or an open-data file.
    pub export_batch_size: u32,
    /// Working days a department has to answer an observation (OBSERVATION_DUE_WORKING_DAYS).
    pub observation_due_working_days: u32,
    /// A holiday calendar file replacing the built-in one (HOLIDAY_CALENDAR).
    pub holiday_calendar: Option<PathBuf>,
    /// How long an anonymous query's response may be served again (RESPONSE_CACHE_MS; 0: never).
    pub response_cache: Duration,
    /// How long a cache in front (nginx, a CDN) may serve an anonymous GET query's answer
    /// (HTTP_CACHE_SECONDS, 5; 0: every answer is `no-store`).
    pub http_cache: Duration,
    /// Requests slower than this are logged at `warn` with their operation (SLOW_REQUEST_MS).
    pub slow_request: Duration,
    /// WebSocket connections one client address may hold open on an instance (0: no cap).
    pub ws_per_address: u32,
    /// WebSocket connections an instance holds open in all (0: no cap).
    pub ws_per_instance: u32,
    /// The language of readers who chose none and whose request asks for none of ours (DEFAULT_LOCALE).
    pub default_locale: crate::i18n::Locale,
    /// Where email is sent (SMTP_URL, e.g. `smtp://user:pass@host:587?tls=required`); None: no email,
    /// the in-app inbox only.
    pub smtp_url: Option<String>,
    /// The sender of every email (MAIL_FROM).
    pub mail_from: String,
    /// The base of every link in an email (PUBLIC_URL), without a trailing slash.
    pub public_url: String,
    /// How often the outbox worker looks for work when it found none (OUTBOX_POLL_MS).
    pub outbox_poll: Duration,
    /// How long a claimed delivery stays the claimer's (OUTBOX_LEASE_SECONDS): after a crash
    /// mid-send, another instance sends it again once this has passed.
    pub outbox_lease: Duration,
    /// How long a webhook endpoint has to answer a delivery (WEBHOOK_TIMEOUT_SECONDS, 10): no answer
    /// in time counts as a failed attempt, retried with backoff.
    pub webhook_timeout: Duration,
    /// When the daily digest goes out, as (hour, minute) in China Standard Time (DIGEST_LOCAL_TIME,
    /// `08:30`).
    pub digest_local_time: (u32, u32),
    /// The Jaccard similarity of character 3-shingles from which two comments are near duplicates
    /// (SIMILAR_THRESHOLD, 0.7): it sets the bands and rows of the MinHash LSH. A change takes effect
    /// for comments placed afterwards; `gongkai backfill-similar --rebuild` regroups the rest.
    pub similar_threshold: f64,
    /// How often the similar-group worker looks for unplaced comments written elsewhere
    /// (SIMILAR_POLL_MS, 1000); comments written on this instance wake it at once.
    pub similar_poll: Duration,
    /// How long the similar-group worker's lease lasts after its last batch (30 s): after a crash,
    /// another instance takes over once it has passed.
    pub similar_lease: Duration,
    /// Comments a bulk reply job answers per transaction (BULK_REPLY_CHUNK, 500).
    pub bulk_reply_chunk: usize,
    /// How long a bulk reply job stays the claiming instance's after its last chunk
    /// (BULK_REPLY_LEASE_SECONDS, 60): after a crash another instance resumes it once this has passed.
    pub bulk_reply_lease: Duration,
    /// A pause between two chunks of a bulk reply (BULK_REPLY_PAUSE_MS, 0), to leave more room to other
    /// writers during a very large job.
    pub bulk_reply_pause: Duration,
}

/// `HH:MM` on a 24-hour clock.
fn parse_local_time(value: &str) -> Option<(u32, u32)> {
    let (hour, minute) = value.trim().split_once(':')?;
    let (hour, minute) = (hour.parse::<u32>().ok()?, minute.parse::<u32>().ok()?);
    (hour < 24 && minute < 60).then_some((hour, minute))
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

/// Each limit is a count per window; 0 turns it off.
#[derive(Clone, Debug)]
pub struct RateLimits {
    pub login_failures: u32,
    pub login_failures_per_address: u32,
    pub registrations_per_hour: u32,
    pub comments_per_minute: u32,
    pub comments_per_day: u32,
    pub reports_per_hour: u32,
    pub applications_per_day: u32,
    pub observations_per_day: u32,
    /// Disclosure requests an applicant may submit online per day.
    pub disclosure_requests_per_day: u32,
    /// Verification codes an account may ask for per hour.
    pub verification_emails_per_hour: u32,
    /// Password reset links per hour for one email, and from one client address.
    pub password_resets_per_hour: u32,
    pub password_resets_per_address: u32,
}

impl Default for RateLimits {
    fn default() -> Self {
        Self {
            login_failures: 5,
            login_failures_per_address: 20,
            registrations_per_hour: 10,
            comments_per_minute: 5,
            comments_per_day: 100,
            reports_per_hour: 20,
            applications_per_day: 3,
            observations_per_day: 20,
            disclosure_requests_per_day: 20,
            verification_emails_per_hour: 5,
            password_resets_per_hour: 3,
            password_resets_per_address: 20,
        }
    }
}

impl RateLimits {
    /// Limits high enough never to trigger: for load tests and benchmarks.
    pub fn disabled() -> Self {
        Self {
            login_failures: 0,
            login_failures_per_address: 0,
            registrations_per_hour: 0,
            comments_per_minute: 0,
            comments_per_day: 0,
            reports_per_hour: 0,
            applications_per_day: 0,
            observations_per_day: 0,
            disclosure_requests_per_day: 0,
            verification_emails_per_hour: 0,
            password_resets_per_hour: 0,
            password_resets_per_address: 0,
        }
    }
}

impl Config {
    /// Defaults for one instance on SQLite under `./data/`.
    pub fn local_default() -> Self {
        Self {
            database_url: "sqlite://data/gongkai.db?mode=rwc".to_owned(),
            redis_url: None,
            listen_addr: SocketAddr::from(([127, 0, 0, 1], 8080)),
            secret_key: Vec::new(),
            data_key: Vec::new(),
            log_format: LogFormat::Text,
            cors_origins: Vec::new(),
            trusted_proxies: Vec::new(),
            rate_limits: RateLimits::default(),
            report_hide_threshold: 3,
            session_idle: Duration::from_secs(7 * 24 * 3600),
            session_absolute: Duration::from_secs(30 * 24 * 3600),
            // Leave a core to the requests that are not signing in.
            password_hash_threads: std::thread::available_parallelism().map_or(1, |n| n.get().saturating_sub(1).max(1)),
            max_connections: 20,
            // A writer per core: each batch is one statement that keeps a database core busy, and more
            // writers than cores only make smaller batches that take turns on them.
            submission_writers: std::thread::available_parallelism().map_or(2, |n| u32::try_from(n.get()).unwrap_or(u32::MAX)),
            response_cache: Duration::from_millis(1000),
            http_cache: Duration::from_secs(5),
            slow_request: Duration::from_millis(1000),
            export_link_ttl: Duration::from_secs(600),
            export_batch_size: 1000,
            observation_due_working_days: 15,
            holiday_calendar: None,
            ws_per_address: 20,
            ws_per_instance: 10_000,
            default_locale: crate::i18n::Locale::ZhCn,
            smtp_url: None,
            mail_from: "Gongkai <no-reply@localhost>".to_owned(),
            public_url: "http://127.0.0.1:8080".to_owned(),
            outbox_poll: Duration::from_millis(1000),
            outbox_lease: Duration::from_secs(120),
            webhook_timeout: Duration::from_secs(10),
            digest_local_time: (8, 30),
            similar_threshold: 0.7,
            similar_poll: Duration::from_millis(1000),
            similar_lease: Duration::from_secs(30),
            bulk_reply_chunk: 500,
            bulk_reply_lease: Duration::from_secs(60),
            bulk_reply_pause: Duration::ZERO,
        }
    }

    pub fn from_env() -> anyhow::Result<Self> {
        Self::from_lookup(|key| std::env::var(key).ok().filter(|v| !v.trim().is_empty()))
    }

    /// Reads settings through `lookup`, so tests can configure without touching the process environment.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> anyhow::Result<Self> {
        let mut config = Self::local_default();
        if let Some(url) = lookup("DATABASE_URL") {
            config.database_url = url;
        }
        config.redis_url = lookup("REDIS_URL");
        if let Some(addr) = lookup("LISTEN_ADDR") {
            config.listen_addr = addr.parse().with_context(|| format!("LISTEN_ADDR `{addr}` is not host:port"))?;
        }
        match lookup("SECRET_KEY") {
            Some(key) if key.len() < 32 => bail!("SECRET_KEY must be at least 32 characters"),
            Some(key) => config.secret_key = key.into_bytes(),
            None => {}
        }
        if let Some(key) = lookup("DATA_KEY") {
            config.data_key = crate::data_key::DataKey::parse_hex(&key)?;
        }
        if let Some(format) = lookup("LOG_FORMAT") {
            config.log_format = match format.as_str() {
                "text" => LogFormat::Text,
                "json" => LogFormat::Json,
                other => bail!("LOG_FORMAT must be `text` or `json`, not `{other}`"),
            };
        }
        if let Some(origins) = lookup("CORS_ORIGINS") {
            config.cors_origins = split_list(&origins).map(str::to_owned).collect();
        }
        if let Some(proxies) = lookup("TRUSTED_PROXIES") {
            config.trusted_proxies = split_list(&proxies).map(Cidr::parse).collect::<anyhow::Result<_>>()?;
        }
        let limits = &mut config.rate_limits;
        for (key, slot) in [
            ("RATE_LIMIT_LOGIN_FAILURES", &mut limits.login_failures),
            ("RATE_LIMIT_LOGIN_FAILURES_PER_ADDRESS", &mut limits.login_failures_per_address),
            ("RATE_LIMIT_REGISTRATIONS_PER_HOUR", &mut limits.registrations_per_hour),
            ("RATE_LIMIT_COMMENTS_PER_MINUTE", &mut limits.comments_per_minute),
            ("RATE_LIMIT_COMMENTS_PER_DAY", &mut limits.comments_per_day),
            ("RATE_LIMIT_REPORTS_PER_HOUR", &mut limits.reports_per_hour),
            ("RATE_LIMIT_APPLICATIONS_PER_DAY", &mut limits.applications_per_day),
            ("RATE_LIMIT_DISCLOSURE_REQUESTS_PER_DAY", &mut limits.disclosure_requests_per_day),
            ("RATE_LIMIT_OBSERVATIONS_PER_DAY", &mut limits.observations_per_day),
            ("RATE_LIMIT_VERIFICATION_EMAILS_PER_HOUR", &mut limits.verification_emails_per_hour),
            ("RATE_LIMIT_PASSWORD_RESETS_PER_HOUR", &mut limits.password_resets_per_hour),
            ("RATE_LIMIT_PASSWORD_RESETS_PER_ADDRESS", &mut limits.password_resets_per_address),
        ] {
            if let Some(value) = lookup(key) {
                *slot = parse_number(key, &value)?;
            }
        }
        if let Some(value) = lookup("REPORT_HIDE_THRESHOLD") {
            config.report_hide_threshold = parse_number::<i32>("REPORT_HIDE_THRESHOLD", &value)?.max(1);
        }
        if let Some(value) = lookup("SESSION_IDLE_HOURS") {
            config.session_idle = Duration::from_secs(parse_number::<u64>("SESSION_IDLE_HOURS", &value)? * 3600);
        }
        if let Some(value) = lookup("SESSION_ABSOLUTE_HOURS") {
            config.session_absolute =
                Duration::from_secs(parse_number::<u64>("SESSION_ABSOLUTE_HOURS", &value)? * 3600);
        }
        if let Some(value) = lookup("HTTP_CACHE_SECONDS") {
            config.http_cache = Duration::from_secs(parse_number::<u64>("HTTP_CACHE_SECONDS", &value)?.min(3600));
        }
        if let Some(value) = lookup("SLOW_REQUEST_MS") {
            config.slow_request = Duration::from_millis(parse_number::<u64>("SLOW_REQUEST_MS", &value)?.max(1));
        }
        if let Some(value) = lookup("RESPONSE_CACHE_MS") {
            config.response_cache = Duration::from_millis(parse_number::<u64>("RESPONSE_CACHE_MS", &value)?.min(60_000));
        }
        if let Some(value) = lookup("PASSWORD_HASH_THREADS") {
            config.password_hash_threads = parse_number::<usize>("PASSWORD_HASH_THREADS", &value)?.clamp(1, 64);
        }
        if let Some(value) = lookup("DATABASE_MAX_CONNECTIONS") {
            config.max_connections = parse_number::<u32>("DATABASE_MAX_CONNECTIONS", &value)?.max(2);
        }
        if let Some(value) = lookup("SUBMISSION_WRITERS") {
            config.submission_writers = parse_number::<u32>("SUBMISSION_WRITERS", &value)?.clamp(1, 64);
        }
        if let Some(value) = lookup("EXPORT_LINK_SECONDS") {
            config.export_link_ttl = Duration::from_secs(parse_number::<u64>("EXPORT_LINK_SECONDS", &value)?.max(1));
        }
        if let Some(value) = lookup("EXPORT_BATCH_SIZE") {
            config.export_batch_size = parse_number::<u32>("EXPORT_BATCH_SIZE", &value)?.clamp(1, 10_000);
        }
        if let Some(value) = lookup("OBSERVATION_DUE_WORKING_DAYS") {
            let days = parse_number::<u32>("OBSERVATION_DUE_WORKING_DAYS", &value)?;
            if !(1..=MAX_DUE_WORKING_DAYS).contains(&days) {
                bail!("OBSERVATION_DUE_WORKING_DAYS must be between 1 and {MAX_DUE_WORKING_DAYS}, not `{value}`");
            }
            config.observation_due_working_days = days;
        }
        if let Some(value) = lookup("WS_MAX_CONNECTIONS_PER_ADDRESS") {
            config.ws_per_address = parse_number("WS_MAX_CONNECTIONS_PER_ADDRESS", &value)?;
        }
        if let Some(value) = lookup("WS_MAX_CONNECTIONS") {
            config.ws_per_instance = parse_number("WS_MAX_CONNECTIONS", &value)?;
        }
        if let Some(value) = lookup("DEFAULT_LOCALE") {
            config.default_locale = crate::i18n::Locale::parse(&value)
                .ok_or_else(|| anyhow::anyhow!("DEFAULT_LOCALE must be zh-CN or en, not `{value}`"))?;
        }
        config.holiday_calendar = lookup("HOLIDAY_CALENDAR").map(PathBuf::from);
        config.smtp_url = lookup("SMTP_URL");
        if let Some(value) = lookup("MAIL_FROM") {
            value.parse::<lettre::message::Mailbox>().map_err(|e| anyhow::anyhow!("MAIL_FROM `{value}` is not a mailbox: {e}"))?;
            config.mail_from = value;
        }
        if let Some(value) = lookup("PUBLIC_URL") {
            config.public_url = value.trim_end_matches('/').to_owned();
        } else {
            config.public_url = format!("http://{}", config.listen_addr);
        }
        if let Some(value) = lookup("OUTBOX_LEASE_SECONDS") {
            config.outbox_lease = Duration::from_secs(value.parse().map_err(|_| anyhow::anyhow!("OUTBOX_LEASE_SECONDS must be a number of seconds"))?);
        }
        if let Some(value) = lookup("DIGEST_LOCAL_TIME") {
            config.digest_local_time = parse_local_time(&value).ok_or_else(|| anyhow::anyhow!("DIGEST_LOCAL_TIME must be a time of day as HH:MM, like 08:30"))?;
        }
        if let Some(value) = lookup("WEBHOOK_TIMEOUT_SECONDS") {
            config.webhook_timeout = Duration::from_secs(value.parse().map_err(|_| anyhow::anyhow!("WEBHOOK_TIMEOUT_SECONDS must be a number of seconds"))?);
        }
        if let Some(value) = lookup("SIMILAR_THRESHOLD") {
            config.similar_threshold = value
                .parse::<f64>()
                .ok()
                .filter(|t| *t > 0.0 && *t < 1.0)
                .ok_or_else(|| anyhow::anyhow!("SIMILAR_THRESHOLD must be a number between 0 and 1, like 0.7"))?;
        }
        if let Some(value) = lookup("SIMILAR_POLL_MS") {
            config.similar_poll = Duration::from_millis(value.parse().map_err(|_| anyhow::anyhow!("SIMILAR_POLL_MS must be a number of milliseconds"))?);
        }
        if let Some(value) = lookup("BULK_REPLY_CHUNK") {
            config.bulk_reply_chunk =
                value.parse().ok().filter(|n| *n > 0).ok_or_else(|| anyhow::anyhow!("BULK_REPLY_CHUNK must be a positive number of comments"))?;
        }
        if let Some(value) = lookup("BULK_REPLY_LEASE_SECONDS") {
            config.bulk_reply_lease = Duration::from_secs(value.parse().map_err(|_| anyhow::anyhow!("BULK_REPLY_LEASE_SECONDS must be a number of seconds"))?);
        }
        if let Some(value) = lookup("BULK_REPLY_PAUSE_MS") {
            config.bulk_reply_pause = Duration::from_millis(value.parse().map_err(|_| anyhow::anyhow!("BULK_REPLY_PAUSE_MS must be a number of milliseconds"))?);
        }
        if let Some(value) = lookup("OUTBOX_POLL_MS") {
            config.outbox_poll = Duration::from_millis(value.parse().map_err(|_| anyhow::anyhow!("OUTBOX_POLL_MS must be a number of milliseconds"))?);
        }
        Ok(config)
    }

    pub fn is_sqlite(&self) -> bool {
        self.database_url.starts_with("sqlite:")
    }
}

fn split_list(value: &str) -> impl Iterator<Item = &str> {
    value.split(',').map(str::trim).filter(|s| !s.is_empty())
}

fn parse_number<T: std::str::FromStr>(key: &str, value: &str) -> anyhow::Result<T> {
    value.trim().parse().map_err(|_| anyhow::anyhow!("{key} must be a non-negative whole number, not `{value}`"))
}

/// An address range such as `10.0.0.0/8` or `::1/128`, for TRUSTED_PROXIES.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cidr {
    network: IpAddr,
    prefix: u8,
}

impl Cidr {
    pub fn parse(text: &str) -> anyhow::Result<Self> {
        let (addr, prefix) = match text.split_once('/') {
            Some((addr, prefix)) => (addr, Some(prefix)),
            None => (text, None),
        };
        let network: IpAddr = addr.parse().with_context(|| format!("`{text}` is not an address or CIDR range"))?;
        let max = if network.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            Some(p) => p.parse::<u8>().ok().filter(|p| *p <= max).with_context(|| format!("bad prefix in `{text}`"))?,
            None => max,
        };
        Ok(Self { network, prefix })
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4),
            v4 => v4,
        };
        match (self.network, ip) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => masked(u32::from(net).into(), self.prefix, 32) == masked(u32::from(ip).into(), self.prefix, 32),
            (IpAddr::V6(net), IpAddr::V6(ip)) => masked(u128::from(net), self.prefix, 128) == masked(u128::from(ip), self.prefix, 128),
            _ => false,
        }
    }
}

fn masked(value: u128, prefix: u8, width: u32) -> u128 {
    if prefix == 0 {
        return 0;
    }
    let shift = width - u32::from(prefix);
    value >> shift
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cidr_matches_its_range_only() {
        let cidr = Cidr::parse("10.1.0.0/16").unwrap();
        assert!(cidr.contains("10.1.200.3".parse().unwrap()));
        assert!(!cidr.contains("10.2.0.1".parse().unwrap()));
        assert!(Cidr::parse("::1").unwrap().contains("::1".parse().unwrap()));
        assert!(Cidr::parse("0.0.0.0/0").unwrap().contains("8.8.8.8".parse().unwrap()));
        assert!(Cidr::parse("10.0.0.0/33").is_err());
    }

    #[test]
    fn the_digest_time_is_a_time_of_day() {
        assert_eq!(Config::from_lookup(|_| None).unwrap().digest_local_time, (8, 30));
        let config = Config::from_lookup(|k| (k == "DIGEST_LOCAL_TIME").then(|| "17:05".to_owned())).unwrap();
        assert_eq!(config.digest_local_time, (17, 5));
        for bad in ["24:00", "8", "08:60", "noon"] {
            assert!(Config::from_lookup(|k| (k == "DIGEST_LOCAL_TIME").then(|| bad.to_owned())).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_similar_threshold_is_a_similarity_between_0_and_1() {
        assert_eq!(Config::from_lookup(|_| None).unwrap().similar_threshold, 0.7);
        let config = Config::from_lookup(|k| (k == "SIMILAR_THRESHOLD").then(|| "0.85".to_owned())).unwrap();
        assert_eq!(config.similar_threshold, 0.85);
        for bad in ["0", "1", "1.5", "-0.2", "high"] {
            assert!(Config::from_lookup(|k| (k == "SIMILAR_THRESHOLD").then(|| bad.to_owned())).is_err(), "{bad}");
        }
        assert!(Config::from_lookup(|k| (k == "BULK_REPLY_CHUNK").then(|| "0".to_owned())).is_err());
    }

    #[test]
    fn rate_limits_come_from_the_environment() {
        let config = Config::from_lookup(|k| (k == "RATE_LIMIT_COMMENTS_PER_MINUTE").then(|| "0".to_owned())).unwrap();
        assert_eq!(config.rate_limits.comments_per_minute, 0);
        assert_eq!(config.rate_limits.comments_per_day, 100);
        assert!(Config::from_lookup(|k| (k == "RATE_LIMIT_REPORTS_PER_HOUR").then(|| "x".to_owned())).is_err());
        let config = Config::from_lookup(|k| (k == "RATE_LIMIT_OBSERVATIONS_PER_DAY").then(|| "2".to_owned())).unwrap();
        assert_eq!(config.rate_limits.observations_per_day, 2);
        assert_eq!(config.rate_limits.applications_per_day, 3);
    }

    #[test]
    fn observation_deadlines_come_from_the_environment() {
        assert_eq!(Config::from_lookup(|_| None).unwrap().observation_due_working_days, 15);
        let config = Config::from_lookup(|k| (k == "OBSERVATION_DUE_WORKING_DAYS").then(|| "5".to_owned())).unwrap();
        assert_eq!(config.observation_due_working_days, 5);
        assert!(Config::from_lookup(|k| (k == "OBSERVATION_DUE_WORKING_DAYS").then(|| "0".to_owned())).is_err());
        let config = Config::from_lookup(|k| (k == "HOLIDAY_CALENDAR").then(|| "/etc/gongkai/holidays.json".to_owned())).unwrap();
        assert_eq!(config.holiday_calendar, Some(PathBuf::from("/etc/gongkai/holidays.json")));
    }

    #[test]
    fn submission_writers_come_from_the_environment() {
        assert!(Config::from_lookup(|_| None).unwrap().submission_writers >= 1);
        let config = Config::from_lookup(|k| (k == "SUBMISSION_WRITERS").then(|| "3".to_owned())).unwrap();
        assert_eq!(config.submission_writers, 3);
        assert_eq!(Config::from_lookup(|k| (k == "SUBMISSION_WRITERS").then(|| "0".to_owned())).unwrap().submission_writers, 1);
        assert!(Config::from_lookup(|k| (k == "SUBMISSION_WRITERS").then(|| "many".to_owned())).is_err());
    }
}
