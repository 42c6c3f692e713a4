//! `seed-load`: fills a PostgreSQL database with a benchmark load (departments, accounts, ~200
//! consultations, one of them with a million comments) through COPY, consistent with what the server
//! maintains, and writes a small JSON summary for the benchmark driver.

use std::path::PathBuf;
use std::str::FromStr;
use std::time::Instant;

use anyhow::{anyhow, bail, Context};
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::PasswordHasher;
use argon2::Argon2;
use gongkai_bench::copy::copy_in;
use gongkai_bench::generate::{self, Chunk};
use gongkai_bench::plan::{self, Sizes};
use gongkai_bench::rng::Rng;
use migration::MigratorTrait;
use sea_orm::sqlx::postgres::{PgConnectOptions, PgConnection};
use sea_orm::sqlx::{self, Connection};

const DEFAULT_URL: &str = "postgres://postgres@127.0.0.1:5432/gongkai_bench";
const CHUNK_COMMENTS: u64 = 20_000;
const USAGE: &str = "usage: seed-load [--users N] [--comments N] [--consultations N] [--seed N] [--out FILE] [--force]
  DATABASE_URL   PostgreSQL URL (default postgres://postgres@127.0.0.1:5432/gongkai_bench)
  --users        citizen accounts (default 100000)
  --comments     comments on the big consultation (default 1000000)
  --consultations  consultations in all (default 200)
  --out          JSON summary for the benchmark (default target/bench-seed.json)
  --force        empty every table (except seaql_migrations) and seed again";

struct Args {
    users: u64,
    comments: u64,
    consultations: usize,
    seed: u64,
    out: PathBuf,
    force: bool,
}

impl Args {
    fn parse() -> anyhow::Result<Self> {
        let mut args = Self {
            users: 100_000,
            comments: 1_000_000,
            consultations: 200,
            seed: 20_261_128,
            out: PathBuf::from("target/bench-seed.json"),
            force: false,
        };
        let mut it = std::env::args().skip(1);
        while let Some(flag) = it.next() {
            let mut value = || it.next().ok_or_else(|| anyhow!("{flag} needs a value\n{USAGE}"));
            match flag.as_str() {
                "--users" => args.users = value()?.replace('_', "").parse()?,
                "--comments" => args.comments = value()?.replace('_', "").parse()?,
                "--consultations" => args.consultations = value()?.parse()?,
                "--seed" => args.seed = value()?.parse()?,
                "--out" => args.out = PathBuf::from(value()?),
                "--force" => args.force = true,
                "-h" | "--help" => {
                    println!("{USAGE}");
                    std::process::exit(0);
                }
                other => bail!("unknown argument `{other}`\n{USAGE}"),
            }
        }
        if args.users < 10 {
            bail!("--users must be at least 10");
        }
        Ok(args)
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse()?;
    let url = std::env::var("DATABASE_URL").unwrap_or_else(|_| DEFAULT_URL.to_owned());
    let started = Instant::now();

    ensure_database(&url).await?;
    let db = sea_orm::Database::connect(&url).await.context("connecting to the database")?;
    migration::Migrator::up(&db, None).await.context("running the migrations")?;
    let pool = db.get_postgres_connection_pool().clone();
    let mut conn = pool.acquire().await?;

    if let Some(id) = big_consultation(&mut conn).await? {
        if !args.force {
            eprintln!("already seeded: the big consultation is {id} (use --force to empty the tables and seed again)");
            write_summary(&mut conn, &args.out).await?;
            return Ok(());
        }
    }
    if args.force {
        truncate_all(&mut conn).await?;
    }

    eprintln!("hashing the bench password (argon2id, default parameters)");
    let hash: PasswordHash =
        Argon2::default().hash_password(plan::PASSWORD.as_bytes()).map_err(|e| anyhow!("hashing failed: {e}"))?;
    let hash = hash.to_string();

    let now_ms = chrono::Utc::now().timestamp_millis();
    let mut rng = Rng::new(args.seed);
    let sizes = Sizes { users: args.users, consultations: args.consultations, big_comments: args.comments };
    let base = plan::build(&mut rng, now_ms, &sizes, &hash);
    let planned: u64 = base.plans.iter().map(|p| p.comments).sum();

    sqlx::raw_sql("BEGIN").execute(&mut *conn).await?;
    let c: &mut PgConnection = &mut conn;
    copy_in(c, plan::DEPARTMENT_COLUMNS, &base.departments).await.context("departments")?;
    let users = copy_in(c, plan::USER_COLUMNS, &base.users).await.context("users")?;
    copy_in(c, plan::CONSULTATION_COLUMNS, &base.consultations).await.context("consultations")?;
    copy_in(c, plan::COOPERATING_COLUMNS, &base.cooperating).await.context("consultation_departments")?;
    copy_in(c, plan::SECTION_COLUMNS, &base.sections).await.context("sections")?;
    eprintln!("{users} accounts, {} consultations; now {planned} comments", base.plans.len());

    // Generation (text, NFKC, SHA-256) runs on its own thread while this one streams COPY data.
    let (tx, mut rx) = tokio::sync::mpsc::channel::<(Chunk, u64)>(2);
    let plans = base.plans;
    let citizens = base.citizens;
    let seed = args.seed;
    let generator = std::thread::spawn(move || {
        generate::generate(&plans, &citizens, now_ms, seed, CHUNK_COMMENTS, |chunk, n| tx.blocking_send((chunk, n)).is_ok())
    });
    let load_started = Instant::now();
    let mut done = 0u64;
    while let Some((chunk, n)) = rx.recv().await {
        copy_in(c, generate::GROUP_COLUMNS, &chunk.groups).await.context("duplicate_groups")?;
        copy_in(c, generate::COMMENT_COLUMNS, &chunk.comments).await.context("comments")?;
        copy_in(c, generate::REPLY_COLUMNS, &chunk.replies).await.context("replies")?;
        copy_in(c, generate::ENDORSEMENT_COLUMNS, &chunk.endorsements).await.context("endorsements")?;
        copy_in(c, generate::REPORT_COLUMNS, &chunk.reports).await.context("reports")?;
        done += n;
        let secs = load_started.elapsed().as_secs_f64();
        eprint!(
            "\r  comments {done:>9}/{planned} {:5.1}%  {secs:6.1} s  {:7.0}/s ",
            100.0 * done as f64 / planned.max(1) as f64,
            done as f64 / secs.max(0.001)
        );
    }
    eprintln!();
    let finish = generator
        .join()
        .map_err(|_| anyhow!("the generator thread panicked"))?
        .ok_or_else(|| anyhow!("generation stopped early"))?;

    eprintln!("counters, duplicate groups and outcomes");
    copy_in(c, generate::COUNTER_COLUMNS, &finish.counters).await.context("counters")?;
    for ids in finish.multi_groups.chunks(10_000) {
        let ids: Vec<String> = ids.iter().map(ToString::to_string).collect();
        sqlx::query("UPDATE duplicate_groups SET multi = true WHERE id = ANY($1::text[]::uuid[])")
            .bind(ids)
            .execute(&mut *c)
            .await?;
    }
    for (id, o) in &finish.outcomes {
        sqlx::query(
            "UPDATE consultations SET outcome_total = $1, outcome_replied = $2, outcome_adopted = $3,
                 outcome_partially_adopted = $4, outcome_not_adopted = $5, outcome_explained = $6
             WHERE id = $7::uuid",
        )
        .bind(o.total as i32)
        .bind(o.replied as i32)
        .bind(o.adopted as i32)
        .bind(o.partially_adopted as i32)
        .bind(o.not_adopted as i32)
        .bind(o.explained as i32)
        .bind(id.to_string())
        .execute(&mut *c)
        .await?;
    }
    eprintln!("committing");
    sqlx::raw_sql("COMMIT").execute(&mut *c).await?;
    let loaded = started.elapsed();

    eprintln!("VACUUM ANALYZE (visibility map and planner statistics)");
    sqlx::raw_sql("VACUUM (ANALYZE)").execute(&mut *c).await?;

    let t = &finish.totals;
    println!(
        "seeded {} comments ({} duplicate groups, {} with 2+ comments), {} replies, {} endorsements, {} reports, \
         {users} accounts, {} consultations",
        t.comments, t.groups, t.multi_groups, t.replies, t.endorsements, t.reports, args.consultations.max(2)
    );
    println!(
        "loaded in {:.1} s, {:.1} s with VACUUM ANALYZE",
        loaded.as_secs_f64(),
        started.elapsed().as_secs_f64()
    );
    write_summary(&mut conn, &args.out).await?;
    Ok(())
}

/// Creates the database named in the URL when it does not exist, through the `postgres` database.
async fn ensure_database(url: &str) -> anyhow::Result<()> {
    let options = PgConnectOptions::from_str(url).context("DATABASE_URL is not a PostgreSQL URL")?;
    let name = options.get_database().ok_or_else(|| anyhow!("DATABASE_URL names no database"))?.to_owned();
    let mut admin = PgConnection::connect_with(&options.clone().database("postgres"))
        .await
        .context("connecting to the `postgres` database")?;
    let exists: Option<i32> = sqlx::query_scalar("SELECT 1 FROM pg_database WHERE datname = $1")
        .bind(&name)
        .fetch_optional(&mut admin)
        .await?;
    if exists.is_none() {
        eprintln!("creating database {name}");
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE \"{}\"", name.replace('"', "\"\"")))).execute(&mut admin).await?;
    }
    admin.close().await?;
    Ok(())
}

async fn big_consultation(conn: &mut PgConnection) -> anyhow::Result<Option<String>> {
    Ok(sqlx::query_scalar(
        "SELECT id::text FROM consultations WHERE title LIKE '%' || $1 || '%' ORDER BY created_at, id LIMIT 1",
    )
    .bind(plan::BIG_MARKER)
    .fetch_optional(conn)
    .await?)
}

/// Empties every table of the public schema except the migration history.
async fn truncate_all(conn: &mut PgConnection) -> anyhow::Result<()> {
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT quote_ident(tablename) FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'seaql_migrations'",
    )
    .fetch_all(&mut *conn)
    .await?;
    if !tables.is_empty() {
        eprintln!("--force: emptying {} tables", tables.len());
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!("TRUNCATE {} CASCADE", tables.join(", ")))).execute(conn).await?;
    }
    Ok(())
}

async fn section_ids(conn: &mut PgConnection, consultation: &str) -> anyhow::Result<Vec<String>> {
    Ok(sqlx::query_scalar("SELECT id::text FROM sections WHERE consultation_id = $1::uuid ORDER BY ordinal")
        .bind(consultation)
        .fetch_all(conn)
        .await?)
}

/// What the benchmark driver needs, read back from the database so it is right for any earlier seed.
async fn write_summary(conn: &mut PgConnection, out: &PathBuf) -> anyhow::Result<()> {
    let big = big_consultation(conn).await?.ok_or_else(|| anyhow!("no big consultation in the database"))?;
    let open: String = sqlx::query_scalar(
        "SELECT id::text FROM consultations
         WHERE state = 'PUBLISHED' AND moderation = 'POST' AND opens_at < now() AND closes_at > now() + interval '7 days'
           AND title NOT LIKE '%' || $1 || '%'
         ORDER BY closes_at DESC, id LIMIT 1",
    )
    .bind(plan::BIG_MARKER)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or_else(|| anyhow!("no open consultation besides the big one"))?;
    let big_sections = section_ids(conn, &big).await?;
    let open_sections = section_ids(conn, &open).await?;
    let citizens: i64 = sqlx::query_scalar("SELECT count(*) FROM users WHERE email LIKE 'citizen%@bench.gongkai.test'")
        .fetch_one(&mut *conn)
        .await?;
    let published: i64 =
        sqlx::query_scalar("SELECT count(*) FROM comments WHERE consultation_id = $1::uuid AND status = 'PUBLISHED'")
            .bind(&big)
            .fetch_one(&mut *conn)
            .await?;
    let summary = serde_json::json!({
        "big_consultation_id": big,
        "big_section_ids": big_sections,
        "big_published_comments": published,
        "open_consultation_id": open,
        "open_section_ids": open_sections,
        "citizen_email_pattern": plan::CITIZEN_EMAIL_PATTERN,
        "citizen_count": citizens,
        "staff_email_pattern": plan::STAFF_EMAIL_PATTERN,
        "password": plan::PASSWORD,
    });
    if let Some(dir) = out.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(out, serde_json::to_string_pretty(&summary)? + "\n")
        .with_context(|| format!("writing {}", out.display()))?;
    println!("big consultation: {big} ({published} published comments)");
    println!("open consultation for submissions: {open}");
    println!("summary written to {}", out.display());
    Ok(())
}
