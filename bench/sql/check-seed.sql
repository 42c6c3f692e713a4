-- Consistency of the seeded load with what the server maintains: every line must show 0 mismatches.
-- psql "$DATABASE_URL" -f bench/sql/check-seed.sql
\pset footer off
WITH actual AS (
    SELECT c.id,
           count(*) FILTER (WHERE m.status = 'PUBLISHED') AS published,
           count(*) FILTER (WHERE m.status = 'PUBLISHED' AND m.stance = 'SUPPORT') AS support,
           count(*) FILTER (WHERE m.status = 'PUBLISHED' AND m.stance = 'OPPOSE') AS oppose,
           count(*) FILTER (WHERE m.status = 'PUBLISHED' AND m.stance = 'NEUTRAL') AS neutral,
           count(*) FILTER (WHERE m.status = 'PUBLISHED' AND m.reply_count = 0) AS unreplied,
           count(*) FILTER (WHERE m.status = 'PENDING') AS pending
    FROM consultations c LEFT JOIN comments m ON m.consultation_id = c.id
    GROUP BY c.id
), summed AS (
    SELECT subject_id, sum(published) AS published, sum(support) AS support, sum(oppose) AS oppose,
           sum(neutral) AS neutral, sum(unreplied) AS unreplied, sum(pending) AS pending
    FROM counters GROUP BY subject_id
)
SELECT 'consultation counters' AS check, count(*) AS mismatches
FROM actual a LEFT JOIN summed s ON s.subject_id = a.id
WHERE (coalesce(s.published, 0), coalesce(s.support, 0), coalesce(s.oppose, 0), coalesce(s.neutral, 0),
       coalesce(s.unreplied, 0), coalesce(s.pending, 0))
   <> (a.published, a.support, a.oppose, a.neutral, a.unreplied, a.pending)
UNION ALL
SELECT 'section counters', count(*)
FROM sections s
LEFT JOIN (SELECT section_id, count(*) AS n FROM comments WHERE status = 'PUBLISHED' GROUP BY section_id) a
       ON a.section_id = s.id
LEFT JOIN (SELECT subject_id, sum(published) AS n FROM counters GROUP BY subject_id) k ON k.subject_id = s.id
WHERE coalesce(a.n, 0) <> coalesce(k.n, 0)
UNION ALL
SELECT 'duplicate group totals', count(*)
FROM duplicate_groups g
LEFT JOIN (SELECT duplicate_group_id, count(*) FILTER (WHERE status <> 'WITHDRAWN') AS live, count(*) AS members
           FROM comments GROUP BY duplicate_group_id) a ON a.duplicate_group_id = g.id
LEFT JOIN (SELECT subject_id, sum(total) AS n FROM counters GROUP BY subject_id) k ON k.subject_id = g.id
WHERE coalesce(a.live, 0) <> coalesce(k.n, 0)
UNION ALL
SELECT 'duplicate group multi flag', count(*)
FROM duplicate_groups g
LEFT JOIN (SELECT duplicate_group_id, count(*) AS members FROM comments GROUP BY duplicate_group_id) a
       ON a.duplicate_group_id = g.id
WHERE g.multi <> (coalesce(a.members, 0) >= 2)
UNION ALL
SELECT 'duplicate groups of another consultation', count(*)
FROM comments m JOIN duplicate_groups g ON g.id = m.duplicate_group_id
WHERE g.consultation_id <> m.consultation_id
UNION ALL
SELECT 'reply_count / latest_adoption / first_replied_at', count(*)
FROM comments m
LEFT JOIN LATERAL (
    SELECT count(*) AS n, min(created_at) AS first,
           (SELECT adoption FROM replies r2 WHERE r2.comment_id = m.id ORDER BY r2.created_at DESC, r2.id DESC LIMIT 1) AS latest
    FROM replies r WHERE r.comment_id = m.id
) r ON true
WHERE m.reply_count <> r.n OR m.latest_adoption IS DISTINCT FROM r.latest OR m.first_replied_at IS DISTINCT FROM r.first
UNION ALL
SELECT 'endorsement_count', count(*)
FROM comments m
LEFT JOIN (SELECT comment_id, count(*) AS n FROM endorsements GROUP BY comment_id) e ON e.comment_id = m.id
WHERE m.endorsement_count <> coalesce(e.n, 0)
UNION ALL
SELECT 'report_count', count(*)
FROM comments m
LEFT JOIN (SELECT comment_id, count(*) AS n FROM reports GROUP BY comment_id) e ON e.comment_id = m.id
WHERE m.report_count <> coalesce(e.n, 0)
UNION ALL
SELECT 'comment id order = created_at order', count(*)
FROM (SELECT created_at, lag(created_at) OVER (PARTITION BY consultation_id ORDER BY id) AS prev FROM comments) t
WHERE prev > created_at
UNION ALL
SELECT 'comments or replies in the future', count(*)
FROM (SELECT created_at FROM comments UNION ALL SELECT created_at FROM replies) t WHERE created_at > now()
UNION ALL
SELECT 'replies before their comment', count(*)
FROM replies r JOIN comments m ON m.id = r.comment_id WHERE r.created_at <= m.created_at
UNION ALL
SELECT 'search_text', count(*) FROM consultations WHERE search_text <> lower(title || E'\n' || summary)
UNION ALL
SELECT 'fingerprint (SQL approximation of NFKC/lower/alnum)', count(*)
FROM comments m JOIN duplicate_groups g ON g.id = m.duplicate_group_id
WHERE g.fingerprint <> encode(sha256(convert_to(
          regexp_replace(lower(normalize(m.body, NFKC)), '[^[:alnum:]]', '', 'g'), 'UTF8')), 'hex');
