package io.medallion.lake.pulumi;

import io.medallion.lake.layout.LakeLayout;
import io.medallion.lake.pulumi.GlueColumns.Column;
import io.medallion.lake.tables.LakeTable;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;

/**
 * The Glue tables of DESIGN.md ("Names shared with the cloud"), with partition projection matching
 * the paths the pipelines write, so a partition is queryable the moment its files land and nobody
 * runs {@code MSCK REPAIR} or a crawler.
 *
 * <p>Columns come from the Avro schema constants; partition columns from the {@code *_PARTITIONS}
 * lists, in path order; table folders from {@link LakeLayout}.
 */
public final class LakeTables {
  private LakeTables() {}

  /** How a table's files are stored. */
  public enum Format {
    PARQUET,
    JSON
  }

  /**
   * One table.
   *
   * @param folder the table's folder relative to the lake root, without slashes at either end
   * @param partitionPath the partition part of the location template, ending in {@code /}
   * @param projection the {@code projection.*} table parameters
   */
  public record Table(
      String name,
      String folder,
      Format format,
      List<Column> columns,
      List<Column> partitionKeys,
      String partitionPath,
      Map<String, String> projection) {}

  /**
   * How each partition column found in the schema constants is projected. A partition column not
   * listed here fails the program, so a new partition column cannot silently go unprojected.
   */
  private static final Map<String, Projection> PROJECTIONS =
      Map.of(
          // Arrival date of a silver hour, and event date of gold: yyyy-MM-dd, as LakeLayout
          // writes.
          "dt", Projection.date("yyyy-MM-dd", "2020-01-01,NOW", "DAYS"),
          "date", Projection.date("yyyy-MM-dd", "2020-01-01,NOW", "DAYS"),
          "hour", Projection.integer("0,23", 2),
          // Values come from data; Athena cannot enumerate them, so queries must name them.
          "event_type", Projection.injected(),
          "city", Projection.injected(),
          "year", Projection.integer("2015,2040", 4),
          "month", Projection.integer("1,12", 2),
          "day", Projection.integer("1,31", 2));

  private record Projection(String columnType, Map<String, String> parameters) {
    static Projection date(String format, String range, String unit) {
      return new Projection(
          "string",
          Map.of(
              "type",
              "date",
              "format",
              format,
              "range",
              range,
              "interval",
              "1",
              "interval.unit",
              unit));
    }

    static Projection integer(String range, int digits) {
      return new Projection(
          "int", Map.of("type", "integer", "range", range, "digits", Integer.toString(digits)));
    }

    static Projection injected() {
      return new Projection("string", Map.of("type", "injected"));
    }
  }

  /**
   * The Avro schema of a lake table's columns less its partition columns, which the Glue table
   * holds as partition keys.
   */
  static org.apache.avro.Schema dataColumns(LakeTable table) {
    List<String> data =
        table.schema().columns().stream()
            .map(c -> c.name())
            .filter(c -> !table.partitionColumns().contains(c))
            .toList();
    return LakeTable.avroSchema(table, table.schema().select(data));
  }

  /** Every table of the lake, bronze first. */
  public static List<Table> all() {
    return List.of(
        bronzeEvents(),
        parquet(
            "silver_events",
            LakeLayout.SILVER_EVENTS,
            dataColumns(LakeTable.SILVER_EVENTS),
            LakeTable.SILVER_EVENTS.partitionColumns()),
        parquet(
            "gold_events",
            LakeLayout.GOLD_EVENTS,
            dataColumns(LakeTable.GOLD_EVENTS),
            LakeTable.GOLD_EVENTS.partitionColumns()),
        parquet(
            "gold_event_stats",
            LakeLayout.GOLD_EVENT_STATS,
            dataColumns(LakeTable.GOLD_EVENT_STATS),
            LakeTable.GOLD_EVENT_STATS.partitionColumns()),
        parquet(
            "silver_uber_movements",
            LakeLayout.SILVER_UBER_MOVEMENTS,
            dataColumns(LakeTable.SILVER_UBER_MOVEMENTS),
            LakeTable.SILVER_UBER_MOVEMENTS.partitionColumns()));
  }

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
  private static Table bronzeEvents() {
    return new Table(
        "bronze_events",
        "bronze/events",
        Format.JSON,
        List.of(
            new Column("event_uuid", "string"),
            new Column("event_name", "string"),
            new Column("created_at", "string")),
        List.of(new Column("arrival_hour", "string")),
        "${arrival_hour}/",
        Map.of(
            "projection.arrival_hour.type", "date",
            "projection.arrival_hour.format", "yyyy/MM/dd/HH",
            "projection.arrival_hour.range", "2020/01/01/00,NOW",
            "projection.arrival_hour.interval", "1",
            "projection.arrival_hour.interval.unit", "HOURS"));
  }

  private static Table parquet(
      String name, String folder, Schema schema, List<String> partitionNames) {
    List<Column> keys = new ArrayList<>();
    StringBuilder path = new StringBuilder();
    Map<String, String> projection = new LinkedHashMap<>();
    for (String p : partitionNames) {
      Projection spec = PROJECTIONS.get(p);
      if (spec == null) {
        throw new IllegalStateException("no partition projection defined for " + name + "." + p);
      }
      keys.add(new Column(p, spec.columnType()));
      path.append(p).append("=${").append(p).append("}/");
      spec.parameters().forEach((k, v) -> projection.put("projection." + p + "." + k, v));
    }
    return new Table(
        name, folder, Format.PARQUET, GlueColumns.of(schema), keys, path.toString(), projection);
  }
}
