//! `bulk-reply`: one bulk reply (`startBulkReply` by filter) to `--count` comments of one consultation,
//! each by an author of their own, written by the background job chunk by chunk; replies per second,
//! and what it holds up: a reader paging the consultation's comments and a citizen submitting to it,
//! one request after another, for the whole run.
//!
//! Starts the real server in this process (PostgreSQL + Redis), sets up an admin, a department, its
//! staff and an open consultation through the API, writes the comments straight into the database
//! (accounts, comments, their duplicate and similar group; set-based), then sends the front end's
//! `StartBulkReply` over HTTP and polls `BulkReply` until the job is DONE. Prints the figures; it is
//! not a timed test.
//!
//!   cargo run --release -p gongkai-bench --bin bulk-reply -- [--count 100000] [--chunk 500]
//!   BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/gongkai_bench; the run uses a
//!   fresh database named after it with `_bulk`), BENCH_REDIS_URL (default redis://127.0.0.1:6379)

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context};
use sea_orm::{ConnectionTrait, Database};
use serde_json::json;

const START: &str = "mutation($input: BulkReplyInput!) { startBulkReply(input: $input) { id status total done createdAt } }";
const JOB: &str = "query($id: ID!) { bulkReply(id: $id) { id status total done skipped failed createdAt finishedAt } }";
const SUBMIT: &str = "mutation($input: SubmitCommentInput!) { submitComment(input: $input) { comment { id } } }";
const PAGE: &str = "query($id: ID!) { consultation(id: $id) { comments(first: 20) { edges { node { id body stance } } } } }";

fn quantile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 - 1.0) * q).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn sorted(mut v: Vec<f64>) -> Vec<f64> {
    v.sort_by(f64::total_cmp);
    v
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let (mut count, mut chunk) = (100_000usize, 500usize);
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value = args.next().ok_or_else(|| anyhow!("{flag} needs a value"))?;
        match flag.as_str() {
            "--count" => count = value.parse()?,
            "--chunk" => chunk = value.parse()?,
            other => bail!("unknown argument `{other}` (usage: bulk-reply [--count N] [--chunk N])"),
        }
    }
    let base = std::env::var("BENCH_DATABASE_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/gongkai_bench".to_owned());
    let (server_url, name) = base.rsplit_once('/').ok_or_else(|| anyhow!("BENCH_DATABASE_URL has no database name"))?;
    let name = format!("{name}_bulk");
    let admin = Database::connect(format!("{server_url}/postgres")).await.context("connect to PostgreSQL")?;
    admin.execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).await?;
    admin.execute_unprepared(&format!("CREATE DATABASE {name}")).await?;

    let mut config = gongkai::config::Config::local_default();
    config.data_key = gongkai_bench::DATA_KEY.to_vec();
    config.database_url = format!("{server_url}/{name}");
    config.redis_url = Some(std::env::var("BENCH_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".to_owned()));
    config.listen_addr = "127.0.0.1:0".parse()?;
    config.secret_key = b"bulk-reply-benchmark-secret-key-0123456789abcdef".to_vec();
    config.bulk_reply_chunk = chunk;
    gongkai_tests::no_limits(&mut config);
    let app = gongkai_tests::spawn_config(config, None).await;
    let w = app.world().await;
    let db = app.state.db.conn.clone();

    // `count` accounts, each with one comment (placed in one similar group, so that the similar-group
    // worker has nothing to do during the run).
    let seeded = Instant::now();
    let group = uuid::Uuid::now_v7();
    db.execute_unprepared(&format!(
        "INSERT INTO duplicate_groups (id, consultation_id, fingerprint, multi) VALUES ('{group}', '{}', 'bench-bulk', true)",
        w.consultation
    ))
    .await?;
    db.execute_unprepared(&format!(
        "INSERT INTO users (id, email, password_hash, display_name, role, suspended, created_at, updated_at)
         SELECT md5('u' || g)::uuid, 'writer' || g || '@example.cn', 'x', '市民' || g, 'CITIZEN', false, now(), now()
         FROM generate_series(1, {count}) g"
    ))
    .await?;
    db.execute_unprepared(&format!(
        "INSERT INTO similar_groups (id, consultation_id, size, replied_count, sample_comment_id)
         VALUES ('{group}', '{}', {count}, 0, md5('c1')::uuid)",
        w.consultation
    ))
    .await?;
    db.execute_unprepared(&format!(
        "INSERT INTO comments (id, consultation_id, section_id, author_id, stance, body, status, duplicate_group_id, similar_group_id,
                               endorsement_count, report_count, reply_count, created_at, updated_at)
         SELECT md5('c' || g)::uuid, '{}', NULL, md5('u' || g)::uuid, 'SUPPORT', '建议延长地铁末班车运营时间，方便夜间通勤。第' || g || '位市民', 'PUBLISHED', '{group}', '{group}',
                0, 0, 0, now() - make_interval(secs => g / 1000.0), now()
         FROM generate_series(1, {count}) g",
        w.consultation
    ))
    .await?;
    db.execute_unprepared("ANALYZE").await?;
    let seed_seconds = seeded.elapsed().as_secs_f64();
    // One writer and one reader of the same consultation, one request after another, for the whole run.
    let (citizen, _) = app.citizen("并发提交者").await;
    let running = Arc::new(AtomicBool::new(true));
    let writer = {
        let (http, url, running, consultation, token) = (app.http.clone(), app.url.clone(), running.clone(), w.consultation.clone(), citizen.clone());
        tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut n = 0;
            while running.load(Ordering::Relaxed) {
                n += 1;
                let input = json!({ "input": { "consultationId": consultation, "stance": "SUPPORT", "body": format!("并发提交的第{n}条意见，内容各不相同。"), "clientRequestId": uuid::Uuid::new_v4().to_string() } });
                let started = Instant::now();
                let answer = gongkai_tests::gql_at(&http, &url, Some(&token), SUBMIT, input).await;
                latencies.push((started, started.elapsed()));
                if !answer.is_ok() {
                    eprintln!("a submission failed: {:?}", answer.0);
                }
            }
            latencies
        })
    };
    let reader = {
        let (http, url, running, consultation, token) = (app.http.clone(), app.url.clone(), running.clone(), w.consultation.clone(), w.staff.clone());
        tokio::spawn(async move {
            let mut latencies = Vec::new();
            while running.load(Ordering::Relaxed) {
                let started = Instant::now();
                let answer = gongkai_tests::gql_at(&http, &url, Some(&token), PAGE, json!({ "id": consultation })).await;
                latencies.push((started, started.elapsed()));
                if !answer.is_ok() {
                    eprintln!("a page read failed: {:?}", answer.0);
                }
            }
            latencies
        })
    };
    tokio::time::sleep(Duration::from_secs(2)).await;
    let started = Instant::now();
    let answer = app
        .gql(Some(&w.staff), START, json!({ "input": { "consultationId": w.consultation, "body": "感谢您的意见。经研究，地铁末班车将延长至23时，具体方案见公示。", "adoption": "ADOPTED", "filter": { "duplicateGroupId": group.to_string() } } }))
        .await;
    let id = answer.data()["startBulkReply"]["id"].as_str().ok_or_else(|| anyhow!("no job id"))?.to_owned();
    let job = loop {
        let job = app.gql(Some(&w.staff), JOB, json!({ "id": id })).await.data()["bulkReply"].clone();
        if job["status"] == "DONE" || job["status"] == "FAILED" {
            break job;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let job_seconds = started.elapsed().as_secs_f64();
    tokio::time::sleep(Duration::from_secs(2)).await;
    running.store(false, Ordering::Relaxed);
    let replied = job["done"].as_i64().unwrap_or(0);
    if replied != count as i64 {
        bail!("the job replied to {replied} comments, not {count}: {job}");
    }
    let notified = gongkai::sql::count(&db, "SELECT COUNT(*) FROM notifications WHERE kind = 'COMMENT_REPLIED'", vec![]).await.map_err(|e| anyhow!("{e:?}"))?;
    let ended = started + Duration::from_secs_f64(job_seconds);
    let during = |all: Vec<(Instant, Duration)>| sorted(all.into_iter().filter(|(at, took)| *at < ended && *at + *took > started).map(|(_, took)| took.as_secs_f64() * 1000.0).collect());
    let writes = during(writer.await?);
    let reads = during(reader.await?);

    println!("{count} comments seeded in {seed_seconds:.1} s; chunks of {chunk}");
    println!("| comments | replies | notifications | job started to DONE (s) | replies/s |");
    println!("| --- | --- | --- | --- | --- |");
    println!("| {count} | {replied} | {notified} | {job_seconds:.2} | {:.0} |", replied as f64 / job_seconds);
    println!();
    println!("| while the job ran (ms) | requests | median | p99 | max |");
    println!("| --- | --- | --- | --- | --- |");
    for (what, l) in [("submitComment, same consultation", &writes), ("comments page, same consultation", &reads)] {
        println!("| {what} | {} | {:.1} | {:.1} | {:.1} |", l.len(), quantile(l, 0.5), quantile(l, 0.99), l.last().copied().unwrap_or(f64::NAN));
    }
    Ok(())
}
