package io.medallion.lake.table;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalLong;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;

/**
 * The snapshots of a table that an erasure ({@code lake forget}) expired, recorded in the table's
 * properties so that time travel to them fails saying why, instead of reading another state:
 * {@value #PROPERTY} = {@code <snapshot id>@<commit time, epoch millis>,...}, oldest first, the
 * last {@value #KEPT} kept. The ids and times name no data subject.
 */
public final class ErasedHistory {
  /** The table property listing the snapshots erasures expired. */
  public static final String PROPERTY = "lake.erasure.expired-snapshots";

  /** How many expired snapshots the property remembers (the newest). */
  static final int KEPT = 2000;

  private ErasedHistory() {}

  /** Adds {@code expired} to the table's record, in one property update. */
  public static void record(Table table, Iterable<Snapshot> expired) {
    Map<Long, Long> all = expired(table);
    for (Snapshot snapshot : expired) {
      all.put(snapshot.snapshotId(), snapshot.timestampMillis());
    }
    StringBuilder value = new StringBuilder();
    all.entrySet().stream()
        .sorted(Map.Entry.comparingByValue())
        .skip(Math.max(0, all.size() - KEPT))
        .forEach(
            e -> {
              if (value.length() > 0) {
                value.append(',');
              }
              value.append(e.getKey()).append('@').append(e.getValue());
            });
    table.updateProperties().set(PROPERTY, value.toString()).commit();
  }

  /** The snapshots erasures expired: id to commit time (epoch millis). */
  public static Map<Long, Long> expired(Table table) {
    Map<Long, Long> expired = new LinkedHashMap<>();
    String value = table.properties().get(PROPERTY);
    if (value == null || value.isBlank()) {
      return expired;
    }
    for (String entry : value.split(",")) {
      int at = entry.indexOf('@');
      if (at > 0) {
        try {
          expired.put(
              Long.parseLong(entry.substring(0, at).strip()),
              Long.parseLong(entry.substring(at + 1).strip()));
        } catch (NumberFormatException e) {
          // An entry edited by hand: not one of ours.
        }
      }
    }
    return expired;
  }

  /**
   * When the table's state at {@code millis} was a snapshot an erasure expired: the commit time of
   * the newest such snapshot at or before {@code millis}, if no kept snapshot came after it.
   *
   * @param keptAt the commit time of the kept snapshot the table's log gives at {@code millis}, if
   *     any
   */
  public static OptionalLong expiredStateAt(Table table, long millis, OptionalLong keptAt) {
    long newest = Long.MIN_VALUE;
    for (long time : expired(table).values()) {
      if (time <= millis && time > newest) {
        newest = time;
      }
    }
    if (newest == Long.MIN_VALUE || (keptAt.isPresent() && keptAt.getAsLong() >= newest)) {
      return OptionalLong.empty();
    }
    return OptionalLong.of(newest);
  }
}
