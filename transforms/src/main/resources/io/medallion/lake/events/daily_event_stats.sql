-- gold/event_stats: one row per creation date, event type and subtype.
-- `events` holds partial counts (DeduplicateEvents counts them per bucket and bundle): silver rows
-- created on the date, the rows kept, and the first and last created_at of those rows; this adds
-- them up. Timestamps stay microsecond BIGINTs: Beam SQL's TIMESTAMP would cut them to milliseconds.
SELECT
  event_date,
  event_type,
  event_subtype,
  SUM(event_count) AS event_count,
  SUM(distinct_events) AS distinct_events,
  SUM(duplicates_removed) AS duplicates_removed,
  MIN(first_created_at_micros) AS first_created_at_micros,
  MAX(last_created_at_micros) AS last_created_at_micros
FROM events
GROUP BY event_date, event_type, event_subtype
