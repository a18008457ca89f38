-- gold_event_stats: one row per creation date, event type and subtype; the output columns are the
-- table's columns (LakeTable.GOLD_EVENT_STATS), by name.
-- `events` holds partial counts (DeduplicateEvents counts them per bucket and bundle): silver rows
-- created on the date, the rows kept, and the first and last created_at of those rows; this adds
-- them up. `date` is days since the epoch and timestamps are microsecond BIGINTs, as the table
-- stores them: Beam SQL's TIMESTAMP would cut them to milliseconds.
SELECT
  `date`,
  event_type,
  event_subtype,
  SUM(event_count) AS event_count,
  SUM(distinct_events) AS distinct_events,
  SUM(duplicates_removed) AS duplicates_removed,
  MIN(first_created_at) AS first_created_at,
  MAX(last_created_at) AS last_created_at
FROM events
GROUP BY `date`, event_type, event_subtype
