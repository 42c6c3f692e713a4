//! Chinese full-text search of comments and consultations, and consultation keywords, over HTTP on
//! both databases; the backfill of what was written before search; the plans that show the index
//! in use.

use std::collections::BTreeMap;

use gongkai::domain::{CommentStatus, Stance};
use gongkai::services::comments::{self, CommentFilter};
use gongkai::services::search_index::{self, TextSearch};
use gongkai_tests::{no_limits, spawn_with, using_postgres, TestApp};
use sea_orm::{ConnectionTrait, DbBackend, Statement, Value};
use serde_json::{json, Value as Json};
use uuid::Uuid;

use crate::support::{self, citizens, fields, moderate, op, submit_ok, Account};

/// The ids SearchComments finds for `search` as `token` sees them (every page of 100), and its total.
async fn search(app: &TestApp, token: Option<&str>, consultation: &str, search: &str) -> (Vec<String>, i64) {
    let data = app.ok(token, &op("dashboard", "SearchComments"), json!({ "id": consultation, "search": search, "first": 100 })).await;
    let conn = &data["consultation"]["comments"];
    let ids = conn["edges"].as_array().expect("edges").iter().map(|e| e["node"]["id"].as_str().expect("id").to_owned()).collect();
    (ids, conn["totalCount"].as_i64().expect("totalCount"))
}

async fn found(app: &TestApp, token: Option<&str>, consultation: &str, query: &str) -> Vec<String> {
    let (ids, total) = search(app, token, consultation, query).await;
    assert_eq!(total, ids.len() as i64, "totalCount of `{query}`");
    ids
}

fn sorted(mut ids: Vec<String>) -> Vec<String> {
    ids.sort();
    ids
}

#[tokio::test]
async fn chinese_words_of_one_two_and_four_characters_and_mixed_english_and_digits_find_their_comments() {
    let app = spawn_with(no_limits).await;
    let w = support::open_world(&app).await;
    let people = citizens(&app, 4).await;
    let texts = [
        "建议在老旧小区加装电梯，完善基础设施。",
        "5G基站的建设要远离学校。",
        "PM2.5浓度太高，需要治理空气污染。",
        "Bus lanes on Zhongshan Road need better signs.",
    ];
    let mut ids = Vec::new();
    for (who, text) in people.iter().zip(texts) {
        ids.push(submit_ok(&app, &who.token, &w.consultation, "SUPPORT", text, None).await);
    }
    let (elevator, base_station, pm25, bus) = (&ids[0], &ids[1], &ids[2], &ids[3]);
    let cases: &[(&str, &[&String])] = &[
        ("梯", &[elevator]),
        ("电梯", &[elevator]),
        ("基础设施", &[elevator]),
        ("小区  电梯", &[elevator]),
        ("5G基站", &[base_station]),
        ("5g", &[base_station]),
        ("基站 学校", &[base_station]),
        ("PM2.5", &[pm25]),
        ("空气污染", &[pm25]),
        ("BUS", &[bus]),
        ("bus lanes", &[bus]),
        ("建", &[elevator, base_station]),
        ("设施基础", &[]),
        ("停车", &[]),
        ("4G基站", &[]),
        ("bu", &[]),
    ];
    for (query, expected) in cases {
        let expected: Vec<String> = expected.iter().map(|s| (*s).clone()).collect();
        assert_eq!(sorted(found(&app, None, &w.consultation, query).await), sorted(expected), "search `{query}`");
    }
    // The same search by the staff (any status) finds the same published comments.
    assert_eq!(found(&app, Some(&w.staff), &w.consultation, "电梯").await, [elevator.clone()]);
}

#[tokio::test]
async fn search_keeps_the_visibility_rules_of_the_comment_list() {
    let app = spawn_with(no_limits).await;
    let cast = support::cast(&app).await;
    let pre = cast.consultation(&app, json!({ "moderation": "PRE" })).await;
    let people = citizens(&app, 3).await;
    let mut ids = Vec::new();
    for (i, who) in people.iter().enumerate() {
        ids.push(submit_ok(&app, &who.token, &pre, "OPPOSE", &format!("垃圾分类站点第{i}号太远"), None).await);
    }
    // All PENDING: the public, a citizen, staff of an unrelated department see none of them.
    for token in [None, Some(cast.citizen.token.as_str()), Some(cast.other_staff.token.as_str()), Some(cast.evaluator.token.as_str())] {
        assert!(found(&app, token, &pre, "垃圾分类").await.is_empty(), "pending comments are not searched for {token:?}");
    }
    // The consultation's staff (lead and cooperating) and admins search every status.
    for token in [&cast.lead_staff.token, &cast.coop_staff.token, &cast.admin.token] {
        assert_eq!(sorted(found(&app, Some(token), &pre, "垃圾分类").await), sorted(ids.clone()));
    }
    moderate(&app, &cast.lead_staff.token, &ids[0], "PUBLISH", None).await.data();
    moderate(&app, &cast.lead_staff.token, &ids[1], "REJECT", Some("与主题无关")).await.data();
    assert_eq!(found(&app, None, &pre, "站点").await, [ids[0].clone()], "the public finds the published one");
    let by_status = |status: &'static str| {
        let app = &app;
        let pre = &pre;
        let token = cast.lead_staff.token.clone();
        async move {
            let data = app.ok(Some(&token), &op("dashboard", "SearchComments"), json!({ "id": pre, "search": "站点", "status": status })).await;
            data["consultation"]["comments"]["edges"].as_array().expect("edges").iter().map(|e| e["node"]["id"].as_str().expect("id").to_owned()).collect::<Vec<_>>()
        }
    };
    assert_eq!(by_status("REJECTED").await, [ids[1].clone()]);
    assert_eq!(by_status("PENDING").await, [ids[2].clone()]);
    // A citizen may not ask for another status with a search any more than without.
    let gql = app.gql(Some(&cast.citizen.token), &op("dashboard", "SearchComments"), json!({ "id": pre, "search": "站点", "status": "PENDING" })).await;
    assert_eq!(gql.code(), "FORBIDDEN");
    // Hidden after publication: out of the public search.
    moderate(&app, &cast.lead_staff.token, &ids[0], "HIDE", Some("待核实")).await.data();
    assert!(found(&app, None, &pre, "站点").await.is_empty());
}

#[tokio::test]
async fn search_results_come_newest_first_in_keyset_pages_and_combine_with_the_section() {
    let app = spawn_with(no_limits).await;
    let w = support::open_world(&app).await;
    let people = citizens(&app, 30).await;
    let mut matching = Vec::new();
    let mut in_section = Vec::new();
    for (i, who) in people.iter().enumerate() {
        let section = (i % 3 == 0).then(|| w.sections[0].as_str());
        if i % 5 == 4 {
            submit_ok(&app, &who.token, &w.consultation, "NEUTRAL", &format!("第{i}条意见：路灯不亮"), section).await;
        } else {
            let id = submit_ok(&app, &who.token, &w.consultation, "SUPPORT", &format!("第{i}条意见：增加公交班次"), section).await;
            if section.is_some() {
                in_section.push(id.clone());
            }
            matching.push(id);
        }
    }
    matching.reverse();
    in_section.reverse();
    let (ids, total) = support::walk(7, |after| {
        let app = &app;
        let id = w.consultation.clone();
        let staff = w.staff.clone();
        async move {
            let data = app.ok(Some(&staff), &op("dashboard", "SearchComments"), json!({ "id": id, "search": "公交", "first": 7, "after": after })).await;
            data["consultation"]["comments"].clone()
        }
    })
    .await;
    assert_eq!(ids, matching, "every match once, newest first");
    assert_eq!(total, matching.len() as i64);
    let data = app
        .ok(
            None,
            "query($id: ID!, $s: ID) { consultation(id: $id) { comments(first: 100, search: \"公交班次\", sectionId: $s) { totalCount edges { node { id } } } } }",
            json!({ "id": w.consultation, "s": w.sections[0] }),
        )
        .await;
    let conn = &data["consultation"]["comments"];
    let got: Vec<String> = conn["edges"].as_array().expect("edges").iter().map(|e| e["node"]["id"].as_str().expect("id").to_owned()).collect();
    assert_eq!(got, in_section);
    assert_eq!(conn["totalCount"].as_i64(), Some(in_section.len() as i64));
}

#[tokio::test]
async fn blank_search_is_no_filter_and_punctuation_only_or_too_long_is_bad_user_input() {
    let app = spawn_with(no_limits).await;
    let w = support::open_world(&app).await;
    let people = citizens(&app, 2).await;
    let a = submit_ok(&app, &people[0].token, &w.consultation, "SUPPORT", "公园开放时间延长", None).await;
    let b = submit_ok(&app, &people[1].token, &w.consultation, "SUPPORT", "道路维修", None).await;
    for blank in ["", "   "] {
        assert_eq!(sorted(search(&app, None, &w.consultation, blank).await.0), sorted(vec![a.clone(), b.clone()]), "blank `{blank}` filters nothing");
    }
    for bad in ["，。！？", "...", &"字".repeat(101)] {
        let gql = app.gql(None, &op("dashboard", "SearchComments"), json!({ "id": w.consultation, "search": bad })).await;
        assert_eq!(fields(&gql), ["search"], "search `{bad}`");
    }
    assert_eq!(found(&app, None, &w.consultation, &"园".repeat(100)).await, Vec::<String>::new(), "100 characters are accepted");
    let gql = app.gql(None, "{ consultations(filter: { search: \"？！\" }) { totalCount } }", json!({})).await;
    assert_eq!(fields(&gql), ["filter.search"]);
}

async fn consultation_ids(app: &TestApp, search: &str) -> Vec<String> {
    let data = app.ok(None, "query($f: ConsultationFilter) { consultations(first: 100, filter: $f) { totalCount edges { node { id } } } }", json!({ "f": { "search": search } })).await;
    let conn = &data["consultations"];
    let ids: Vec<String> = conn["edges"].as_array().expect("edges").iter().map(|e| e["node"]["id"].as_str().expect("id").to_owned()).collect();
    assert_eq!(conn["totalCount"].as_i64(), Some(ids.len() as i64));
    ids
}

#[tokio::test]
async fn consultations_are_found_by_the_words_of_their_title_summary_and_body_through_the_index() {
    let app = spawn_with(no_limits).await;
    let w = support::open_world(&app).await;
    let tag = format!("q{}", &Uuid::new_v4().simple().to_string()[..10]);
    let (a, _) = app
        .draft(&w.staff, &w.department, json!({ "title": format!("关于垃圾分类管理的规定 {tag}"), "summary": "摘要", "body": "正文" }))
        .await;
    app.publish(&w.staff, &a).await;
    let (b, _) = app
        .draft(&w.staff, &w.department, json!({ "title": format!("城市绿化条例 {tag}"), "summary": "涉及5G基站选址", "body": "第一条 共享单车停放区域" }))
        .await;
    app.publish(&w.staff, &b).await;
    assert_eq!(consultation_ids(&app, &format!("垃圾分类 {tag}")).await, [a.clone()], "a four-character word of the title");
    assert_eq!(consultation_ids(&app, &format!("{} 5G", tag.to_uppercase())).await, [b.clone()], "the summary, any case");
    assert_eq!(consultation_ids(&app, &format!("单车 {tag}")).await, [b.clone()], "a word of the body");
    assert_eq!(consultation_ids(&app, &format!("绿 {tag}")).await, [b.clone()], "one character");
    assert_eq!(sorted(consultation_ids(&app, &tag).await), sorted(vec![a.clone(), b.clone()]));
    // An edit of the draft's text is searched as it now reads.
    let (c, _) = app.draft(&w.staff, &w.department, json!({ "title": format!("停车收费 {tag}") })).await;
    app.ok(Some(&w.staff), "mutation($id: ID!, $input: UpdateConsultationInput!) { updateConsultation(id: $id, input: $input) { id } }", json!({ "id": c, "input": { "body": "新能源汽车充电桩" } })).await;
    app.publish(&w.staff, &c).await;
    assert_eq!(consultation_ids(&app, &format!("充电桩 {tag}")).await, [c.clone()]);
}

/// The keyword rows of a consultation as stored: (scope, term) → [count, support, oppose, neutral].
async fn stored_keywords(app: &TestApp, consultation: &str) -> BTreeMap<(String, String), [i64; 4]> {
    let id: Uuid = consultation.parse().expect("id");
    let rows = gongkai::sql::rows(
        &app.state.db.conn,
        "SELECT scope_id, term, CAST(count AS BIGINT), CAST(support AS BIGINT), CAST(oppose AS BIGINT), CAST(neutral AS BIGINT)
         FROM comment_keywords WHERE consultation_id = $1",
        vec![id.into()],
    )
    .await
    .expect("keywords");
    let mut out = BTreeMap::new();
    for row in rows {
        let scope: Uuid = row.try_get_by_index(0).expect("scope");
        let term: String = row.try_get_by_index(1).expect("term");
        let n: [i64; 4] = [2, 3, 4, 5].map(|i| row.try_get_by_index::<i64>(i).expect("count"));
        if n != [0; 4] {
            out.insert((scope.to_string(), term), n);
        }
    }
    out
}

/// The same rows counted afresh from the consultation's PUBLISHED comments.
async fn recounted_keywords(app: &TestApp, consultation: &str) -> BTreeMap<(String, String), [i64; 4]> {
    let id: Uuid = consultation.parse().expect("id");
    let rows = gongkai::sql::rows(
        &app.state.db.conn,
        "SELECT section_id, stance, body FROM comments WHERE consultation_id = $1 AND status = $2",
        vec![id.into(), CommentStatus::Published.into()],
    )
    .await
    .expect("comments");
    let mut out: BTreeMap<(String, String), [i64; 4]> = BTreeMap::new();
    for row in rows {
        let section: Option<Uuid> = row.try_get_by_index(0).expect("section");
        let stance: String = row.try_get_by_index(1).expect("stance");
        let body: String = row.try_get_by_index(2).expect("body");
        let column = match Stance::parse(&stance).expect("stance") {
            Stance::Support => 1,
            Stance::Oppose => 2,
            Stance::Neutral => 3,
        };
        for scope in std::iter::once(id).chain(section) {
            for term in gongkai::search::keyword_terms(&body) {
                let entry = out.entry((scope.to_string(), term)).or_default();
                entry[0] += 1;
                entry[column] += 1;
            }
        }
    }
    out
}

async fn keywords(app: &TestApp, consultation: &str, section: Option<&str>) -> Vec<Json> {
    let data = app.ok(None, &op("dashboard", "ConsultationKeywords"), json!({ "id": consultation, "sectionId": section })).await;
    data["consultation"]["keywords"].as_array().expect("keywords").clone()
}

fn term<'a>(list: &'a [Json], term: &str) -> Option<&'a Json> {
    list.iter().find(|k| k["term"] == term)
}

#[tokio::test]
async fn keywords_count_published_comments_by_stance_and_stay_exact_through_moderation_and_edits() {
    let app = spawn_with(no_limits).await;
    let cast = support::cast(&app).await;
    let pre = cast.consultation(&app, json!({ "moderation": "PRE" })).await;
    let sections: Vec<String> = app.ok(None, "query($id: ID!) { consultation(id: $id) { sections { id } } }", json!({ "id": pre })).await["consultation"]["sections"]
        .as_array()
        .expect("sections")
        .iter()
        .map(|s| s["id"].as_str().expect("id").to_owned())
        .collect();
    let body = "建议增加公交线路，方便市民出行。";
    let terms = gongkai::search::keyword_terms(body);
    let bus_term = terms.iter().find(|t| t.contains("公交")).expect("the fixture's text has a term of 公交").clone();
    let people: Vec<Account> = citizens(&app, 5).await;
    let stances = ["SUPPORT", "SUPPORT", "OPPOSE", "NEUTRAL", "SUPPORT"];
    let mut ids = Vec::new();
    for (i, (who, stance)) in people.iter().zip(stances).enumerate() {
        let section = (i < 2).then(|| sections[0].as_str());
        ids.push(submit_ok(&app, &who.token, &pre, stance, body, section).await);
    }
    assert!(keywords(&app, &pre, None).await.is_empty(), "pending comments count for nothing");
    for id in &ids[..4] {
        moderate(&app, &cast.lead_staff.token, id, "PUBLISH", None).await.data();
    }
    let all = keywords(&app, &pre, None).await;
    let bus = term(&all, &bus_term).expect("the term among the keywords");
    assert_eq!((bus["count"].as_i64(), bus["support"].as_i64(), bus["oppose"].as_i64(), bus["neutral"].as_i64()), (Some(4), Some(2), Some(1), Some(1)));
    assert!(all.iter().all(|k| k["term"] != "建议" && k["term"].as_str().is_some_and(|t| t.chars().count() >= 2)), "stop words and single characters left out: {all:?}");
    let in_section = keywords(&app, &pre, Some(&sections[0])).await;
    assert_eq!(term(&in_section, &bus_term).and_then(|k| k["count"].as_i64()), Some(2), "the section counts its own comments");
    assert_eq!(stored_keywords(&app, &pre).await, recounted_keywords(&app, &pre).await, "after publishing");

    moderate(&app, &cast.lead_staff.token, &ids[0], "HIDE", Some("待核实")).await.data();
    moderate(&app, &cast.lead_staff.token, &ids[4], "REJECT", Some("重复")).await.data();
    let all = keywords(&app, &pre, None).await;
    assert_eq!(term(&all, &bus_term).and_then(|k| k["support"].as_i64()), Some(1), "the hidden one no longer counts");
    assert_eq!(stored_keywords(&app, &pre).await, recounted_keywords(&app, &pre).await, "after hiding and rejecting");
    moderate(&app, &cast.lead_staff.token, &ids[0], "PUBLISH", None).await.data();
    assert_eq!(stored_keywords(&app, &pre).await, recounted_keywords(&app, &pre).await, "after publishing again");

    // An edit of a published comment on a post-moderated consultation changes its terms and stance.
    let post = cast.consultation(&app, json!({})).await;
    let (before, other, after) = ("地铁出口太少", "地铁票价偏高", "共享单车停放混乱");
    let shared = gongkai::search::keyword_terms(before).into_iter().find(|t| gongkai::search::keyword_terms(other).contains(t)).expect("a shared term");
    let new_term = gongkai::search::keyword_terms(after).first().expect("a term of the new text").clone();
    let edited = submit_ok(&app, &people[0].token, &post, "SUPPORT", before, None).await;
    submit_ok(&app, &people[1].token, &post, "OPPOSE", other, None).await;
    assert_eq!(term(&keywords(&app, &post, None).await, &shared).and_then(|k| k["count"].as_i64()), Some(2));
    app.ok(Some(&people[0].token), &op("citizen", "EditComment"), json!({ "id": edited, "input": { "body": after, "stance": "NEUTRAL" } })).await;
    let all = keywords(&app, &post, None).await;
    assert_eq!(term(&all, &shared).and_then(|k| k["count"].as_i64()), Some(1), "{all:?}");
    assert!(term(&all, &new_term).is_some_and(|k| k["neutral"] == 1 && k["count"] == 1), "{all:?}");
    assert_eq!(stored_keywords(&app, &post).await, recounted_keywords(&app, &post).await, "after an edit");
    // Withdrawn: gone from the counts.
    app.ok(Some(&people[0].token), &op("citizen", "WithdrawComment"), json!({ "id": edited })).await;
    assert_eq!(stored_keywords(&app, &post).await, recounted_keywords(&app, &post).await, "after a withdrawal");

    let gql = app.gql(None, "query($id: ID!) { consultation(id: $id) { keywords(first: 101) { term } } }", json!({ "id": post })).await;
    assert_eq!(fields(&gql), ["first"]);
    let gql = app.gql(None, "query($id: ID!, $s: ID) { consultation(id: $id) { keywords(sectionId: $s) { term } } }", json!({ "id": post, "s": sections[0] })).await;
    assert_eq!(fields(&gql), ["sectionId"], "another consultation's section");
}

async fn exec(app: &TestApp, sql: &str, values: Vec<Value>) {
    gongkai::sql::execute(&app.state.db.conn, sql, values).await.expect(sql);
}

#[tokio::test]
async fn the_backfill_indexes_comments_and_consultations_written_before_search_and_resumes_where_it_stopped() {
    let app = spawn_with(no_limits).await;
    let w = support::open_world(&app).await;
    let people = citizens(&app, 12).await;
    let mut ids = Vec::new();
    for (i, who) in people.iter().enumerate() {
        let stance = ["SUPPORT", "OPPOSE", "NEUTRAL"][i % 3];
        ids.push(submit_ok(&app, &who.token, &w.consultation, stance, &format!("第{i}号意见：社区医院挂号难"), None).await);
    }
    moderate(&app, &w.staff, &ids[0], "HIDE", Some("待核实")).await.data();
    let consultation: Uuid = w.consultation.parse().expect("id");
    // As before search existed: no tokens, no keyword counts, the consultation's old search text.
    exec(&app, "DELETE FROM comment_search", vec![]).await;
    exec(&app, "DELETE FROM comment_keywords", vec![]).await;
    exec(&app, "UPDATE consultations SET search_text = 'old text' WHERE id = $1", vec![consultation.into()]).await;
    if app.state.db.backend() == DbBackend::Sqlite {
        // As the migration copied it.
        exec(&app, "UPDATE consultation_search SET tokens = 'old text' WHERE consultation_id = $1", vec![consultation.into()]).await;
    }
    assert!(found(&app, None, &w.consultation, "医院").await.is_empty(), "nothing indexed yet");
    assert!(consultation_ids(&app, "政务公开").await.is_empty());

    // A run stopped after its first batches: the progress row says how far it came.
    let mut reports = Vec::new();
    let first = search_index::backfill(&app.state.db, 5, |p| reports.push(p)).await.expect("backfill");
    assert_eq!(first.comments, 12);
    assert!(reports.len() >= 3, "progress after every batch: {reports:?}");
    assert!(reports.windows(2).all(|p| p[0].comments <= p[1].comments));
    let stored = stored_keywords(&app, &w.consultation).await;
    assert_eq!(stored, recounted_keywords(&app, &w.consultation).await);
    // As if a run had stopped after its first batch: the first five comments indexed and counted, the
    // progress row at the fifth, nothing after it.
    let mut sorted_ids: Vec<Uuid> = ids.iter().map(|i| i.parse().expect("id")).collect();
    sorted_ids.sort();
    let fifth = sorted_ids[4];
    exec(&app, "DELETE FROM comment_search WHERE comment_id > $1", vec![fifth.into()]).await;
    exec(&app, "DELETE FROM comment_keywords", vec![]).await;
    let first_batch = <entities::comment::Entity as sea_orm::EntityTrait>::find()
        .from_raw_sql(Statement::from_sql_and_values(
            app.state.db.backend(),
            "SELECT * FROM comments WHERE consultation_id = $1 AND id <= $2",
            vec![consultation.into(), fifth.into()],
        ))
        .all(&app.state.db.conn)
        .await
        .expect("the first batch");
    assert_eq!(first_batch.len(), 5);
    let mut deltas = search_index::KeywordDeltas::default();
    for c in &first_batch {
        deltas.comment(c, 1);
    }
    deltas.apply(&app.state.db.conn).await.expect("counts of the first batch");
    exec(&app, "UPDATE search_backfill SET last_id = $1", vec![fifth.into()]).await;
    let resumed = search_index::backfill(&app.state.db, 5, |_| {}).await.expect("resume");
    assert_eq!(resumed.comments, 7, "the run goes on after the fifth comment");
    assert_eq!(stored_keywords(&app, &w.consultation).await, stored, "the counts are exact again");
    let again = search_index::backfill(&app.state.db, 5, |_| {}).await.expect("again");
    assert_eq!(again.comments, 0, "run again, it has nothing to do");
    assert_eq!(stored_keywords(&app, &w.consultation).await, stored);

    let (found_ids, total) = search(&app, None, &w.consultation, "医院").await;
    assert_eq!(total, 11, "every published comment is found: {found_ids:?}");
    assert_eq!(found(&app, Some(&w.staff), &w.consultation, "挂号").await.len(), 12);
    assert_eq!(consultation_ids(&app, "政务公开").await, [w.consultation.clone()], "the consultation's tokens are rewritten");
}

async fn plan(app: &TestApp, sql: &str, values: Vec<Value>) -> String {
    let backend = app.state.db.backend();
    let explain = if backend == DbBackend::Postgres { "EXPLAIN" } else { "EXPLAIN QUERY PLAN" };
    let rows = app.state.db.conn.query_all_raw(Statement::from_sql_and_values(backend, format!("{explain} {sql}"), values)).await.expect("explain");
    rows.iter()
        .map(|r| if backend == DbBackend::Postgres { r.try_get_by_index::<String>(0).expect("line") } else { r.try_get_by_index::<String>(3).expect("detail") })
        .collect::<Vec<_>>()
        .join("\n")
}

#[tokio::test]
async fn searches_read_the_full_text_index_gin_on_postgresql_and_fts5_on_sqlite() {
    let app = spawn_with(no_limits).await;
    let w = support::open_world(&app).await;
    let people = citizens(&app, 3).await;
    for (i, who) in people.iter().enumerate() {
        submit_ok(&app, &who.token, &w.consultation, "SUPPORT", &format!("第{i}条：加装电梯"), None).await;
    }
    let consultation: Uuid = w.consultation.parse().expect("id");
    let backend = app.state.db.backend();
    if backend == DbBackend::Postgres {
        // Enough rows that a scan would be cheaper if the index did not serve: 30,000 comments, one
        // in 1,000 with the rare word.
        let author: Uuid = people[0].id.parse().expect("id");
        let group = Uuid::now_v7();
        exec(&app, "INSERT INTO duplicate_groups (id, consultation_id, fingerprint, multi) VALUES ($1, $2, 'search-plan', true)", vec![group.into(), consultation.into()]).await;
        exec(
            &app,
            "WITH c AS (
               INSERT INTO comments (id, consultation_id, author_id, stance, body, status, duplicate_group_id, created_at, updated_at)
               SELECT gen_random_uuid(), $1, $2, 'SUPPORT', CASE WHEN g % 1000 = 0 THEN '罕见词汇' ELSE '普通意见' END || g, 'PUBLISHED', $3, now(), now()
               FROM generate_series(1, 30000) g RETURNING id, body)
             INSERT INTO comment_search (comment_id, tokens) SELECT id, CASE WHEN body LIKE '罕见%' THEN '罕 罕见 见 见词 词 词汇 汇' ELSE '普 普通 通 通意 意 意见 见' END FROM c",
            vec![consultation.into(), author.into(), group.into()],
        )
        .await;
        let creator: Uuid = gongkai::sql::rows(&app.state.db.conn, "SELECT created_by FROM consultations WHERE id = $1", vec![consultation.into()])
            .await
            .expect("creator")[0]
            .try_get_by_index(0)
            .expect("created_by");
        let department: Uuid = w.department.parse().expect("id");
        exec(
            &app,
            "INSERT INTO consultations (id, title, summary, body, category, lead_department_id, state, moderation, opens_at, closes_at, search_text, created_by, created_at, updated_at)
             SELECT gen_random_uuid(), '标题 ' || g, '摘要', '正文', 'c', $1, 'PUBLISHED', 'POST',
                    now() - interval '30 days', now() + interval '30 days', '标 标题 题 ' || g, $2, now(), now()
             FROM generate_series(1, 5000) g",
            vec![department.into(), creator.into()],
        )
        .await;
        for table in ["comments", "comment_search", "consultations"] {
            exec(&app, &format!("ANALYZE {table}"), vec![]).await;
        }
    }
    let search = TextSearch { backend, tokens: gongkai::search::query_tokens(&gongkai::search::query_words("罕见词汇")) };
    let filter = CommentFilter::default();
    let (q, _) = comments::search_list_query(backend, consultation, None, &filter, Some(&search), None, 20).expect("query");
    let p = plan(&app, &q.page_sql, q.page_values.clone()).await;
    if backend == DbBackend::Postgres {
        assert!(p.contains("comment_search_idx"), "the staff search reads the GIN index:\n{p}");
        assert!(!p.contains("Seq Scan on comment_search"), "no scan of the tokens:\n{p}");
    } else {
        assert!(p.contains("comment_fts") && p.contains("VIRTUAL TABLE"), "the search reads the FTS5 index:\n{p}");
    }
    if backend == DbBackend::Postgres {
        // A rare word's page comes through the fallback, from the GIN index's matches to their rows.
        let fallback = q.fallback_sql.clone().expect("a PostgreSQL search has a fallback");
        let p = plan(&app, &fallback, q.page_values.clone()).await;
        assert!(p.contains("comment_search_idx"), "the fallback reads the GIN index:\n{p}");
        let from_where = q.count_sql.trim_start_matches("SELECT COUNT(*) FROM ").to_owned();
        let p = plan(&app, &format!("SELECT 1 FROM {from_where}"), q.count_values.clone()).await;
        assert!(p.contains("comment_search_idx"), "the count reads the GIN index:\n{p}");
    }
    let (q, _) = comments::search_list_query(backend, consultation, Some(CommentStatus::Published), &filter, Some(&search), None, 20).expect("query");
    let p = plan(&app, &q.page_sql, q.page_values.clone()).await;
    if backend == DbBackend::Postgres {
        assert!(p.contains("comment_search_idx"), "the public search reads the GIN index:\n{p}");
    } else {
        assert!(p.contains("comment_fts"), "{p}");
    }
    if backend == DbBackend::Postgres {
        // A search with results in the thousands counts them exactly within the bound.
        let common = gongkai::services::search_index::text_search(backend, "search", Some("普通")).expect("ok").expect("some");
        let (q, _) = comments::search_list_query(backend, consultation, None, &filter, Some(&common), None, 20).expect("query");
        let from_where = q.count_sql.trim_start_matches("SELECT COUNT(*) FROM ").to_owned();
        let total = search_index::bounded_total(&app.state.db.conn, &from_where, q.count_values.clone()).await.expect("total");
        assert!(total > search_index::EXACT_TOTAL_UP_TO, "beyond the bound, an estimate above it: {total}");
    }
    // The consultations' search.
    let viewer = gongkai::services::authz::Viewer::anonymous("plans".to_owned());
    let filter = gongkai::services::consultations::ListFilter { search: Some("政务公开".to_owned()), ..Default::default() };
    let q = gongkai::services::consultations::list_query(backend, &viewer, &filter, 20, None, app.state.clock.now()).expect("query");
    let p = plan(&app, &q.page_sql, q.page_values).await;
    if backend == DbBackend::Postgres {
        assert!(p.contains("consultations_search_idx"), "the consultations' search reads its GIN index:\n{p}");
    } else {
        assert!(p.contains("consultation_fts") && p.contains("VIRTUAL TABLE"), "{p}");
    }
    assert!(using_postgres() == (backend == DbBackend::Postgres));
}
