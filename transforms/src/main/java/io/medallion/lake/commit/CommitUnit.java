package io.medallion.lake.commit;

import io.medallion.lake.table.Dataset;
import io.medallion.lake.table.LakeTable;
import java.io.Serializable;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.iceberg.expressions.Expression;

/**
 * One unit a promotion replaces as a whole, in each table of its dataset with one atomic Iceberg
 * commit, with its quarantine folder and the report it writes.
 *
 * @param unit the dataset and the unit's column values: its rows in each table ({@link
 *     Dataset.Unit#rows}), its name in its report's path, in each snapshot's {@code lake.unit} and
 *     as the prefix of its {@link Counts} keys, e.g. {@code dt=2026-01-02/hour=03}
 * @param attributes extra facts for the report (its inputs, options that shaped it)
 * @param clearsPending the {@link PendingPromotions} markers of this unit listed before the run
 *     read its input: deleted once the unit is committed
 * @param emptiable whether the unit may be replaced with nothing although the run does not allow
 *     it: an upstream promotion removed the rows it is computed from ({@link
 *     PendingPromotions#rowsRemoved})
 */
public record CommitUnit(
    Dataset.Unit unit, Map<String, ?> attributes, List<String> clearsPending, boolean emptiable)
    implements Serializable {
  private static final long serialVersionUID = 1L;

  public CommitUnit {
    // A report may say an attribute is null (no city in the file name, say).
    attributes = Collections.unmodifiableMap(new LinkedHashMap<>(attributes));
    clearsPending = List.copyOf(clearsPending);
  }

  /** A unit that clears no pending marker. */
  public CommitUnit(Dataset.Unit unit, Map<String, ?> attributes) {
    this(unit, attributes, List.of(), false);
  }

  /** A unit that clears {@code clearsPending} and may be emptied only if the run allows it. */
  public CommitUnit(Dataset.Unit unit, Map<String, ?> attributes, List<String> clearsPending) {
    this(unit, attributes, clearsPending, false);
  }

  public Dataset dataset() {
    return unit.dataset();
  }

  /** The unit's name: {@code dt=2026-01-02/hour=03}, {@code date=2026-01-02}, a source id. */
  public String name() {
    return unit.name();
  }

  /** The rows of each of the dataset's fixed tables this unit replaces, in commit order. */
  public Map<LakeTable, Expression> tables() {
    return tables(List.of());
  }

  /**
   * The rows of each table this unit replaces, in commit order, when it is committed to {@code
   * members} of its dataset's family too ({@link Dataset#tables(java.util.Collection)}).
   */
  public Map<LakeTable, Expression> tables(List<LakeTable> members) {
    Map<LakeTable, Expression> tables = new LinkedHashMap<>();
    Expression rows = unit.rows();
    dataset().tables(members).forEach(table -> tables.put(table, rows));
    return tables;
  }

  /** The lake-relative folder of plain files (quarantine) this unit replaces as a whole, if any. */
  public List<String> directories() {
    return dataset().quarantine().isPresent() ? List.of(dataset().quarantineOf(name())) : List.of();
  }

  @Override
  public String toString() {
    return unit.toString();
  }
}
