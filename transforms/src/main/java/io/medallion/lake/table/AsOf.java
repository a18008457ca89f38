package io.medallion.lake.table;

import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.iceberg.HistoryEntry;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.util.SnapshotUtil;

/**
 * Which snapshot of the lake's tables to read: the current one, the state at a point in time, or
 * one table's snapshot by id (time travel, {@code --as-of}).
 *
 * <ul>
 *   <li>{@code --as-of=2026-01-02T03:04:05Z} (any ISO-8601 offset; without one, UTC): every table
 *       as it was at that instant, through each table's snapshot log.
 *   <li>{@code --as-of=2026-01-02}: the same at 00:00 UTC of that date.
 *   <li>{@code --as-of=4381572648519348000} (a snapshot id, as {@code lake history} lists them):
 *       the table that has this snapshot exactly at it, and every other table as it was when that
 *       snapshot was committed, so a query joining tables sees one point in time.
 * </ul>
 *
 * The tables a unit is committed to one after the other (a gold date) read as a consistent pair
 * ({@link PairedSnapshots}). A table that had no snapshot yet at the chosen time reads as empty; a
 * time before every table's first snapshot, or a snapshot id that no table has, is a user mistake.
 */
public sealed interface AsOf {
  /** Each table's current snapshot. */
  record Current() implements AsOf {}

  /** Every table as it was at {@code time}. */
  record AtTime(Instant time) implements AsOf {}

  /** The table holding {@code snapshotId} at it; the others at its commit time. */
  record AtSnapshot(long snapshotId) implements AsOf {}

  /** Each table's current snapshot. */
  static AsOf current() {
    return new Current();
  }

  /**
   * Parses an {@code --as-of} value: a snapshot id (digits), a date ({@code 2026-01-02}, 00:00 UTC)
   * or a time ({@code 2026-01-02T03:04:05Z}, {@code 2026-01-02T03:04:05+01:00}, or {@code
   * 2026-01-02T03:04} in UTC). Null or blank means {@link #current()}.
   *
   * @throws IllegalArgumentException for anything else, with one line naming the option
   */
  static AsOf parse(String value) {
    if (value == null || value.isBlank()) {
      return current();
    }
    String v = value.strip();
    if (v.matches("-?\\d+")) {
      try {
        return new AtSnapshot(Long.parseLong(v));
      } catch (NumberFormatException e) {
        throw notAnAsOf(value);
      }
    }
    try {
      return new AtTime(LocalDate.parse(v).atStartOfDay(ZoneOffset.UTC).toInstant());
    } catch (DateTimeParseException notADate) {
      // Try a time next.
    }
    String time = v.replaceFirst(" ", "T");
    try {
      return new AtTime(OffsetDateTime.parse(time).toInstant());
    } catch (DateTimeParseException notWithOffset) {
      // A time without an offset is UTC, like every time of the lake.
    }
    try {
      return new AtTime(LocalDateTime.parse(time).toInstant(ZoneOffset.UTC));
    } catch (DateTimeParseException e) {
      throw notAnAsOf(value);
    }
  }

  private static IllegalArgumentException notAnAsOf(String value) {
    return new IllegalArgumentException(
        "--as-of: '"
            + value
            + "' is not a snapshot id (lake history <table> lists them), a date like 2026-01-02"
            + " or a time like 2026-01-02T03:04:05Z");
  }

  /**
   * The snapshot of each table to read: empty when the table did not exist or had no snapshot at
   * the chosen point (it reads as empty). {@code tables} holds the tables the catalog has; the
   * others are absent from the answer, and read as empty too.
   *
   * @throws IllegalArgumentException when no table has the snapshot id, or the time is before the
   *     first snapshot (still kept) of every table
   */
  default Map<LakeTable, Optional<Long>> resolve(Map<LakeTable, Table> tables) {
    Map<LakeTable, Optional<Long>> chosen = new LinkedHashMap<>();
    Set<LakeTable> fixed = new HashSet<>();
    if (this instanceof AtSnapshot s) {
      Map.Entry<LakeTable, Table> owner =
          tables.entrySet().stream()
              .filter(e -> e.getValue().snapshot(s.snapshotId()) != null)
              .findFirst()
              .orElseThrow(() -> noSnapshot(tables, s.snapshotId()));
      long millis = owner.getValue().snapshot(s.snapshotId()).timestampMillis();
      fixed.add(owner.getKey());
      tables.forEach(
          (t, table) ->
              chosen.put(
                  t,
                  t == owner.getKey()
                      ? Optional.of(s.snapshotId())
                      : Optional.ofNullable(
                          SnapshotUtil.nullableSnapshotIdAsOfTime(table, millis))));
    } else if (this instanceof AtTime at) {
      long millis = at.time().toEpochMilli();
      tables.forEach((t, table) -> chosen.put(t, stateAt(t, table, at.time())));
      if (chosen.values().stream().allMatch(Optional::isEmpty)) {
        Optional<Instant> first =
            tables.values().stream()
                .flatMap(table -> table.history().stream())
                .map(HistoryEntry::timestampMillis)
                .min(Comparator.naturalOrder())
                .map(Instant::ofEpochMilli);
        throw new IllegalArgumentException(
            "--as-of: "
                + at.time()
                + first
                    .map(f -> " is before the first snapshot of every lake table (" + f + ")")
                    .orElse(": the lake's tables have no snapshots yet"));
      }
    } else {
      tables.forEach(
          (t, table) ->
              chosen.put(
                  t, Optional.ofNullable(table.currentSnapshot()).map(Snapshot::snapshotId)));
    }
    return PairedSnapshots.pin(tables, chosen, fixed);
  }

  private static IllegalArgumentException noSnapshot(Map<LakeTable, Table> tables, long id) {
    for (Map.Entry<LakeTable, Table> e : tables.entrySet()) {
      Long committed = ErasedHistory.expired(e.getValue()).get(id);
      if (committed != null) {
        return new IllegalArgumentException(
            "--as-of: snapshot "
                + id
                + " of "
                + e.getKey().tableName()
                + " (committed "
                + Instant.ofEpochMilli(committed)
                + ") was expired by an erasure (lake forget): time travel cannot bring erased"
                + " rows back; lake history "
                + e.getKey().tableName()
                + " lists the snapshots kept");
      }
    }
    return new IllegalArgumentException(
        "--as-of: no lake table has snapshot "
            + id
            + " (lake history <table> lists them; lake maintain expires old ones)");
  }

  /**
   * The snapshot {@code table} was at at {@code time}: the table's snapshot log, or, where an
   * erasure's expiry cut the log (Iceberg drops the log before an expired snapshot), the newest
   * kept ancestor of the current snapshot committed by then.
   *
   * @throws IllegalArgumentException when the table's state at {@code time} was a snapshot an
   *     erasure expired
   */
  private static Optional<Long> stateAt(LakeTable definition, Table table, Instant time) {
    long millis = time.toEpochMilli();
    Long logged = SnapshotUtil.nullableSnapshotIdAsOfTime(table, millis);
    if (logged == null && table.currentSnapshot() != null) {
      for (Snapshot s : SnapshotUtil.currentAncestors(table)) {
        if (s.timestampMillis() <= millis) {
          logged = s.snapshotId();
          break;
        }
      }
    }
    java.util.OptionalLong keptAt =
        logged == null
            ? java.util.OptionalLong.empty()
            : java.util.OptionalLong.of(table.snapshot(logged).timestampMillis());
    java.util.OptionalLong expired = ErasedHistory.expiredStateAt(table, millis, keptAt);
    if (expired.isPresent()) {
      throw new IllegalArgumentException(
          "--as-of: "
              + time
              + ": "
              + definition.tableName()
              + " was then at a snapshot (committed "
              + Instant.ofEpochMilli(expired.getAsLong())
              + ") expired by an erasure (lake forget): time travel cannot bring erased rows"
              + " back; lake history "
              + definition.tableName()
              + " lists the snapshots kept");
    }
    return Optional.ofNullable(logged);
  }
}
