-- gold/event_stats: one row per creation date, event type and subtype.
-- `events` holds one row per de-duplicated event with the number of copies seen of it, so the
-- distinct count is COUNT(*) (Beam SQL rejects COUNT(DISTINCT ...)) and the raw count is SUM(copies).
-- Timestamps stay microsecond BIGINTs: Beam SQL's TIMESTAMP would cut them to milliseconds.
SELECT
  event_date,
  event_type,
  event_subtype,
  SUM(copies) AS event_count,
  COUNT(*) AS distinct_events,
  SUM(copies) - COUNT(*) AS duplicates_removed,
  MIN(created_at_micros) AS first_created_at_micros,
  MAX(created_at_micros) AS last_created_at_micros
FROM events
GROUP BY event_date, event_type, event_subtype
