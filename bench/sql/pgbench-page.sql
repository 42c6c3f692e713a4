-- Ceiling for reading a comment page: the rows of the server's page query, in its shape (newest first,
-- one row more than the page to know whether another follows): the range of comments_list_idx
-- (consultation_id, status, id) between two row comparisons, the cursor's and the far end's, so that
-- the scan starts at the cursor on page 1 and deep alike. Variables: big; cursor (a comment id, or the
-- largest UUID ffffffff-ffff-ffff-ffff-ffffffffffff for page 1).
SELECT * FROM comments
WHERE (consultation_id, status, id) < (CAST(:big AS uuid), 'PUBLISHED', CAST(:cursor AS uuid))
  AND (consultation_id, status, id) > (CAST(:big AS uuid), 'PUBLISHED', CAST('00000000-0000-0000-0000-000000000000' AS uuid))
ORDER BY consultation_id DESC, status DESC, id DESC
LIMIT 21;
