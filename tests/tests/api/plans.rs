//! On PostgreSQL, the keyset queries the server sends use their indexes: no sequential scan of
//! comments or consultations, and no sort of the whole filtered set, at page 1 or deep in the list.

use gongkai::services::authz::Viewer;
use gongkai::services::comments::{self, CommentFilter};
use gongkai::services::consultations::{self, ListFilter};
use gongkai::domain::{CommentOrder, CommentStatus, ConsultationStatus};
use gongkai_tests::{no_limits, spawn_with, using_postgres, TestApp};
use sea_orm::{ConnectionTrait, DbBackend, Statement, Value};
use serde_json::json;
use uuid::Uuid;

async fn plan(app: &TestApp, sql: &str, values: Vec<Value>) -> String {
    let statement = Statement::from_sql_and_values(DbBackend::Postgres, format!("EXPLAIN {sql}"), values);
    let rows = app.state.db.conn.query_all_raw(statement).await.expect("explain");
    rows.iter().map(|r| r.try_get_by_index::<String>(0).expect("plan line")).collect::<Vec<_>>().join("\n")
}

async fn exec(app: &TestApp, sql: &str, values: Vec<Value>) {
    app.state.db.conn.execute_raw(Statement::from_sql_and_values(DbBackend::Postgres, sql, values)).await.expect(sql);
}

/// The buffers the whole query touched, from `EXPLAIN (ANALYZE, BUFFERS)` (its first Buffers line, the
/// top node's, which includes everything below it).
async fn buffers(app: &TestApp, sql: &str, values: Vec<Value>) -> (u64, String) {
    buffers_on(&app.state.db.conn, sql, values).await
}

/// `buffers` on a given connection or transaction.
async fn buffers_on(db: &impl ConnectionTrait, sql: &str, values: Vec<Value>) -> (u64, String) {
    let statement = Statement::from_sql_and_values(DbBackend::Postgres, format!("EXPLAIN (ANALYZE, BUFFERS) {sql}"), values);
    let rows = db.query_all_raw(statement).await.expect("explain analyze");
    let plan = rows.iter().map(|r| r.try_get_by_index::<String>(0).expect("plan line")).collect::<Vec<_>>().join("\n");
    let line = plan.lines().find(|l| l.trim_start().starts_with("Buffers:")).unwrap_or_default().to_owned();
    let total = line
        .split([' ', ','])
        .filter_map(|part| part.split_once('=').and_then(|(k, v)| ["hit", "read"].contains(&k).then(|| v.parse::<u64>().ok()).flatten()))
        .sum();
    (total, plan)
}

/// The id of a consultation's comment `offset` places into id order.
async fn nth_comment(app: &TestApp, consultation: Uuid, offset: u64) -> Uuid {
    app.state
        .db
        .conn
        .query_one_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            &format!("SELECT id FROM comments WHERE consultation_id = $1 ORDER BY id OFFSET {offset} LIMIT 1"),
            vec![consultation.into()],
        ))
        .await
        .expect("a comment")
        .expect("row")
        .try_get("", "id")
        .expect("id")
}

/// Runs a query on every connection of the pool, so that none meets `comment_page` for the first time
/// (and reads the catalogs to plan it) while its buffers are counted.
async fn warm_up(app: &TestApp, sql: &str, values: Vec<Value>) {
    let runs: Vec<_> = (0..16).map(|_| app.state.db.conn.query_all_raw(Statement::from_sql_and_values(DbBackend::Postgres, sql, values.clone()))).collect();
    for run in futures_util::future::join_all(runs).await {
        run.expect("warm-up");
    }
}

/// A UUIDv7-shaped id whose time part is `ms`: ids made this way sort in `ms` order.
const TIME_ORDERED_ID: &str = "CAST(overlay(overlay(md5(random()::text) placing lpad(to_hex(CAST({ms} AS bigint)), 12, '0') FROM 1 FOR 12) placing '7' FROM 13 FOR 1) AS uuid)";

/// `count` comments by `author` on `consultation` in one duplicate group, with ids whose time parts
/// count up from `first_ms`, and the status the SQL expression `status` gives row `g`.
async fn fill(app: &TestApp, consultation: Uuid, author: Uuid, count: u32, first_ms: i64, status: &str) {
    fill_spread(app, consultation, "$1", author, count, first_ms, status).await;
}

/// `fill`, with each row's consultation given by the SQL expression `consultation_of` (of row `g`; `$1`
/// is `consultation`, which also holds the duplicate group).
async fn fill_spread(app: &TestApp, consultation: Uuid, consultation_of: &str, author: Uuid, count: u32, first_ms: i64, status: &str) {
    let group = Uuid::now_v7();
    exec(app, "INSERT INTO duplicate_groups (id, consultation_id, fingerprint, multi) VALUES ($1, $2, 'plan-test', true)", vec![group.into(), consultation.into()]).await;
    let id = TIME_ORDERED_ID.replace("{ms}", &format!("{first_ms} + g"));
    exec(
        app,
        &format!(
            "INSERT INTO comments (id, consultation_id, author_id, stance, body, status, duplicate_group_id, created_at, updated_at)
             SELECT {id}, {consultation_of}, $2, 'SUPPORT', '意见 ' || g, {status}, $3, now(), now() FROM generate_series(1, {count}) g"
        ),
        vec![consultation.into(), author.into(), group.into()],
    )
    .await;
}

fn assert_indexed(plan: &str, table: &str) {
    assert!(plan.contains("Index"), "expected an index scan on {table}:\n{plan}");
    assert!(!plan.contains(&format!("Seq Scan on {table}")), "sequential scan of {table}:\n{plan}");
    assert!(!plan.contains("Sort"), "the keyset order should come from the index, not a sort:\n{plan}");
}

#[tokio::test]
async fn keyset_queries_use_their_indexes_on_postgresql() {
    if !using_postgres() {
        gongkai_tests::skipped("query plans are checked on PostgreSQL (set TEST_DATABASE_URL)");
        return;
    }
    let app = spawn_with(no_limits).await;
    let w = app.world().await;
    let (_, citizen) = app.citizen("读者").await;
    let consultation: Uuid = w.consultation.parse().expect("id");
    let author: Uuid = citizen.parse().expect("id");
    // Enough rows that the planner would rather scan than seek if the indexes did not fit the queries:
    // 40,000 comments on the consultation (one in 25 hidden), then 20,000 newer ones (time-ordered ids,
    // as the server's are) on another, which a page-1 scan of the primary key would have to skip.
    let status = "CASE WHEN g % 25 = 0 THEN 'HIDDEN' ELSE 'PUBLISHED' END";
    fill(&app, consultation, author, 40_000, 1_700_000_000_000, status).await;
    let other: Uuid = app.world().await.consultation.parse().expect("id");
    fill(&app, other, author, 20_000, 1_800_000_000_000, "'PUBLISHED'").await;
    let department: Uuid = w.department.parse().expect("id");
    let creator: Uuid = app
        .state
        .db
        .conn
        .query_one_raw(Statement::from_sql_and_values(DbBackend::Postgres, "SELECT created_by FROM consultations WHERE id = $1", vec![consultation.into()]))
        .await
        .expect("creator")
        .expect("row")
        .try_get("", "created_by")
        .expect("created_by");
    exec(
        &app,
        "INSERT INTO consultations (id, title, summary, body, category, lead_department_id, state, moderation, opens_at, closes_at, search_text, created_by, created_at, updated_at)
         SELECT gen_random_uuid(), '标题 ' || g, '摘要', '正文', 'c' || (g % 7), $1,
                CASE WHEN g % 10 = 0 THEN 'DRAFT' ELSE 'PUBLISHED' END, 'POST',
                now() - interval '30 days', now() + (g % 50 - 10) * interval '1 day', '标题 ' || g, $2, now(), now()
         FROM generate_series(1, 5000) g",
        vec![department.into(), creator.into()],
    )
    .await;
    exec(&app, "ANALYZE comments", vec![]).await;
    exec(&app, "ANALYZE consultations", vec![]).await;

    // Page 1 and a page deep inside, newest first, as the public reads them.
    let filter = CommentFilter { order: Some(CommentOrder::Newest), ..CommentFilter::default() };
    let page1 = comments::list_query(DbBackend::Postgres, consultation, Some(CommentStatus::Published), &filter, None, 20).expect("query").0;
    assert!(page1.page_sql.starts_with("SELECT * FROM comment_page("), "a plain page goes through comment_page: {}", page1.page_sql);
    // The first call in a session also reads the catalogs to plan the function's query.
    warm_up(&app, &page1.page_sql, page1.page_values.clone()).await;
    let (touched, p) = buffers(&app, &page1.page_sql, page1.page_values.clone()).await;
    assert!(touched <= 40, "page 1 should read about 21 index entries and their rows, not skip others ({touched} buffers):\n{p}");
    let middle = nth_comment(&app, consultation, 20_000).await;
    let cursor = gongkai::services::pagination::id_cursor(middle);
    let deep = comments::list_query(DbBackend::Postgres, consultation, Some(CommentStatus::Published), &filter, Some(&cursor), 20).expect("query").0;
    warm_up(&app, &deep.page_sql, deep.page_values.clone()).await;
    let (touched, p) = buffers(&app, &deep.page_sql, deep.page_values.clone()).await;
    assert!(touched <= 40, "the deep page should start at its cursor, not scan down to it ({touched} buffers):\n{p}");
    // The staff's default list (every status but WITHDRAWN) reads the consultation's own range too, not
    // the primary key backwards past the 20,000 newer comments of the other consultation.
    let staff = comments::list_query(DbBackend::Postgres, consultation, None, &filter, None, 20).expect("query").0;
    warm_up(&app, &staff.page_sql, staff.page_values.clone()).await;
    let (touched, p) = buffers(&app, &staff.page_sql, staff.page_values.clone()).await;
    assert!(touched <= 40, "the staff's page 1 should read its own 21 comments ({touched} buffers):\n{p}");
    assert!(staff.page_sql.starts_with("SELECT * FROM comment_page_any("), "{}", staff.page_sql);
    // Oldest first, and the staff's unreplied filter, walk the same kind of index.
    let oldest = CommentFilter { order: Some(CommentOrder::Oldest), ..CommentFilter::default() };
    let q = comments::list_query(DbBackend::Postgres, consultation, Some(CommentStatus::Published), &oldest, Some(&cursor), 20).expect("query").0;
    warm_up(&app, &q.page_sql, q.page_values.clone()).await;
    let (touched, p) = buffers(&app, &q.page_sql, q.page_values).await;
    assert!(touched <= 40, "oldest first starts at its cursor too ({touched} buffers):\n{p}");
    // A section's page is the plain query, on its own index.
    let section = CommentFilter { order: Some(CommentOrder::Newest), section_id: Some(Uuid::now_v7()), ..CommentFilter::default() };
    let q = comments::list_query(DbBackend::Postgres, consultation, Some(CommentStatus::Published), &section, None, 20).expect("query").0;
    assert_indexed(&plan(&app, &q.page_sql, q.page_values).await, "comments");
    let unreplied = CommentFilter { order: Some(CommentOrder::Oldest), replied: Some(false), ..CommentFilter::default() };
    let q = comments::list_query(DbBackend::Postgres, consultation, None, &unreplied, None, 20).expect("query").0;
    let p = plan(&app, &q.page_sql, q.page_values).await;
    assert!(!p.contains("Seq Scan on comments"), "sequential scan for unreplied comments:\n{p}");

    // The staff's list of campaigns: among 30,000 groups of one comment and 300 campaigns, page 1 and a
    // page after a cursor read only the campaigns' index.
    exec(
        &app,
        "INSERT INTO duplicate_groups (id, consultation_id, fingerprint, multi)
         SELECT gen_random_uuid(), $1, 'plans-' || g, g % 100 = 0 FROM generate_series(1, 30000) g",
        vec![consultation.into()],
    )
    .await;
    exec(&app, "ANALYZE duplicate_groups", vec![]).await;
    for after in [None, Some(Uuid::nil())] {
        let (sql, values) = comments::duplicate_groups_query(consultation, after, 20);
        let p = plan(&app, &sql, values).await;
        assert!(p.contains("duplicate_groups_campaign_idx"), "the campaigns are listed along their own index:\n{p}");
        assert!(!p.contains("Sort"), "the keyset order should come from the index, not a sort:\n{p}");
    }

    // The public list of open consultations, page 1 and after a cursor, and its count.
    let viewer = Viewer::anonymous("plans".to_owned());
    let open = ListFilter { status: Some(ConsultationStatus::Open), ..ListFilter::default() };
    let q = consultations::list_query(DbBackend::Postgres, &viewer, &open, 20, None, app.state.clock.now()).expect("query");
    assert_indexed(&plan(&app, &q.page_sql, q.page_values.clone()).await, "consultations");
    // (Its count reads most of a small table, where a sequential scan is the right plan.)
    let q = consultations::list_query(DbBackend::Postgres, &viewer, &open, 20, Some(Uuid::max()), app.state.clock.now()).expect("query");
    assert_indexed(&plan(&app, &q.page_sql, q.page_values).await, "consultations");

    // And the server answers the deep page over HTTP like any other.
    let data = app
        .ok(None, "query($id: ID!, $after: String) { consultation(id: $id) { comments(first: 20, after: $after) { edges { node { id } } } } }", json!({ "id": w.consultation, "after": cursor }))
        .await;
    assert_eq!(data["consultation"]["comments"]["edges"].as_array().map(Vec::len), Some(20));
}

/// `EXPLAIN (ANALYZE, BUFFERS)` of one page with `plan_cache_mode` set for it (in a transaction of
/// its own, on one connection): the buffers it touched.
async fn buffers_with(app: &TestApp, mode: &str, sql: &str, values: Vec<Value>) -> (u64, String) {
    use sea_orm::TransactionTrait;
    let txn = app.state.db.conn.begin().await.expect("begin");
    txn.execute_raw(Statement::from_string(DbBackend::Postgres, format!("SET LOCAL plan_cache_mode = {mode}"))).await.expect("set");
    let mut last = (0, String::new());
    // Seven runs, the first not counted (it plans the function's query, reading the catalogs); from
    // the sixth, an `auto` plan cache may switch to its generic plan.
    for run in 0..7 {
        let (total, plan) = buffers_on(&txn, sql, values.clone()).await;
        if run > 0 {
            last = (last.0.max(total), plan);
        }
    }
    txn.rollback().await.expect("rollback");
    last
}

/// Issue 16: a consultation that grows faster than autovacuum analyses it. Its rows came after the last
/// ANALYZE, so the statistics do not know it; PostgreSQL's generic plan for the plain page query then
/// walked `comments_consultation_idx` over the whole consultation and sorted it (494 ms for 101 rows at
/// 200,000 comments). Through `comment_page` every page reads its own rows only, in every plan mode.
#[tokio::test]
async fn a_page_stays_on_its_index_when_the_statistics_are_older_than_the_rows() {
    if !using_postgres() {
        gongkai_tests::skipped("query plans are checked on PostgreSQL (set TEST_DATABASE_URL)");
        return;
    }
    let app = spawn_with(no_limits).await;
    let w = app.world().await;
    let (_, citizen) = app.citizen("读者").await;
    let author: Uuid = citizen.parse().expect("id");
    exec(&app, "ALTER TABLE comments SET (autovacuum_enabled = false)", vec![]).await;
    // What the statistics know: 100,000 comments over 200 consultations.
    let known: Uuid = w.consultation.parse().expect("id");
    fill_spread(&app, known, "CAST(md5('consultation ' || (g % 200)) AS uuid)", author, 100_000, 1_700_000_000_000, "'PUBLISHED'").await;
    exec(&app, "ANALYZE comments", vec![]).await;
    // Rows the statistics have never seen: a campaign on another consultation, after the ANALYZE.
    let grown: Uuid = app.world().await.consultation.parse().expect("id");
    fill(&app, grown, author, 60_000, 1_800_000_000_000, "CASE WHEN g % 25 = 0 THEN 'HIDDEN' ELSE 'PUBLISHED' END").await;
    let middle = nth_comment(&app, grown, 30_000).await;
    let cursor = gongkai::services::pagination::id_cursor(middle);
    for order in [CommentOrder::Newest, CommentOrder::Oldest] {
        let filter = CommentFilter { order: Some(order), ..CommentFilter::default() };
        for after in [None, Some(cursor.as_str())] {
            for size in [20u64, 100] {
                let q = comments::list_query(DbBackend::Postgres, grown, Some(CommentStatus::Published), &filter, after, size).expect("query").0;
                for mode in ["auto", "force_custom_plan", "force_generic_plan"] {
                    let (touched, p) = buffers_with(&app, mode, &q.page_sql, q.page_values.clone()).await;
                    // Each row on a heap page of its own at worst, plus the index pages down to it.
                    assert!(
                        touched <= size + 30,
                        "{order:?} page of {size} after {after:?}, {mode}: {touched} buffers, more than its own rows:\n{p}"
                    );
                }
            }
        }
    }
}

/// Every PostgreSQL session of the server runs without JIT: a rare word's matches, estimated in the tens
/// of thousands, made PostgreSQL compile the page's expressions for 180 ms to run it in 2 ms.
#[tokio::test]
async fn the_servers_postgresql_sessions_do_not_compile_queries() {
    if !using_postgres() {
        gongkai_tests::skipped("a PostgreSQL setting (set TEST_DATABASE_URL)");
        return;
    }
    let app = spawn_with(no_limits).await;
    let rows = app.state.db.conn.query_all_raw(Statement::from_string(DbBackend::Postgres, "SELECT current_setting('jit') AS jit")).await.expect("setting");
    assert_eq!(rows[0].try_get::<String>("", "jit").expect("jit"), "off");
    let statements = app.state.db.statements.as_ref().expect("the submission writers' connections");
    let rows = statements.rows("SELECT current_setting('jit') AS jit", vec![]).await.expect("setting");
    assert_eq!(sea_orm::sqlx::Row::try_get::<String, _>(&rows[0], "jit").expect("jit"), "off");
}
