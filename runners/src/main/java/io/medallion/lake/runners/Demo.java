package io.medallion.lake.runners;

import com.fasterxml.jackson.databind.JsonNode;
import io.medallion.lake.commit.Reports;
import io.medallion.lake.events.DeduplicateEvents;
import io.medallion.lake.layout.LakeLayout;
import io.medallion.lake.pipelines.GoldEvents;
import io.medallion.lake.pipelines.ProduceEvents;
import io.medallion.lake.pipelines.SilverEvents;
import io.medallion.lake.pipelines.UberMovements;
import io.medallion.lake.pipelines.options.Lakes;
import io.medallion.lake.pipelines.options.LatenessOptions;
import io.medallion.lake.pipelines.options.OutputOptions;
import io.medallion.lake.producer.EventGenerator;
import io.medallion.lake.table.AsOf;
import io.medallion.lake.table.CatalogSettings;
import io.medallion.lake.table.Dataset;
import io.medallion.lake.table.LakeCatalog;
import io.medallion.lake.table.LakeTable;
import io.medallion.lake.table.TableFamily;
import io.medallion.lake.typed.WriteGoldEventFiles;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.channels.Channels;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;
import org.apache.beam.sdk.io.FileSystems;

/**
 * The lake end to end on one machine: produces a seeded event stream into bronze, promotes every
 * hour to silver and every day to gold, then prints what each layer holds and checks that gold has
 * exactly the distinct valid events the producer generated, each once, and each in its event's
 * typed table (each event names its data subject, a learner's {@code user_id} or, for a device's
 * own events, a {@code device_id}: what {@code lake forget} erases by); it ends with the tables,
 * the typed ones listed, and a query of one of them. Unless given {@code --start}, the events start
 * at {@value #DEMO_START}, so the hours span a midnight and some retries re-stamped past it test
 * the de-duplication across dates.
 *
 * <pre>{@code
 * mvn -pl runners -am test-compile exec:java -Dexec.args="demo --events=120000 --hours=6"
 * java -jar runners/target/lake.jar demo --runner=FlinkRunner
 * }</pre>
 */
public final class Demo {
  private Demo() {}

  public interface Options extends ProduceEvents.Options, LatenessOptions, OutputOptions {}

  /** The demo's first arrival hour: three hours before a midnight. */
  static final String DEMO_START = "2025-12-31T21";

  /** Options only the producer takes; the promotions get everything else (runner, lake...). */
  private static final Set<String> PRODUCER_ONLY =
      Set.of(
          "events",
          "start",
          "hours",
          "duplicateRate",
          "restampRate",
          "restampMaxSeconds",
          "malformedRate",
          "lateRate",
          "eventTypes",
          "filesPerHour",
          "seed");

  public static void run(String[] args, PrintStream out) throws Exception {
    Options options = Lake.parse(args, Options.class);
    if (Arrays.stream(args).noneMatch(a -> a.startsWith("--start=") || a.equals("--start"))) {
      options.setStart(DEMO_START);
    }
    long t0 = System.nanoTime();
    EventGenerator.Summary produced = ProduceEvents.run(options);
    out.println(ProduceEvents.describe(produced));
    long t1 = System.nanoTime();

    Instant first =
        produced.recordsByArrivalHour.keySet().stream()
            .findFirst()
            .orElseThrow(
                () -> new IllegalArgumentException("--events: the demo needs at least one event"));
    Instant last = first.plus(options.getHours() - 1L, ChronoUnit.HOURS);
    List<String> common = promotionArgs(args);

    List<String> silverArgs = new ArrayList<>(common);
    silverArgs.add("--from=" + hour(first));
    silverArgs.add("--to=" + hour(last));
    Lake.silver(silverArgs.toArray(String[]::new), out);
    long t2 = System.nanoTime();

    LocalDate firstDate = LocalDate.ofInstant(first, ZoneOffset.UTC);
    LocalDate lastDate = LocalDate.ofInstant(last, ZoneOffset.UTC);
    List<String> goldArgs = new ArrayList<>(common);
    // Gold reads every silver row of a date, whatever its arrival hour: lateness is silver's.
    goldArgs.removeIf(arg -> arg.startsWith("--allowedLateness"));
    goldArgs.add("--from=" + firstDate);
    goldArgs.add("--to=" + lastDate);
    Lake.gold(goldArgs.toArray(String[]::new), out);
    long t3 = System.nanoTime();

    LakeLayout lake = LakeLayout.at(options.getLake());
    promoteUberSamples(lake, common, out);
    long t4 = System.nanoTime();

    String busiest = new EventGenerator(ProduceEvents.settings(options)).learnerId(0);
    summarise(
        lake,
        Lakes.catalog(options, lake),
        produced,
        busiest,
        first,
        last,
        firstDate,
        lastDate,
        out);
    out.printf(
        Locale.ROOT,
        "Timings: produce %.1f s, silver %.1f s, gold %.1f s, uber-movements %.1f s%n",
        (t1 - t0) / 1e9,
        (t2 - t1) / 1e9,
        (t3 - t2) / 1e9,
        (t4 - t3) / 1e9);
  }

  /**
   * The public Uber Movement samples shipped in the jar ({@code sample-data/uber/}, origins in its
   * README), dropped into the landing area as downloaded.
   */
  static final List<String> UBER_SAMPLES =
      List.of(
          "Travel_Times - Bengaluru.csv",
          "madhavi1109-Travel_Times.csv",
          "madhavi1109-Travel_Times_Daily.csv",
          "madhavi1109-Travel_Times_day_of_week.csv",
          "madhavi1109-Travel_Times_time_of_day.csv",
          "travel_times_johannesburg_and_pretoria.csv",
          "travel_times_manila.csv",
          "travel_times_paris.csv",
          "wfallon-Travel_Times.csv");

  /**
   * Drops the samples into {@code landing/uber_movements/} and promotes them all; then promotes
   * again, with {@code --city}, the files whose name gives no city (their first promotion rejects
   * them as {@code unknown_city}; the second replaces that).
   */
  private static void promoteUberSamples(LakeLayout lake, List<String> common, PrintStream out)
      throws Exception {
    String landing = lake.resolve(UberMovements.DATASET.landing().orElseThrow());
    for (String name : UBER_SAMPLES) {
      try (InputStream in = Demo.class.getResourceAsStream("/sample-data/uber/" + name);
          OutputStream target =
              Channels.newOutputStream(
                  FileSystems.create(
                      FileSystems.matchNewResource(landing + "/" + name, false), "text/csv"))) {
        if (in == null) {
          throw new IllegalStateException("the jar has no sample-data/uber/" + name);
        }
        in.transferTo(target);
      }
    }
    out.println();
    out.println("Dropped " + UBER_SAMPLES.size() + " Uber Movement samples into " + landing);
    Lake.uberMovements(uberArgs(common, landing + "/*.csv", null), out);
    out.println("Again with --city, the files whose name gives no city:");
    Lake.uberMovements(uberArgs(common, landing + "/madhavi1109-*.csv", "bengaluru"), out);
    Lake.uberMovements(uberArgs(common, landing + "/wfallon-Travel_Times.csv", "boston"), out);
  }

  private static String[] uberArgs(List<String> common, String input, String city) {
    List<String> args = new ArrayList<>();
    for (String arg : common) {
      // Only the lake and the runner's options carry over; the event promotions' own do not.
      if (!arg.startsWith("--allowedLateness") && !arg.startsWith("--filesPerPartition")) {
        args.add(arg);
      }
    }
    args.add("--input=" + input);
    if (city != null) {
      args.add("--city=" + city);
    }
    return args.toArray(String[]::new);
  }

  private static List<String> promotionArgs(String[] args) {
    List<String> kept = new ArrayList<>();
    for (String arg : args) {
      String name = arg.startsWith("--") ? arg.substring(2).split("=", 2)[0] : arg;
      if (!PRODUCER_ONLY.contains(name)) {
        kept.add(arg);
      }
    }
    return kept;
  }

  private static String hour(Instant h) {
    return h.toString().substring(0, 13);
  }

  private static void summarise(
      LakeLayout lake,
      CatalogSettings catalog,
      EventGenerator.Summary produced,
      String busiestLearner,
      Instant first,
      Instant last,
      LocalDate firstDate,
      LocalDate lastDate,
      PrintStream out)
      throws Exception {
    long read = 0;
    long written = 0;
    long late = 0;
    Map<String, Long> reasons = new TreeMap<>();
    for (Instant h = first; !h.isAfter(last); h = h.plus(1, ChronoUnit.HOURS)) {
      JsonNode r =
          require(
              Reports.read(lake, SilverEvents.DATASET, SilverEvents.DATASET.hourUnit(h).name()), h);
      read += r.path("read").asLong();
      written += r.path("written").asLong();
      late += r.path("counts").path("late").asLong();
      r.path("quarantined_by_reason")
          .fields()
          .forEachRemaining(e -> reasons.merge(e.getKey(), e.getValue().asLong(), Long::sum));
    }
    long goldEvents = 0;
    long duplicates = 0;
    long crossDate = 0;
    long typedRows = 0;
    long typedQuarantined = 0;
    long rescued = 0;
    TableFamily typed = GoldEvents.DATASET.family().orElseThrow();
    for (LocalDate d = firstDate; !d.isAfter(lastDate); d = d.plusDays(1)) {
      JsonNode r =
          require(Reports.read(lake, GoldEvents.DATASET, GoldEvents.DATASET.dateUnit(d).name()), d);
      goldEvents += r.path("written").asLong();
      duplicates += r.path("duplicates_removed").asLong();
      typedRows += r.path("counts").path(typed.writtenCounter()).asLong();
      Iterator<Map.Entry<String, JsonNode>> typedCounts = r.path("counts").fields();
      while (typedCounts.hasNext()) {
        Map.Entry<String, JsonNode> c = typedCounts.next();
        if (c.getKey().startsWith(typed.quarantinedCounter(""))) {
          typedQuarantined += c.getValue().asLong();
        } else if (c.getKey().startsWith(WriteGoldEventFiles.RESCUED)) {
          rescued += c.getValue().asLong();
        }
      }
      String ownDate = DeduplicateEvents.DUPLICATE_OF + "." + d;
      Iterator<Map.Entry<String, JsonNode>> counts = r.path("counts").fields();
      while (counts.hasNext()) {
        Map.Entry<String, JsonNode> c = counts.next();
        if (c.getKey().startsWith(DeduplicateEvents.DUPLICATE_OF + ".")
            && !c.getKey().equals(ownDate)) {
          crossDate += c.getValue().asLong();
        }
      }
    }
    OptionalLong goldUuids = distinctGoldUuids(lake, catalog);
    long quarantined = reasons.values().stream().mapToLong(Long::longValue).sum();
    long uberRead = 0;
    long uberWritten = 0;
    long uberFiles = 0;
    Map<String, Long> uberReasons = new TreeMap<>();
    for (String name : UBER_SAMPLES) {
      JsonNode r =
          require(
              Reports.read(
                  lake, UberMovements.DATASET, UberMovements.DATASET.fileUnit(name).name()),
              name);
      uberFiles++;
      uberRead += r.path("read").asLong();
      uberWritten += r.path("written").asLong();
      r.path("quarantined_by_reason")
          .fields()
          .forEachRemaining(e -> uberReasons.merge(e.getKey(), e.getValue().asLong(), Long::sum));
    }
    long uberQuarantined = uberReasons.values().stream().mapToLong(Long::longValue).sum();
    boolean uberReconciles = uberRead == uberWritten + uberQuarantined;
    out.println();
    out.println("Lake at " + lake.root());
    out.printf(
        Locale.ROOT,
        "  bronze  %,12d records in %d arrival hours%n",
        produced.records,
        produced.recordsByArrivalHour.size());
    out.printf(
        Locale.ROOT,
        "  subjects%,12d events name a learner by user_id (%,d learners, the most active %s),"
            + " %,d a device by device_id%n",
        produced.validEventsWithUserId,
        produced.learners,
        busiestLearner,
        produced.validEventsWithDeviceId);
    out.printf(
        Locale.ROOT,
        "  silver  %,12d rows written, %,d quarantined %s, %,d late%n",
        written,
        quarantined,
        reasons,
        late);
    out.printf(
        Locale.ROOT,
        "  gold    %,12d distinct events, %,d duplicates removed (%,d of an event kept on an"
            + " earlier date)%n",
        goldEvents,
        duplicates,
        crossDate);
    boolean typedReconciles = goldEvents == typedRows + typedQuarantined;
    out.printf(
        Locale.ROOT,
        "  typed   %,12d rows in their event's typed table, %,d values rescued into _rescued%n",
        typedRows,
        rescued);
    out.printf(
        Locale.ROOT,
        "  check   silver read %,d = written %,d + quarantined %,d: %s%n",
        read,
        written,
        quarantined,
        read == written + quarantined ? "ok" : "MISMATCH");
    boolean matches =
        goldEvents == produced.validEvents
            && (goldUuids.isEmpty() || goldUuids.getAsLong() == goldEvents);
    out.printf(
        Locale.ROOT,
        "  check   gold rows %,d = distinct event_uuids in gold %s = producer's distinct valid"
            + " events %,d: %s%n",
        goldEvents,
        goldUuids.isPresent()
            ? String.format(Locale.ROOT, "%,d", goldUuids.getAsLong())
            : "(not counted: DuckDB reads local lakes only)",
        produced.validEvents,
        matches ? "ok" : "MISMATCH");
    out.printf(
        Locale.ROOT,
        "  check   typed rows %,d + quarantined from typed tables %,d = gold rows %,d: %s%n",
        typedRows,
        typedQuarantined,
        goldEvents,
        typedReconciles ? "ok" : "MISMATCH");
    out.printf(
        Locale.ROOT,
        "  uber    %,12d rows written from %d files, %,d quarantined %s%n",
        uberWritten,
        uberFiles,
        uberQuarantined,
        uberReasons);
    out.printf(
        Locale.ROOT,
        "  check   uber read %,d = written %,d + quarantined %,d: %s%n",
        uberRead,
        uberWritten,
        uberQuarantined,
        uberReconciles ? "ok" : "MISMATCH");
    out.println();
    out.println(
        "Apache Iceberg tables (format v2) in catalog "
            + (catalog.uri() != null
                ? catalog.uri()
                : catalog.kind().name().toLowerCase(Locale.ROOT))
            + ", namespace "
            + catalog.namespace()
            + ":");
    List<LakeTable> typedTables;
    try (LakeCatalog opened = LakeCatalog.open(catalog)) {
      typedTables = opened.members(typed);
    }
    for (LakeTable table : LakeTable.values()) {
      out.printf(Locale.ROOT, "  %-22s %s%n", table.tableName(), table.location(lake));
    }
    out.printf(
        Locale.ROOT,
        "  %-22s %s/<event name>: %d typed tables, one per event name (lake tables lists them)%n",
        typed.namePrefix() + "*",
        lake.resolve(typed.folder()),
        typedTables.size());
    printWrapped(typedTables.stream().map(LakeTable::tableName).toList(), out);
    List<String> quarantines = new ArrayList<>();
    Dataset.values().forEach(d -> d.quarantine().ifPresent(q -> quarantines.add(lake.resolve(q))));
    out.println(
        "Quarantine: "
            + String.join(", ", quarantines)
            + "   Reports: "
            + lake.resolve(LakeLayout.REPORTS));
    if (lake.isLocal() && typedTables.contains(typed.member(EXAMPLE_TABLE))) {
      out.println();
      out.println("A typed table, its payload members as columns:");
      out.println("  lake query \"" + EXAMPLE_QUERY + "\"");
      try (Connection db = Query.open(lake, catalog, AsOf.current())) {
        Query.execute(db, EXAMPLE_QUERY, Results.Format.TABLE, 60, out);
      }
    }
    if (!matches || read != written + quarantined || !uberReconciles || !typedReconciles) {
      throw new IllegalStateException(
          "the lake does not reconcile with what was produced; see the reports");
    }
  }

  /** A typed table of the demo's events whose payload has a score. */
  static final String EXAMPLE_TABLE = "gold_evt_quiz_viewed";

  static final String EXAMPLE_QUERY =
      "select date, count(*) as events, round(avg(score), 2) as avg_score from "
          + EXAMPLE_TABLE
          + " group by 1 order by 1";

  /** {@code names}, comma-separated, on lines of at most 100 characters. */
  private static void printWrapped(List<String> names, PrintStream out) {
    StringBuilder line = new StringBuilder("   ");
    for (String name : names) {
      if (line.length() + name.length() + 2 > 100) {
        out.println(line);
        line = new StringBuilder("   ");
      }
      line.append(' ').append(name).append(',');
    }
    if (line.length() > 3) {
      out.println(line.substring(0, line.length() - 1));
    }
  }

  /** The distinct {@code event_uuid}s in all of {@code gold/events}, read by DuckDB; local only. */
  private static OptionalLong distinctGoldUuids(LakeLayout lake, CatalogSettings catalog)
      throws SQLException, IOException {
    if (!lake.isLocal()) {
      return OptionalLong.empty();
    }
    try (Connection db = Query.open(lake, catalog, AsOf.current());
        Statement s = db.createStatement();
        ResultSet rs = s.executeQuery("SELECT count(DISTINCT event_uuid) FROM gold_events")) {
      rs.next();
      return OptionalLong.of(rs.getLong(1));
    }
  }

  private static JsonNode require(java.util.Optional<JsonNode> report, Object what) {
    return report.orElseThrow(() -> new IllegalStateException("no report for " + what));
  }
}
