package io.medallion.lake.pipelines;

import io.medallion.lake.table.LakeTable;
import io.medallion.lake.testing.LakeTables;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The public Uber Movement samples ({@code src/sample-data/uber/README.md} has their origin), with
 * their data row counts from that README and the silver rows each gives, and a DuckDB reader for
 * what the pipeline wrote.
 */
final class UberSamples {
  /** File name → data rows (the header not counted). */
  static final Map<String, Integer> ROWS = new LinkedHashMap<>();

  static {
    ROWS.put("Travel_Times - Bengaluru.csv", 198);
    ROWS.put("madhavi1109-Travel_Times.csv", 198);
    ROWS.put("madhavi1109-Travel_Times_Daily.csv", 31);
    ROWS.put("madhavi1109-Travel_Times_day_of_week.csv", 7);
    ROWS.put("madhavi1109-Travel_Times_time_of_day.csv", 6);
    ROWS.put("travel_times_johannesburg_and_pretoria.csv", 226);
    ROWS.put("travel_times_manila.csv", 477);
    ROWS.put("travel_times_paris.csv", 2227);
    ROWS.put("wfallon-Travel_Times.csv", 699);
  }

  /**
   * File name → records read, each written as one silver row: a record per travel-time group that
   * holds values. One per data row, but for the time-of-day file (its "Daily Average" row has its
   * three times empty: 6 - 1) and the Daily file (6 periods a row, the PM of 01/25/2018 empty: 31 *
   * 6 - 1).
   */
  static final Map<String, Integer> RECORDS = new LinkedHashMap<>(ROWS);

  static {
    RECORDS.put("madhavi1109-Travel_Times_Daily.csv", 31 * 6 - 1);
    RECORDS.put("madhavi1109-Travel_Times_time_of_day.csv", 6 - 1);
  }

  private UberSamples() {}

  /** Copies a sample from the test classpath to {@code folder}, under its own name. */
  static Path drop(String name, Path folder) throws IOException {
    Files.createDirectories(folder);
    Path target = folder.resolve(name);
    try (InputStream in = UberSamples.class.getResourceAsStream("/sample-data/uber/" + name)) {
      if (in == null) {
        throw new IllegalStateException("no sample " + name + " on the test classpath");
      }
      // Land it under a hidden name first, as a careful uploader would, so no poll sees half.
      Path partial = folder.resolve("." + name + ".part");
      Files.copy(in, partial, StandardCopyOption.REPLACE_EXISTING);
      Files.move(partial, target, StandardCopyOption.REPLACE_EXISTING);
    }
    return target;
  }

  /**
   * {@code file}'s last-modified time as the lake records it ({@code source_last_modified} in a
   * report, a quarantine line's source): ISO-8601 UTC, to the millisecond.
   */
  static String lastModified(Path file) throws IOException {
    return Instant.ofEpochMilli(Files.getLastModifiedTime(file).toMillis()).toString();
  }

  /** DuckDB over the data files of the {@code silver_uber_movements} table's current snapshot. */
  static String silver(Path lake) {
    return LakeTables.duckDb(lake, LakeTable.SILVER_UBER_MOVEMENTS);
  }
}
