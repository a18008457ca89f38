package io.medallion.lake.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.medallion.lake.layout.LakeLayout;
import io.medallion.lake.runners.Lake;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link BenchBronze} writes the bench's generated records through the bronze writer, every one of
 * them in its arrival hour, and its read-back tells a complete lake from one that lost a file.
 */
class BenchBronzeTest {
  private static final long EVENTS = 2_000;
  private static final int HOURS = 2;
  private static final long SEED = 42;

  @Test
  void writesEveryGeneratedRecordInItsArrivalHourAndNoticesALostFile(@TempDir Path temp)
      throws Exception {
    Path lake = temp.resolve("lake");
    ByteArrayOutputStream out = new ByteArrayOutputStream();

    int status =
        Lake.run(
            BenchBronze.COMMAND,
            new String[] {
              "--lake=" + lake,
              "--events=" + EVENTS,
              "--hours=" + HOURS,
              "--seed=" + SEED,
              "--bufferMaxRecords=400",
              "--runner=DirectRunner"
            },
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(out, true, StandardCharsets.UTF_8));

    assertThat(status).as(out.toString(StandardCharsets.UTF_8)).isZero();
    BenchBronze.Contents expected =
        BenchBronze.generated(BenchBronze.settings(EVENTS, HOURS, SEED));
    BenchBronze.Contents written = BenchBronze.readBack(lake);
    assertThat(expected.records()).isGreaterThan(EVENTS);
    assertThat(expected.byHour()).hasSize(HOURS);
    assertThat(written).isEqualTo(expected);
    assertThat(BenchBronze.check("direct", expected, written)).endsWith(": ok");

    List<Path> files;
    try (Stream<Path> all = Files.walk(lake.resolve(LakeLayout.BRONZE_EVENTS))) {
      files =
          all.filter(p -> p.toString().endsWith(".jsonl")).sorted().collect(Collectors.toList());
    }
    // At least a file per arrival hour. The DirectRunner hands the generated records to the writer
    // in one bundle, so its panes (at least --bufferMaxRecords each) are not cut at 400 here.
    assertThat(files.size()).isGreaterThanOrEqualTo(HOURS);
    Files.delete(files.get(0));
    BenchBronze.Contents lost = BenchBronze.readBack(lake);
    assertThat(lost.records()).isLessThan(expected.records());
    assertThat(BenchBronze.check("direct", expected, lost)).endsWith(": MISMATCH");
  }

  @Test
  void theDigestTellsOneChangedByteApart() {
    byte[] a = "{\"event_uuid\":\"a\"}".getBytes(StandardCharsets.UTF_8);
    byte[] b = "{\"event_uuid\":\"b\"}".getBytes(StandardCharsets.UTF_8);
    assertThat(BenchBronze.hash(a)).isNotEqualTo(BenchBronze.hash(b));
    assertThat(BenchBronze.hash(a)).isEqualTo(BenchBronze.hash(a.clone()));
  }

  @Test
  void theDirectRunnersStageRunsOnlyWhatItsHeapHolds() {
    long fourG = Bench.heapBytes("4g");
    assertThat(fourG).isEqualTo(4L << 30);
    assertThat(Bench.heapBytes("512m")).isEqualTo(512L << 20);
    assertThat(Bench.heapBytes("4294967296")).isEqualTo(fourG);

    // The sitting of 2026-12-06: 1M events ran with -Xmx4g, 10M ran out of heap.
    assertThat(BenchBronze.tooLargeForDirectRunner(1_059_828, fourG)).isEmpty();
    assertThat(BenchBronze.tooLargeForDirectRunner(10_599_265, fourG))
        .hasValue(
            "the DirectRunner holds the 10,599,265 generated records in memory, at most about"
                + " 1,100,000 with this heap (the FlinkRunner's stage does not hold them:"
                + " --implementations=flink)");
    assertThat(BenchBronze.tooLargeForDirectRunner(10_599_265, Bench.heapBytes("48g"))).isEmpty();
  }
}
