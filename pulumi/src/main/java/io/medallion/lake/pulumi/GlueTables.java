package io.medallion.lake.pulumi;

import io.medallion.lake.layout.LakeLayout;
import io.medallion.lake.table.Dataset;
import io.medallion.lake.table.LakeTable;
import io.medallion.lake.table.TableFamily;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The tables of the Glue database (DESIGN.md, "Names shared with the cloud"), in two kinds.
 *
 * <ul>
 *   <li><b>Iceberg tables</b> ({@link #ICEBERG}): silver and gold. The lake owns them: Iceberg's
 *       {@code GlueCatalog} creates a missing one on first use and commits every change to it, the
 *       same code path as the local catalog. Pulumi declares none of them; it only knows their
 *       names and folders, to grant each job the Glue and S3 access it needs for them. The typed
 *       event tables are made at run time, one per event name: Pulumi knows them as one family, a
 *       name prefix ({@code gold_evt_*}) and a folder ({@code gold/evt/}), never one by one.
 *   <li><b>Bronze</b> ({@link #BRONZE_EVENTS}): the raw JSON lines in Firehose's arrival-hour
 *       folders, which no catalog writes. Pulumi declares this one as a Hive table with partition
 *       projection on the arrival hour, so a new hour is queryable the moment its files land.
 * </ul>
 */
public final class GlueTables {
  private GlueTables() {}

  /**
   * An Iceberg table of the lake, or a family of them made at run time.
   *
   * @param name the Glue (and Iceberg) table name inside the stack's database; a family's ends in
   *     {@code *} ({@code gold_evt_*}), which IAM matches as a wildcard
   * @param folder the table location relative to the lake root, without slashes at either end;
   *     Iceberg keeps its {@code data/} and {@code metadata/} folders under it (a family's holds
   *     one such folder per table)
   */
  public record IcebergTable(String name, String folder) {
    /** The table's key prefix relative to the lake root, ending in {@code /}. */
    public String prefix() {
      return folder + "/";
    }

    /** Whether this stands for every table of a family, present and future. */
    public boolean isFamily() {
      return name.endsWith("*");
    }
  }

  // Derived from the lake's own table definitions, so a table the pipelines write is always the
  // table the jobs are granted.
  public static final IcebergTable SILVER_EVENTS = of(LakeTable.SILVER_EVENTS);
  public static final IcebergTable GOLD_EVENTS = of(LakeTable.GOLD_EVENTS);
  public static final IcebergTable GOLD_EVENT_STATS = of(LakeTable.GOLD_EVENT_STATS);
  public static final IcebergTable SILVER_UBER_MOVEMENTS = of(LakeTable.SILVER_UBER_MOVEMENTS);

  /** The typed event tables, one per event name, made by gold at run time. */
  public static final IcebergTable TYPED_EVENTS = of(TableFamily.TYPED_EVENTS);

  /** Every Iceberg table of the lake, in {@link LakeTable} order, then the families. */
  public static final List<IcebergTable> ICEBERG = iceberg();

  private static List<IcebergTable> iceberg() {
    List<IcebergTable> tables = new ArrayList<>();
    LakeTable.values().forEach(t -> tables.add(of(t)));
    Dataset.values().forEach(d -> d.family().ifPresent(f -> tables.add(of(f))));
    return List.copyOf(tables);
  }

  /** The Glue view of a lake table: its name and folder. */
  static IcebergTable of(LakeTable table) {
    return new IcebergTable(table.tableName(), table.relativeLocation());
  }

  /** The Glue view of a family of tables: its name prefix, as a wildcard, and its folder. */
  static IcebergTable of(TableFamily family) {
    return new IcebergTable(family.namePrefix() + "*", family.folder());
  }

  /** The Iceberg tables a dataset commits to: its own, and its family's. */
  static List<IcebergTable> of(Dataset dataset) {
    List<IcebergTable> tables = new ArrayList<>();
    dataset.tables().forEach(t -> tables.add(of(t)));
    dataset.family().ifPresent(f -> tables.add(of(f)));
    return List.copyOf(tables);
  }

  /** One Glue (Hive) column: a name and a Hive type name. */
  public record Column(String name, String type) {}

  /**
   * A Hive table over JSON lines, partitioned by one projected column.
   *
   * @param folder the table's folder relative to the lake root, without slashes at either end
   * @param partitionPath the partition part of the location template, ending in {@code /}
   * @param projection the {@code projection.*} table parameters
   */
  public record JsonTable(
      String name,
      String folder,
      List<Column> columns,
      Column partitionKey,
      String partitionPath,
      Map<String, String> projection) {}

  /**
   * Bronze holds the records as received, one JSON object per line, in Firehose's {@code
   * YYYY/MM/DD/HH} arrival-hour folders, projected as one {@code arrival_hour} column.
   *
   * <p>Only the three required fields are exposed, and all as {@code string}: bronze is where
   * malformed input is kept on purpose, so the table must read every file without failing. With the
   * OpenX SerDe and {@code ignore.malformed.json}, a line that is not JSON reads as nulls; a {@code
   * created_at} of the wrong type still reads as its text (a {@code double} column would fail the
   * query). Typing and validation are silver's job; users {@code CAST} here.
   */
  public static final JsonTable BRONZE_EVENTS =
      new JsonTable(
          "bronze_events",
          LakeLayout.BRONZE_EVENTS,
          List.of(
              new Column("event_uuid", "string"),
              new Column("event_name", "string"),
              new Column("created_at", "string")),
          new Column("arrival_hour", "string"),
          "${arrival_hour}/",
          Map.of(
              "projection.arrival_hour.type", "date",
              "projection.arrival_hour.format", "yyyy/MM/dd/HH",
              "projection.arrival_hour.range", "2020/01/01/00,NOW",
              "projection.arrival_hour.interval", "1",
              "projection.arrival_hour.interval.unit", "HOURS"));
}
