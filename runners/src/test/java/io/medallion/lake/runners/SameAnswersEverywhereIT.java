package io.medallion.lake.runners;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Nothing the lake computes, stores or prints depends on the machine's time zone or locale: the
 * same promotions and queries, run from {@code lake.jar} in JVMs set to UTC, to New York time, to
 * Berlin time with a German locale and to Istanbul time with a Turkish locale (the {@code TZ} of
 * each child too, which DuckDB reads), print the same bytes and write the same reports and
 * quarantine; and {@code lake history} and {@code lake query --as-of} over one lake print the same
 * bytes in each of them.
 *
 * <p>The input holds 1,500 produced events (so counts have thousands to group), arriving over the
 * hours 04 to 06 of 2026-11-01, the night New York's clocks go back (01:29 local is 05:29Z and
 * 06:29Z), events created in the hour Berlin's clocks went back (2026-10-25) and at wall times the
 * US and European clocks skipped (02:30 on 2026-03-08 and 2026-03-29), and files silver skips.
 */
class SameAnswersEverywhereIT {
  private static final Path MODULE = Path.of("").toAbsolutePath();
  private static final Path JAR = MODULE.resolve("target/lake.jar");
  private static final Duration TIMEOUT = Duration.ofMinutes(5);

  /** A machine's settings: the JVM's and the process's time zone, and the JVM's locale. */
  record Machine(String name, String zone, String language, String country) {
    List<String> command(String... args) {
      List<String> command = ChildProcess.java();
      command.add("-Duser.timezone=" + zone);
      command.add("-Duser.language=" + language);
      command.add("-Duser.country=" + country);
      command.add("-jar");
      command.add(JAR.toString());
      command.addAll(List.of(args));
      return command;
    }
  }

  private static final Machine UTC = new Machine("utc", "UTC", "en", "US");
  private static final List<Machine> OTHERS =
      List.of(
          new Machine("new-york", "America/New_York", "en", "US"),
          new Machine("berlin", "Europe/Berlin", "de", "DE"),
          new Machine("turkish", "Europe/Istanbul", "tr", "TR"));

  /** The issue's example: two events created in the hour New York's clocks go back. */
  private static final String DST_EXAMPLE =
      "select event_uuid, created_at, created_datetime from silver_events where event_uuid like"
          + " 'd-%' order by 1";

  private static final List<String[]> QUERIES =
      List.of(
          new String[] {DST_EXAMPLE, "csv"},
          new String[] {
            "select event_uuid, epoch_us(created_at) as us, created_at, created_at::timestamp as"
                + " wall, created_at::date as day, dt, hour from silver_events where event_type ="
                + " 'dst' order by 1",
            "json"
          },
          new String[] {
            "select date, event_type, event_subtype, event_count, first_created_at,"
                + " last_created_at from gold_event_stats where event_type = 'dst' order by all",
            "table"
          },
          new String[] {
            "select dt, hour, count(*) as n, min(created_at) as first, max(created_at) as last"
                + " from silver_events group by all order by all",
            "csv"
          },
          new String[] {
            "select date, sum(event_count) as events, sum(duplicates_removed) as duplicates,"
                + " list(last_created_at order by last_created_at desc)[1:2] as latest"
                + " from gold_event_stats group by 1 order by 1",
            "csv"
          });

  @TempDir static Path temp;

  /** What each machine printed and wrote for its own lake, normalised only for its path. */
  private static final Map<Machine, String> TRANSCRIPTS = new LinkedHashMap<>();

  @BeforeAll
  static void everyMachinePromotesAndQueriesItsOwnLake() throws Exception {
    assertThat(JAR).as("run mvn package first: the test starts lake.jar").exists();
    TRANSCRIPTS.putAll(onEveryMachine(SameAnswersEverywhereIT::transcript));
  }

  /** What one machine does, in its own JVMs. */
  @FunctionalInterface
  private interface MachineWork<T> {
    T on(Machine machine) throws Exception;
  }

  /**
   * {@code work} on every machine, UTC first, two machines at a time (each its own processes and
   * lake, this build machine two cores); the results in that order. A machine's failure is rethrown
   * as it was.
   */
  private static <T> Map<Machine, T> onEveryMachine(MachineWork<T> work) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      Map<Machine, Future<T>> running = new LinkedHashMap<>();
      for (Machine machine : Stream.concat(Stream.of(UTC), OTHERS.stream()).toList()) {
        running.put(machine, pool.submit(() -> work.on(machine)));
      }
      Map<Machine, T> results = new LinkedHashMap<>();
      for (Map.Entry<Machine, Future<T>> machine : running.entrySet()) {
        try {
          results.put(machine.getKey(), machine.getValue().get());
        } catch (ExecutionException e) {
          if (e.getCause() instanceof Error error) {
            throw error;
          }
          throw (Exception) e.getCause();
        }
      }
      return results;
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void theIssuesExampleUnderNewYorkTimePrintsEachEventAtItsOwnInstant() {
    String newYork = TRANSCRIPTS.get(OTHERS.get(0));

    assertThat(newYork)
        .contains(
            "$ query --format=csv "
                + DST_EXAMPLE
                + "\n"
                + "event_uuid,created_at,created_datetime\n"
                + "d-1,2026-11-01T05:29:00Z,2026-11-01T05:29:00Z\n"
                + "d-2,2026-11-01T06:29:00Z,2026-11-01T06:29:00Z\n");
    assertThat(newYork)
        .contains("\"event_uuid\":\"d-1\",\"us\":1793510940000000,")
        .contains("\"event_uuid\":\"d-2\",\"us\":1793514540000000,");
    assertThat(newYork)
        .containsPattern(
            "2026-11-01 \\| dst +\\| fold +\\| +2 \\| 2026-11-01T05:29:00Z +\\|"
                + " 2026-11-01T06:29:00Z");
  }

  @Test
  void promotionsReportsAndQueriesAreTheSameBytesOnEveryMachine() {
    String utc = TRANSCRIPTS.get(UTC);
    // Counts have thousands in them (so a locale's grouping would show), and skipped files a line.
    assertThat(utc).contains("Produced 1,5").contains("  not read: 4 file(s) of ");

    for (Machine machine : OTHERS) {
      assertThat(TRANSCRIPTS.get(machine)).as(machine.name()).isEqualTo(utc);
    }
  }

  @Test
  void historyAndTimeTravelOverOneLakeAreTheSameBytesOnEveryMachine() throws Exception {
    Path lake = temp.resolve(UTC.name() + "/lake");
    String history = lake(UTC, lake, "history", "silver_events", "--format=csv");
    // The first snapshot, by id and by its commit time without offset (UTC, as --as-of reads it).
    String[] first = history.lines().skip(1).findFirst().orElseThrow().split(",");
    String sql = "select count(*) as n, max(created_at) as last from silver_events";
    String now = lake(UTC, lake, "query", "--format=csv", sql);
    List<String[]> commands =
        List.of(
            new String[] {"history", "silver_events", "--format=csv"},
            new String[] {"history", "gold_event_stats"},
            new String[] {"query", "--as-of=" + first[0], "--format=csv", sql},
            new String[] {"query", "--as-of=" + first[1].replace("Z", ""), "--format=csv", sql});

    Map<Machine, List<String>> printed =
        onEveryMachine(
            machine -> {
              List<String> outputs = new ArrayList<>();
              for (String[] command : commands) {
                outputs.add(lake(machine, lake, command));
              }
              return outputs;
            });

    List<String> utc = printed.get(UTC);
    assertThat(utc.get(0)).isEqualTo(history).contains(first[0] + ",");
    // The first snapshot by its id and by its time: hour 04 alone, less than the whole table.
    assertThat(utc.get(3)).isEqualTo(utc.get(2)).isNotEqualTo(now);
    for (Machine machine : OTHERS) {
      assertThat(printed.get(machine)).as(machine.name()).isEqualTo(utc);
    }
  }

  /** Builds {@code machine}'s lake with its own JVMs; returns what they printed and wrote. */
  private static String transcript(Machine machine) throws Exception {
    Path lake = temp.resolve(machine.name() + "/lake");
    StringBuilder out = new StringBuilder();
    List<String[]> runs =
        List.of(
            new String[] {
              "produce", "--events=1500", "--hours=3", "--start=2026-11-01T04", "--seed=7"
            },
            new String[] {"silver", "--from=2026-11-01T04", "--to=2026-11-01T06"},
            new String[] {"gold", "--from=2026-10-25", "--to=2026-11-01"});
    for (String[] run : runs) {
      if (run[0].equals("silver")) {
        writeBronze(lake);
      }
      out.append("$ ").append(String.join(" ", run)).append('\n');
      out.append(lake(machine, lake, run));
    }
    for (String[] query : QUERIES) {
      out.append("$ query --format=").append(query[1]).append(' ').append(query[0]).append('\n');
      out.append(lake(machine, lake, "query", "--format=" + query[1], query[0]));
    }
    out.append(stored(lake));
    return out.toString().replace(lake.toString(), "<lake>");
  }

  /**
   * The events of the hours the clocks go back or skip, in hour 06; and, in hour 05, files silver
   * skips: in flight, hidden, in a sub-folder, a marker.
   */
  private static void writeBronze(Path lake) throws IOException {
    Path six = Files.createDirectories(lake.resolve("bronze/events/2026/11/01/06"));
    Files.writeString(
        six.resolve("dst.jsonl"),
        event("d-1", "dst:fold", "2026-11-01T05:29:00Z")
            + event("d-2", "dst:fold", "2026-11-01T06:29:00Z")
            + event("b-1", "dst:fold", "2026-10-25T00:30:00Z")
            + event("b-2", "dst:fold", "2026-10-25T01:30:00Z")
            + event("g-1", "dst:gap", "2026-03-08T02:30:00Z")
            + event("g-2", "dst:gap", "2026-03-29T02:30:00Z"),
        StandardCharsets.UTF_8);
    Path five = lake.resolve("bronze/events/2026/11/01/05");
    Files.createDirectories(five.resolve("nested"));
    String skipped = event("s-1", "skip:me", "2026-11-01T05:00:00Z");
    for (String name : List.of("_inflight.jsonl", ".hidden.jsonl", "nested/x.jsonl")) {
      Files.writeString(five.resolve(name), skipped, StandardCharsets.UTF_8);
    }
    Files.createFile(five.resolve("_SUCCESS"));
  }

  private static String event(String uuid, String name, String createdAt) {
    return "{\"event_uuid\":\""
        + uuid
        + "\",\"event_name\":\""
        + name
        + "\",\"created_at\":"
        + Instant.parse(createdAt).getEpochSecond()
        + "}\n";
  }

  /**
   * The reports and quarantine {@code lake} holds, each file's path then its content: reports
   * without what differs by run (commit time, snapshot ids), quarantine lines sorted (a runner
   * writes them in any order), and each run id as {@code <run>}.
   */
  private static String stored(Path lake) throws IOException {
    ObjectMapper json = new ObjectMapper();
    List<Path> files;
    try (Stream<Path> walk =
        Stream.concat(
            Files.walk(lake.resolve("_reports")), Files.walk(lake.resolve("quarantine")))) {
      files = walk.filter(Files::isRegularFile).sorted().toList();
    }
    StringBuilder out = new StringBuilder();
    List<String> runIds = new ArrayList<>();
    for (Path file : files) {
      out.append("== ").append(lake.relativize(file)).append('\n');
      if (file.toString().endsWith(".json")) {
        JsonNode report = json.readTree(file.toFile());
        if (report.hasNonNull("run_id")) {
          runIds.add(report.path("run_id").asText());
        }
        if (report instanceof ObjectNode o) {
          o.remove(List.of("committed_at", "snapshots"));
        }
        out.append(report.toPrettyString()).append('\n');
      } else {
        Files.readAllLines(file, StandardCharsets.UTF_8).stream()
            .sorted()
            .forEach(line -> out.append(line).append('\n'));
      }
    }
    String stored = out.toString();
    for (String runId : runIds) {
      stored = stored.replace(runId, "<run>");
    }
    return stored;
  }

  /** Runs {@code lake <args> --lake=<lake>} on {@code machine}; returns its stdout. */
  private static String lake(Machine machine, Path lake, String... args) throws Exception {
    List<String> all = new ArrayList<>(List.of(args));
    all.add(1, "--lake=" + lake);
    ChildProcess run =
        ChildProcess.runApart(
            machine.command(all.toArray(String[]::new)),
            Map.of("TZ", machine.zone()),
            MODULE,
            temp.resolve("logs"),
            TIMEOUT);
    assertThat(run.exit()).as(machine.name() + " lake " + all + "\n" + run.tail()).isZero();
    return run.output();
  }
}
