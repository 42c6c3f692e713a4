//! PostgreSQL connections of their own for the hot single-statement writes: the comment submission
//! writers (`services::submissions`), each writing a batch of submissions as one statement that
//! commits by itself.
//!
//! sqlx's pool pings every connection it takes back (a Sync message and its answer): a second round
//! trip per query, and a wake-up of the PostgreSQL backend, for nothing the statement needs. These
//! connections go back to their list without it. A connection whose statement failed for any reason
//! other than the database refusing the statement, or whose statement was abandoned half-way, is
//! closed, never reused; one that sat idle for `IDLE_CHECK` is pinged
//! before use, as the pool does.

use std::str::FromStr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use sea_orm::sqlx::postgres::{PgConnectOptions, PgRow};
use sea_orm::sqlx::{self, Connection, PgConnection};
use sea_orm::sea_query::Values;
use sea_orm::{DbErr, RuntimeErr, Value};
use sea_query_sqlx::SqlxValues;
use tokio::sync::Semaphore;

use crate::error::{AppError, AppResult};

/// A connection idle for this long is pinged before it is used again.
const IDLE_CHECK: Duration = Duration::from_secs(30);
/// How long a statement waits for a free connection before the request gets UNAVAILABLE.
const WAIT: Duration = Duration::from_secs(5);

#[derive(Clone)]
pub struct Statements(Arc<Inner>);

struct Inner {
    options: PgConnectOptions,
    size: usize,
    idle: Mutex<Vec<(PgConnection, Instant)>>,
    turns: Semaphore,
}

impl Statements {
    /// At most `size` connections, opened when first needed.
    pub fn new(url: &str, size: u32) -> anyhow::Result<Self> {
        let options = PgConnectOptions::from_str(url)?.options(super::POSTGRES_SESSION);
        let size = usize::try_from(size.max(1))?;
        Ok(Self(Arc::new(Inner { options, size, idle: Mutex::new(Vec::with_capacity(size)), turns: Semaphore::new(size) })))
    }

    /// How many connections there may be at once.
    pub fn size(&self) -> usize {
        self.0.size
    }

    /// Runs one statement and returns its rows.
    pub async fn rows(&self, sql: &str, values: Vec<Value>) -> AppResult<Vec<PgRow>> {
        let _turn = tokio::time::timeout(WAIT, self.0.turns.acquire())
            .await
            .map_err(|_| AppError::Unavailable(anyhow::anyhow!("no database connection for a statement within {WAIT:?}")))?
            .map_err(AppError::internal)?;
        let mut conn = self.take().await?;
        match sqlx::query_with(sqlx::AssertSqlSafe(sql), SqlxValues(Values(values))).fetch_all(&mut conn).await {
            Ok(rows) => {
                self.put_back(conn);
                Ok(rows)
            }
            Err(error) => {
                // PostgreSQL refused the statement and the connection is ready for the next one;
                // anything else leaves the connection in a state nobody should inherit.
                if matches!(error, sqlx::Error::Database(_)) {
                    self.put_back(conn);
                }
                Err(AppError::from(DbErr::Query(RuntimeErr::SqlxError(Arc::new(error)))))
            }
        }
    }

    /// An idle connection (pinged first if it sat idle for long), or a new one.
    async fn take(&self) -> AppResult<PgConnection> {
        loop {
            let idle = self.0.idle.lock().map_err(|_| AppError::internal(anyhow::anyhow!("statement connections lock poisoned")))?.pop();
            let Some((mut conn, since)) = idle else { break };
            if since.elapsed() < IDLE_CHECK || conn.ping().await.is_ok() {
                return Ok(conn);
            }
        }
        PgConnection::connect_with(&self.0.options).await.map_err(|e| AppError::from(DbErr::Conn(RuntimeErr::SqlxError(Arc::new(e)))))
    }

    fn put_back(&self, conn: PgConnection) {
        if let Ok(mut idle) = self.0.idle.lock() {
            idle.push((conn, Instant::now()));
        }
    }
}
