-- Ceiling for submitting a comment: one raw INSERT of a comment-shaped row into the big consultation,
-- with a time-ordered id (UUIDv7-like: millisecond timestamp first), as its own transaction.
-- Variables (pgbench -D): big, section, grp (an existing duplicate group of the big consultation).
-- Rows are marked client_hash = 'pgbench-ceiling' and deleted after the run.
INSERT INTO comments (id, consultation_id, section_id, author_id, stance, body, status, duplicate_group_id,
                      client_hash, created_at, updated_at)
VALUES (
    CAST(overlay(overlay(md5(random()::text || clock_timestamp()::text)
                 placing lpad(to_hex(CAST(extract(epoch FROM clock_timestamp()) * 1000 AS bigint)), 12, '0') FROM 1 FOR 12)
         placing '7' FROM 13 FOR 1) AS uuid),
    CAST(:big AS uuid),
    CAST(:section AS uuid),
    (SELECT id FROM users WHERE email = 'citizen' || (:client_id + 1) || '@bench.gongkai.test'),
    'SUPPORT',
    '基准测试评论：第' || :client_id || '号用户的意见。建议进一步明确适用范围，希望加强对老旧小区的改造力度，同时应当充分听取居民意见。',
    'PUBLISHED',
    CAST(:grp AS uuid),
    'pgbench-ceiling',
    now(),
    now()
);
