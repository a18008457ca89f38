package io.medallion.lake.commit;

import io.medallion.lake.table.LakeTable;
import java.io.Serializable;
import java.util.List;
import java.util.Map;
import org.apache.iceberg.expressions.Expression;

/**
 * One unit a promotion replaces as a whole, in each of its tables with one atomic Iceberg commit,
 * and the report it writes for it.
 *
 * @param reportId the prefix of this unit's {@link Counts} keys
 * @param layer {@code silver} or {@code gold}
 * @param dataset the report's dataset, e.g. {@code events}
 * @param partition the unit's name, in its report's path and in each snapshot's {@code lake.unit},
 *     e.g. {@code dt=2026-01-02/hour=03}
 * @param tables the rows of each table this unit replaces (say {@code dt = 2026-01-02 and hour =
 *     3}); every data file written must be wholly inside one unit's rows
 * @param directories lake-relative folders of plain files (quarantine) replaced as a whole; a path
 *     segment may be {@code *}
 * @param attributes extra facts for the report (its inputs, options that shaped it)
 * @param clearsPending the {@link PendingPromotions} markers of this unit listed before the run
 *     read its input: deleted once the unit is committed
 */
public record PartitionCommit(
    String reportId,
    String layer,
    String dataset,
    String partition,
    Map<LakeTable, Expression> tables,
    List<String> directories,
    Map<String, ?> attributes,
    List<String> clearsPending)
    implements Serializable {
  private static final long serialVersionUID = 1L;

  public PartitionCommit {
    tables = Map.copyOf(tables);
    directories = List.copyOf(directories);
    attributes = Map.copyOf(attributes);
    clearsPending = List.copyOf(clearsPending);
  }

  /** A unit that clears no pending marker. */
  public PartitionCommit(
      String reportId,
      String layer,
      String dataset,
      String partition,
      Map<LakeTable, Expression> tables,
      List<String> directories,
      Map<String, ?> attributes) {
    this(reportId, layer, dataset, partition, tables, directories, attributes, List.of());
  }
}
