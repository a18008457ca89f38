package io.medallion.lake.commit;

import io.medallion.lake.layout.LakeLayout;
import io.medallion.lake.table.Dataset;
import java.io.IOException;
import java.io.Serializable;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * What a promotion marks as pending in a table downstream before it commits ({@link
 * PendingPromotions}): for each counter {@code <counterPrefix><date>} of its units, the units
 * {@code date=D} to {@code date=D+daysAfter} of {@code dataset}. Silver marks the gold dates its
 * rows were created on, and the dates after them that the de-duplication horizon reaches, whose
 * kept rows an earlier copy may now replace.
 *
 * @param dataset the downstream dataset, {@link Dataset#GOLD_EVENTS}
 * @param counterPrefix the counters naming the dates, {@code created_on.}
 * @param daysAfter how many following dates a row of a date can affect
 */
public record PendingMarks(Dataset dataset, String counterPrefix, int daysAfter)
    implements Serializable {
  private static final long serialVersionUID = 1L;

  public PendingMarks {
    if (daysAfter < 0) {
      throw new IllegalArgumentException("daysAfter must be >= 0: " + daysAfter);
    }
  }

  /**
   * Marks pending, on behalf of run {@code runId}, every downstream unit that {@code added} or
   * {@code removed} names, each marker saying which upstream units gave it rows ({@link
   * PendingPromotions#ROWS_FROM}) and which removed rows of it ({@link
   * PendingPromotions#ROWS_REMOVED_BY}: its promotion may then replace it with nothing). A writer
   * marks before it commits.
   *
   * @param added downstream unit ({@code date=D}) to the upstream units whose new rows it gets
   * @param removed downstream unit to the upstream units whose commit removes rows of it
   */
  public void mark(
      LakeLayout lake,
      String runId,
      Map<String, List<String>> added,
      Map<String, List<String>> removed)
      throws IOException {
    TreeSet<String> downstream = new TreeSet<>(added.keySet());
    downstream.addAll(removed.keySet());
    for (String unit : downstream) {
      Map<String, Object> why = new LinkedHashMap<>();
      why.put(PendingPromotions.ROWS_FROM, added.getOrDefault(unit, List.of()));
      why.put(PendingPromotions.ROWS_REMOVED_BY, removed.getOrDefault(unit, List.of()));
      PendingPromotions.mark(lake, dataset, unit, runId, why);
    }
  }

  /** The downstream units to mark for one unit's {@code counts}, as {@code date=D}, in order. */
  public TreeSet<String> unitsFor(Map<String, Long> counts) {
    TreeSet<String> units = new TreeSet<>();
    for (Map.Entry<String, Long> e : counts.entrySet()) {
      if (!e.getKey().startsWith(counterPrefix) || e.getValue() <= 0) {
        continue;
      }
      LocalDate date;
      try {
        date = LocalDate.parse(e.getKey().substring(counterPrefix.length()));
      } catch (DateTimeParseException ex) {
        throw new IllegalStateException("not a date counter: " + e.getKey(), ex);
      }
      for (int d = 0; d <= daysAfter; d++) {
        units.add(dataset.dateUnit(date.plusDays(d)).name());
      }
    }
    return units;
  }
}
