//! Comments and everything hanging off them (duplicate groups, replies, endorsements, reports),
//! generated in chunks, with the derived columns and the sharded counters computed the way the server
//! maintains them.

use std::collections::HashMap;

use uuid::Uuid;

use crate::copy::CopyBuf;
use crate::plan::{ConsPlan, Kind, DAY_MS};
use crate::rng::Rng;
use crate::text::{self, CAMPAIGNS};

pub const GROUP_COLUMNS: &str = "duplicate_groups (id, consultation_id, fingerprint, multi)";
pub const COMMENT_COLUMNS: &str = "comments (id, consultation_id, section_id, author_id, stance, body, status, \
     moderation_reason, duplicate_group_id, endorsement_count, report_count, reply_count, latest_adoption, \
     first_replied_at, created_at, updated_at)";
pub const REPLY_COLUMNS: &str =
    "replies (id, comment_id, consultation_id, author_id, department_id, body, adoption, created_at)";
pub const ENDORSEMENT_COLUMNS: &str = "endorsements (comment_id, user_id, created_at)";
pub const REPORT_COLUMNS: &str = "reports (comment_id, user_id, reason, detail, created_at)";
pub const COUNTER_COLUMNS: &str =
    "counters (subject_id, shard, published, support, oppose, neutral, unreplied, pending, total)";

const MINUTE_MS: i64 = 60_000;
const ADOPTIONS: &[&str] = &["ADOPTED", "PARTIALLY_ADOPTED", "NOT_ADOPTED", "EXPLAINED"];
const REPORT_REASONS: &[&str] = &["SPAM", "ABUSE", "OFF_TOPIC", "PERSONAL_DATA", "OTHER"];
const STANCES: &[&str] = &["SUPPORT", "OPPOSE", "NEUTRAL"];
const STANCE_WEIGHTS: &[f64] = &[45.0, 30.0, 25.0];

/// Rows for one COPY round; the tables must be loaded in field order (foreign keys).
#[derive(Default)]
pub struct Chunk {
    pub groups: CopyBuf,
    pub comments: CopyBuf,
    pub replies: CopyBuf,
    pub endorsements: CopyBuf,
    pub reports: CopyBuf,
}

/// The frozen figures of a concluded consultation.
#[derive(Clone, Copy, Debug, Default)]
pub struct Outcome {
    pub total: i64,
    pub replied: i64,
    pub adopted: i64,
    pub partially_adopted: i64,
    pub not_adopted: i64,
    pub explained: i64,
}

#[derive(Debug, Default)]
pub struct Totals {
    pub comments: u64,
    pub groups: u64,
    pub multi_groups: u64,
    pub replies: u64,
    pub endorsements: u64,
    pub reports: u64,
}

pub struct Finish {
    pub counters: CopyBuf,
    pub multi_groups: Vec<Uuid>,
    pub outcomes: Vec<(Uuid, Outcome)>,
    pub totals: Totals,
}

struct Group {
    id: Uuid,
    members: u32,
    /// Members whose status is not WITHDRAWN: the group's `total` counter.
    live: i64,
}

#[derive(Default)]
struct Counts {
    published: i64,
    support: i64,
    oppose: i64,
    neutral: i64,
    unreplied: i64,
    pending: i64,
}

fn statuses(plan: &ConsPlan) -> (&'static [&'static str], &'static [f64]) {
    const POST: &[&str] = &["PUBLISHED", "HIDDEN", "PENDING", "WITHDRAWN"];
    const PRE: &[&str] = &["PUBLISHED", "PENDING", "REJECTED", "WITHDRAWN"];
    const ENDED: &[&str] = &["PUBLISHED", "HIDDEN", "REJECTED", "WITHDRAWN"];
    match plan.kind {
        Kind::Closed | Kind::Concluded => (ENDED, &[97.0, 1.0, 0.5, 1.5]),
        _ if plan.pre_moderated => (PRE, &[85.0, 10.0, 3.0, 2.0]),
        _ => (POST, &[96.5, 1.5, 1.0, 1.0]),
    }
}

fn counter_row(out: &mut CopyBuf, subject: Uuid, c: &Counts, total: i64) {
    out.uuid(subject).int(0).int(c.published).int(c.support).int(c.oppose).int(c.neutral);
    out.int(c.unreplied).int(c.pending).int(total);
    out.end();
}

/// Some time after `ms` and before `now_ms`, or `None` when there is no room.
fn later(rng: &mut Rng, ms: i64, min_gap: i64, max_gap: i64, now_ms: i64) -> Option<i64> {
    let lo = ms + min_gap;
    let hi = (ms + max_gap).min(now_ms - MINUTE_MS);
    (hi > lo).then(|| rng.range(lo, hi))
}

/// Generates every plan's comments, handing over a chunk every `chunk_size` comments through `emit`
/// (which gets the chunk and the number of comments in it, and returns false to stop early).
pub fn generate(
    plans: &[ConsPlan],
    citizens: &[Uuid],
    now_ms: i64,
    seed: u64,
    chunk_size: u64,
    mut emit: impl FnMut(Chunk, u64) -> bool,
) -> Option<Finish> {
    let mut rng = Rng::new(seed);
    let mut counters = CopyBuf::new();
    let mut multi_groups = Vec::new();
    let mut outcomes = Vec::new();
    let mut totals = Totals::default();
    let mut chunk = Chunk::default();
    let mut in_chunk = 0u64;
    let campaign_weights: Vec<f64> = CAMPAIGNS.iter().map(|c| c.weight).collect();
    let people = citizens.len() as u64;
    if people < 2 {
        return None;
    }

    for plan in plans {
        let (status_names, status_weights) = statuses(plan);
        let mut groups: Vec<Group> = Vec::new();
        let mut index: HashMap<[u8; 32], usize> = HashMap::new();
        let mut counts = Counts::default();
        let mut section_published = vec![0i64; plan.sections.len()];
        let mut outcome = Outcome::default();
        let n = plan.comments;
        // Distinct milliseconds keep id order equal to created_at order.
        let span = (plan.to_ms - plan.from_ms).max(n as i64);
        let step = (span / n.max(1) as i64).max(1);

        for i in 0..n {
            let ms = plan.from_ms + (i as i64 * span) / n as i64 + rng.below(step as u64) as i64;
            let author_idx = rng.below(people);
            let author = citizens[author_idx as usize];
            let (body, stance) = if rng.chance(plan.campaign_share) {
                let c = &CAMPAIGNS[rng.weighted(&campaign_weights)];
                (text::campaign_variant(&mut rng, c), c.stance)
            } else {
                // One comment in RARE_EVERY carries the rare phrase (no draw of the generator: the rest
                // of the load is the same with or without it).
                let mut body = text::comment_body(&mut rng);
                if i % text::RARE_EVERY == text::RARE_EVERY - 1 {
                    body.push_str(text::RARE_PHRASE);
                }
                (body, STANCES[rng.weighted(STANCE_WEIGHTS)])
            };
            let status = status_names[rng.weighted(status_weights)];
            let section = if !plan.sections.is_empty() && rng.chance(0.6) {
                Some(rng.below(plan.sections.len() as u64) as usize)
            } else {
                None
            };

            let fp = text::fingerprint(&body);
            let g = match index.get(&fp) {
                Some(&g) => g,
                None => {
                    let id = rng.v7(ms);
                    chunk.groups.uuid(id).uuid(plan.id).text(&text::hex(&fp)).boolean(false);
                    chunk.groups.end();
                    groups.push(Group { id, members: 0, live: 0 });
                    index.insert(fp, groups.len() - 1);
                    groups.len() - 1
                }
            };
            let group = &mut groups[g];
            group.members += 1;
            if status != "WITHDRAWN" {
                group.live += 1;
            }
            let group_id = group.id;
            let id = rng.v7(ms);

            let mut reply_count = 0i64;
            let mut latest_adoption = None;
            let mut first_replied = None;
            if status == "PUBLISHED" && rng.chance(plan.reply_rate) {
                let wanted = if rng.chance(0.15) { 2 } else { 1 };
                let mut t = ms;
                for _ in 0..wanted {
                    let Some(at) = later(&mut rng, t, 10 * MINUTE_MS, 7 * DAY_MS, now_ms) else { break };
                    t = at;
                    let adoption = ADOPTIONS[rng.below(ADOPTIONS.len() as u64) as usize];
                    let staff = rng.pick(&plan.staff).copied().unwrap_or(author);
                    let reply_id = rng.v7(t);
                    chunk.replies.uuid(reply_id).uuid(id).uuid(plan.id).uuid(staff).uuid(plan.lead_department);
                    chunk.replies.text(&text::reply_body(&mut rng)).text(adoption).ts(t);
                    chunk.replies.end();
                    reply_count += 1;
                    latest_adoption = Some(adoption);
                    first_replied.get_or_insert(t);
                }
            }

            let endorsements = if status != "PUBLISHED" {
                0
            } else if rng.chance(0.001) {
                rng.range(50, 1000) as u64
            } else if rng.chance(0.25) {
                1 + ((-(1.0 - rng.unit()).ln() * 2.5) as u64).min(100)
            } else {
                0
            };
            let endorsements = endorsements.min(people - 1);
            for j in 0..endorsements {
                let user = citizens[((author_idx + 1 + j) % people) as usize];
                let at = later(&mut rng, ms, 1, 3 * DAY_MS, now_ms).unwrap_or(ms + 1);
                chunk.endorsements.uuid(id).uuid(user).ts(at);
                chunk.endorsements.end();
            }

            let reports = match status {
                "HIDDEN" => 3,
                "PUBLISHED" if rng.chance(0.01) => 1,
                _ => 0,
            }
            .min(people - 1);
            for j in 0..reports {
                let user = citizens[((author_idx + people - 1 - j) % people) as usize];
                let at = later(&mut rng, ms, 1, DAY_MS, now_ms).unwrap_or(ms + 1);
                let reason = REPORT_REASONS[rng.below(REPORT_REASONS.len() as u64) as usize];
                let detail = rng.chance(0.3).then_some("内容与本次征求意见无关。");
                chunk.reports.uuid(id).uuid(user).text(reason).opt_text(detail).ts(at);
                chunk.reports.end();
            }

            let moderation_reason = (status == "REJECTED").then_some("含有广告或与主题无关的内容。");
            chunk.comments.uuid(id).uuid(plan.id).opt_uuid(section.and_then(|s| plan.sections.get(s).copied()));
            chunk.comments.uuid(author).text(stance).text(&body).text(status).opt_text(moderation_reason);
            chunk.comments.uuid(group_id).int(endorsements as i64).int(reports as i64).int(reply_count);
            chunk.comments.opt_text(latest_adoption).opt_ts(first_replied).ts(ms).ts(ms);
            chunk.comments.end();

            match status {
                "PUBLISHED" => {
                    counts.published += 1;
                    match stance {
                        "SUPPORT" => counts.support += 1,
                        "OPPOSE" => counts.oppose += 1,
                        _ => counts.neutral += 1,
                    }
                    if reply_count == 0 {
                        counts.unreplied += 1;
                    } else {
                        outcome.replied += 1;
                    }
                    if let Some(s) = section {
                        section_published[s] += 1;
                    }
                    outcome.total += 1;
                    match latest_adoption {
                        Some("ADOPTED") => outcome.adopted += 1,
                        Some("PARTIALLY_ADOPTED") => outcome.partially_adopted += 1,
                        Some("NOT_ADOPTED") => outcome.not_adopted += 1,
                        Some(_) => outcome.explained += 1,
                        None => {}
                    }
                }
                "PENDING" => counts.pending += 1,
                _ => {}
            }

            in_chunk += 1;
            if in_chunk >= chunk_size {
                add_totals(&mut totals, &chunk);
                if !emit(std::mem::take(&mut chunk), in_chunk) {
                    return None;
                }
                in_chunk = 0;
            }
        }

        counter_row(&mut counters, plan.id, &counts, 0);
        for (sid, published) in plan.sections.iter().zip(&section_published) {
            counter_row(&mut counters, *sid, &Counts { published: *published, ..Counts::default() }, 0);
        }
        for group in &groups {
            counter_row(&mut counters, group.id, &Counts::default(), group.live);
            if group.members >= 2 {
                multi_groups.push(group.id);
            }
        }
        if plan.kind == Kind::Concluded {
            outcomes.push((plan.id, outcome));
        }
    }
    if in_chunk > 0 || !chunk.groups.is_empty() {
        add_totals(&mut totals, &chunk);
        if !emit(chunk, in_chunk) {
            return None;
        }
    }
    totals.multi_groups = multi_groups.len() as u64;
    Some(Finish { counters, multi_groups, outcomes, totals })
}

fn add_totals(totals: &mut Totals, chunk: &Chunk) {
    totals.comments += chunk.comments.rows;
    totals.groups += chunk.groups.rows;
    totals.replies += chunk.replies.rows;
    totals.endorsements += chunk.endorsements.rows;
    totals.reports += chunk.reports.rows;
}
