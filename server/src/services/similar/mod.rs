//! Similar groups: comments whose texts are nearly the same (a campaign letter with words added, cut
//! or replaced), found by MinHash with LSH banding over character shingles (`minhash`).
//!
//! Comments are placed by a worker right after they are written, never in the submission's own
//! statement, so submission pays nothing for it: every instance runs the worker, and one at a time
//! holds its lease (`worker_leases`, renewed in each batch's own transaction, whose row lock also keeps
//! two instances from placing at once). A batch takes up to `BATCH` unplaced comments in id order and,
//! in one transaction, set-based:
//! 1. computes each comment's band keys and finds the groups already holding any of them, and the
//!    similar group of its exact duplicate group;
//! 2. joins the oldest of those groups, merging the others into it (they point to the survivor with
//!    `merged_into`, and their counters move to it), or starts a group;
//! 3. writes the new band keys, the new groups with their counters, the comments' `similar_group_id`
//!    and the counters of the groups they joined.
//!
//! Every exact duplicate group lies inside one similar group: its comments have one folded text, hence
//! one signature and the same keys, and besides a comment of an exact group that is already placed
//! takes that group's similar group (`duplicate_groups.similar_group_id`), so no threshold, merge or
//! seed can split it.
//!
//! `size` and `replied_count` are counters on the surviving group's row: the worker adds what it
//! places, a reply adds its comment's first reply (`count_replied`), a merge adds the merged group's.

pub mod minhash;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use sea_orm::{ConnectionTrait, EntityTrait, FromQueryResult, Value};
use uuid::Uuid;

use entities::consultation;

use crate::error::{AppError, AppResult};
use crate::services::authz::{self, Viewer};
use crate::services::pagination::{self, Page, Total};
use crate::sql::{self, Params};
use crate::state::AppState;

pub use minhash::Banding;

/// The lease row of the worker.
pub const LEASE: &str = "similar_groups";
/// Comments placed per transaction.
pub const BATCH: usize = 500;
/// Rows per multi-row statement (within every backend's parameter limit).
const ROWS_PER_STATEMENT: usize = 1_000;

/// A similar group as listed.
#[derive(Clone, Debug, FromQueryResult)]
pub struct SimilarGroup {
    pub id: Uuid,
    pub consultation_id: Uuid,
    pub size: i64,
    pub replied_count: i64,
    pub sample_comment_id: Uuid,
}

/// The banding of this server's `SIMILAR_THRESHOLD`.
pub fn banding(state: &AppState) -> Banding {
    Banding::for_threshold(state.config.similar_threshold)
}

/// The band keys of a comment body.
pub fn keys(banding: Banding, body: &str) -> Vec<i64> {
    let mut keys = banding.keys(&minhash::signature(&crate::domain::folded(body)));
    keys.sort_unstable();
    keys.dedup();
    keys
}

/// Runs the worker until the process ends: a round whenever a comment is written on this instance,
/// and every `SIMILAR_POLL_MS` for comments written elsewhere.
pub fn start(state: AppState) {
    tokio::spawn(async move {
        let banding = banding(&state);
        let token = Uuid::new_v4();
        loop {
            if let Err(error) = place_all(&state, banding, token, |_| {}).await {
                tracing::warn!(error = ?error, "the similar-group worker failed; trying again shortly");
            }
            tokio::select! {
                () = state.similar_wake.notified() => {}
                () = tokio::time::sleep(state.config.similar_poll) => {}
            }
        }
    });
}

/// Places unplaced comments batch after batch until none is left (or another instance holds the
/// lease); `progress` hears the count after each batch. Returns how many this call placed.
pub async fn place_all(state: &AppState, banding: Banding, token: Uuid, mut progress: impl FnMut(u64)) -> AppResult<u64> {
    let mut placed = 0;
    // Each round walks forward from where its last batch stopped, so that a long backfill does not
    // scan again the index entries of the comments it placed; a comment that commits behind the walk
    // (a lower id, from a slower instance) is placed by the next round.
    let mut after = None;
    loop {
        match place_batch(state, banding, token, after).await? {
            None => return Ok(placed),
            Some((0, _)) => return Ok(placed),
            Some((n, last)) => {
                placed += n as u64;
                after = last;
                progress(placed);
            }
        }
    }
}

#[derive(FromQueryResult)]
struct Unplaced {
    id: Uuid,
    consultation_id: Uuid,
    body: String,
    duplicate_group_id: Uuid,
    exact_similar: Option<Uuid>,
}

#[derive(FromQueryResult)]
struct Band {
    band_key: i64,
    similar_group_id: Uuid,
}

#[derive(FromQueryResult)]
struct Root {
    id: Uuid,
    merged_into: Option<Uuid>,
}

#[derive(FromQueryResult)]
struct Placed {
    id: Uuid,
    reply_count: i32,
}

#[derive(FromQueryResult)]
struct Moved {
    size: i64,
    replied_count: i64,
}

/// Union-find over the groups one batch touches: each id to the group it now belongs to.
#[derive(Default)]
struct Roots(HashMap<Uuid, Uuid>);

impl Roots {
    fn find(&self, mut id: Uuid) -> Uuid {
        while let Some(next) = self.0.get(&id).filter(|next| **next != id) {
            id = *next;
        }
        id
    }
}

/// One batch of the unplaced comments after `after`; returns how many it placed and the last one's id,
/// or None when another instance holds the lease.
pub async fn place_batch(state: &AppState, banding: Banding, token: Uuid, after: Option<Uuid>) -> AppResult<Option<(usize, Option<Uuid>)>> {
    let now = state.clock.now();
    let lease = now + chrono::Duration::from_std(state.config.similar_lease).unwrap_or(chrono::Duration::seconds(30));
    let txn = state.db.begin().await?;
    let held = sql::execute(
        &*txn,
        "UPDATE worker_leases SET lease_token = $1, locked_until = $2
         WHERE name = $3 AND (lease_token = $1 OR lease_token IS NULL OR locked_until IS NULL OR locked_until <= $4)",
        vec![token.into(), lease.into(), LEASE.into(), now.into()],
    )
    .await?;
    if held == 0 {
        return Ok(None);
    }
    let (keyset, values) = match after {
        Some(id) => (" AND c.id > $1", vec![id.into()]),
        None => ("", vec![]),
    };
    let unplaced: Vec<Unplaced> = sql::all(
        &*txn,
        &format!(
            "SELECT c.id, c.consultation_id, c.body, c.duplicate_group_id, d.similar_group_id AS exact_similar
             FROM comments c JOIN duplicate_groups d ON d.id = c.duplicate_group_id
             WHERE c.similar_group_id IS NULL{keyset} ORDER BY c.id LIMIT {BATCH}"
        ),
        values,
    )
    .await?;
    if unplaced.is_empty() {
        // Idle: whichever instance next has work takes the lease at once.
        sql::execute(&*txn, "UPDATE worker_leases SET lease_token = NULL, locked_until = NULL WHERE name = $1", vec![LEASE.into()]).await?;
        txn.commit_private().await?;
        return Ok(Some((0, None)));
    }
    let last = unplaced.last().map(|c| c.id);
    let bodies: Vec<String> = unplaced.iter().map(|c| c.body.clone()).collect();
    let all_keys = tokio::task::spawn_blocking(move || bodies.iter().map(|b| keys(banding, b)).collect::<Vec<_>>())
        .await
        .map_err(AppError::internal)?;

    // 1. The groups that already hold any of the keys, by consultation.
    let mut by_consultation: BTreeMap<Uuid, BTreeSet<i64>> = BTreeMap::new();
    for (c, keys) in unplaced.iter().zip(&all_keys) {
        by_consultation.entry(c.consultation_id).or_default().extend(keys.iter().copied());
    }
    let mut stored: HashMap<(Uuid, i64), Uuid> = HashMap::new();
    let postgres = state.db.backend() == sea_orm::DbBackend::Postgres;
    for (consultation, keys) in &by_consultation {
        let keys: Vec<i64> = keys.iter().copied().collect();
        // PostgreSQL: all the keys in one text parameter, unnested and looked up one by one in the
        // primary key. As an IN list of 1,000 parameters, the generic plan PostgreSQL settles on after
        // five runs scanned every band of the consultation and compared each with the whole list,
        // rebuilt for every row: over a second a statement at 70,000 bands, and placement crawled at
        // 400 comments/s (BENCHMARKS.md).
        let chunk_size = if postgres { keys.len().max(1) } else { ROWS_PER_STATEMENT };
        for chunk in keys.chunks(chunk_size) {
            let mut params = Params::new();
            let c = params.bind(*consultation);
            let sql = if postgres {
                let list = params.bind(chunk.iter().map(i64::to_string).collect::<Vec<_>>().join(","));
                format!(
                    "SELECT b.band_key, b.similar_group_id FROM unnest(string_to_array({list}, ',')::bigint[]) AS k (band_key)
                     JOIN similar_bands b ON b.consultation_id = {c} AND b.band_key = k.band_key"
                )
            } else {
                let list = params.bind_all(chunk.iter().copied());
                format!("SELECT band_key, similar_group_id FROM similar_bands WHERE consultation_id = {c} AND band_key IN ({list})")
            };
            let found: Vec<Band> = sql::all(&*txn, &sql, params.into_values()).await?;
            stored.extend(found.into_iter().map(|b| ((*consultation, b.band_key), b.similar_group_id)));
        }
    }
    let mut roots = Roots::default();
    let referenced: BTreeSet<Uuid> = stored.values().copied().chain(unplaced.iter().filter_map(|c| c.exact_similar)).collect();
    let referenced: Vec<Uuid> = referenced.into_iter().collect();
    for chunk in referenced.chunks(ROWS_PER_STATEMENT) {
        let mut params = Params::new();
        let list = params.bind_all(chunk.iter().copied());
        let found: Vec<Root> = sql::all(&*txn, &format!("SELECT id, merged_into FROM similar_groups WHERE id IN ({list})"), params.into_values()).await?;
        for root in found {
            roots.0.insert(root.id, root.merged_into.unwrap_or(root.id));
        }
    }

    // 2. Each comment joins the oldest group it hits (ids are UUIDv7: the least is the oldest).
    let mut created: BTreeMap<Uuid, (Uuid, Uuid)> = BTreeMap::new(); // group -> (consultation, sample)
    let mut merged: Vec<Uuid> = Vec::new();
    let mut new_keys: HashMap<(Uuid, i64), Uuid> = HashMap::new();
    let mut exact: HashMap<Uuid, Uuid> = HashMap::new(); // duplicate group -> similar group, new here
    let mut assigned: Vec<(Uuid, Uuid)> = Vec::with_capacity(unplaced.len());
    for (c, keys) in unplaced.iter().zip(&all_keys) {
        let mut hits: BTreeSet<Uuid> = BTreeSet::new();
        if let Some(g) = c.exact_similar.or_else(|| exact.get(&c.duplicate_group_id).copied()) {
            hits.insert(roots.find(g));
        }
        for key in keys {
            if let Some(g) = stored.get(&(c.consultation_id, *key)).or_else(|| new_keys.get(&(c.consultation_id, *key))) {
                hits.insert(roots.find(*g));
            }
        }
        let group = match hits.first().copied() {
            Some(survivor) => {
                for other in hits.iter().skip(1) {
                    roots.0.insert(*other, survivor);
                    if !created.contains_key(other) {
                        merged.push(*other);
                    }
                }
                survivor
            }
            None => {
                let id = state.clock.new_id();
                created.insert(id, (c.consultation_id, c.id));
                roots.0.insert(id, id);
                id
            }
        };
        for key in keys {
            let k = (c.consultation_id, *key);
            if !stored.contains_key(&k) {
                new_keys.entry(k).or_insert(group);
            }
        }
        if c.exact_similar.is_none() {
            exact.entry(c.duplicate_group_id).or_insert(group);
        }
        assigned.push((c.id, group));
    }

    // 3. The writes: the comments first, then the groups, so that this transaction locks rows in the
    // order a reply does (its comment, then its group) and the two never wait on each other in a
    // cycle. Counter deltas per surviving group: (size, replied).
    let mut deltas: BTreeMap<Uuid, (i64, i64)> = BTreeMap::new();
    let mut group_of: HashMap<Uuid, Uuid> = HashMap::with_capacity(assigned.len());
    for chunk in assigned.chunks(ROWS_PER_STATEMENT) {
        let mut params = Params::new();
        let rows: Vec<String> = chunk
            .iter()
            .map(|(comment, group)| {
                let g = roots.find(*group);
                group_of.insert(*comment, g);
                format!("({}, {})", params.bind(*comment), params.bind(g))
            })
            .collect();
        let placed: Vec<Placed> = sql::all(
            &*txn,
            &format!(
                "WITH v (id, g) AS (VALUES {}) UPDATE comments SET similar_group_id = (SELECT g FROM v WHERE v.id = comments.id)
                 WHERE id IN (SELECT id FROM v) AND similar_group_id IS NULL RETURNING id, reply_count",
                rows.join(", ")
            ),
            params.into_values(),
        )
        .await?;
        for p in placed {
            if let Some(g) = group_of.get(&p.id) {
                let d = deltas.entry(*g).or_default();
                d.0 += 1;
                d.1 += i64::from(p.reply_count > 0);
            }
        }
    }
    merged.sort_unstable();
    for group in &merged {
        let survivor = roots.find(*group);
        let moved: Option<Moved> = sql::one(
            &*txn,
            "UPDATE similar_groups SET merged_into = $1 WHERE id = $2 AND merged_into IS NULL RETURNING size, replied_count",
            vec![survivor.into(), (*group).into()],
        )
        .await?;
        sql::execute(&*txn, "UPDATE similar_groups SET merged_into = $1 WHERE merged_into = $2", vec![survivor.into(), (*group).into()]).await?;
        if let Some(moved) = moved {
            let d = deltas.entry(survivor).or_default();
            d.0 += moved.size;
            d.1 += moved.replied_count;
        }
    }
    let fresh: Vec<(Uuid, Uuid, Uuid)> = created.iter().filter(|(g, _)| roots.find(**g) == **g).map(|(g, (c, s))| (*g, *c, *s)).collect();
    for chunk in fresh.chunks(ROWS_PER_STATEMENT / 2) {
        let mut params = Params::new();
        let rows: Vec<String> = chunk
            .iter()
            .map(|(g, c, s)| {
                let (size, replied) = deltas.remove(g).unwrap_or_default();
                format!("({}, {}, {}, {}, {})", params.bind(*g), params.bind(*c), params.bind(size), params.bind(replied), params.bind(*s))
            })
            .collect();
        sql::execute(
            &*txn,
            &format!("INSERT INTO similar_groups (id, consultation_id, size, replied_count, sample_comment_id) VALUES {}", rows.join(", ")),
            params.into_values(),
        )
        .await?;
    }
    let grown: Vec<(Uuid, (i64, i64))> = deltas.into_iter().filter(|(_, d)| *d != (0, 0)).collect();
    for chunk in grown.chunks(ROWS_PER_STATEMENT / 2) {
        let mut params = Params::new();
        let rows: Vec<String> =
            chunk.iter().map(|(g, (size, replied))| format!("({}, {}, {})", params.bind(*g), params.bind(*size), params.bind(*replied))).collect();
        sql::execute(
            &*txn,
            &format!(
                "WITH v (id, s, r) AS (VALUES {}) UPDATE similar_groups
                 SET size = size + (SELECT s FROM v WHERE v.id = similar_groups.id),
                     replied_count = replied_count + (SELECT r FROM v WHERE v.id = similar_groups.id)
                 WHERE id IN (SELECT id FROM v)",
                rows.join(", ")
            ),
            params.into_values(),
        )
        .await?;
    }
    let bands: Vec<((Uuid, i64), Uuid)> = new_keys.into_iter().map(|(k, g)| (k, roots.find(g))).collect();
    for chunk in bands.chunks(ROWS_PER_STATEMENT) {
        let mut params = Params::new();
        let rows: Vec<String> =
            chunk.iter().map(|((c, key), g)| format!("({}, {}, {})", params.bind(*c), params.bind(*key), params.bind(*g))).collect();
        sql::execute(
            &*txn,
            &format!("INSERT INTO similar_bands (consultation_id, band_key, similar_group_id) VALUES {} ON CONFLICT DO NOTHING", rows.join(", ")),
            params.into_values(),
        )
        .await?;
    }
    // In id order, as the submission statement locks duplicate groups.
    let mut exact: Vec<(Uuid, Uuid)> = exact.into_iter().map(|(d, g)| (d, roots.find(g))).collect();
    exact.sort_unstable();
    for chunk in exact.chunks(ROWS_PER_STATEMENT) {
        let mut params = Params::new();
        let rows: Vec<String> = chunk.iter().map(|(d, g)| format!("({}, {})", params.bind(*d), params.bind(*g))).collect();
        sql::execute(
            &*txn,
            &format!(
                "WITH v (id, g) AS (VALUES {}) UPDATE duplicate_groups SET similar_group_id = (SELECT g FROM v WHERE v.id = duplicate_groups.id)
                 WHERE id IN (SELECT id FROM v) AND similar_group_id IS NULL",
                rows.join(", ")
            ),
            params.into_values(),
        )
        .await?;
    }
    txn.commit_private().await?;
    Ok(Some((unplaced.len(), last)))
}

/// Counts first replies on the similar groups of the comments that got them (`groups`: each such
/// comment's `similar_group_id`, as the reply's own `UPDATE … RETURNING` read it; unplaced comments are
/// counted by the worker when it places them). A group merged meanwhile is retried on its survivor.
pub async fn count_replied(db: &impl ConnectionTrait, groups: &[Uuid]) -> AppResult<()> {
    let mut pending: BTreeMap<Uuid, i64> = BTreeMap::new();
    for g in groups {
        *pending.entry(*g).or_default() += 1;
    }
    for _ in 0..8 {
        if pending.is_empty() {
            return Ok(());
        }
        let ids: Vec<Uuid> = pending.keys().copied().collect();
        let mut by_root: BTreeMap<Uuid, (i64, Vec<Uuid>)> = BTreeMap::new();
        for chunk in ids.chunks(ROWS_PER_STATEMENT) {
            let mut params = Params::new();
            let list = params.bind_all(chunk.iter().copied());
            let found: Vec<Root> = sql::all(db, &format!("SELECT id, merged_into FROM similar_groups WHERE id IN ({list})"), params.into_values()).await?;
            // A group that no longer exists (forgotten by `reset`) has nothing left to count.
            let existing: BTreeSet<Uuid> = found.iter().map(|r| r.id).collect();
            for gone in chunk.iter().filter(|g| !existing.contains(g)) {
                pending.remove(gone);
            }
            for root in found {
                let entry = by_root.entry(root.merged_into.unwrap_or(root.id)).or_default();
                entry.0 += pending.get(&root.id).copied().unwrap_or(0);
                entry.1.push(root.id);
            }
        }
        let roots: Vec<(Uuid, (i64, Vec<Uuid>))> = by_root.into_iter().collect();
        for chunk in roots.chunks(ROWS_PER_STATEMENT / 2) {
            let mut params = Params::new();
            let rows: Vec<String> = chunk.iter().map(|(g, (n, _))| format!("({}, {})", params.bind(*g), params.bind(*n))).collect();
            #[derive(FromQueryResult)]
            struct Counted {
                id: Uuid,
            }
            let counted: Vec<Counted> = sql::all(
                db,
                &format!(
                    "WITH v (id, n) AS (VALUES {}) UPDATE similar_groups SET replied_count = replied_count + (SELECT n FROM v WHERE v.id = similar_groups.id)
                     WHERE id IN (SELECT id FROM v) AND merged_into IS NULL RETURNING id",
                    rows.join(", ")
                ),
                params.into_values(),
            )
            .await?;
            for c in counted {
                if let Some((_, (_, members))) = chunk.iter().find(|(g, _)| *g == c.id) {
                    for m in members {
                        pending.remove(m);
                    }
                }
            }
        }
    }
    if pending.is_empty() {
        Ok(())
    } else {
        Err(AppError::internal(anyhow::anyhow!("similar groups kept merging while a reply was counted")))
    }
}

/// Every group id that is `group` or was merged into it (a filter over `comments.similar_group_id`).
pub async fn members(db: &impl ConnectionTrait, group: Uuid) -> AppResult<Vec<Uuid>> {
    #[derive(FromQueryResult)]
    struct Member {
        id: Uuid,
    }
    let found: Vec<Member> = sql::all(db, "SELECT id FROM similar_groups WHERE id = $1 OR merged_into = $1", vec![group.into()]).await?;
    Ok(found.into_iter().map(|m| m.id).collect())
}

/// A surviving similar group of a consultation the viewer moderates; None for anything else.
pub async fn get_moderated(db: &impl ConnectionTrait, viewer: &Viewer, id: Uuid) -> AppResult<Option<(SimilarGroup, consultation::Model)>> {
    let group: Option<SimilarGroup> = sql::one(
        db,
        "SELECT id, consultation_id, size, replied_count, sample_comment_id FROM similar_groups WHERE id = $1 AND merged_into IS NULL",
        vec![id.into()],
    )
    .await?;
    let Some(group) = group else { return Ok(None) };
    let Some(consultation) = consultation::Entity::find_by_id(group.consultation_id).one(db).await? else { return Ok(None) };
    if !authz::can_moderate(db, viewer, &consultation).await? {
        return Ok(None);
    }
    Ok(Some((group, consultation)))
}

/// A page of a consultation's similar groups of two or more comments, largest first (then oldest), for
/// its staff and admins.
pub async fn list(
    state: &AppState,
    viewer: &Viewer,
    consultation: &consultation::Model,
    first: Option<i32>,
    after: Option<&str>,
) -> AppResult<(Page<SimilarGroup>, Total)> {
    authz::require_moderate(&state.db.conn, viewer, consultation).await?;
    let first = pagination::page_size(first)?;
    let after = pagination::parse_key_cursor(after)?;
    let mut params = Params::new();
    let c = params.bind(consultation.id);
    let keyset = match after {
        Some((size, id)) => {
            let s = params.bind(size);
            format!(" AND (size < {s} OR (size = {s} AND id > {}))", params.bind(id))
        }
        None => String::new(),
    };
    let rows: Vec<SimilarGroup> = sql::all(
        &state.db.conn,
        &format!(
            "SELECT id, consultation_id, size, replied_count, sample_comment_id FROM similar_groups
             WHERE consultation_id = {c} AND merged_into IS NULL AND size >= 2{keyset} ORDER BY size DESC, id LIMIT {}",
            first + 1
        ),
        params.into_values(),
    )
    .await?;
    let total = Total::Query(
        "SELECT COUNT(*) FROM similar_groups WHERE consultation_id = $1 AND merged_into IS NULL AND size >= 2".to_owned(),
        vec![Value::from(consultation.id)],
    );
    Ok((Page::from_rows(rows, first), total))
}

/// Forgets every similar group, so that the next rounds place every comment again (after a change of
/// `SIMILAR_THRESHOLD`, which changes the keys).
pub async fn reset(state: &AppState) -> AppResult<()> {
    let txn = state.db.begin().await?;
    for statement in [
        "UPDATE comments SET similar_group_id = NULL WHERE similar_group_id IS NOT NULL",
        "UPDATE duplicate_groups SET similar_group_id = NULL WHERE similar_group_id IS NOT NULL",
        "DELETE FROM similar_bands",
        "DELETE FROM similar_groups",
    ] {
        sql::execute(&*txn, statement, vec![]).await?;
    }
    txn.commit_private().await?;
    Ok(())
}

/// Comments not yet placed.
pub async fn unplaced(db: &impl ConnectionTrait) -> AppResult<i64> {
    sql::count(db, "SELECT COUNT(*) FROM comments WHERE similar_group_id IS NULL", vec![]).await
}
