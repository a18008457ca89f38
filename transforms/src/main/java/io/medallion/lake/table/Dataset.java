package io.medallion.lake.table;

import io.medallion.lake.layout.LakeLayout;
import io.medallion.lake.layout.PartitionValues;
import java.io.Serializable;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.iceberg.Schema;
import org.apache.iceberg.expressions.Expression;
import org.apache.iceberg.expressions.Expressions;
import org.apache.iceberg.types.Type;
import org.apache.iceberg.types.Types.NestedField;

/**
 * What one promotion writes, defined once: its layer and name, the {@link LakeTable}s it commits
 * (in commit order), the columns whose values name a unit (the part of the tables one commit
 * replaces as a whole: an arrival hour, a creation date, a dropped file), and its folders under the
 * lake root: reports, pending marks, quarantine and landing. The pipelines, the commit engine, the
 * launcher, the demo and the Pulumi program read these facts from here; nothing else spells them.
 *
 * <p>A unit's name is its unit columns as {@code column=value}, joined by {@code /}, dates in
 * ISO-8601 and integers zero-padded to two digits so that names sort in time order ({@code
 * dt=2026-01-02/hour=03}), except for a file-drop dataset, whose unit is one source file, named by
 * {@link PartitionValues#sourceId} of its file name.
 *
 * <p>A dataset made at run time is built with the same constructor. A dataset may also commit
 * tables it makes at run time from its data: the members of its {@link TableFamily} (gold's typed
 * event tables, one per event name). A unit is committed to the fixed tables but the last, then to
 * the family's members it holds rows of (by name), then to the last fixed table, whose commit names
 * the snapshots of all the others ({@link PairedSnapshots}).
 */
public final class Dataset implements Serializable {
  private static final long serialVersionUID = 1L;

  /** The column a file-drop dataset's unit is named by: the source file's full path. */
  public static final String SOURCE_FILE = "source_file";

  /** Bronze records of an arrival hour, validated and enriched into {@code silver_events}. */
  public static final Dataset SILVER_EVENTS =
      new Dataset(
          "silver",
          "events",
          List.of(LakeTable.SILVER_EVENTS),
          List.of("dt", "hour"),
          LakeLayout.QUARANTINE + "/events",
          null);

  /**
   * Silver events of a creation date, de-duplicated and aggregated into both gold tables, and into
   * a typed table per event name ({@link TableFamily#TYPED_EVENTS}).
   */
  public static final Dataset GOLD_EVENTS =
      new Dataset(
          "gold",
          "events",
          List.of(LakeTable.GOLD_EVENTS, LakeTable.GOLD_EVENT_STATS),
          List.of("date"),
          null,
          null,
          TableFamily.TYPED_EVENTS);

  /** Uber Movement CSVs dropped under {@code landing/uber_movements/}, one unit per file. */
  public static final Dataset SILVER_UBER_MOVEMENTS =
      new Dataset(
          "silver",
          "uber_movements",
          List.of(LakeTable.SILVER_UBER_MOVEMENTS),
          List.of(SOURCE_FILE),
          LakeLayout.QUARANTINE + "/uber_movements",
          "landing/uber_movements");

  private static final List<Dataset> FIXED =
      List.of(SILVER_EVENTS, GOLD_EVENTS, SILVER_UBER_MOVEMENTS);

  static {
    // A family's members are told apart from the fixed tables by name alone (listing the catalog,
    // granting access by a name prefix): no fixed table may look like a member, whatever the key.
    for (Dataset dataset : FIXED) {
      for (LakeTable table : LakeTable.values()) {
        if (dataset.family != null && table.tableName().startsWith(dataset.family.namePrefix())) {
          throw new IllegalStateException(
              table + " would be a member of " + dataset.family + ": choose another prefix");
        }
      }
    }
  }

  private final String layer;
  private final String name;
  private final List<LakeTable> tables;
  private final List<String> unitColumns;
  private final String quarantine;
  private final String landing;
  private final TableFamily family;

  /** A dataset without a family: all its tables are fixed. */
  public Dataset(
      String layer,
      String name,
      List<LakeTable> tables,
      List<String> unitColumns,
      String quarantine,
      String landing) {
    this(layer, name, tables, unitColumns, quarantine, landing, null);
  }

  /**
   * @param layer {@code silver} or {@code gold}
   * @param name the dataset's name in its report folder ({@code _reports/<layer>/<name>/})
   * @param tables the tables a unit is committed to, in commit order; each holds every unit column
   * @param unitColumns the columns whose values name a unit; {@link #SOURCE_FILE} alone for a
   *     file-drop dataset
   * @param quarantine the lake-relative quarantine folder, or null when nothing is quarantined
   * @param landing the lake-relative folder files are dropped into, or null
   * @param family the tables it makes at run time from its data, or null; each member holds every
   *     unit column
   */
  public Dataset(
      String layer,
      String name,
      List<LakeTable> tables,
      List<String> unitColumns,
      String quarantine,
      String landing,
      TableFamily family) {
    if (tables.isEmpty() || unitColumns.isEmpty()) {
      throw new IllegalArgumentException(layer + "/" + name + ": no table or no unit column");
    }
    Map<String, Schema> schemas = new LinkedHashMap<>();
    tables.forEach(t -> schemas.put(t.toString(), t.schema()));
    if (family != null) {
      schemas.put(family.toString(), family.columns());
    }
    schemas.forEach(
        (table, schema) -> {
          for (String column : unitColumns) {
            if (schema.findField(column) == null) {
              throw new IllegalArgumentException(table + " has no unit column " + column);
            }
          }
        });
    this.layer = layer;
    this.name = name;
    this.tables = List.copyOf(tables);
    this.unitColumns = List.copyOf(unitColumns);
    this.quarantine = quarantine;
    this.landing = landing;
    this.family = family;
  }

  /** The datasets every lake has. */
  public static List<Dataset> values() {
    return FIXED;
  }

  public String layer() {
    return layer;
  }

  public String name() {
    return name;
  }

  /** {@code <layer>/<name>}, as units are named in logs and errors. */
  public String label() {
    return layer + "/" + name;
  }

  /** The fixed tables, in commit order. */
  public List<LakeTable> tables() {
    return tables;
  }

  /** The tables this dataset makes at run time, if it makes any. */
  public Optional<TableFamily> family() {
    return Optional.ofNullable(family);
  }

  /**
   * Every table a unit of this dataset is committed to, in commit order, when its family's members
   * are {@code members}: the fixed tables but the last, the members by name, the last.
   *
   * @param members tables of the family (any others among them are ignored)
   */
  public List<LakeTable> tables(Collection<LakeTable> members) {
    List<LakeTable> ordered = new ArrayList<>(tables.subList(0, tables.size() - 1));
    if (family != null) {
      members.stream()
          .filter(t -> family.isMember(t.tableName()))
          .distinct()
          .sorted()
          .forEach(ordered::add);
    }
    ordered.add(tables.get(tables.size() - 1));
    return ordered;
  }

  /** Whether {@code table} is one of this dataset's fixed tables or a member of its family. */
  public boolean holds(LakeTable table) {
    return tables.contains(table) || (family != null && family.isMember(table.tableName()));
  }

  public List<String> unitColumns() {
    return unitColumns;
  }

  /** Whether a unit is one dropped file (named by its source id) rather than a partition. */
  public boolean isFileDrop() {
    return unitColumns.equals(List.of(SOURCE_FILE));
  }

  /** {@code _reports/<layer>/<name>}: one report per committed unit, {@code <unit>.json}. */
  public String reports() {
    return LakeLayout.REPORTS + "/" + layer + "/" + name;
  }

  /** {@code _pending/<layer>/<name>}: the units marked as needing promotion. */
  public String pending() {
    return LakeLayout.PENDING + "/" + layer + "/" + name;
  }

  /** The lake-relative quarantine folder, if this dataset quarantines. */
  public Optional<String> quarantine() {
    return Optional.ofNullable(quarantine);
  }

  /** {@code <quarantine>/<unit>}: the folder replaced as a whole with the unit's quarantine. */
  public String quarantineOf(String unit) {
    if (quarantine == null) {
      throw new IllegalStateException(label() + " has no quarantine");
    }
    return quarantine + "/" + unit;
  }

  /** The lake-relative folder files are dropped into, if this is a file-drop dataset. */
  public Optional<String> landing() {
    return Optional.ofNullable(landing);
  }

  /**
   * Every lake-relative folder this dataset writes outside its tables' own locations (its family's
   * folder is its members' locations).
   */
  public List<String> folders() {
    List<String> folders = new ArrayList<>(List.of(reports(), pending()));
    quarantine().ifPresent(folders::add);
    return folders;
  }

  /** A unit of this dataset, by the values of its {@link #unitColumns()}, in order. */
  public Unit unit(Object... values) {
    if (values.length != unitColumns.size()) {
      throw new IllegalArgumentException(
          label() + " units are named by " + unitColumns + ", not " + List.of(values));
    }
    Map<String, Object> byColumn = new LinkedHashMap<>();
    for (int i = 0; i < values.length; i++) {
      byColumn.put(unitColumns.get(i), values[i]);
    }
    return new Unit(this, byColumn);
  }

  /** The {@code dt}/{@code hour} unit of an arrival hour ({@link #SILVER_EVENTS}). */
  public Unit hourUnit(Instant hour) {
    return unit(LakeLayout.dateOf(hour), LakeLayout.hourOf(hour));
  }

  /** The {@code date} unit of a creation date ({@link #GOLD_EVENTS}). */
  public Unit dateUnit(LocalDate date) {
    return unit(date);
  }

  /** The unit of a dropped file ({@link #SILVER_UBER_MOVEMENTS}), by its full path. */
  public Unit fileUnit(String source) {
    return unit(source);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Dataset other && label().equals(other.label());
  }

  @Override
  public int hashCode() {
    return label().hashCode();
  }

  @Override
  public String toString() {
    return label();
  }

  /**
   * One unit of a dataset: the rows a commit replaces as a whole in each of the dataset's tables.
   *
   * @param dataset the dataset
   * @param values the unit column values, in the dataset's column order
   */
  public record Unit(Dataset dataset, Map<String, Object> values) implements Serializable {
    public Unit {
      values = new LinkedHashMap<>(values);
    }

    /** {@code dt=2026-01-02/hour=03}, {@code date=2026-01-02}, or a dropped file's source id. */
    public String name() {
      if (dataset.isFileDrop()) {
        return PartitionValues.sourceId(String.valueOf(values.get(SOURCE_FILE)));
      }
      List<String> parts = new ArrayList<>();
      values.forEach((column, value) -> parts.add(column + "=" + format(value)));
      return String.join("/", parts);
    }

    /** {@code column = value and ...} over the unit columns, in each table's column types. */
    public Expression rows() {
      Expression filter = Expressions.alwaysTrue();
      LakeTable first = dataset.tables().get(0);
      for (Map.Entry<String, Object> e : values.entrySet()) {
        filter =
            Expressions.and(
                filter,
                Expressions.equal(
                    e.getKey(), literal(first.schema().findField(e.getKey()), e.getValue())));
      }
      return filter;
    }

    private static Object literal(NestedField field, Object value) {
      Type.TypeID type = field.type().typeId();
      if (type == Type.TypeID.DATE && value instanceof LocalDate date) {
        return date.toString();
      }
      return value;
    }

    private static String format(Object value) {
      if (value instanceof Integer i) {
        return String.format(java.util.Locale.ROOT, "%02d", i);
      }
      return String.valueOf(value);
    }

    @Override
    public String toString() {
      return dataset.label() + " " + name();
    }
  }
}
