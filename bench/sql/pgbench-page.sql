-- Ceiling for reading a comment page: the server's page query shape (newest first, one row more than
-- the page to know whether another follows). Variables: big; cursor (a comment id, or the largest UUID
-- ffffffff-ffff-ffff-ffff-ffffffffffff for page 1).
SELECT * FROM comments
WHERE consultation_id = CAST(:big AS uuid) AND status = 'PUBLISHED' AND id < CAST(:cursor AS uuid)
ORDER BY id DESC
LIMIT 21;
