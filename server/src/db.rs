//! Database connection, migrations and write transactions.
//!
//! SQLite allows one writer at a time; a transaction that reads before it writes fails at once with
//! SQLITE_BUSY when another writer got in first. So on SQLite every write transaction passes through a
//! process-wide gate, while reads run concurrently on the pool. PostgreSQL needs no gate.

use std::ops::Deref;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DatabaseTransaction, DbBackend, TransactionTrait};
use tokio::sync::{Mutex, OwnedMutexGuard};

use crate::config::Config;
use crate::error::{AppError, AppResult};

mod statements;
pub use statements::Statements;

/// Settings of every PostgreSQL session the server opens. JIT off: an estimate of many rows (a rare
/// word's matches, estimated at 76,640 for 82) made PostgreSQL compile the query's expressions for
/// 180 ms to run it in 2 ms; the server's statements are short, and none gains from it.
pub const POSTGRES_SESSION: [(&str, &str); 1] = [("jit", "off")];

#[derive(Clone)]
pub struct Db {
    pub conn: DatabaseConnection,
    /// On PostgreSQL: connections for the hot single-statement writes, outside the pool (see
    /// `Statements`). DATABASE_MAX_CONNECTIONS is shared: SUBMISSION_WRITERS of them here, the rest
    /// in the pool.
    pub statements: Option<Statements>,
    write_gate: Option<Arc<Mutex<()>>>,
    /// Bumped after every committed write that public readers could see; cached anonymous responses
    /// from an older generation are not served.
    generation: Arc<AtomicU64>,
    /// Statements run through the pool (`gongkai_db_statements_total` in /metrics): a request's
    /// statement count is how the tests hold lists to a fixed number of queries whatever their size.
    statements_run: Arc<AtomicU64>,
}

/// A write transaction holding the SQLite write gate until it ends.
pub struct WriteTxn {
    txn: DatabaseTransaction,
    generation: Arc<AtomicU64>,
    _gate: Option<OwnedMutexGuard<()>>,
}

impl Deref for WriteTxn {
    type Target = DatabaseTransaction;
    fn deref(&self) -> &DatabaseTransaction {
        &self.txn
    }
}

impl WriteTxn {
    pub async fn commit(self) -> AppResult<()> {
        let generation = self.generation.clone();
        self.txn.commit().await.map_err(AppError::from)?;
        generation.fetch_add(1, Ordering::Release);
        Ok(())
    }

    /// Commits a write that changes nothing anonymous readers see (a sign-in and its audit entry, say),
    /// so cached public responses stay valid.
    pub async fn commit_private(self) -> AppResult<()> {
        self.txn.commit().await.map_err(AppError::from)
    }
}

impl Db {
    pub async fn connect(config: &Config) -> anyhow::Result<Self> {
        let url = &config.database_url;
        let sqlite = config.is_sqlite();
        if sqlite {
            ensure_sqlite_dir(url)?;
        }
        // The submission writers' connections come out of DATABASE_MAX_CONNECTIONS; the pool keeps
        // at least one.
        let statement_connections = config.submission_writers.clamp(1, config.max_connections.saturating_sub(1).max(1));
        let pool_connections = if sqlite { 8 } else { config.max_connections.saturating_sub(statement_connections).max(1) };
        // A database that does not answer within 5 s is unavailable (SERVICE_UNAVAILABLE); a local
        // SQLite file always answers, and a wait for it only measures a starved CPU, so it gets longer.
        let wait = Duration::from_secs(if sqlite { 30 } else { 5 });
        let mut options = ConnectOptions::new(url.clone());
        options
            .max_connections(pool_connections)
            .min_connections(1)
            .connect_timeout(wait)
            .acquire_timeout(wait)
            // sqlx pings a connection when it goes back to the pool, and by default once more when it
            // is taken out: a third round trip per query. Pinging on the way out only the connections
            // that sat idle for a while keeps the check where it catches something (a connection the
            // server or the network dropped while idle) and takes it off every busy query.
            .test_before_acquire_if_idle_for(Duration::from_secs(30))
            .sqlx_logging(false);
        if !sqlite {
            options.map_sqlx_postgres_opts(|o| o.options(POSTGRES_SESSION));
        }
        if sqlite {
            options.map_sqlx_sqlite_opts(|o| {
                o.journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
                    .synchronous(sea_orm::sqlx::sqlite::SqliteSynchronous::Normal)
                    .busy_timeout(Duration::from_secs(10))
                    .foreign_keys(true)
            });
        }
        let mut conn = Database::connect(options).await.with_context(|| format!("cannot connect to the database at {}", redact(url)))?;
        let statements_run = Arc::new(AtomicU64::new(0));
        let counter = statements_run.clone();
        let system = if sqlite { "sqlite" } else { "postgresql" };
        conn.set_metric_callback(move |info| {
            counter.fetch_add(1, Ordering::Relaxed);
            crate::telemetry::statement(system, info);
        });
        let statements = if sqlite { None } else { Some(Statements::new(url, statement_connections)?) };
        Ok(Self { conn, statements, write_gate: sqlite.then(|| Arc::new(Mutex::new(()))), generation: Arc::default(), statements_run })
    }

    /// Statements run through the pool since the start.
    pub fn statements_run(&self) -> u64 {
        self.statements_run.load(Ordering::Relaxed)
    }

    pub async fn migrate(&self) -> anyhow::Result<()> {
        Migrator::up(&self.conn, None).await.context("migrations failed")
    }

    pub fn backend(&self) -> DbBackend {
        self.conn.get_database_backend()
    }

    pub async fn begin(&self) -> AppResult<WriteTxn> {
        let gate = match &self.write_gate {
            Some(gate) => Some(gate.clone().lock_owned().await),
            None => None,
        };
        let txn = self.conn.begin().await?;
        Ok(WriteTxn { txn, generation: self.generation.clone(), _gate: gate })
    }

    /// Records that a write public readers could see committed outside `WriteTxn` (a single
    /// self-committing statement), so that cached public responses are not served again.
    pub fn committed_public_write(&self) {
        self.generation.fetch_add(1, Ordering::Release);
    }

    /// The write generation: changes whenever a public write commits on this instance.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// The pool's most connections, those open, and of those the idle ones (for `/metrics`).
    pub fn pool_figures(&self) -> (u32, u32, u32) {
        match self.conn.get_database_backend() {
            DbBackend::Postgres => {
                let pool = self.conn.get_postgres_connection_pool();
                (pool.options().get_max_connections(), pool.size(), u32::try_from(pool.num_idle()).unwrap_or(u32::MAX))
            }
            DbBackend::Sqlite => {
                let pool = self.conn.get_sqlite_connection_pool();
                (pool.options().get_max_connections(), pool.size(), u32::try_from(pool.num_idle()).unwrap_or(u32::MAX))
            }
            _ => (0, 0, 0),
        }
    }

    /// How long taking a connection from the pool took (then it goes straight back); `None` when the
    /// pool gave none within its acquire timeout.
    pub async fn acquire_time(&self) -> Option<Duration> {
        let started = std::time::Instant::now();
        let taken = match self.conn.get_database_backend() {
            DbBackend::Postgres => self.conn.get_postgres_connection_pool().acquire().await.map(drop),
            DbBackend::Sqlite => self.conn.get_sqlite_connection_pool().acquire().await.map(drop),
            _ => return None,
        };
        taken.ok().map(|()| started.elapsed())
    }

    pub async fn ping(&self) -> AppResult<()> {
        self.conn.execute_unprepared("SELECT 1").await?;
        Ok(())
    }
}

fn ensure_sqlite_dir(url: &str) -> anyhow::Result<()> {
    let path = url.trim_start_matches("sqlite:").trim_start_matches("//");
    let path = path.split('?').next().unwrap_or_default();
    if path.is_empty() || path == ":memory:" {
        return Ok(());
    }
    if let Some(parent) = std::path::Path::new(path).parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).with_context(|| format!("cannot create {}", parent.display()))?;
    }
    Ok(())
}

/// The URL without its password, for messages.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let creds = &url[scheme + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}
