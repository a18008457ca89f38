package io.medallion.lake.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.medallion.lake.progress.FirstRecord;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The bench reads a run's start-up from the first-record line in its log. */
class BenchFirstRecordTest {
  private static final String LAKE_LOG =
      "[main] WARN org.apache.flink.runtime.Something - a warning\n"
          + "[CHAIN MapPartition (ReadRecords) (1/2)#0] DEBUG io.medallion.lake.progress.FirstRecord"
          + " - first record 4821 ms after JVM start\n"
          + "[main] WARN org.apache.beam.Other - later\n";
  private static final String SPARK_LOG =
      "26/12/06 14:00:01 WARN NativeCodeLoader: no native\nfirst record 2007 ms after JVM start\n";
  private static final String NO_LINE = "[main] WARN x - first record soon\nException in main\n";
  private static final Bench.Layout NONE = new Bench.Layout(0, 0, 0, 0, 0);

  @Test
  void readsTheMillisecondsOfTheLakesLoggedLineAsSeconds() {
    assertThat(Bench.firstRecordSeconds(LAKE_LOG)).isEqualTo(4.821);
  }

  @Test
  void readsAPlainLineOnStdoutAsTheReferenceAndSparkPrintIt() {
    assertThat(Bench.firstRecordSeconds(SPARK_LOG)).isEqualTo(2.007);
  }

  @Test
  void theLineFirstRecordWritesIsTheLineTheBenchReads() {
    assertThat(Bench.firstRecordSeconds("x " + FirstRecord.line(12_345) + "\n")).isEqualTo(12.345);
  }

  @Test
  void takesTheFirstLineWhenThereAreSeveral() {
    assertThat(
            Bench.firstRecordSeconds(FirstRecord.line(1500) + "\n" + FirstRecord.line(9000) + "\n"))
        .isEqualTo(1.5);
  }

  @Test
  void aLogWithoutTheLineHasNoStartUp() {
    assertThat(Bench.firstRecordSeconds(NO_LINE)).isNull();
    assertThat(Bench.firstRecordSeconds("")).isNull();
  }

  @Test
  void theJsonHasTheFieldOnlyWhenTheLineWasFound() throws Exception {
    ObjectMapper json = new ObjectMapper();
    JsonNode found =
        json.valueToTree(
            new Bench.Run("silver", "flink", "ok", 10, 9.0, 1.1, 0, 10, NONE, 0.0, "", 0, 4.821));
    JsonNode missing =
        json.valueToTree(
            new Bench.Run("silver", "spark", "ok", 10, 9.0, 1.1, 0, 10, NONE, 0.0, "", 0, null));

    assertThat(found.path("firstRecordSeconds").asDouble()).isEqualTo(4.821);
    assertThat(missing.has("firstRecordSeconds")).isFalse();
    assertThat(missing.has("wallSeconds")).isTrue();
  }

  @Test
  void theMarkdownTableShowsTheSecondsOrADash() {
    String md =
        Bench.markdown(
            Map.of(
                "timestamp",
                "t",
                "input",
                Map.of(
                    "events",
                    10L,
                    "hours",
                    1,
                    "seed",
                    1L,
                    "records",
                    10L,
                    "duplicate_records",
                    0L,
                    "malformed_records",
                    0L,
                    "heap",
                    "4g"),
                "machine",
                Map.of("cores", 2),
                "load_after",
                0.0),
            List.of(
                new Bench.Run(
                    "silver", "flink", "ok", 10, 9.0, 1.1, 0, 10, NONE, 0.0, "", 0, 4.821),
                new Bench.Run(
                    "silver", "spark", "ok", 10, 9.0, 1.1, 0, 10, NONE, 0.0, "", 0, null)),
            List.of());

    assertThat(md).contains("| wall s | first record s |");
    assertThat(md).contains("| silver | flink | ok | 10 | 9.0 | 4.8 |");
    assertThat(md).contains("| silver | spark | ok | 10 | 9.0 | – |");
  }
}
