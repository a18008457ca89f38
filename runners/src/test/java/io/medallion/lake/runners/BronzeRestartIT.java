package io.medallion.lake.runners;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.medallion.lake.pipelines.GoldEvents;
import io.medallion.lake.pipelines.SilverEvents;
import io.medallion.lake.producer.EventGenerator;
import io.medallion.lake.table.LakeTable;
import io.medallion.lake.testing.DuckDb;
import io.medallion.lake.testing.LakeTables;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.DisabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.kinesis.KinesisClient;
import software.amazon.awssdk.services.kinesis.model.PutRecordsRequestEntry;
import software.amazon.awssdk.services.kinesis.model.PutRecordsResponse;
import software.amazon.awssdk.services.kinesis.model.StreamStatus;

/**
 * Bronze on Flink keeps its promise across faults and restarts: every record put is in bronze at
 * least once (multiset containment, byte for byte). Starts kinesis-local and S3Proxy (the real
 * emulators, {@code src/scripts/local-aws.sh}) on free ports, puts the generator's records
 * (duplicates and malformed records included) into Kinesis, and runs {@code lake.jar bronze}:
 *
 * <ul>
 *   <li>Issue 4, on the local Flink session cluster ({@code src/scripts/flink-cluster.sh}): records
 *       put before, during, between and after a stop with a savepoint and a resume from it ({@code
 *       --savepointPath}); the resumed job continues from the savepoint's Kinesis positions
 *       (nothing written before the stop is read again, apache/beam#31313, see {@code
 *       BronzeEvents}), and silver and gold (DirectRunner) over that bronze hold every valid event
 *       exactly once.
 *   <li>Issue 24, embedded, as {@code make bronze} runs it: S3Proxy stopped for 30 s mid-stream
 *       (the JVM rides it out with the launcher's defaults alone); a {@code kill -9} and a plain
 *       restart of the same command (it resumes from its last retained checkpoint); Ctrl-C (SIGINT)
 *       and SIGTERM (the JVM stops within seconds, the job cancelled, and a restart resumes from
 *       the checkpoint it kept).
 * </ul>
 *
 * <p>Runs in {@code mvn verify} (about 6 minutes here); {@code -Drestart.it=false} skips it. Alone:
 *
 * <pre>{@code
 * mvn -B -pl runners -am verify -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false \
 *     -Dit.test=BronzeRestartIT -Dfailsafe.failIfNoSpecifiedTests=false
 * }</pre>
 */
@DisabledIfSystemProperty(named = "restart.it", matches = "false")
class BronzeRestartIT {
  private static final Path MODULE = Path.of("").toAbsolutePath();
  private static final Path ROOT = MODULE.getParent();
  private static final Path JAR = MODULE.resolve("target/lake.jar");
  private static final Path FLINK = ROOT.resolve("src/scripts/flink-cluster.sh");
  private static final Path AWS = ROOT.resolve("src/scripts/local-aws.sh");
  private static final Path S3PROXY = ROOT.resolve("pipelines/target/emulators/s3proxy.jar");
  private static final Path CLUSTER = MODULE.resolve("target/flink-restart-it-cluster");
  private static final String STREAM = "events";
  private static final String BRONZE = "bronze/events";
  private static final String ACCESS_KEY = "lake-local";
  private static final String SECRET_KEY = "lake-local-secret";
  private static final Pattern BRONZE_FILE =
      Pattern.compile("events-\\d{4}-\\d{2}-\\d{2}-\\d{2}-.+\\.jsonl");
  private static final Duration WAIT = Duration.ofMinutes(3);
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir static Path work;
  static Path lake;
  static int restPort;
  static int rpcPort;
  static int kinesisPort;
  static int s3Port;
  static boolean clusterUp;
  static final List<Process> launchers = new ArrayList<>();
  static final Map<Process, Path> logs = new HashMap<>();
  static final HttpClient http = HttpClient.newHttpClient();

  @BeforeAll
  static void start() throws Exception {
    assertThat(JAR).as("run after `package`: the bundled jar").exists();
    restPort = freePort();
    rpcPort = freePort();
    kinesisPort = freePort();
    s3Port = freePort();
    lake = work.resolve("lake");
    assertThat(script(AWS, Duration.ofMinutes(10), "start")).as("local-aws.sh start").isZero();
  }

  @AfterAll
  static void stop() throws Exception {
    for (Process launcher : launchers) {
      launcher.destroy();
      if (!launcher.waitFor(20, TimeUnit.SECONDS)) {
        launcher.destroyForcibly();
      }
    }
    try {
      if (clusterUp) {
        script(FLINK, Duration.ofMinutes(2), "down");
      }
    } finally {
      script(AWS, Duration.ofMinutes(2), "stop");
    }
  }

  @Test
  void everyRecordPutIsInBronzeAtLeastOnceAndInGoldExactlyOnce() throws Exception {
    long started = System.nanoTime();
    assertThat(script(FLINK, Duration.ofMinutes(10), "up")).as("flink-cluster.sh up").isZero();
    clusterUp = true;
    // The producer's records: duplicates (as Kinesis retries send them) and malformed ones.
    Instant clock = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    List<byte[]> put = new ArrayList<>();
    EventGenerator.Summary produced =
        new EventGenerator(new EventGenerator.Settings(4000, clock, 1, 0.05, 0.01, 0.02, 50, 4))
            .generate(r -> put.add(r.bytes()));
    int n = put.size();
    List<byte[]> before = put.subList(0, n / 4);
    List<byte[]> during = put.subList(n / 4, n / 2);
    List<byte[]> whileDown = put.subList(n / 2, 3 * n / 4);
    List<byte[]> after = put.subList(3 * n / 4, n);
    Instant firstArrival = Instant.now();

    Map<String, Integer> beforeStop = new TreeMap<>();
    StringBuilder firstRun = new StringBuilder();
    try (KinesisClient kinesis = kinesis()) {
      putAll(kinesis, before, 0);
      String first = submitBronze(null);
      Process firstLauncher = launchers.get(launchers.size() - 1);
      log("bronze job " + first + " running; " + before.size() + " records put before it");
      await("a completed checkpoint of " + first, () -> checkpoints(first) >= 1);
      await("bronze files of the first run", () -> bronzeLines().size() > 0);

      // Mid-stream: the producer is still putting when the job stops with a savepoint.
      Thread producer =
          new Thread(
              () -> {
                try (KinesisClient k = kinesis()) {
                  putAll(k, during, 20);
                } catch (Exception e) {
                  throw new IllegalStateException(e);
                }
              });
      producer.start();
      Thread.sleep(1500);
      // Files finished before the stop: their records were read before the savepoint.
      beforeStop.putAll(multiset(bronzeLines(run -> true)));
      firstRun.append(runIds().iterator().next());
      String savepoint = stopWithSavepoint(first);
      log("stopped " + first + " with savepoint " + savepoint + " mid-stream");
      producer.join(WAIT.toMillis());
      assertThat(producer.isAlive()).isFalse();
      waitForExit(firstLauncher);

      putAll(kinesis, whileDown, 0);
      String second = submitBronze(savepoint);
      JsonNode restored = get("/jobs/" + second + "/checkpoints").path("latest").path("restored");
      log("bronze job " + second + " resumed from " + restored);
      assertThat(restored.path("is_savepoint").asBoolean()).as(restored.toString()).isTrue();
      assertThat(restored.path("external_path").asText()).isEqualTo(savepoint);
      putAll(kinesis, after, 5);

      Map<String, Integer> wanted = multiset(put);
      await("every record put in bronze", () -> missing(wanted, multiset(bronzeLines())).isEmpty());
      await("a completed checkpoint of " + second, () -> checkpoints(second) >= 1);
      cancel(second);
    }
    Instant lastArrival = Instant.now();

    List<byte[]> landed = bronzeLines();
    Map<String, Integer> putCounts = multiset(put);
    Map<String, Integer> landedCounts = multiset(landed);
    assertThat(missing(putCounts, landedCounts)).as("records put but not in bronze").isEmpty();
    assertThat(putCounts.keySet()).as("bronze lines never put").containsAll(landedCounts.keySet());
    // The resumed job continues from the savepoint's Kinesis positions: it may write again what
    // the first job buffered, never what the first job had written before the stop.
    Map<String, Integer> resumed = multiset(bronzeLines(run -> !run.equals(firstRun.toString())));
    Map<String, Integer> reread = new TreeMap<>();
    resumed.forEach(
        (record, count) -> {
          int over = count + beforeStop.getOrDefault(record, 0) - putCounts.get(record);
          if (over > 0) {
            reread.put(record, over);
          }
        });
    log(
        reread.values().stream().mapToInt(Integer::intValue).sum()
            + " records written before the stop were read again by the resumed job");
    assertThat(reread).as("records written before the stop and read again after it").isEmpty();
    long writtenTwice = landed.size() - put.size();
    log("lines per bronze file prefix (run id): " + linesPerRun(lake.resolve(BRONZE)));
    log(
        String.format(
            "bronze: %d records put (%d duplicates, %d malformed), %d lines landed,"
                + " %d written more than once by the restart",
            put.size(),
            produced.duplicateRecords,
            produced.malformedRecords,
            landed.size(),
            writtenTwice));

    // Silver and gold over that bronze (DirectRunner): every valid event exactly once.
    DateTimeFormatter hour =
        DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH").withZone(ZoneOffset.UTC);
    PipelineResult.State silver =
        SilverEvents.run(
                PipelineOptionsFactory.fromArgs(
                        "--lake=" + lake,
                        "--from=" + hour.format(firstArrival),
                        "--to=" + hour.format(lastArrival))
                    .as(SilverEvents.Options.class))
            .waitUntilFinish();
    assertThat(silver).isEqualTo(PipelineResult.State.DONE);
    PipelineResult.State gold =
        GoldEvents.run(
                PipelineOptionsFactory.fromArgs(
                        "--lake=" + lake,
                        "--from="
                            + clock
                                .minus(Duration.ofHours(4))
                                .atOffset(ZoneOffset.UTC)
                                .toLocalDate(),
                        "--to="
                            + clock
                                .plus(Duration.ofHours(2))
                                .atOffset(ZoneOffset.UTC)
                                .toLocalDate())
                    .as(GoldEvents.Options.class))
            .waitUntilFinish();
    assertThat(gold).isEqualTo(PipelineResult.State.DONE);

    String events = LakeTables.duckDb(lake, LakeTable.GOLD_EVENTS);
    assertThat(DuckDb.count("SELECT count(*) FROM " + events))
        .as("gold rows")
        .isEqualTo(produced.validEvents);
    assertThat(DuckDb.count("SELECT count(DISTINCT event_uuid) FROM " + events))
        .as("distinct events in gold")
        .isEqualTo(produced.validEvents);
    Set<String> putUuids = new HashSet<>();
    for (byte[] record : put) {
      try {
        JsonNode node = JSON.readTree(record);
        if (node != null && node.hasNonNull("event_uuid")) {
          putUuids.add(node.get("event_uuid").asText());
        }
      } catch (IOException malformed) {
        // not JSON: quarantined by silver
      }
    }
    for (Map<String, Object> row : DuckDb.query("SELECT event_uuid FROM " + events)) {
      assertThat(putUuids).contains(String.valueOf(row.get("event_uuid")));
    }
    log(
        String.format(
            "gold: %d events, each once; the test took %d s",
            produced.validEvents, TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started)));
  }

  /**
   * Issue 24: bronze run as {@code make bronze} runs it (embedded Flink, an S3 lake, a state
   * folder, and none of Flink's options: only the launcher's defaults) rides out S3Proxy stopped
   * for 30 s while the producer puts about 100 records/s, after a checkpoint completed.
   */
  @Test
  void anS3OutageOf30SecondsMidStreamCostsADelayNotTheJob() throws Exception {
    String stream = createStream("outage");
    Path bronze = work.resolve("aws/s3/lake/outage").resolve(BRONZE);
    Path state = work.resolve("outage-state");
    Process launcher =
        launchEmbedded(
            stream,
            List.of(),
            "--lake=s3://lake/outage",
            "--s3Endpoint=http://127.0.0.1:" + s3Port,
            "--stateDir=" + state);
    Producer producer = new Producer(stream, records(15_000, 24), 1000);
    boolean s3Down = false;
    try {
      await("a completed checkpoint", () -> completedCheckpoints(state) >= 1);
      Instant down = Instant.now();
      assertThat(script(AWS, Duration.ofMinutes(1), "stop", "s3")).as("stop S3Proxy").isZero();
      s3Down = true;
      Thread.sleep(30_000);
      assertThat(script(AWS, Duration.ofMinutes(2), "start")).as("start S3Proxy").isZero();
      s3Down = false;
      log("S3Proxy was down " + Duration.between(down, Instant.now()).toSeconds() + " s");
      Thread.sleep(15_000);
    } finally {
      producer.stop();
      if (s3Down) {
        script(AWS, Duration.ofMinutes(2), "start");
      }
    }
    List<byte[]> put = producer.put();

    Map<String, Integer> wanted = multiset(put);
    await(
        "every record put in bronze",
        () -> missing(wanted, multiset(bronzeLines(bronze, r -> true))).isEmpty());
    assertThat(launcher.isAlive()).as("the bronze JVM after the outage").isTrue();
    String output = Files.readString(logOf(launcher));
    assertThat(output)
        .as("the outage reached the job")
        .contains("Connect to http://127.0.0.1:" + s3Port);
    assertThat(output).doesNotContain("checkpointing is disabled");
    List<byte[]> landed = bronzeLines(bronze, r -> true);
    assertThat(wanted.keySet()).as("bronze lines never put").containsAll(multiset(landed).keySet());
    log(
        String.format(
            "S3 outage: %d records put, %d lines in bronze (%d written more than once)",
            put.size(), landed.size(), landed.size() - put.size()));
    assertThat(stop(launcher, "TERM")).isEqualTo(143);
  }

  /**
   * Issue 24: after a {@code kill -9}, the same command started again resumes from the last
   * checkpoint it kept in the lake's {@code _state/bronze}: nothing put while it was down is
   * missing, and nothing written well before the kill is read again.
   */
  @Test
  void aPlainRestartAfterKill9ResumesFromTheLastCheckpointAndLosesNothing() throws Exception {
    String stream = createStream("restart");
    Path lakeRoot = work.resolve("restart-lake");
    Path bronze = lakeRoot.resolve(BRONZE);
    Path checkpoints = lakeRoot.resolve("_state/bronze/checkpoints");
    List<byte[]> put = records(3000, 9);
    int n = put.size();
    List<byte[]> before = put.subList(0, n / 4);
    List<byte[]> during = put.subList(n / 4, n / 2);
    List<byte[]> whileDown = put.subList(n / 2, 3 * n / 4);
    List<byte[]> after = put.subList(3 * n / 4, n);
    String[] args = {"--lake=" + lakeRoot, "--checkpointingInterval=5000"};

    try (KinesisClient kinesis = kinesis()) {
      putAll(kinesis, stream, before, 0);
      Process first = launchEmbedded(stream, List.of(), args);
      awaitCheckpointAfter(lakeRoot, bronze, before);
      String firstRun = onlyRun(bronze);
      Producer producer = new Producer(stream, during, 250);
      Thread.sleep(2000);
      first.destroyForcibly();
      assertThat(first.waitFor(30, TimeUnit.SECONDS)).as("killed").isTrue();
      log("killed the first bronze JVM (kill -9), exit " + first.exitValue());
      producer.join();
      putAll(kinesis, stream, whileDown, 0);

      Process second = launchEmbedded(stream, List.of(), args);
      await(
          "the second launch to say where it resumes from",
          () -> read(logOf(second)).contains("bronze: resuming from checkpoint " + checkpoints));
      putAll(kinesis, stream, after, 5);
      Map<String, Integer> wanted = multiset(put);
      await(
          "every record put in bronze",
          () -> missing(wanted, multiset(bronzeLines(bronze, r -> true))).isEmpty());

      assertNothingBeforeTheCheckpointReadAgain(bronze, firstRun, put, before);
      List<byte[]> landed = bronzeLines(bronze, r -> true);
      log(
          String.format(
              "kill -9: %d records put, %d lines in bronze (%d written more than once); per run %s",
              n, landed.size(), landed.size() - n, linesPerRun(bronze)));
      assertThat(stop(second, "TERM")).isEqualTo(143);
    }
  }

  /**
   * Issue 24: Ctrl-C (SIGINT to a JVM started as from a terminal) stops bronze within seconds,
   * cancelling the job and keeping its last checkpoint; the same command started again resumes from
   * it with nothing lost. Started the way a script's {@code make bronze &} starts it (SIGINT
   * ignored, as POSIX shells do for background jobs), bronze says so at start, and SIGTERM stops it
   * the same way.
   */
  @Test
  void ctrlCStopsBronzeWithinSecondsAndItsRestartLosesNothing() throws Exception {
    String stream = createStream("interrupt");
    Path lakeRoot = work.resolve("interrupt-lake");
    Path bronze = lakeRoot.resolve(BRONZE);
    Path checkpoints = lakeRoot.resolve("_state/bronze/checkpoints");
    List<byte[]> put = records(3000, 11);
    int n = put.size();
    List<byte[]> before = put.subList(0, n / 4);
    List<byte[]> during = put.subList(n / 4, n / 2);
    List<byte[]> whileDown = put.subList(n / 2, 3 * n / 4);
    List<byte[]> after = put.subList(3 * n / 4, n);
    String[] args = {"--lake=" + lakeRoot, "--checkpointingInterval=5000"};

    try (KinesisClient kinesis = kinesis()) {
      putAll(kinesis, stream, before, 0);
      // As from a terminal: SIGINT at its default, whatever this JVM was started with.
      List<String> terminal =
          CancelOnShutdown.interruptIgnored() ? List.of("env", "--default-signal=INT") : List.of();
      Process first = launchEmbedded(stream, terminal, args);
      awaitCheckpointAfter(lakeRoot, bronze, before);
      String firstRun = onlyRun(bronze);
      Producer producer = new Producer(stream, during, 250);
      Thread.sleep(2000);
      long stopping = System.nanoTime();
      int status = stop(first, "INT");
      long stopMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - stopping);
      log("Ctrl-C: the bronze JVM exited " + stopMillis + " ms after SIGINT, status " + status);
      assertThat(status).as("exit status after SIGINT").isEqualTo(130);
      assertThat(stopMillis).as("ms from SIGINT to exit").isLessThan(10_000);
      assertThat(read(logOf(first)))
          .contains("stopping: cancelling Flink job", "lake bronze: stopped")
          .doesNotContain("lake bronze: failed");
      assertThat(completedCheckpoints(lakeRoot.resolve("_state/bronze")))
          .as("the checkpoint kept when the job was cancelled")
          .isPositive();
      producer.join();
      putAll(kinesis, stream, whileDown, 0);

      Process second = launchEmbedded(stream, List.of("env", "--ignore-signal=INT"), args);
      await(
          "the second launch to say where it resumes from",
          () -> read(logOf(second)).contains("bronze: resuming from checkpoint " + checkpoints));
      assertThat(read(logOf(second)))
          .contains("this process ignores SIGINT", "kill -TERM " + second.pid());
      putAll(kinesis, stream, after, 5);
      Map<String, Integer> wanted = multiset(put);
      await(
          "every record put in bronze",
          () -> missing(wanted, multiset(bronzeLines(bronze, r -> true))).isEmpty());
      assertNothingBeforeTheCheckpointReadAgain(bronze, firstRun, put, before);

      signal(second, "INT");
      assertThat(second.waitFor(5, TimeUnit.SECONDS)).as("stopped by an ignored SIGINT").isFalse();
      long terminating = System.nanoTime();
      assertThat(stop(second, "TERM")).as("exit status after SIGTERM").isEqualTo(143);
      long termMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - terminating);
      log("SIGTERM: the bronze JVM exited " + termMillis + " ms after it");
      assertThat(termMillis).as("ms from SIGTERM to exit").isLessThan(10_000);
      List<byte[]> landed = bronzeLines(bronze, r -> true);
      log(
          String.format(
              "Ctrl-C: %d records put, %d lines in bronze (%d written more than once); per run %s",
              n, landed.size(), landed.size() - n, linesPerRun(bronze)));
    }
  }

  /**
   * The records of {@code before} were all in bronze before a checkpoint completed: a launch that
   * resumes from that checkpoint (any run but {@code firstRun}) writes only copies put after them.
   */
  private static void assertNothingBeforeTheCheckpointReadAgain(
      Path bronze, String firstRun, List<byte[]> put, List<byte[]> before) {
    Map<String, Integer> putCounts = multiset(put);
    Map<String, Integer> beforeCounts = multiset(before);
    Map<String, Integer> reread = new TreeMap<>();
    multiset(bronzeLines(bronze, run -> !run.equals(firstRun)))
        .forEach(
            (record, count) -> {
              int over =
                  count
                      - (putCounts.getOrDefault(record, 0) - beforeCounts.getOrDefault(record, 0));
              if (over > 0) {
                reread.put(record, over);
              }
            });
    assertThat(reread).as("records in bronze before the checkpoint, read again").isEmpty();
  }

  // --- bronze embedded ------------------------------------------------------------------------

  /**
   * Starts {@code lake.jar bronze} on embedded Flink in a child JVM, after {@code wrapper} (a
   * command that execs it), reading {@code stream}, with small files every 2 s.
   */
  private static Process launchEmbedded(String stream, List<String> wrapper, String... args)
      throws IOException {
    List<String> command = new ArrayList<>(wrapper);
    command.addAll(
        ChildProcess.java(
            "-Xmx1g",
            "-jar",
            JAR.toString(),
            "bronze",
            "--runner=FlinkRunner",
            "--stream=" + stream,
            "--kinesisEndpoint=http://127.0.0.1:" + kinesisPort,
            "--emulatorAccessKey=" + ACCESS_KEY,
            "--emulatorSecretKey=" + SECRET_KEY,
            "--bufferInterval=PT2S",
            "--bufferMaxRecords=300",
            "--progressInterval=PT5S"));
    command.addAll(List.of(args));
    Path log = work.resolve("bronze-" + launchers.size() + "-" + stream + ".log");
    Process launcher =
        new ProcessBuilder(command)
            .directory(ROOT.toFile())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    launchers.add(launcher);
    logs.put(launcher, log);
    log("bronze (embedded) pid " + launcher.pid() + " reading " + stream + ", log " + log);
    return launcher;
  }

  /**
   * Waits until every record of {@code before} is in bronze and then for a checkpoint completed
   * after that: its Kinesis positions are past all of them.
   */
  private static void awaitCheckpointAfter(Path lakeRoot, Path bronze, List<byte[]> before)
      throws InterruptedException {
    Map<String, Integer> wanted = multiset(before);
    await(
        "the records put before bronze started, in bronze",
        () -> missing(wanted, multiset(bronzeLines(bronze, r -> true))).isEmpty());
    long landed = System.currentTimeMillis();
    await(
        "a checkpoint completed after them",
        () -> newestCheckpointMillis(lakeRoot.resolve("_state/bronze")) > landed);
  }

  /** The one run id of the bronze files so far. */
  private static String onlyRun(Path bronze) throws IOException {
    Set<String> runs = linesPerRun(bronze).keySet();
    assertThat(runs).hasSize(1);
    return runs.iterator().next();
  }

  /**
   * Complete checkpoints (with their {@code _metadata}) in a state folder, written independently of
   * FlinkCheckpoints.
   */
  private static long completedCheckpoints(Path state) {
    return checkpointMetadata(state).count();
  }

  private static long newestCheckpointMillis(Path state) {
    return checkpointMetadata(state)
        .mapToLong(
            m -> {
              try {
                return Files.getLastModifiedTime(m).toMillis();
              } catch (IOException gone) {
                return 0;
              }
            })
        .max()
        .orElse(0);
  }

  /** {@code <state>/checkpoints/<job>/chk-N/_metadata}, listed now. */
  private static Stream<Path> checkpointMetadata(Path state) {
    Path checkpoints = state.resolve("checkpoints");
    if (!Files.isDirectory(checkpoints)) {
      return Stream.empty();
    }
    try (Stream<Path> files = Files.walk(checkpoints, 3)) {
      return files
          .filter(f -> f.getFileName().toString().equals("_metadata"))
          .filter(f -> f.getParent().getFileName().toString().startsWith("chk-"))
          .toList()
          .stream();
    } catch (IOException | java.io.UncheckedIOException e) {
      // a checkpoint Flink deleted while listing
      return Stream.empty();
    }
  }

  /** Sends {@code SIG<signal>} to the process, as {@code kill -<signal> <pid>} does. */
  private static void signal(Process process, String signal) throws Exception {
    Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid())).start();
    assertThat(kill.waitFor(10, TimeUnit.SECONDS) && kill.exitValue() == 0)
        .as("kill -" + signal + " " + process.pid())
        .isTrue();
  }

  /** Sends {@code SIG<signal>} and waits for the process to exit; returns its status. */
  private static int stop(Process process, String signal) throws Exception {
    signal(process, signal);
    if (!process.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS)) {
      throw new AssertionError(
          "bronze did not exit after SIG" + signal + ":\n" + tail(logOf(process)));
    }
    return process.exitValue();
  }

  private static Path logOf(Process launcher) {
    return logs.get(launcher);
  }

  private static String read(Path log) {
    try {
      return Files.readString(log);
    } catch (IOException e) {
      return "";
    }
  }

  /** The generator's records for {@code events} events (duplicates and malformed included). */
  private static List<byte[]> records(long events, long seed) {
    List<byte[]> records = new ArrayList<>();
    new EventGenerator(
            new EventGenerator.Settings(
                events,
                Instant.now().truncatedTo(ChronoUnit.SECONDS),
                1,
                0.05,
                0.01,
                0.02,
                50,
                seed))
        .generate(r -> records.add(r.bytes()));
    return records;
  }

  /** Creates a 4-shard stream and waits until it is active; returns its name. */
  private static String createStream(String name) throws InterruptedException {
    try (KinesisClient kinesis = kinesis()) {
      kinesis.createStream(b -> b.streamName(name).shardCount(4));
      await(
          "stream " + name + " to be active",
          () ->
              kinesis
                  .describeStreamSummary(b -> b.streamName(name))
                  .streamDescriptionSummary()
                  .streamStatus()
                  .equals(StreamStatus.ACTIVE));
    }
    return name;
  }

  /**
   * Puts records into a stream from a thread of its own, in batches of 100 with a pause between
   * them, until they are all put or it is stopped.
   */
  private static final class Producer {
    private final List<byte[]> put = new ArrayList<>();
    private final Thread thread;
    private volatile boolean stopped;
    private volatile Throwable failure;

    Producer(String stream, List<byte[]> records, long pauseMillis) {
      thread =
          new Thread(
              () -> {
                try (KinesisClient kinesis = kinesis()) {
                  for (int from = 0; from < records.size() && !stopped; from += 100) {
                    List<byte[]> batch =
                        records.subList(from, Math.min(records.size(), from + 100));
                    putAll(kinesis, stream, batch, pauseMillis);
                    synchronized (put) {
                      put.addAll(batch);
                    }
                  }
                } catch (Throwable e) {
                  failure = e;
                }
              },
              "producer-" + stream);
      thread.start();
    }

    void join() throws InterruptedException {
      thread.join(WAIT.toMillis());
      assertThat(thread.isAlive()).as("the producer still running").isFalse();
      assertThat(failure).as("the producer's failure").isNull();
    }

    void stop() throws InterruptedException {
      stopped = true;
      join();
    }

    List<byte[]> put() {
      synchronized (put) {
        return new ArrayList<>(put);
      }
    }
  }

  // --- bronze on the cluster ---------------------------------------------------------------

  /** Submits bronze with the launcher (attached, in the background); returns the new job's id. */
  private static String submitBronze(String savepoint) throws Exception {
    Set<String> known = jobIds();
    List<String> command =
        new ArrayList<>(
            ChildProcess.java(
                "-jar",
                JAR.toString(),
                "bronze",
                "--runner=FlinkRunner",
                "--flinkMaster=127.0.0.1:" + restPort,
                "--parallelism=1",
                "--streaming=true",
                "--checkpointingInterval=2000",
                "--lake=" + lake,
                "--stream=" + STREAM,
                "--kinesisEndpoint=http://127.0.0.1:" + kinesisPort,
                "--emulatorAccessKey=" + ACCESS_KEY,
                "--emulatorSecretKey=" + SECRET_KEY,
                "--initialPosition=TRIM_HORIZON",
                "--bufferInterval=PT2S",
                "--bufferMaxRecords=300",
                "--progressInterval=PT5S"));
    if (savepoint != null) {
      command.add("--savepointPath=" + savepoint);
    }
    Path log = work.resolve("bronze-" + launchers.size() + ".log");
    Process launcher =
        new ProcessBuilder(command)
            .directory(ROOT.toFile())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    launchers.add(launcher);
    String[] id = new String[1];
    await(
        "the bronze job to run (launcher log " + log + ")",
        () -> {
          if (!launcher.isAlive()) {
            throw new AssertionError("the launcher exited:\n" + tail(log));
          }
          for (JsonNode job : jobs()) {
            if (!known.contains(job.path("id").asText())
                && job.path("status").asText().equals("RUNNING")) {
              id[0] = job.path("id").asText();
              return true;
            }
          }
          return false;
        });
    return id[0];
  }

  /** {@code POST /jobs/<id>/stop}, then polls the savepoint; returns its location. */
  private static String stopWithSavepoint(String job) throws Exception {
    String body =
        JSON.writeValueAsString(
            Map.of(
                "targetDirectory",
                CLUSTER.resolve("savepoints").toUri().toString(),
                "drain",
                false));
    JsonNode trigger =
        JSON.readTree(
            http.send(
                    HttpRequest.newBuilder(rest("/jobs/" + job + "/stop"))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .build(),
                    HttpResponse.BodyHandlers.ofString())
                .body());
    String request = trigger.path("request-id").asText();
    assertThat(request).as(trigger.toString()).isNotEmpty();
    String[] location = new String[1];
    await(
        "the savepoint of " + job,
        () -> {
          JsonNode status = get("/jobs/" + job + "/savepoints/" + request);
          if (!status.path("status").path("id").asText().equals("COMPLETED")) {
            return false;
          }
          JsonNode operation = status.path("operation");
          if (operation.has("failure-cause")) {
            throw new AssertionError("stop with savepoint failed: " + operation);
          }
          location[0] = operation.path("location").asText();
          return true;
        });
    return location[0];
  }

  private static void cancel(String job) throws Exception {
    http.send(
        HttpRequest.newBuilder(rest("/jobs/" + job + "?mode=cancel"))
            .method("PATCH", HttpRequest.BodyPublishers.noBody())
            .build(),
        HttpResponse.BodyHandlers.ofString());
    await(
        "job " + job + " to be cancelled",
        () -> get("/jobs/" + job).path("state").asText().equals("CANCELED"));
  }

  private static long checkpoints(String job) {
    return get("/jobs/" + job + "/checkpoints").path("counts").path("completed").asLong();
  }

  private static Set<String> jobIds() {
    Set<String> ids = new HashSet<>();
    jobs().forEach(j -> ids.add(j.path("id").asText()));
    return ids;
  }

  private static List<JsonNode> jobs() {
    List<JsonNode> jobs = new ArrayList<>();
    get("/jobs").path("jobs").forEach(jobs::add);
    return jobs;
  }

  private static JsonNode get(String path) {
    try {
      return JSON.readTree(
          http.send(
                  HttpRequest.newBuilder(rest(path)).timeout(Duration.ofSeconds(10)).build(),
                  HttpResponse.BodyHandlers.ofString())
              .body());
    } catch (IOException e) {
      throw new IllegalStateException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static URI rest(String path) {
    return URI.create("http://127.0.0.1:" + restPort + path);
  }

  private static void waitForExit(Process launcher) throws InterruptedException {
    if (!launcher.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS)) {
      throw new AssertionError("the first launcher did not exit after the stop");
    }
  }

  // --- Kinesis and bronze -------------------------------------------------------------------

  private static KinesisClient kinesis() {
    return KinesisClient.builder()
        .httpClientBuilder(Apache5HttpClient.builder())
        .endpointOverride(URI.create("http://127.0.0.1:" + kinesisPort))
        .region(Region.US_EAST_1)
        .credentialsProvider(
            StaticCredentialsProvider.create(AwsBasicCredentials.create(ACCESS_KEY, SECRET_KEY)))
        .build();
  }

  private static void putAll(KinesisClient kinesis, List<byte[]> records, long pauseMillis)
      throws InterruptedException {
    putAll(kinesis, STREAM, records, pauseMillis);
  }

  /** Puts the records in batches of 100, pausing {@code pauseMillis} between batches. */
  private static void putAll(
      KinesisClient kinesis, String stream, List<byte[]> records, long pauseMillis)
      throws InterruptedException {
    for (int from = 0; from < records.size(); from += 100) {
      List<PutRecordsRequestEntry> pending = new ArrayList<>();
      for (int i = from; i < Math.min(records.size(), from + 100); i++) {
        pending.add(
            PutRecordsRequestEntry.builder()
                .data(SdkBytes.fromByteArray(records.get(i)))
                .partitionKey(Integer.toString(i))
                .build());
      }
      long deadline = System.nanoTime() + WAIT.toNanos();
      while (!pending.isEmpty()) {
        List<PutRecordsRequestEntry> batch = pending;
        PutRecordsResponse response = kinesis.putRecords(b -> b.streamName(stream).records(batch));
        List<PutRecordsRequestEntry> failed = new ArrayList<>();
        for (int i = 0; i < batch.size(); i++) {
          if (response.records().get(i).errorCode() != null) {
            failed.add(batch.get(i));
          }
        }
        pending = failed;
        if (!pending.isEmpty()) {
          if (System.nanoTime() > deadline) {
            throw new AssertionError(pending.size() + " records could not be put");
          }
          Thread.sleep(200);
        }
      }
      if (pauseMillis > 0) {
        Thread.sleep(pauseMillis);
      }
    }
  }

  /** Every line of every finished bronze file (FileIO's temporary files are elsewhere). */
  private static List<byte[]> bronzeLines() {
    return bronzeLines(lake.resolve(BRONZE), run -> true);
  }

  private static List<byte[]> bronzeLines(Predicate<String> runs) {
    return bronzeLines(lake.resolve(BRONZE), runs);
  }

  private static Set<String> runIds() throws IOException {
    Set<String> runs = new TreeSet<>(linesPerRun(lake.resolve(BRONZE)).keySet());
    assertThat(runs).hasSize(1);
    return runs;
  }

  /**
   * Every line of every finished bronze file under {@code bronze} (a local lake's {@code
   * bronze/events}, or S3Proxy's folder of that prefix) of the runs {@code runs} accepts.
   */
  private static List<byte[]> bronzeLines(Path bronze, Predicate<String> runs) {
    List<byte[]> lines = new ArrayList<>();
    if (!Files.isDirectory(bronze)) {
      return lines;
    }
    try (Stream<Path> files = Files.walk(bronze)) {
      for (Path file : files.filter(Files::isRegularFile).toList()) {
        String name = file.getFileName().toString();
        if (!BRONZE_FILE.matcher(name).matches() || !runs.test(runOf(name))) {
          continue;
        }
        String text = Files.readString(file, StandardCharsets.UTF_8);
        if (text.isEmpty()) {
          continue;
        }
        for (String line : text.substring(0, text.length() - 1).split("\n", -1)) {
          lines.add(line.getBytes(StandardCharsets.UTF_8));
        }
      }
    } catch (IOException e) {
      // a file renamed while listing: try again on the next poll
      return new ArrayList<>();
    }
    return lines;
  }

  /** Lines landed per run id (the part of a bronze file name before {@code -pane-}). */
  private static Map<String, Long> linesPerRun(Path bronze) throws IOException {
    Map<String, Long> perRun = new TreeMap<>();
    try (Stream<Path> files = Files.walk(bronze)) {
      for (Path file : files.filter(Files::isRegularFile).toList()) {
        String name = file.getFileName().toString();
        if (BRONZE_FILE.matcher(name).matches()) {
          perRun.merge(runOf(name), Files.readAllLines(file).stream().count(), Long::sum);
        }
      }
    }
    return perRun;
  }

  /** {@code events-YYYY-MM-DD-HH-<run>-pane-...}: the run id of a bronze file. */
  private static String runOf(String name) {
    return name.substring(21, name.indexOf("-pane-"));
  }

  private static Map<String, Integer> multiset(List<byte[]> records) {
    Map<String, Integer> counts = new TreeMap<>();
    for (byte[] record : records) {
      counts.merge(new String(record, StandardCharsets.ISO_8859_1), 1, Integer::sum);
    }
    return counts;
  }

  /** What {@code wanted} holds more often than {@code have}. */
  private static Map<String, Integer> missing(
      Map<String, Integer> wanted, Map<String, Integer> have) {
    Map<String, Integer> missing = new TreeMap<>();
    wanted.forEach(
        (record, count) -> {
          int short_ = count - have.getOrDefault(record, 0);
          if (short_ > 0) {
            missing.put(record, short_);
          }
        });
    return missing;
  }

  // --- processes ------------------------------------------------------------------------------

  private static void await(String what, BooleanSupplier done) throws InterruptedException {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (!done.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out after " + WAIT + " waiting for " + what);
      }
      Thread.sleep(500);
    }
  }

  private static Map<String, String> env() {
    Map<String, String> env = new HashMap<>();
    env.put("FLINK_CLUSTER_DIR", CLUSTER.toString());
    env.put("FLINK_REST_PORT", String.valueOf(restPort));
    env.put("FLINK_RPC_PORT", String.valueOf(rpcPort));
    env.put("FLINK_TM_MEMORY", "2g");
    env.put("FLINK_JAVA_OPTS", ChildProcess.jvmOptionsLine());
    env.put("KINESIS_PORT", String.valueOf(kinesisPort));
    env.put("KINESIS_TLS_PORT", String.valueOf(freePortUnchecked()));
    env.put("S3_PORT", String.valueOf(s3Port));
    env.put("STREAM", STREAM);
    env.put("SHARDS", "4");
    env.put("LAKE_LOCAL_STATE", work.resolve("aws").toString());
    env.put("EMULATOR_ACCESS_KEY", ACCESS_KEY);
    env.put("EMULATOR_SECRET_KEY", SECRET_KEY);
    if (Files.exists(S3PROXY)) {
      env.put("S3PROXY_JAR", S3PROXY.toString());
    }
    String mavenHome = System.getProperty("maven.home");
    if (mavenHome != null && Files.isExecutable(Path.of(mavenHome, "bin", "mvn"))) {
      env.put("MVN", Path.of(mavenHome, "bin", "mvn").toString());
    }
    return env;
  }

  private static int script(Path script, Duration timeout, String... command) throws Exception {
    String name = String.join("-", command);
    Path log = Files.createTempFile(work, script.getFileName() + "-" + name, ".log");
    List<String> line = new ArrayList<>(List.of("bash", script.toString()));
    line.addAll(List.of(command));
    ProcessBuilder builder =
        new ProcessBuilder(line)
            .directory(ROOT.toFile())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile());
    builder.environment().putAll(env());
    Process process = builder.start();
    if (!process.waitFor(timeout.toSeconds(), TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new AssertionError(script + " " + name + " did not finish:\n" + tail(log));
    }
    log(tail(log));
    return process.exitValue();
  }

  private static void log(String message) {
    // System.err: stdout is failsafe's channel to the forked JVM.
    System.err.println("[BronzeRestartIT] " + message);
  }

  private static String tail(Path log) {
    try {
      String text = Files.readString(log);
      return text.length() <= 6000 ? text : text.substring(text.length() - 6000);
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }

  private static int freePortUnchecked() {
    try {
      return freePort();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
