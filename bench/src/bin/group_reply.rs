//! `group-reply`: one reply to a duplicate group of `--count` comments (a campaign), each by an author
//! of their own, so that it writes as many replies and notifications; and the inbox of one account
//! holding as many notifications, paged by keyset.
//!
//! Starts the real server in this process (PostgreSQL + Redis), sets up an admin, a department, its
//! staff and an open consultation through the API, writes the campaign straight into the database
//! (accounts and comments, set-based), then sends the front end's `ReplyToDuplicateGroup` over HTTP
//! and times it: the answer comes once the transaction has committed. Meanwhile a citizen submits
//! comments to the same consultation and a reader pages its comments, one request after another,
//! to show what the reply holds up. Prints the figures; it is not a timed test.
//!
//!   cargo run --release -p gongkai-bench --bin group-reply -- [--count 100000]
//!   BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/gongkai_bench; the run uses a
//!   fresh database named after it with `_group`), BENCH_REDIS_URL (default redis://127.0.0.1:6379)

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context};
use sea_orm::{ConnectionTrait, Database};
use serde_json::json;

const REPLY: &str = "mutation($input: ReplyToDuplicateGroupInput!) { replyToDuplicateGroup(input: $input) { repliedCount } }";
const SUBMIT: &str = "mutation($input: SubmitCommentInput!) { submitComment(input: $input) { comment { id } } }";
const PAGE: &str = "query($id: ID!) { consultation(id: $id) { comments(first: 20) { edges { node { id body stance } } } } }";
const INBOX: &str = "query($after: String) { me { notifications(first: 20, after: $after) { pageInfo { endCursor } edges { node { id title } } } } }";

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
    let mut count = 100_000usize;
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value = args.next().ok_or_else(|| anyhow!("{flag} needs a value"))?;
        match flag.as_str() {
            "--count" => count = value.parse()?,
            other => bail!("unknown argument `{other}` (usage: group-reply [--count N])"),
        }
    }
    let base = std::env::var("BENCH_DATABASE_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/gongkai_bench".to_owned());
    let (server_url, name) = base.rsplit_once('/').ok_or_else(|| anyhow!("BENCH_DATABASE_URL has no database name"))?;
    let name = format!("{name}_group");
    let admin = Database::connect(format!("{server_url}/postgres")).await.context("connect to PostgreSQL")?;
    admin.execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).await?;
    admin.execute_unprepared(&format!("CREATE DATABASE {name}")).await?;

    let mut config = gongkai::config::Config::local_default();
    config.data_key = gongkai_bench::DATA_KEY.to_vec();
    config.database_url = format!("{server_url}/{name}");
    config.redis_url = Some(std::env::var("BENCH_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".to_owned()));
    config.listen_addr = "127.0.0.1:0".parse()?;
    config.secret_key = b"group-reply-benchmark-secret-key-0123456789abcdef".to_vec();
    gongkai_tests::no_limits(&mut config);
    let app = gongkai_tests::spawn_config(config, None).await;
    let w = app.world().await;
    let db = app.state.db.conn.clone();

    // The campaign: `count` accounts, each with one comment in one duplicate group.
    let seeded = Instant::now();
    let group = uuid::Uuid::now_v7();
    db.execute_unprepared(&format!(
        "INSERT INTO duplicate_groups (id, consultation_id, fingerprint, multi) VALUES ('{group}', '{}', 'bench-campaign', true)",
        w.consultation
    ))
    .await?;
    db.execute_unprepared(&format!(
        "INSERT INTO users (id, email, password_hash, display_name, role, suspended, created_at, updated_at)
         SELECT md5('u' || g)::uuid, 'campaigner' || g || '@example.cn', 'x', '市民' || g, 'CITIZEN', false, now(), now()
         FROM generate_series(1, {count}) g"
    ))
    .await?;
    db.execute_unprepared(&format!(
        "INSERT INTO comments (id, consultation_id, section_id, author_id, stance, body, status, duplicate_group_id,
                               endorsement_count, report_count, reply_count, created_at, updated_at)
         SELECT md5('c' || g)::uuid, '{}', NULL, md5('u' || g)::uuid, 'OPPOSE', '坚决反对砍伐老城区的梧桐树，请保留城市记忆。', 'PUBLISHED', '{group}',
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
        .gql(Some(&w.staff), REPLY, json!({ "input": { "groupId": group.to_string(), "body": "感谢您的意见。经研究，老城区行道树将予以保留，具体方案见公示。", "adoption": "ADOPTED" } }))
        .await;
    let reply_seconds = started.elapsed().as_secs_f64();
    tokio::time::sleep(Duration::from_secs(2)).await;
    running.store(false, Ordering::Relaxed);
    let replied = answer.data()["replyToDuplicateGroup"]["repliedCount"].as_i64().unwrap_or(0);
    if replied != count as i64 {
        bail!("the reply answered {replied} comments, not {count}");
    }
    let notified = gongkai::sql::count(&db, "SELECT COUNT(*) FROM notifications WHERE kind = 'COMMENT_REPLIED'", vec![]).await.map_err(|e| anyhow!("{e:?}"))?;
    // The requests that were under way while the reply was: started before it committed, ended after it began.
    let ended = started + Duration::from_secs_f64(reply_seconds);
    let during = |all: Vec<(Instant, Duration)>| sorted(all.into_iter().filter(|(at, took)| *at < ended && *at + *took > started).map(|(_, took)| took.as_secs_f64() * 1000.0).collect());
    let writes = during(writer.await?);
    let reads = during(reader.await?);

    // The inbox of one account with `count` notifications: the first page and one halfway down.
    let (reader_token, reader_id) = app.citizen("通知很多的读者").await;
    db.execute_unprepared(&format!(
        "INSERT INTO notifications (id, recipient_id, kind, subject_type, subject_id, params, created_at)
         SELECT md5('n' || g)::uuid, '{reader_id}', 'COMMENT_REPLIED', 'COMMENT', md5('c' || g)::uuid,
                '{{\"consultation\":\"关于老城区更新的征求意见\",\"adoption\":\"ADOPTED\"}}', now()
         FROM generate_series(1, {count}) g"
    ))
    .await?;
    db.execute_unprepared("ANALYZE notifications").await?;
    let middle: uuid::Uuid = gongkai::sql::rows(&db, &format!("SELECT id FROM notifications WHERE recipient_id = '{reader_id}' ORDER BY id DESC OFFSET {} LIMIT 1", count / 2), vec![])
        .await
        .map_err(|e| anyhow!("{e:?}"))?
        .first()
        .and_then(|row| row.try_get::<uuid::Uuid>("", "id").ok())
        .ok_or_else(|| anyhow!("no middle notification"))?;
    let cursor = gongkai::services::pagination::id_cursor(middle);
    let mut first_page = Vec::new();
    let mut deep_page = Vec::new();
    for _ in 0..50 {
        for (after, into) in [(None, &mut first_page), (Some(cursor.clone()), &mut deep_page)] {
            let t = Instant::now();
            let answer = app.gql(Some(&reader_token), INBOX, json!({ "after": after })).await;
            into.push(t.elapsed().as_secs_f64() * 1000.0);
            let edges = answer.data()["me"]["notifications"]["edges"].as_array().map_or(0, Vec::len);
            if edges != 20 {
                bail!("an inbox page had {edges} notifications, not 20");
            }
        }
    }
    let (first_page, deep_page) = (sorted(first_page), sorted(deep_page));

    println!("campaign seeded in {seed_seconds:.1} s");
    println!("| comments | replies | notifications | reply committed (s) | replies/s | notifications/s |");
    println!("| --- | --- | --- | --- | --- | --- |");
    println!("| {count} | {replied} | {notified} | {reply_seconds:.2} | {:.0} | {:.0} |", replied as f64 / reply_seconds, notified as f64 / reply_seconds);
    println!();
    println!("| while the reply ran (ms) | requests | median | p99 | max |");
    println!("| --- | --- | --- | --- | --- |");
    for (what, l) in [("submitComment, same consultation", &writes), ("comments page, same consultation", &reads)] {
        println!("| {what} | {} | {:.1} | {:.1} | {:.1} |", l.len(), quantile(l, 0.5), quantile(l, 0.99), l.last().copied().unwrap_or(f64::NAN));
    }
    println!();
    println!("| inbox of {count} notifications (ms) | median | p99 |");
    println!("| --- | --- | --- |");
    println!("| first page of 20 | {:.1} | {:.1} |", quantile(&first_page, 0.5), quantile(&first_page, 0.99));
    println!("| page 20 after the {}th | {:.1} | {:.1} |", count / 2, quantile(&deep_page, 0.5), quantile(&deep_page, 0.99));
    Ok(())
}
