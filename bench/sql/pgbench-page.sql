-- Ceiling for reading a comment page: the rows of the server's page query, in its shape (newest first,
-- one row more than the page to know whether another follows, the keyset written as a row comparison
-- in the order of comments_list_idx (consultation_id, status, id), so that page 1 and deep pages both
-- walk that index). Variables: big; cursor (a comment id, or the largest UUID
-- ffffffff-ffff-ffff-ffff-ffffffffffff for page 1).
SELECT * FROM comments
WHERE (consultation_id, status, id) < (CAST(:big AS uuid), 'PUBLISHED', CAST(:cursor AS uuid))
  AND consultation_id = CAST(:big AS uuid) AND status = 'PUBLISHED'
ORDER BY consultation_id DESC, status DESC, id DESC
LIMIT 21;
