//! `similar-quality`: how well similar groups find edited campaign letters, on a labelled set, and how
//! long building the groups from scratch takes.
//!
//! Starts the real server in this process (SQLite by default; PostgreSQL + Redis when
//! `TEST_DATABASE_URL` and `TEST_REDIS_URL` are set, as for the tests), and submits `--count` comments
//! over HTTP: a share (`--campaign-share`, 0.5) are letters of the seeder's campaigns (`text::CAMPAIGNS`,
//! by their weights), a third of them as sent (punctuation varies) and the rest edited
//! (`text::edited_campaign`: words added, cut or replaced, one to three edits); the others are the
//! seeder's ordinary comments (`text::comment_body`), unrelated to any campaign. The similar-group
//! worker places them as they arrive. Then:
//!
//! - pairwise precision and recall of the groups against the labels: a true pair is two letters of one
//!   campaign, or two comments with the same folded text; a found pair is two comments in one group;
//! - per comment: campaign letters outside their campaign's largest group, and unrelated comments
//!   inside a campaign's group;
//! - the time to build every group from scratch (`similar::reset`, then the batches the
//!   `backfill-similar` command runs), and the same figures after it.
//!
//!   cargo run --release -p gongkai-bench --bin similar-quality -- [--count 20000] [--campaign-share 0.5] [--seed 7]

use std::collections::HashMap;
use std::time::Instant;

use anyhow::{anyhow, bail};
use gongkai_bench::rng::Rng;
use gongkai_bench::text::{self, CAMPAIGNS};
use sea_orm::{ConnectionTrait, Statement};
use serde_json::json;
use uuid::Uuid;

const SUBMIT: &str = "mutation($input: SubmitCommentInput!) { submitComment(input: $input) { comment { id } } }";
const WRITERS: usize = 8;

/// What a comment is, by construction.
#[derive(Clone, Debug)]
struct Label {
    campaign: Option<usize>,
    folded: String,
}

fn pairs(n: u64) -> u64 {
    n * n.saturating_sub(1) / 2
}

/// (precision, recall, campaign letters outside their campaign's largest group, unrelated comments in
/// a campaign's group, groups of two or more).
fn score(labels: &HashMap<Uuid, Label>, groups: &HashMap<Uuid, Uuid>) -> (f64, f64, u64, u64, usize) {
    let mut by_group: HashMap<Uuid, Vec<&Label>> = HashMap::new();
    for (comment, group) in groups {
        if let Some(label) = labels.get(comment) {
            by_group.entry(*group).or_default().push(label);
        }
    }
    // Found pairs, and true pairs among them.
    let (mut found, mut true_found) = (0u64, 0u64);
    let mut largest: HashMap<usize, (Uuid, u64)> = HashMap::new();
    let mut campaign_groups: HashMap<Uuid, usize> = HashMap::new();
    for (group, members) in &by_group {
        found += pairs(members.len() as u64);
        let mut by_campaign: HashMap<usize, u64> = HashMap::new();
        let mut by_text: HashMap<&str, u64> = HashMap::new();
        let mut both: HashMap<(usize, &str), u64> = HashMap::new();
        for m in members {
            if let Some(c) = m.campaign {
                *by_campaign.entry(c).or_default() += 1;
                *both.entry((c, m.folded.as_str())).or_default() += 1;
            }
            *by_text.entry(m.folded.as_str()).or_default() += 1;
        }
        // Same campaign or same text, counted once (inclusion-exclusion).
        true_found += by_campaign.values().map(|n| pairs(*n)).sum::<u64>() + by_text.values().map(|n| pairs(*n)).sum::<u64>()
            - both.values().map(|n| pairs(*n)).sum::<u64>();
        for (c, n) in by_campaign {
            let best = largest.entry(c).or_insert((*group, 0));
            if n > best.1 {
                *best = (*group, n);
            }
        }
    }
    for (c, (group, _)) in &largest {
        campaign_groups.insert(*group, *c);
    }
    let mut by_campaign: HashMap<usize, u64> = HashMap::new();
    let mut by_text: HashMap<&str, u64> = HashMap::new();
    let mut both: HashMap<(usize, &str), u64> = HashMap::new();
    let (mut strays, mut intruders) = (0u64, 0u64);
    for (comment, label) in labels {
        if let Some(c) = label.campaign {
            *by_campaign.entry(c).or_default() += 1;
            *both.entry((c, label.folded.as_str())).or_default() += 1;
        }
        *by_text.entry(label.folded.as_str()).or_default() += 1;
        let group = groups.get(comment);
        match (label.campaign, group.and_then(|g| campaign_groups.get(g))) {
            (Some(c), Some(found)) if *found == c => {}
            (Some(_), _) => strays += 1,
            (None, Some(_)) => intruders += 1,
            (None, None) => {}
        }
    }
    let truth = by_campaign.values().map(|n| pairs(*n)).sum::<u64>() + by_text.values().map(|n| pairs(*n)).sum::<u64>()
        - both.values().map(|n| pairs(*n)).sum::<u64>();
    let multi = by_group.values().filter(|m| m.len() >= 2).count();
    (true_found as f64 / found.max(1) as f64, true_found as f64 / truth.max(1) as f64, strays, intruders, multi)
}

async fn groups(app: &gongkai_tests::TestApp) -> anyhow::Result<HashMap<Uuid, Uuid>> {
    let db = &app.state.db.conn;
    let rows = db
        .query_all_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT c.id, COALESCE(g.merged_into, g.id) AS root FROM comments c JOIN similar_groups g ON g.id = c.similar_group_id",
        ))
        .await?;
    rows.iter().map(|r| Ok((r.try_get::<Uuid>("", "id")?, r.try_get::<Uuid>("", "root")?))).collect()
}

async fn wait_placed(app: &gongkai_tests::TestApp) -> anyhow::Result<()> {
    loop {
        let left = gongkai::services::similar::unplaced(&app.state.db.conn).await.map_err(|e| anyhow!("{e:?}"))?;
        if left == 0 {
            return Ok(());
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

fn report(what: &str, (precision, recall, strays, intruders, multi): (f64, f64, u64, u64, usize), campaign: usize, unrelated: usize) {
    println!(
        "| {what} | {:.4} | {:.4} | {strays} of {campaign} | {intruders} of {unrelated} | {multi} |",
        precision, recall
    );
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let (mut count, mut share, mut seed) = (20_000usize, 0.5f64, 7u64);
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value = args.next().ok_or_else(|| anyhow!("{flag} needs a value"))?;
        match flag.as_str() {
            "--count" => count = value.parse()?,
            "--campaign-share" => share = value.parse()?,
            "--seed" => seed = value.parse()?,
            other => bail!("unknown argument `{other}` (usage: similar-quality [--count N] [--campaign-share F] [--seed S])"),
        }
    }
    let app = gongkai_tests::spawn_with(gongkai_tests::no_limits).await;
    let w = app.world().await;
    let mut citizens = Vec::new();
    for i in 0..WRITERS {
        citizens.push(app.citizen(&format!("联名市民{i}")).await.0);
    }
    let mut rng = Rng::new(seed);
    let weights: Vec<f64> = CAMPAIGNS.iter().map(|c| c.weight).collect();
    let mut texts: Vec<(Option<usize>, String)> = Vec::with_capacity(count);
    let (mut edited, mut as_sent) = (0usize, 0usize);
    for _ in 0..count {
        if rng.chance(share) {
            let c = rng.weighted(&weights);
            let text = if rng.chance(1.0 / 3.0) {
                as_sent += 1;
                text::campaign_variant(&mut rng, &CAMPAIGNS[c])
            } else {
                edited += 1;
                text::edited_campaign(&mut rng, &CAMPAIGNS[c]).0
            };
            texts.push((Some(c), text));
        } else {
            texts.push((None, text::comment_body(&mut rng)));
        }
    }
    let campaign_letters = as_sent + edited;
    let unrelated = count - campaign_letters;

    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    let per = count.div_ceil(WRITERS);
    for (n, chunk) in texts.chunks(per).enumerate() {
        let (http, url, token, consultation) = (app.http.clone(), app.url.clone(), citizens[n % WRITERS].clone(), w.consultation.clone());
        let chunk = chunk.to_vec();
        tasks.spawn(async move {
            let mut out = Vec::with_capacity(chunk.len());
            for (campaign, body) in chunk {
                let stance = campaign.map_or("NEUTRAL", |c| CAMPAIGNS[c].stance);
                let input = json!({ "input": { "consultationId": consultation, "stance": stance, "body": body } });
                let answer = gongkai_tests::gql_at(&http, &url, Some(&token), SUBMIT, input).await;
                let id = answer.0["data"]["submitComment"]["comment"]["id"].as_str().and_then(|s| s.parse::<Uuid>().ok());
                match id {
                    Some(id) => out.push((id, Label { campaign, folded: text::folded(&body) })),
                    None => return Err(anyhow!("a submission failed: {}", answer.0)),
                }
            }
            Ok(out)
        });
    }
    let mut labels = HashMap::with_capacity(count);
    while let Some(done) = tasks.join_next().await {
        labels.extend(done??);
    }
    let submitted = started.elapsed().as_secs_f64();
    wait_placed(&app).await?;
    let placed = started.elapsed().as_secs_f64();

    println!("{count} comments: {campaign_letters} campaign letters of {} campaigns ({as_sent} as sent, {edited} edited), {unrelated} unrelated; database {}", CAMPAIGNS.len(), if gongkai_tests::using_postgres() { "PostgreSQL" } else { "SQLite" });
    let banding = gongkai::services::similar::banding(&app.state);
    println!("SIMILAR_THRESHOLD {} ({} bands of {} rows over {} MinHash functions, 3-character shingles)", app.state.config.similar_threshold, banding.bands, banding.rows, gongkai::services::similar::minhash::PERMUTATIONS);
    println!("submitted in {submitted:.1} s ({:.0}/s over {WRITERS} connections); every comment placed {:.1} s after the first was sent", count as f64 / submitted, placed);
    println!();
    println!("| groups | pairwise precision | pairwise recall | campaign letters outside their campaign's group | unrelated comments in a campaign's group | groups of 2+ |");
    println!("| --- | --- | --- | --- | --- | --- |");
    report("placed as comments arrived", score(&labels, &groups(&app).await?), campaign_letters, unrelated);

    gongkai::services::similar::reset(&app.state).await.map_err(|e| anyhow!("{e:?}"))?;
    let rebuilt = Instant::now();
    let token = Uuid::new_v4();
    loop {
        gongkai::services::similar::place_all(&app.state, banding, token, |_| {}).await.map_err(|e| anyhow!("{e:?}"))?;
        if gongkai::services::similar::unplaced(&app.state.db.conn).await.map_err(|e| anyhow!("{e:?}"))? == 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let rebuild_seconds = rebuilt.elapsed().as_secs_f64();
    report("rebuilt from scratch", score(&labels, &groups(&app).await?), campaign_letters, unrelated);
    println!();
    println!("built from scratch in {rebuild_seconds:.1} s ({:.0} comments/s)", count as f64 / rebuild_seconds);
    Ok(())
}
