-- gold_event_stats: one row per creation date, event type and subtype; the output columns are the
-- table's columns (LakeTable.GOLD_EVENT_STATS), by name.
-- `events` holds one row per de-duplicated event with the number of copies seen of it, so the
-- distinct count is COUNT(*) (Beam SQL rejects COUNT(DISTINCT ...)) and the raw count is SUM(copies).
-- `date` is days since the epoch and timestamps are microsecond BIGINTs, as the table stores them:
-- Beam SQL's TIMESTAMP would cut them to milliseconds.
SELECT
  `date`,
  event_type,
  event_subtype,
  SUM(copies) AS event_count,
  COUNT(*) AS distinct_events,
  SUM(copies) - COUNT(*) AS duplicates_removed,
  MIN(created_at) AS first_created_at,
  MAX(created_at) AS last_created_at
FROM events
GROUP BY `date`, event_type, event_subtype
