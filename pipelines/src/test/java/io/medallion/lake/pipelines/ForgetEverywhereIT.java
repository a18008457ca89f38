package io.medallion.lake.pipelines;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.medallion.lake.bronze.BronzeFileContent;
import io.medallion.lake.bronze.WriteBronzeFiles;
import io.medallion.lake.erasure.ErasureReceipt;
import io.medallion.lake.erasure.SubjectRows;
import io.medallion.lake.erasure.Subjects;
import io.medallion.lake.layout.LakeLayout;
import io.medallion.lake.pipelines.options.EmbeddedFlink;
import io.medallion.lake.table.AsOf;
import io.medallion.lake.table.LakeCatalog;
import io.medallion.lake.table.LakeTable;
import io.medallion.lake.table.SnapshotViews;
import io.medallion.lake.table.TableFamily;
import io.medallion.lake.table.TableMaintenance;
import io.medallion.lake.testing.DuckDb;
import io.medallion.lake.testing.LakeTables;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import org.apache.avro.file.DataFileStream;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.types.Types.NestedField;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The acceptance test of {@code lake forget} (issue 23): a lake seeded with several data subjects
 * over three days and five arrival hours, the subject to erase having a duplicate (the same
 * event_uuid delivered twice, in the same hour and in a later one), a copy re-stamped across
 * midnight, a malformed record holding the id (quarantined), records in a gzip bronze file and one
 * in {@code _unframed/}; promoted by the real silver and gold pipelines, with two killed runs'
 * leftover data files holding the subject (in no snapshot) in silver and gold; then {@code forget
 * --dryRun} and {@code forget} for the one subject, through {@link ForgetSubjects#run} with the
 * options the launcher gives, on the DirectRunner and on embedded Flink. Afterwards:
 *
 * <ul>
 *   <li>no file under the lake, decoded by its format (bronze plain and gzip, {@code _unframed/}
 *       base64, quarantine {@code raw}/{@code raw_base64}, every Parquet file of every table folder
 *       referenced or not, its values, statistics and key-value metadata, Avro manifests, metadata
 *       JSON, reports, the catalog), holds the value;
 *   <li>every other subject's rows of silver_events, gold_events and the typed tables are as
 *       before;
 *   <li>gold (gold_events, gold_event_stats, every typed table) equals a fresh promotion of the
 *       erased bronze into a new lake, {@code EXCEPT ALL} both ways in DuckDB;
 *   <li>every remaining snapshot of every table, read as {@code lake query --as-of} reads it, is
 *       free of the subject;
 *   <li>a second run removes nothing, and the dry run predicted the real run's counts.
 * </ul>
 */
class ForgetEverywhereIT {
  private static final String SUBJECT = "subj-7f3a9c";
  private static final String U2 = "user-0002";
  private static final String U3 = "user-0003";
  private static final String U4 = "user-0004";
  private static final Subjects SUBJECTS = new Subjects("user_id", Set.of(SUBJECT));

  private static final Instant H1 = Instant.parse("2026-05-01T09:00:00Z");
  private static final Instant H2 = Instant.parse("2026-05-01T23:00:00Z");
  private static final Instant H3 = Instant.parse("2026-05-02T00:00:00Z");
  private static final Instant H4 = Instant.parse("2026-05-02T14:00:00Z");
  private static final Instant H5 = Instant.parse("2026-05-03T08:00:00Z");
  private static final List<Instant> HOURS = List.of(H1, H2, H3, H4, H5);
  private static final List<LocalDate> DATES =
      List.of(
          LocalDate.parse("2026-05-01"),
          LocalDate.parse("2026-05-02"),
          LocalDate.parse("2026-05-03"));

  /** The tables whose other subjects' rows must read exactly as before (stats are recounted). */
  private static final String STATS = LakeTable.GOLD_EVENT_STATS.tableName();

  static {
    System.setProperty("org.slf4j.simpleLogger.log.org.apache.flink", "warn");
    System.setProperty("org.slf4j.simpleLogger.log.org.apache.flink.metrics.MetricGroup", "error");
    System.setProperty("org.slf4j.simpleLogger.log.org.apache.beam.runners.flink", "warn");
    System.setProperty("org.slf4j.simpleLogger.log.org.apache.pekko", "warn");
  }

  @TempDir Path base;

  private static final ObjectMapper JSON = new ObjectMapper();

  /** An event created {@code minutes} after {@code hour}, with its subject and extra members. */
  private static String event(
      String uuid, String name, Instant hour, int minutes, String user, String members) {
    return "{\"event_uuid\":\""
        + uuid
        + "\",\"event_name\":\""
        + name
        + "\",\"created_at\":"
        + (hour.getEpochSecond() + 60L * minutes)
        + ",\"user_id\":\""
        + user
        + "\""
        + (members.isEmpty() ? "" : "," + members)
        + "}";
  }

  private static void put(Path lake, Instant hour, String name, byte[] bytes) throws IOException {
    Path file = BronzeFixtures.hourDir(lake, hour).resolve(name);
    Files.createDirectories(file.getParent());
    Files.write(file, bytes);
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] lines(String... lines) {
    return utf8(String.join("\n", lines) + "\n");
  }

  private static byte[] gzip(byte[] bytes) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (OutputStream gz = new GZIPOutputStream(out)) {
      gz.write(bytes);
    }
    return out.toByteArray();
  }

  /**
   * The seeded bronze. The subject's records: s1 (twice in hour 1, and again in hour 4), s2, s3
   * created 23:50 on May 1 in a gzip file and re-stamped 00:05 May 2 in the next hour, a malformed
   * record, an {@code _unframed/} line, s4, and s5 alone in a gzip file; around them, three other
   * subjects' events of four event names, one re-stamped across midnight too, a malformed one and
   * an unframed one.
   */
  private static void writeBronze(Path lake) throws IOException {
    String s1 = event("s1", "quiz:completed", H1, 5, SUBJECT, "\"score\":80");
    put(
        lake,
        H1,
        "part-a.jsonl",
        lines(
            s1,
            event("o1", "quiz:completed", H1, 6, U2, "\"score\":90"),
            event("s2", "lesson:started", H1, 7, SUBJECT, "\"lesson_id\":3"),
            event("o2", "lesson:started", H1, 8, U3, "\"lesson_id\":4"),
            s1,
            event("o3", "app:heartbeat", H1, 9, U4, "\"device_id\":\"d-1\""),
            "{\"event_uuid\":\"m1\",\"user_id\":\"" + SUBJECT + "\",\"created_at\":",
            "{\"event_uuid\":\"m2\",\"user_id\":\"" + U2 + "\",\"created_at\":"));
    put(
        lake,
        H2,
        "part-b.jsonl.gz",
        gzip(
            lines(
                event("s3", "lesson:completed", H2, 50, SUBJECT, "\"lesson_id\":3"),
                event("o4", "lesson:completed", H2, 55, U2, "\"lesson_id\":4"),
                event("o5", "quiz:completed", H2, 56, U3, "\"score\":70"))));
    put(
        lake,
        H3,
        "part-c.jsonl",
        lines(
            // s3 and o4 again, re-stamped by a client after midnight
            event("s3", "lesson:completed", H3, 5, SUBJECT, "\"lesson_id\":3"),
            event("o4", "lesson:completed", H3, 6, U2, "\"lesson_id\":4"),
            event("o6", "quiz:completed", H3, 7, U4, "\"score\":60")));
    Instant arrival = H3.plusSeconds(90);
    put(
        lake,
        H3,
        "_unframed/part-u.jsonl",
        lines(
            new String(
                new WriteBronzeFiles.UnframedLine(
                        WriteBronzeFiles.Unframed.LINE_BREAK_IN_NON_JSON,
                        arrival,
                        utf8("user_id=\"" + SUBJECT + "\"\nrest"))
                    .toJson(),
                StandardCharsets.UTF_8),
            new String(
                new WriteBronzeFiles.UnframedLine(
                        WriteBronzeFiles.Unframed.LINE_BREAK_IN_NON_JSON,
                        arrival,
                        utf8("user_id=\"" + U3 + "\"\nrest"))
                    .toJson(),
                StandardCharsets.UTF_8)));
    put(
        lake,
        H4,
        "part-d.jsonl",
        lines(
            s1,
            event("o7", "quiz:completed", H4, 10, U4, "\"score\":50"),
            event("o8", "lesson:started", H4, 11, U2, "\"lesson_id\":5")));
    put(
        lake,
        H5,
        "part-e.jsonl",
        lines(
            event("s4", "quiz:completed", H5, 1, SUBJECT, "\"score\":40"),
            event("o9", "quiz:completed", H5, 2, U3, "\"score\":30"),
            event("o10", "lesson:started", H5, 3, U4, "\"lesson_id\":6")));
    put(
        lake,
        H5,
        "part-f.jsonl.gz",
        gzip(lines(event("s5", "lesson:started", H5, 4, SUBJECT, "\"lesson_id\":7"))));
  }

  /** Silver for every hour, then gold for every date, by the real pipelines. */
  private static void promote(Path lake, String run) {
    SilverEventsTest.promote(lake, HOURS, Duration.ofHours(6), run + "-silver");
    GoldEventsTest.promote(lake, DATES, 2, run + "-gold");
  }

  /** {@code lake forget} as the launcher runs it: options parsed from arguments, then run. */
  private static ForgetSubjects.Outcome forget(
      Path lake, String requestId, boolean dryRun, String runner) throws Exception {
    List<String> args =
        new ArrayList<>(
            List.of(
                "--lake=" + lake,
                "--field=user_id",
                "--value=" + SUBJECT,
                "--requestId=" + requestId));
    if (dryRun) {
      args.add("--dryRun");
    }
    args.addAll(
        runner.equals("FlinkRunner") ? EmbeddedFlink.batchArgs(2) : List.of("--runner=" + runner));
    ForgetSubjects.Options options =
        PipelineOptionsFactory.fromArgs(args.toArray(String[]::new))
            .as(ForgetSubjects.Options.class);
    ForgetSubjects.Config config = ForgetSubjects.Config.from(options).orElseThrow();
    return ForgetSubjects.run(options, config);
  }

  @ParameterizedTest
  @ValueSource(strings = {"DirectRunner", "FlinkRunner"})
  void forgetsTheSubjectEverywhereAndGoldIsAFreshPromotionOfTheErasedBronze(String runner)
      throws Exception {
    // Arrange: the lake, promoted
    Path lake = base.resolve("lake");
    writeBronze(lake);
    promote(lake, "seed");
    // Killed runs' leftovers: copies of data files holding the subject, in no snapshot, two hours
    // old (younger, forget leaves them and fails: a promotion may be about to commit them).
    List<Path> leftovers = new ArrayList<>();
    for (String table : List.of("silver_events", "gold_events")) {
      Path held =
          LakeTables.currentFiles(LakeTables.catalog(lake), LakeTable.named(table)).stream()
              .map(Path::of)
              .filter(ForgetEverywhereIT::parquetHolds)
              .findFirst()
              .orElseThrow();
      Path leftover = held.resolveSibling("part-killed-run.parquet");
      Files.copy(held, leftover);
      Files.setLastModifiedTime(leftover, FileTime.from(Instant.now().minus(Duration.ofHours(2))));
      leftovers.add(leftover);
    }
    Map<String, List<String>> othersBefore = new TreeMap<>();
    Map<String, Integer> subjectRowsBefore = new TreeMap<>();
    for (Map.Entry<String, Table> t : tables(lake).entrySet()) {
      if (!t.getKey().equals(STATS)) {
        othersBefore.put(t.getKey(), rows(t.getValue(), false));
        subjectRowsBefore.put(t.getKey(), rows(t.getValue(), true).size());
      }
    }
    // The seed reaches every kind of file the check decodes, and every table that can hold it.
    Set<String> holdingBefore = filesHolding(lake);
    assertThat(holdingBefore)
        .anyMatch(f -> f.startsWith("bronze/") && f.endsWith(".jsonl.gz"))
        .anyMatch(f -> f.startsWith("bronze/") && f.contains("/_unframed/"))
        .anyMatch(f -> f.startsWith("bronze/") && f.endsWith("part-a.jsonl"))
        .anyMatch(f -> f.startsWith("quarantine/"))
        .anyMatch(f -> f.startsWith("silver/") && f.endsWith(".parquet"))
        .anyMatch(f -> f.startsWith("gold/") && f.endsWith(".parquet"));
    assertThat(subjectRowsBefore)
        .containsKeys(
            "silver_events",
            "gold_events",
            "gold_evt_quiz_completed",
            "gold_evt_lesson_started",
            "gold_evt_lesson_completed");
    assertThat(subjectRowsBefore.get("silver_events")).isPositive();
    assertThat(subjectRowsBefore.get("gold_events")).isPositive();
    assertThat(snapshotsHolding(lake)).isNotEmpty();
    for (Path leftover : leftovers) {
      assertThat(holdingBefore).contains(lake.relativize(leftover).toString().replace('\\', '/'));
    }

    // Act: a dry run, the erasure, the same erasure again
    ForgetSubjects.Outcome dry = forget(lake, "req-1", true, runner);
    ForgetSubjects.Outcome done = forget(lake, "req-1", false, runner);
    Map<String, List<String>> othersAfter = new TreeMap<>();
    Map<String, Integer> subjectRowsAfter = new TreeMap<>();
    for (Map.Entry<String, Table> t : tables(lake).entrySet()) {
      if (!t.getKey().equals(STATS)) {
        othersAfter.put(t.getKey(), rows(t.getValue(), false));
        subjectRowsAfter.put(t.getKey(), rows(t.getValue(), true).size());
      }
    }
    Set<String> holdingAfter = filesHolding(lake);
    List<String> snapshotsAfter = snapshotsHolding(lake);
    ForgetSubjects.Outcome again = forget(lake, "req-2", false, runner);

    // Assert: no file under the lake, decoded, holds the value; no snapshot reads it
    assertThat(holdingAfter).isEmpty();
    assertThat(leftovers).noneMatch(Files::exists);
    assertThat(snapshotsAfter).isEmpty();
    assertThat(subjectRowsAfter.values()).allMatch(n -> n == 0);

    // Assert: every other subject's rows are as they were
    assertThat(othersAfter).isEqualTo(othersBefore);

    // Assert: the receipt's counts, and the dry run predicted them. Bronze holds ten records of the
    // subject (s1 three times, s2, m1, s3 twice, the unframed line, s4, s5); silver quarantined
    // two of them (m1 and the unframed line); part-f.jsonl.gz held only s5.
    JsonNode layers = done.receipt().path("layers");
    assertThat(layers.path("bronze").path("records_removed").asLong()).isEqualTo(10);
    assertThat(layers.path("bronze").path("files_deleted").asLong()).isEqualTo(1);
    assertThat(layers.path("quarantine").path("records_removed").asLong()).isEqualTo(2);
    subjectRowsBefore.forEach(
        (table, n) ->
            assertThat(layers.path(table).path("rows_removed").asLong())
                .as(table)
                .isEqualTo((long) n));
    assertThat(layers.path("gold").path("dates_promoted").asLong()).isEqualTo(DATES.size());
    assertThat(done.receipt().path("removed").asLong())
        .isEqualTo(12 + subjectRowsBefore.values().stream().mapToLong(n -> n).sum());
    assertThat(dry.receipt().path("layers")).isEqualTo(layers);

    // Assert: what the command prints, one line per layer, the gold step's re-promotion in words
    List<String> summary = ErasureReceipt.summary(done.receipt());
    assertThat(summary)
        .anyMatch(l -> l.startsWith("  bronze ") && l.contains("removed 10 record(s)"))
        .anyMatch(l -> l.startsWith("  quarantine ") && l.contains("removed 2 record(s)"))
        .anyMatch(l -> l.startsWith("  gold ") && l.contains("re-promoted 3 date(s)"))
        .noneMatch(l -> l.contains("created_on") || l.contains("nothing found"));
    // The typed tables that lost rows are on one line, those that held none of the subject's rows
    // on the "other tables" line.
    long typedRows = 0;
    int typedTables = 0;
    for (Map.Entry<String, Integer> table : subjectRowsBefore.entrySet()) {
      int n = table.getValue();
      if (TableFamily.TYPED_EVENTS.isMember(table.getKey()) && n > 0) {
        typedRows += n;
        typedTables++;
        continue;
      }
      assertThat(summary)
          .as(table.getKey())
          .anyMatch(
              l ->
                  n > 0
                      ? l.startsWith("  " + table.getKey() + " ")
                          && l.contains("removed " + n + " row(s)")
                      : l.matches("  \\d+ other table\\(s\\): nothing of theirs; .*"))
          .noneMatch(l -> n == 0 && l.startsWith("  " + table.getKey() + " "));
    }
    String typedLine =
        "  gold_evt_*     removed " + typedRows + " row(s) from " + typedTables + " typed table(s)";
    assertThat(summary).anyMatch(l -> l.startsWith(typedLine));

    // Assert: a second run finds nothing, changes nothing and says so
    assertThat(ErasureReceipt.summary(again.receipt()))
        .contains("  nothing found for these subjects");
    assertThat(again.receipt().path("removed").asLong()).isZero();
    for (Iterator<Map.Entry<String, JsonNode>> it = again.receipt().path("layers").fields();
        it.hasNext(); ) {
      Map.Entry<String, JsonNode> layer = it.next();
      for (String metric :
          List.of(
              "files_rewritten",
              "records_removed",
              "rows_removed",
              "snapshots_expired",
              "files_deleted",
              "dates_promoted")) {
        assertThat(layer.getValue().path(metric).asLong())
            .as("%s.%s", layer.getKey(), metric)
            .isZero();
      }
    }

    // Assert: gold equals a fresh promotion of the erased bronze into a new lake
    Path fresh = base.resolve("fresh");
    copyTree(lake.resolve("bronze"), fresh.resolve("bronze"));
    promote(fresh, "fresh");
    Set<String> goldTables = new TreeSet<>();
    goldTables.addAll(tables(lake).keySet());
    goldTables.addAll(tables(fresh).keySet());
    goldTables.removeIf(t -> !t.startsWith("gold_"));
    assertThat(goldTables).contains("gold_events", STATS, "gold_evt_quiz_completed");
    Map<String, Long> goldRows = new TreeMap<>();
    for (String table : goldTables) {
      goldRows.put(table, assertSameRows(lake, fresh, table));
    }
    assertThat(goldRows.get("gold_events")).isPositive();
    assertThat(goldRows.get(STATS)).isPositive();

    // Assert: nothing comes back and nothing churns. The scheduled promotions find nothing to do
    // (the erased hours' reports name the files as the erasure left them), and lake maintain
    // (expiry, orphans, compaction) leaves every row as it was and brings back nothing
    LakeLayout layout = LakeLayout.at(lake.toString());
    assertThat(SilverEvents.pendingHours(layout, H1, H5, H5.plus(Duration.ofDays(2)))).isEmpty();
    assertThat(GoldEvents.pendingDates(layout, null, null)).isEmpty();
    TableMaintenance.Settings maintain =
        new TableMaintenance.Settings(
            Instant.now(),
            Duration.ZERO,
            1,
            TableMaintenance.MIN_ORPHAN_AGE,
            false,
            2,
            128L << 20,
            false,
            "maintain-after-forget");
    try (LakeCatalog catalog = LakeCatalog.open(LakeTables.catalog(lake))) {
      for (LakeTable definition : catalog.tables()) {
        Optional<Table> table = catalog.existing(definition);
        if (table.isPresent()) {
          TableMaintenance.maintain(definition, table.get(), maintain);
        }
      }
    }
    Map<String, List<String>> othersMaintained = new TreeMap<>();
    for (Map.Entry<String, Table> t : tables(lake).entrySet()) {
      if (!t.getKey().equals(STATS)) {
        othersMaintained.put(t.getKey(), rows(t.getValue(), false));
      }
    }
    assertThat(othersMaintained).isEqualTo(othersBefore);
    assertThat(filesHolding(lake)).isEmpty();
    assertThat(snapshotsHolding(lake)).isEmpty();
  }

  // ---------------------------------------------------------------------------------------------
  // Tables, rows and snapshots

  /** Every table of the lake's catalog that exists, by name, loaded now. */
  private static Map<String, Table> tables(Path lake) throws IOException {
    Map<String, Table> tables = new TreeMap<>();
    try (LakeCatalog catalog = LakeCatalog.open(LakeTables.catalog(lake))) {
      for (LakeTable t : catalog.tables()) {
        catalog.existing(t).ifPresent(loaded -> tables.put(t.tableName(), loaded));
      }
    }
    return tables;
  }

  /** The rows of the current snapshot that are (or are not) the subject's, as text, sorted. */
  private static List<String> rows(Table loaded, boolean subject) throws IOException {
    SubjectRows matcher =
        new SubjectRows(
            loaded.name().substring(loaded.name().lastIndexOf('.') + 1), loaded.schema(), SUBJECTS);
    List<String> rows = new ArrayList<>();
    if (loaded.currentSnapshot() == null) {
      return rows;
    }
    try (CloseableIterable<Record> records = IcebergGenerics.read(loaded).build()) {
      for (Record r : records) {
        if (matcher.matches(r) == subject) {
          rows.add(r.toString());
        }
      }
    }
    rows.sort(null);
    return rows;
  }

  /**
   * Every snapshot of every table whose rows, read as {@code lake query --as-of=<snapshot id>}
   * reads them ({@link AsOf} resolved over every table, then {@link SnapshotViews} in DuckDB), hold
   * the value in any column: {@code table@snapshot} for each.
   */
  private static List<String> snapshotsHolding(Path lake) throws Exception {
    List<String> holding = new ArrayList<>();
    try (LakeCatalog catalog = LakeCatalog.open(LakeTables.catalog(lake));
        Connection db = DriverManager.getConnection("jdbc:duckdb:");
        Statement s = db.createStatement()) {
      s.execute("SET TimeZone = 'UTC'");
      Map<LakeTable, Table> tables = new LinkedHashMap<>();
      for (LakeTable t : catalog.tables()) {
        catalog.existing(t).ifPresent(loaded -> tables.put(t, loaded));
      }
      for (Map.Entry<LakeTable, Table> table : tables.entrySet()) {
        for (Snapshot snapshot : table.getValue().snapshots()) {
          Map<LakeTable, Optional<Long>> resolved =
              AsOf.parse(Long.toString(snapshot.snapshotId())).resolve(tables);
          assertThat(resolved.get(table.getKey())).contains(snapshot.snapshotId());
          SnapshotViews.create(
              db, table.getKey(), Optional.of(table.getValue()), resolved.get(table.getKey()));
          try (ResultSet rs =
              s.executeQuery(
                  "SELECT count(*) FROM \""
                      + table.getKey().tableName()
                      + "\" t WHERE CAST(to_json(t) AS VARCHAR) LIKE '%"
                      + SUBJECT
                      + "%'")) {
            rs.next();
            if (rs.getLong(1) > 0) {
              holding.add(table.getKey().tableName() + "@" + snapshot.snapshotId());
            }
          }
        }
      }
    }
    return holding;
  }

  /**
   * Asserts {@code table}'s current rows are the same multiset in both lakes ({@code EXCEPT ALL}
   * both ways, over the columns by name), a table absent from a lake reading as empty; returns the
   * number of rows.
   */
  private static long assertSameRows(Path lake, Path fresh, String table) throws IOException {
    Map<String, Table> a = tables(lake);
    Map<String, Table> b = tables(fresh);
    Table schemaOf = a.containsKey(table) ? a.get(table) : b.get(table);
    if (a.containsKey(table) && b.containsKey(table)) {
      assertThat(names(b.get(table))).as(table).isEqualTo(names(a.get(table)));
    }
    String columns =
        names(schemaOf).stream().map(c -> "\"" + c + "\"").collect(Collectors.joining(", "));
    String left = relation(lake, a, table, columns);
    String right = relation(fresh, b, table, columns);
    long onlyErased =
        DuckDb.count(
            "SELECT count(*) FROM (SELECT "
                + columns
                + " FROM "
                + left
                + " EXCEPT ALL SELECT "
                + columns
                + " FROM "
                + right
                + ")");
    long onlyFresh =
        DuckDb.count(
            "SELECT count(*) FROM (SELECT "
                + columns
                + " FROM "
                + right
                + " EXCEPT ALL SELECT "
                + columns
                + " FROM "
                + left
                + ")");
    assertThat(onlyErased).as("%s rows only in the erased lake", table).isZero();
    assertThat(onlyFresh).as("%s rows only in the fresh promotion", table).isZero();
    return DuckDb.count("SELECT count(*) FROM " + left);
  }

  private static List<String> names(Table table) {
    return table.schema().columns().stream().map(NestedField::name).sorted().toList();
  }

  private static String relation(Path lake, Map<String, Table> tables, String table, String cols) {
    if (!tables.containsKey(table)) {
      return "(SELECT " + cols + " FROM (SELECT 1) WHERE false)";
    }
    List<String> files = new ArrayList<>();
    Table loaded = tables.get(table);
    if (loaded.currentSnapshot() != null) {
      try (var tasks = loaded.newScan().planFiles()) {
        tasks.forEach(t -> files.add(t.file().location()));
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }
    if (files.isEmpty()) {
      String nulls =
          names(loaded).stream()
              .map(c -> "NULL AS \"" + c + "\"")
              .collect(Collectors.joining(", "));
      return "(SELECT " + nulls + " WHERE false)";
    }
    return "read_parquet(["
        + files.stream()
            .map(f -> "'" + f.replace("'", "''") + "'")
            .collect(Collectors.joining(", "))
        + "], hive_partitioning = false)";
  }

  // ---------------------------------------------------------------------------------------------
  // Every file under the lake, decoded

  /** The files under the lake (relative paths) that hold the value in any form they store it. */
  private static Set<String> filesHolding(Path lake) throws IOException {
    Set<String> holding = new TreeSet<>();
    List<Path> files;
    try (Stream<Path> walk = Files.walk(lake)) {
      files = walk.filter(Files::isRegularFile).toList();
    }
    for (Path file : files) {
      String name = file.getFileName().toString();
      boolean holds;
      if (name.endsWith(".parquet")) {
        holds = parquetHolds(file);
      } else if (name.endsWith(".avro")) {
        holds = avroHolds(file);
      } else {
        holds = bytesHold(Files.readAllBytes(file));
      }
      if (holds) {
        holding.add(lake.relativize(file).toString().replace('\\', '/'));
      }
    }
    return holding;
  }

  /**
   * Whether a Parquet file holds the value: in any column of any row (DuckDB's JSON of the row), in
   * a column chunk's statistics, or in the file's key-value metadata.
   */
  private static boolean parquetHolds(Path file) {
    String f = "'" + file.toString().replace("'", "''") + "'";
    String like = " LIKE '%" + SUBJECT + "%'";
    return DuckDb.count(
                "SELECT count(*) FROM read_parquet("
                    + f
                    + ", hive_partitioning = false) t WHERE CAST(to_json(t) AS VARCHAR)"
                    + like)
            > 0
        || DuckDb.count(
                "SELECT count(*) FROM parquet_metadata("
                    + f
                    + ") WHERE concat_ws('|', stats_min, stats_max, stats_min_value,"
                    + " stats_max_value)"
                    + like)
            > 0
        || DuckDb.count(
                "SELECT count(*) FROM parquet_kv_metadata("
                    + f
                    + ") WHERE CAST(key AS VARCHAR)"
                    + like
                    + " OR CAST(value AS VARCHAR)"
                    + like)
            > 0;
  }

  /** Whether a decoded Avro file (a manifest or manifest list) holds the value, bounds too. */
  private static boolean avroHolds(Path file) throws IOException {
    try (InputStream in = Files.newInputStream(file);
        DataFileStream<GenericRecord> records =
            new DataFileStream<>(in, new GenericDatumReader<>())) {
      for (GenericRecord r : records) {
        if (avroValueHolds(r)) {
          return true;
        }
      }
    }
    return false;
  }

  private static boolean avroValueHolds(Object v) {
    if (v instanceof GenericRecord r) {
      for (var f : r.getSchema().getFields()) {
        if (avroValueHolds(r.get(f.pos()))) {
          return true;
        }
      }
      return false;
    }
    if (v instanceof ByteBuffer b) {
      return StandardCharsets.ISO_8859_1.decode(b.duplicate()).toString().contains(SUBJECT);
    }
    if (v instanceof Collection<?> c) {
      return c.stream().anyMatch(ForgetEverywhereIT::avroValueHolds);
    }
    if (v instanceof Map<?, ?> m) {
      return m.entrySet().stream()
          .anyMatch(e -> avroValueHolds(e.getKey()) || avroValueHolds(e.getValue()));
    }
    return v != null && v.toString().contains(SUBJECT);
  }

  /**
   * Whether a file holds the value: as is, gzip decoded (every member, an undecodable tail as is),
   * or in a JSON line's strings, base64 strings ({@code raw_base64}) decoded, and strings that are
   * JSON themselves ({@code raw}) decoded again.
   */
  private static boolean bytesHold(byte[] file) {
    List<byte[]> forms = new ArrayList<>();
    forms.add(file);
    byte[] content;
    try (BronzeFileContent decoded = BronzeFileContent.of(new ByteArrayInputStream(file))) {
      content = decoded.readAllBytes();
    } catch (IOException e) {
      content = file;
    }
    forms.add(content);
    for (String line : new String(content, StandardCharsets.UTF_8).split("\n")) {
      JsonNode node = parse(line);
      if (node != null) {
        strings(node, null, forms, 0);
      }
    }
    byte[] value = utf8(SUBJECT);
    return forms.stream().anyMatch(f -> contains(f, value));
  }

  private static JsonNode parse(String text) {
    try {
      return JSON.readTree(text);
    } catch (IOException e) {
      return null;
    }
  }

  private static void strings(JsonNode node, String field, List<byte[]> forms, int depth) {
    if (depth > 8) {
      return;
    }
    if (node.isTextual()) {
      String text = node.textValue();
      forms.add(utf8(text));
      if ("raw_base64".equals(field)) {
        try {
          forms.add(Base64.getDecoder().decode(text));
        } catch (IllegalArgumentException e) {
          // not base64: searched as text above
        }
      }
      JsonNode inner = text.startsWith("{") || text.startsWith("[") ? parse(text) : null;
      if (inner != null) {
        strings(inner, null, forms, depth + 1);
      }
      return;
    }
    for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> member = it.next();
      strings(member.getValue(), member.getKey(), forms, depth + 1);
    }
    if (node.isArray()) {
      for (JsonNode element : node) {
        strings(element, field, forms, depth + 1);
      }
    }
  }

  /**
   * Whether {@code needle}'s bytes occur in {@code haystack} (ISO-8859-1 maps bytes one to one).
   */
  private static boolean contains(byte[] haystack, byte[] needle) {
    return new String(haystack, StandardCharsets.ISO_8859_1)
        .contains(new String(needle, StandardCharsets.ISO_8859_1));
  }

  private static void copyTree(Path from, Path to) throws IOException {
    try (Stream<Path> walk = Files.walk(from)) {
      for (Path p : walk.toList()) {
        Path target = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(target);
        } else {
          Files.copy(p, target);
        }
      }
    }
  }
}
