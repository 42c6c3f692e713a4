-- A second page-1 ceiling: the same 21 rows as pgbench-page.sql, with the keyset written as a row
-- comparison on the columns of comments_list_idx (consultation_id, status, id). For page 1 of the big
-- consultation PostgreSQL plans pgbench-page.sql (the server's shape) as a backward scan of
-- comments_pkey that filters out every newer comment of other consultations; this form makes it scan
-- comments_list_idx instead, so it measures reading 20 rows through the right index.
-- Variables: big; cursor (ffffffff-ffff-ffff-ffff-ffffffffffff for page 1).
SELECT * FROM comments
WHERE (consultation_id, status, id) < (CAST(:big AS uuid), 'PUBLISHED', CAST(:cursor AS uuid))
  AND consultation_id = CAST(:big AS uuid) AND status = 'PUBLISHED'
ORDER BY consultation_id DESC, status DESC, id DESC
LIMIT 21;
