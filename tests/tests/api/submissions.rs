//! The two ways a comment submission is written (server/src/services/comments/submission): in a batch
//! statement on PostgreSQL, and step by step (SQLite, and PostgreSQL's fallback). The same cases go
//! through both, and each must write exactly the same: the answer, the comment's status and group, the
//! counters of its consultation, section and group, and its audit entry. On SQLite only the step path
//! exists; the cases still check what it writes.

use gongkai::domain::{CommentStatus, Stance};
use gongkai::services::authz::Viewer;
use gongkai::services::comments::{self, submission, SubmitInput};
use gongkai::services::counters::{self, Counts};
use gongkai::state::AppState;
use gongkai_tests::{no_limits, spawn_with, using_postgres, TestApp};
use sea_orm::EntityTrait;
use serde_json::json;
use uuid::Uuid;

use crate::support::op;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Path {
    Batch,
    StepByStep,
}

#[derive(Clone, Copy, Debug)]
enum Case {
    Open,
    OwnSection,
    ForeignSection,
    PreModerated,
    Draft,
    Closed,
    Upcoming,
    SecondOfText,
    RepeatedRequest,
}

const CASES: [Case; 9] = [
    Case::Open,
    Case::OwnSection,
    Case::ForeignSection,
    Case::PreModerated,
    Case::Draft,
    Case::Closed,
    Case::Upcoming,
    Case::SecondOfText,
    Case::RepeatedRequest,
];

/// What a submission wrote, in terms that do not depend on ids.
#[derive(Debug, PartialEq, Eq)]
struct Outcome {
    /// The comment's status, or the error code.
    answer: Result<CommentStatus, String>,
    /// Comments of the author in the consultation.
    written: i64,
    /// Whether the comment carries the time its id encodes, and the consultation was open then.
    stamped: bool,
    /// The change of the consultation's counters.
    consultation: Counts,
    /// The change of the section's published count (when a section was given).
    section: i64,
    /// The comment's group: its members and whether it is a campaign.
    group: Option<(i64, bool)>,
    /// Audit entries of the author's submissions.
    audited: i64,
}

fn uuid(text: &str) -> Uuid {
    text.parse().expect("a UUID")
}

/// The server's state with the submission writers (PostgreSQL's batches) or without them.
fn state_for(app: &TestApp, path: Path) -> AppState {
    let mut state = app.state.clone();
    match path {
        Path::Batch => assert!(state.submissions.is_some(), "PostgreSQL has submission writers"),
        Path::StepByStep => state.submissions = None,
    }
    state
}

async fn viewer(app: &TestApp, user: Uuid) -> Viewer {
    let model = entities::user::Entity::find_by_id(user).one(&app.state.db.conn).await.expect("read").expect("the user");
    Viewer { user: Some(model), token_hash: None, client_key: "submissions-test".to_owned() }
}

async fn count(app: &TestApp, sql: &str, values: Vec<sea_orm::Value>) -> i64 {
    gongkai::sql::count(&app.state.db.conn, sql, values).await.expect(sql)
}

/// Sets up the case's consultation in a world of its own, submits through `path`, and reads back what
/// was written.
async fn run(app: &TestApp, path: Path, case: Case) -> Outcome {
    let w = match case {
        Case::PreModerated => app.world_with(json!({ "moderation": "PRE" })).await,
        Case::Upcoming => app.world_with(json!({ "opensAt": gongkai_tests::from_now(3600), "closesAt": gongkai_tests::from_now(7200) })).await,
        _ => app.world().await,
    };
    let mut consultation = uuid(&w.consultation);
    let mut section = None;
    match case {
        Case::OwnSection => section = Some(uuid(&w.sections[0])),
        Case::ForeignSection => section = Some(uuid(&app.world().await.sections[0])),
        Case::Draft => consultation = uuid(&app.draft(&w.staff, &w.department, json!({})).await.0),
        Case::Closed => {
            app.ok(Some(&w.staff), &op("staff", "CloseConsultation"), json!({ "id": w.consultation })).await;
        }
        _ => {}
    }
    let body = format!("同一段意见文字 {:?}", case);
    if matches!(case, Case::SecondOfText) {
        let (first, _) = app.citizen("先到者").await;
        app.comment(&first, &w.consultation, &body).await;
    }
    let (_, author) = app.citizen("提交者").await;
    let author = uuid(&author);
    let before = counters::load_one(&app.state.db.conn, consultation).await.expect("counts");
    let section_before = match section {
        Some(s) => counters::load_one(&app.state.db.conn, s).await.expect("counts").published,
        None => 0,
    };
    let state = state_for(app, path);
    let viewer = viewer(app, author).await;
    let input = || SubmitInput {
        consultation_id: consultation,
        section_id: section,
        stance: Stance::Oppose,
        body: body.clone(),
        client_request_id: matches!(case, Case::RepeatedRequest).then(|| "同一请求".to_owned()),
    };
    let mut answer = comments::submit(&state, &viewer, input()).await;
    if matches!(case, Case::RepeatedRequest) {
        let again = comments::submit(&state, &viewer, input()).await.expect("the repeated request");
        let first = answer.as_ref().expect("the first request");
        assert_eq!((again.id, again.created_at), (first.id, first.created_at), "{path:?}: the same comment answers both");
        answer = Ok(again);
    }
    let stamped = match &answer {
        Ok(c) => {
            let at = c.id.get_timestamp().map(|t| t.to_unix()).expect("a v7 id");
            let row = entities::comment::Entity::find_by_id(c.id).one(&app.state.db.conn).await.expect("read").expect("the row");
            let c_row = entities::consultation::Entity::find_by_id(consultation).one(&app.state.db.conn).await.expect("read").expect("row");
            row.created_at.timestamp() == i64::try_from(at.0).expect("secs")
                && row.created_at.timestamp_subsec_millis() == at.1 / 1_000_000
                && row == *c
                && gongkai::services::consultations::status(&c_row, row.created_at) == gongkai::domain::ConsultationStatus::Open
        }
        Err(_) => false,
    };
    let group = match &answer {
        Ok(c) => {
            let members = count(app, "SELECT COUNT(*) FROM comments WHERE duplicate_group_id = $1", vec![c.duplicate_group_id.into()]).await;
            let multi = count(app, "SELECT COUNT(*) FROM duplicate_groups WHERE id = $1 AND multi = true", vec![c.duplicate_group_id.into()]).await == 1;
            let counted = counters::load_one(&app.state.db.conn, c.duplicate_group_id).await.expect("counts").total;
            assert_eq!(counted, members, "{path:?} {case:?}: the group's counter is its members");
            Some((members, multi))
        }
        Err(_) => None,
    };
    let after = counters::load_one(&app.state.db.conn, consultation).await.expect("counts");
    let section_after = match section {
        Some(s) => counters::load_one(&app.state.db.conn, s).await.expect("counts").published,
        None => 0,
    };
    let audited = count(
        app,
        "SELECT COUNT(*) FROM audit_log WHERE actor_id = $1 AND action = $2 AND detail = $3",
        vec![author.into(), submission::AUDIT_ACTION.into(), submission::audit_detail(consultation).to_string().into()],
    )
    .await;
    Outcome {
        answer: answer.map(|c| c.status).map_err(|e| e.code().to_owned()),
        written: count(app, "SELECT COUNT(*) FROM comments WHERE author_id = $1", vec![author.into()]).await,
        stamped,
        consultation: after.minus(before),
        section: section_after - section_before,
        group,
        audited,
    }
}

fn expected(case: Case) -> Outcome {
    let published = Counts { published: 1, oppose: 1, unreplied: 1, ..Counts::default() };
    let written = |status: CommentStatus, consultation: Counts, section: i64, group: (i64, bool)| Outcome {
        answer: Ok(status),
        written: 1,
        stamped: true,
        consultation,
        section,
        group: Some(group),
        audited: 1,
    };
    let refused = |code: &str| Outcome {
        answer: Err(code.to_owned()),
        written: 0,
        stamped: false,
        consultation: Counts::default(),
        section: 0,
        group: None,
        audited: 0,
    };
    match case {
        Case::Open | Case::RepeatedRequest => written(CommentStatus::Published, published, 0, (1, false)),
        Case::OwnSection => written(CommentStatus::Published, published, 1, (1, false)),
        Case::PreModerated => written(CommentStatus::Pending, Counts { pending: 1, ..Counts::default() }, 0, (1, false)),
        Case::SecondOfText => written(CommentStatus::Published, published, 0, (2, true)),
        Case::ForeignSection => refused("BAD_USER_INPUT"),
        Case::Draft => refused("NOT_FOUND"),
        Case::Closed | Case::Upcoming => refused("CONSULTATION_NOT_OPEN"),
    }
}

#[tokio::test]
async fn both_ways_of_writing_a_submission_write_the_same() {
    let app = spawn_with(no_limits).await;
    let paths: &[Path] = if using_postgres() {
        &[Path::Batch, Path::StepByStep]
    } else {
        gongkai_tests::skipped("the batch statement is PostgreSQL's (set TEST_DATABASE_URL); checking the step-by-step path only");
        &[Path::StepByStep]
    };
    for case in CASES {
        for path in paths {
            let outcome = run(&app, *path, case).await;
            assert_eq!(outcome, expected(case), "{path:?} {case:?}");
        }
    }
}
