package io.medallion.lake.table;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import org.sqlite.SQLiteErrorCode;
import org.sqlite.SQLiteException;

/**
 * A promotion that could not commit because another process held the local (SQLite) catalog locked
 * for longer than the catalog waits ({@link CatalogSettings#lockWait()}): one line saying which
 * units were not committed, what this run had committed before (nothing, when the lock was there
 * from the start), and what to do. SQLite's own message, {@code [SQLITE_BUSY] The database file is
 * locked}, says none of that.
 */
public final class CatalogLockedException extends IllegalStateException {
  private static final long serialVersionUID = 1L;

  private CatalogLockedException(String message) {
    super(message);
  }

  /**
   * Whether {@code e} failed on a SQLite catalog that another connection held locked ({@code
   * SQLITE_BUSY} or {@code SQLITE_LOCKED}, extended codes included) for longer than the wait.
   */
  public static boolean causedBy(Throwable e) {
    Set<Throwable> seen = Collections.newSetFromMap(new IdentityHashMap<>());
    for (Throwable t = e; t != null && seen.add(t); t = t.getCause()) {
      if (t instanceof SQLiteException sqlite) {
        int primary = sqlite.getResultCode().code & 0xFF;
        if (primary == SQLiteErrorCode.SQLITE_BUSY.code
            || primary == SQLiteErrorCode.SQLITE_LOCKED.code) {
          return true;
        }
      }
    }
    return false;
  }

  /**
   * What to tell the user of a command that failed on a locked catalog outside a promotion's commit
   * ({@code lake query}, {@code history}, {@code maintain}, {@code status}): one line, what
   * happened and what to do, instead of SQLite's own message.
   */
  public static String outsideACommit() {
    return "the local Iceberg catalog was locked by another process (a run's commit, lake"
        + " maintain, a SQLite shell) for longer than its wait (busy_timeout in --catalogUri);"
        + " run it again once that process is done with the catalog";
  }

  /**
   * {@code e}, a failure of a run before its commit step (which reports a locked catalog itself),
   * as a run that committed nothing of {@code units} when the catalog was locked; else {@code e}.
   */
  public static RuntimeException beforeCommitting(
      RuntimeException e, CatalogSettings catalog, String units) {
    return causedBy(e) ? nothingCommitted(catalog, units) : e;
  }

  /**
   * The failure of a run that committed nothing: {@code notCommitted} names what it was to commit
   * ({@link #describe}).
   */
  public static CatalogLockedException nothingCommitted(
      CatalogSettings catalog, String notCommitted) {
    return partlyCommitted(catalog, notCommitted, List.of());
  }

  /**
   * The failure of a run that had committed {@code committed} before the catalog locked (each
   * {@link #describe}d); {@code notCommitted} names the rest.
   */
  public static CatalogLockedException partlyCommitted(
      CatalogSettings catalog, String notCommitted, List<String> committed) {
    return new CatalogLockedException(
        notCommitted
            + " not committed: "
            + why(catalog)
            + (committed.isEmpty()
                ? "; nothing of this run was committed"
                : "; this run committed " + String.join(", ", committed) + " before")
            + "; run it again once that process is done with the catalog"
            + (committed.isEmpty() ? "" : " (a run replaces each unit whole)"));
  }

  /**
   * Units of one dataset with their tables, as the messages name them: {@code silver_events
   * dt=2026-11-01/hour=05, dt=2026-11-01/hour=06}, {@code gold_events and gold_event_stats
   * date=2026-11-01}; a long list is cut in its middle, with its count.
   */
  public static String describe(List<String> tables, List<String> units) {
    List<String> shown =
        units.size() <= 5
            ? units
            : List.of(
                units.get(0),
                units.get(1),
                "...",
                units.get(units.size() - 1) + " (" + units.size() + " units)");
    return String.join(" and ", tables) + " " + String.join(", ", shown);
  }

  /** {@link #describe} for units of {@code dataset}. */
  public static String describe(Dataset dataset, List<String> units) {
    return describe(dataset.tables().stream().map(LakeTable::tableName).toList(), units);
  }

  private static String why(CatalogSettings catalog) {
    Duration wait = catalog.lockWait();
    return "the catalog "
        + catalog.uri()
        + " was locked by another process for longer than its wait ("
        + BigDecimal.valueOf(wait.toMillis(), 3).stripTrailingZeros().toPlainString()
        + " s, busy_timeout in --catalogUri)";
  }
}
