//! The command line: `serve` (default), `migrate`, `create-admin`, `export-schema`, `seed-demo`,
//! `backfill-similar` and `search-backfill`.

use std::io::Read;

use anyhow::{bail, Context};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde::Deserialize;

use entities::{consultation, department, user};

use crate::config::Config;
use crate::domain::{ModerationMode, Role};
use crate::i18n::Locale;
use crate::services::authz::Viewer;
use crate::services::{accounts, consultations};
use crate::state::AppState;
use crate::util;

pub const USAGE: &str = "usage: gongkai [serve | migrate | create-admin --email E --display-name N --password-stdin | export-schema | seed-demo | backfill-similar [--rebuild] | search-backfill [--batch N]]";

/// Comments the backfill indexes per transaction unless `--batch` says otherwise.
pub const BACKFILL_BATCH: u64 = 1000;

#[derive(Debug, PartialEq, Eq)]
pub enum Command {
    Serve,
    Migrate,
    CreateAdmin { email: String, display_name: String },
    ExportSchema,
    SeedDemo,
    /// Places every comment not yet in a similar group (all of them with `rebuild`, after a change of
    /// SIMILAR_THRESHOLD).
    BackfillSimilar { rebuild: bool },
    /// Indexes the comments and consultations written before search existed (resumable).
    SearchBackfill { batch: u64 },
    Help,
}

pub fn parse(args: &[String]) -> anyhow::Result<Command> {
    let Some(first) = args.first() else { return Ok(Command::Serve) };
    match first.as_str() {
        "serve" => Ok(Command::Serve),
        "migrate" => Ok(Command::Migrate),
        "export-schema" => Ok(Command::ExportSchema),
        "seed-demo" => Ok(Command::SeedDemo),
        "backfill-similar" => match args.get(1).map(String::as_str) {
            None => Ok(Command::BackfillSimilar { rebuild: false }),
            Some("--rebuild") => Ok(Command::BackfillSimilar { rebuild: true }),
            Some(other) => bail!("unknown option `{other}`\n{USAGE}"),
        },
        "help" | "--help" | "-h" => Ok(Command::Help),
        "search-backfill" => {
            let mut batch = BACKFILL_BATCH;
            let mut rest = args[1..].iter();
            while let Some(flag) = rest.next() {
                match flag.as_str() {
                    "--batch" => {
                        batch = rest
                            .next()
                            .and_then(|n| n.parse().ok())
                            .filter(|n| (1..=10_000).contains(n))
                            .with_context(|| format!("--batch needs a number from 1 to 10000\n{USAGE}"))?;
                    }
                    other => bail!("unknown option `{other}`\n{USAGE}"),
                }
            }
            Ok(Command::SearchBackfill { batch })
        }
        "create-admin" => {
            let (mut email, mut name, mut stdin) = (None, None, false);
            let mut rest = args[1..].iter();
            while let Some(flag) = rest.next() {
                match flag.as_str() {
                    "--email" => email = rest.next().cloned(),
                    "--display-name" => name = rest.next().cloned(),
                    "--password-stdin" => stdin = true,
                    other => bail!("unknown option `{other}`\n{USAGE}"),
                }
            }
            if !stdin {
                bail!("create-admin reads the password from standard input: pass --password-stdin\n{USAGE}");
            }
            match (email, name) {
                (Some(email), Some(display_name)) => Ok(Command::CreateAdmin { email, display_name }),
                _ => bail!("create-admin needs --email and --display-name\n{USAGE}"),
            }
        }
        other => bail!("unknown command `{other}`\n{USAGE}"),
    }
}

pub async fn create_admin(config: Config, email: String, display_name: String) -> anyhow::Result<()> {
    let mut password = String::new();
    std::io::stdin().read_to_string(&mut password).context("cannot read the password from standard input")?;
    let password = password.trim_end_matches(['\n', '\r']).to_owned();
    let state = AppState::new(config).await?;
    state.db.migrate().await?;
    let input = accounts::CreateAccountInput { email, display_name, password, role: Role::Admin, department_id: None };
    let admin = accounts::create_account(&state, None, input).await.map_err(describe)?;
    println!("Created admin {} ({})", admin.email, admin.id);
    Ok(())
}

/// Places the comments not yet in a similar group, batch after batch, with a progress bar on standard
/// error; resumable: interrupted, it starts again where it stopped (the unplaced comments). With
/// `rebuild` it first forgets every group. Running servers keep placing new comments meanwhile: the
/// batches share their lease, so only one places at a time.
pub async fn backfill_similar(config: Config, rebuild: bool) -> anyhow::Result<()> {
    use std::io::Write;
    let state = AppState::new(config).await?;
    state.db.migrate().await?;
    if rebuild {
        crate::services::similar::reset(&state).await.map_err(describe)?;
    }
    let total = crate::services::similar::unplaced(&state.db.conn).await.map_err(describe)?.max(0) as u64;
    let banding = crate::services::similar::banding(&state);
    eprintln!(
        "placing {total} comments (threshold {}, {} bands of {} rows)",
        state.config.similar_threshold, banding.bands, banding.rows
    );
    let started = std::time::Instant::now();
    let token = uuid::Uuid::new_v4();
    let bar = |placed: u64| {
        let share = if total == 0 { 1.0 } else { (placed as f64 / total as f64).min(1.0) };
        let filled = (share * 40.0) as usize;
        let rate = placed as f64 / started.elapsed().as_secs_f64().max(0.001);
        eprint!("\r[{}{}] {placed}/{total} {:.0}/s", "#".repeat(filled), " ".repeat(40 - filled), rate);
        let _ = std::io::stderr().flush();
    };
    let mut placed = 0;
    loop {
        placed += crate::services::similar::place_all(&state, banding, token, |n| bar(placed + n)).await.map_err(describe)?;
        if crate::services::similar::unplaced(&state.db.conn).await.map_err(describe)? == 0 {
            break;
        }
        // Another instance holds the lease for now: wait for it.
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    }
    eprintln!();
    println!("Placed {placed} comments in {:.1} s.", started.elapsed().as_secs_f64());
    Ok(())
}

/// Indexes for search what was written before it existed, with a progress bar on standard error:
/// every consultation's tokens, then each comment without tokens, `batch` a transaction. Stopped, it
/// goes on from its last batch when run again; run after it finished, it finds nothing to do.
pub async fn search_backfill(config: Config, batch: u64) -> anyhow::Result<()> {
    let db = crate::db::Db::connect(&config).await?;
    db.migrate().await?;
    crate::search::warm_up();
    let started = std::time::Instant::now();
    let done = crate::services::search_index::backfill(&db, batch, crate::services::search_index::print_progress).await.map_err(describe)?;
    eprintln!();
    println!(
        "Search backfill done in {:.1} s: {} consultations, {} comments looked at.",
        started.elapsed().as_secs_f64(),
        done.consultations,
        done.comments
    );
    Ok(())
}

/// A refusal for the operator's console, in English like the rest of the command line.
fn describe(error: crate::error::AppError) -> anyhow::Error {
    match error {
        crate::error::AppError::BadInput(fields) => {
            let list: Vec<String> = fields.iter().map(|f| format!("{}: {}", f.field, f.message.render(Locale::En))).collect();
            anyhow::anyhow!("invalid input: {}", list.join("; "))
        }
        crate::error::AppError::Internal(e) | crate::error::AppError::Unavailable(e) => e,
        other => anyhow::anyhow!("{}", other.message(Locale::En)),
    }
}

#[derive(Deserialize)]
struct Fixture {
    departments: Vec<FixtureDepartment>,
    consultation: FixtureConsultation,
}

#[derive(Deserialize)]
struct FixtureDepartment {
    code: String,
    name: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct FixtureConsultation {
    title: String,
    summary: String,
    interpretation: Option<String>,
    body: String,
    category: String,
    lead_department_code: String,
    cooperating_department_codes: Vec<String>,
    moderation: String,
    open_for_days: i64,
    /// Why a fixture open for less than 30 days is shorter (the law's minimum needs a reason).
    #[serde(default)]
    short_period_reason: Option<String>,
    sections: Vec<FixtureSection>,
}

#[derive(Deserialize)]
struct FixtureSection {
    heading: String,
    body: String,
}

const SAMPLE: &str = include_str!("../fixtures/sample-consultation.json");

/// Loads the sample consultation with its departments, an admin, one staff account per department and
/// a citizen, printing the accounts' passwords. Running it again adds nothing twice.
pub async fn seed_demo(config: Config) -> anyhow::Result<()> {
    let fixture: Fixture = serde_json::from_str(SAMPLE).context("the bundled fixture is malformed")?;
    let state = AppState::new(config).await?;
    state.db.migrate().await?;
    let db = &state.db.conn;

    let admin_email = "admin@demo.gongkai.test";
    let admin = match user::Entity::find().filter(user::Column::Email.eq(admin_email)).one(db).await? {
        Some(admin) => admin,
        None => {
            let password = util::random_token(8)?;
            let input = accounts::CreateAccountInput {
                email: admin_email.to_owned(),
                display_name: "Demo admin".to_owned(),
                password: password.clone(),
                role: Role::Admin,
                department_id: None,
            };
            let admin = accounts::create_account(&state, None, input).await.map_err(describe)?;
            println!("ADMIN    {admin_email}  password: {password}");
            admin
        }
    };
    let as_admin = Viewer { user: Some(admin), token_hash: None, client_key: "seed-demo".to_owned() };

    let mut departments = Vec::new();
    for d in &fixture.departments {
        let existing = department::Entity::find().filter(department::Column::Code.eq(d.code.as_str())).one(db).await?;
        let dept = match existing {
            Some(dept) => dept,
            None => accounts::create_department(&state, &as_admin, &d.code, &d.name).await.map_err(describe)?,
        };
        let email = format!("staff-{}@demo.gongkai.test", d.code.to_lowercase());
        if user::Entity::find().filter(user::Column::Email.eq(email.as_str())).one(db).await?.is_none() {
            let password = util::random_token(8)?;
            let input = accounts::CreateAccountInput {
                email: email.clone(),
                display_name: format!("{} staff", d.name),
                password: password.clone(),
                role: Role::Staff,
                department_id: Some(dept.id),
            };
            accounts::create_account(&state, Some(&as_admin), input).await.map_err(describe)?;
            println!("STAFF    {email}  password: {password}  ({})", d.code);
        }
        departments.push(dept);
    }
    let citizen_email = "citizen@demo.gongkai.test";
    if user::Entity::find().filter(user::Column::Email.eq(citizen_email)).one(db).await?.is_none() {
        let password = util::random_token(8)?;
        let input = accounts::RegisterInput {
            email: citizen_email.to_owned(),
            password: password.clone(),
            display_name: "Demo citizen".to_owned(),
            phone: None,
        };
        let viewer = Viewer::anonymous("seed-demo".to_owned());
        accounts::register(&state, &viewer, input).await.map_err(describe)?;
        println!("CITIZEN  {citizen_email}  password: {password}");
    }

    let c = &fixture.consultation;
    if consultation::Entity::find().filter(consultation::Column::Title.eq(c.title.as_str())).one(db).await?.is_some() {
        println!("The sample consultation is already loaded.");
        return Ok(());
    }
    let code_to_id = |code: &str| departments.iter().find(|d| d.code == code).map(|d| d.id);
    let lead = code_to_id(&c.lead_department_code).context("the fixture's lead department is not among its departments")?;
    let cooperating = c.cooperating_department_codes.iter().filter_map(|code| code_to_id(code)).collect();
    let now = state.clock.now();
    let input = consultations::ConsultationInput {
        title: Some(c.title.clone()),
        summary: Some(c.summary.clone()),
        body: Some(c.body.clone()),
        interpretation: c.interpretation.clone(),
        category: Some(c.category.clone()),
        lead_department_id: Some(lead),
        cooperating_department_ids: Some(cooperating),
        opens_at: Some(now),
        closes_at: Some(now + chrono::Duration::days(c.open_for_days.max(1))),
        moderation: Some(if c.moderation == "PRE" { ModerationMode::Pre } else { ModerationMode::Post }),
        sections: Some(c.sections.iter().map(|s| consultations::SectionInput { heading: s.heading.clone(), body: s.body.clone() }).collect()),
        short_period_reason: c.short_period_reason.clone(),
    };
    let created = consultations::create(&state, &as_admin, input).await.map_err(describe)?;
    consultations::publish(&state, &as_admin, created.id).await.map_err(describe)?;
    println!("Published the sample consultation {} ({})", c.title, created.id);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn commands_parse() {
        assert_eq!(parse(&args(&[])).unwrap(), Command::Serve);
        assert_eq!(parse(&args(&["export-schema"])).unwrap(), Command::ExportSchema);
        assert_eq!(
            parse(&args(&["create-admin", "--email", "a@b.cn", "--display-name", "A", "--password-stdin"])).unwrap(),
            Command::CreateAdmin { email: "a@b.cn".into(), display_name: "A".into() }
        );
        assert!(parse(&args(&["create-admin", "--email", "a@b.cn"])).is_err());
        assert!(parse(&args(&["frobnicate"])).is_err());
        assert_eq!(parse(&args(&["backfill-similar"])).unwrap(), Command::BackfillSimilar { rebuild: false });
        assert_eq!(parse(&args(&["backfill-similar", "--rebuild"])).unwrap(), Command::BackfillSimilar { rebuild: true });
        assert!(parse(&args(&["backfill-similar", "--all"])).is_err());
        assert_eq!(parse(&args(&["search-backfill"])).unwrap(), Command::SearchBackfill { batch: BACKFILL_BATCH });
        assert_eq!(parse(&args(&["search-backfill", "--batch", "50"])).unwrap(), Command::SearchBackfill { batch: 50 });
        assert!(parse(&args(&["search-backfill", "--batch", "0"])).is_err());
    }

    #[test]
    fn the_bundled_fixture_parses() {
        let fixture: Fixture = serde_json::from_str(SAMPLE).unwrap();
        assert!(!fixture.departments.is_empty());
        assert!(!fixture.consultation.sections.is_empty());
    }
}
