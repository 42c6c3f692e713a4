//! `mail-throughput`: email deliveries per second from the outbox to a local SMTP server.
//!
//! Starts the real server (this process; PostgreSQL + Redis) with `SMTP_URL` pointing at an SMTP
//! server in this process (mailin-embedded, which accepts each message and counts it), writes
//! `--count` notifications for as many verified accounts in one statement each, wakes the outbox, and
//! times until the SMTP server has every message. Prints the figures; it is not a timed test.
//!
//!   cargo run --release -p gongkai-bench --bin mail-throughput -- [--count 5000]
//!   BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/gongkai_bench; the run uses a
//!   fresh database named after it with `_mail`), BENCH_REDIS_URL (default redis://127.0.0.1:6379)

use std::net::TcpListener;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context};
use mailin_embedded::{response, Handler, Response, Server, SslConfig};
use sea_orm::{ConnectionTrait, Database};

#[derive(Clone)]
struct Count(Arc<AtomicUsize>);

impl Handler for Count {
    fn data_end(&mut self) -> Response {
        self.0.fetch_add(1, Ordering::Relaxed);
        response::OK
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut count = 5000usize;
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value = args.next().ok_or_else(|| anyhow!("{flag} needs a value"))?;
        match flag.as_str() {
            "--count" => count = value.parse()?,
            other => bail!("unknown argument `{other}` (usage: mail-throughput [--count N])"),
        }
    }
    let base = std::env::var("BENCH_DATABASE_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/gongkai_bench".to_owned());
    let (server_url, name) = base.rsplit_once('/').ok_or_else(|| anyhow!("BENCH_DATABASE_URL has no database name"))?;
    let name = format!("{name}_mail");
    let admin = Database::connect(format!("{server_url}/postgres")).await.context("connect to PostgreSQL")?;
    admin.execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).await?;
    admin.execute_unprepared(&format!("CREATE DATABASE {name}")).await?;

    let received = Arc::new(AtomicUsize::new(0));
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let smtp = listener.local_addr()?;
    let mut sink = Server::new(Count(received.clone()));
    sink.with_name("sink.bench").with_ssl(SslConfig::None).map_err(|e| anyhow!("{e}"))?.with_tcp_listener(listener).with_num_threads(64);
    std::thread::spawn(move || {
        let _ = sink.serve();
    });

    let mut config = gongkai::config::Config::local_default();
    config.data_key = gongkai_bench::DATA_KEY.to_vec();
    config.database_url = format!("{server_url}/{name}");
    config.redis_url = Some(std::env::var("BENCH_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".to_owned()));
    config.listen_addr = "127.0.0.1:0".parse()?;
    config.smtp_url = Some(format!("smtp://{smtp}"));
    config.mail_from = "Gongkai <no-reply@bench.test>".to_owned();
    config.public_url = "http://bench.test".to_owned();
    config.outbox_poll = Duration::from_millis(20);
    let running = gongkai::startup::start(config, std::future::pending()).await?;
    let db = &running.state.db.conn;

    // The accounts and their notifications, set-based, as a group reply would write them.
    let written = Instant::now();
    db.execute_unprepared(&format!(
        "INSERT INTO users (id, email, password_hash, display_name, role, suspended, email_verified_at, created_at, updated_at)
         SELECT md5('u' || g)::uuid, 'reader' || g || '@example.cn', 'x', '读者' || g, 'CITIZEN', false, now(), now(), now()
         FROM generate_series(1, {count}) g"
    ))
    .await?;
    db.execute_unprepared(&format!(
        "INSERT INTO notifications (id, recipient_id, kind, subject_type, subject_id, params, created_at)
         SELECT md5('n' || g)::uuid, md5('u' || g)::uuid, 'COMMENT_REPLIED', 'COMMENT', md5('c' || g)::uuid,
                '{{\"consultation\":\"关于城市更新的征求意见\",\"adoption\":\"ADOPTED\"}}', now()
         FROM generate_series(1, {count}) g"
    ))
    .await?;
    let write_seconds = written.elapsed().as_secs_f64();
    let started = Instant::now();
    running.state.outbox_wake.notify_one();
    let deadline = started + Duration::from_secs(600);
    while received.load(Ordering::Relaxed) < count {
        if Instant::now() > deadline {
            bail!("only {} of {count} emails arrived in 10 minutes", received.load(Ordering::Relaxed));
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let seconds = started.elapsed().as_secs_f64();
    println!("| emails | write (s) | all delivered (s) | deliveries/s |");
    println!("| --- | --- | --- | --- |");
    println!("| {count} | {write_seconds:.2} | {seconds:.2} | {:.0} |", count as f64 / seconds);
    Ok(())
}
