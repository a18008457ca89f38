package io.medallion.lake.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link Sizing}: the figures follow from the measured rates and prices, and gaps stay named. */
class SizingTest {
  private static final Map<String, Sizing.Price> PRICES =
      Sizing.prices(Sizing.class.getResourceAsStream("aws-prices.json"));

  /** Round numbers, so that each figure can be checked by hand. */
  private static final Sizing.Measured MEASURED =
      new Sizing.Measured(
          10_000.0, 50_000.0, 25_000.0, 100_000.0, 1.0, 1.0, 500.0, 100.0, 50.0, "test");

  @Test
  void aBillionAnHourNeedsTheShardsKpusAndNodesItsRatesGive() {
    Map<String, Sizing.Q> f = Sizing.size(1_000_000_000L, MEASURED, PRICES);

    // 1e9 / 3600 × 2 = 555,555.6 records/s at the peak.
    assertThat(f.get("peak_records_s").value()).isCloseTo(555_555.6, within(0.1));
    // Records/s bind: ⌈555,555.6 / 1000⌉ = 556; bytes: 555,555.6 × 500 / 1 MiB = 264.9 → 265.
    assertThat(f.get("shards").value()).isEqualTo(556);
    assertThat(f.get("shards_aggregated").value()).isEqualTo(265);
    // ⌈555,555.6 / 10,000⌉ = 56 KPUs.
    assertThat(f.get("kpus").value()).isEqualTo(56);
    // Silver: 1e9 / 50,000 = 20,000 core-s; / (900 s × 8) = 2.8 → 3 nodes; 20,000 / 24 = 833.3 s.
    assertThat(f.get("silver_nodes").value()).isEqualTo(3);
    assertThat(f.get("silver_wall_s").value()).isCloseTo(833.3, within(0.1));
    // Silver bytes an hour 1e11 / 512 MB = 195.3 → 196 files.
    assertThat(f.get("silver_files_h").value()).isEqualTo(196);
    // Gold: 24e9 / 25,000 = 960,000 core-s; / (3600 × 8) = 33.3 → 34 nodes.
    assertThat(f.get("gold_nodes").value()).isEqualTo(34);
    // Provisioned Kinesis: 556 shards × 730 h × the shard-hour, and 1e9 × 730 records a month in
    // millions × the PUT payload unit (one per record of 500 bytes).
    double shardHour = PRICES.get("kinesis_shard_hour").usd();
    double putUnit = PRICES.get("kinesis_put_payload_unit_million").usd();
    assertThat(f.get("kinesis_provisioned_usd").value())
        .isCloseTo(556 * 730 * shardHour + 730_000 * putUnit, within(0.01));
    // Without the PUT payload unit's price the figure is not a number: it names the price.
    Map<String, Sizing.Price> withoutPut = new HashMap<>(PRICES);
    Sizing.Price put = PRICES.get("kinesis_put_payload_unit_million");
    withoutPut.put(
        put.key(),
        new Sizing.Price(put.key(), null, put.unit(), "not found", put.url(), put.date(), ""));
    Sizing.Q unknown =
        Sizing.size(1_000_000_000L, MEASURED, withoutPut).get("kinesis_provisioned_usd");
    assertThat(unknown.known()).isFalse();
    assertThat(unknown.missing()).containsExactly("price:kinesis_put_payload_unit_million");
  }

  @Test
  void aCountIsTheNextWholeNumberButAWholeOneInFloatingPointStaysWhole() {
    // 1.0599 records an event at 1B events an hour, 100,000 records a bronze file.
    assertThat(Sizing.Q.of(1.0599).times(Sizing.Q.of(1e9)).div(Sizing.Q.of(1e5)).ceil().value())
        .isEqualTo(10_599);
    assertThat(Sizing.Q.of(10_599.01).ceil().value()).isEqualTo(10_600);
    assertThat(Sizing.Q.of(0.2).ceil().value()).isEqualTo(1);
  }

  @Test
  void aThousandAnHourStillTakesOneOfEverything() {
    Map<String, Sizing.Q> f = Sizing.size(1_000L, MEASURED, PRICES);

    assertThat(f.get("shards").value()).isEqualTo(1);
    assertThat(f.get("kpus").value()).isEqualTo(1);
    assertThat(f.get("silver_nodes").value()).isEqualTo(1);
    // One file a minute from one writer: 60 files of 1,000 × 500 / 60 bytes each.
    assertThat(f.get("bronze_files_h").value()).isEqualTo(60);
    assertThat(f.get("bronze_mb_per_file").value()).isCloseTo(0.00833, within(0.0001));
    // S3 GETs are known: 730 × (60 + 2 × 1).
    assertThat(f.get("s3_gets_month").value()).isEqualTo(730 * 62);
  }

  @Test
  void aRateNotMeasuredIsNamedInEveryFigureThatNeedsIt() {
    Sizing.Measured noBronze =
        new Sizing.Measured(null, 50_000.0, 25_000.0, null, 1.0, 1.0, 500.0, 100.0, 50.0, "t");

    Map<String, Sizing.Q> f = Sizing.size(1_000_000L, noBronze, PRICES);
    String md = Sizing.markdown(noBronze, PRICES);

    assertThat(f.get("kpus").missing()).containsExactly("bronze_events_per_core_s");
    assertThat(f.get("silver_nodes").known()).isTrue();
    assertThat(md)
        .contains("| bronze_events_per_core_s | `{{bronze_events_per_core_s}}` |")
        .contains("needs `{{bronze_events_per_core_s}}`")
        .contains("`{{price:flink_kpu_hour}}` (not found)");
  }

  @Test
  void readsPerCoreRatesAndSizesFromABenchReport() throws Exception {
    JsonNode report =
        new ObjectMapper()
            .readTree(
                "{\"machine\":{\"cores\":2},\"input\":{\"events\":1000,\"records\":1060},"
                    + "\"runs\":["
                    + run("bronze", "flink", "ok", 1060, 530, 1060, 0, 50_000)
                    + ","
                    + run("silver", "flink", "ok", 1060, 1060, 1050, 265_000, 105_000)
                    + ","
                    + run("gold", "flink", "ok", 1050, 700, 1000, 105_000, 60_000)
                    + ","
                    + run("gold", "direct", "ok", 1050, 9999, 1000, 0, 0)
                    + "]}");

    Sizing.Measured m = Sizing.fromBench(report, "flink", "r.json");

    assertThat(m.bronzePerCore()).isEqualTo(265.0);
    assertThat(m.silverPerCore()).isEqualTo(530.0);
    assertThat(m.goldPerCore()).isEqualTo(350.0);
    assertThat(m.erasurePerCore()).isNull();
    assertThat(m.recordsPerEvent()).isEqualTo(1.06);
    assertThat(m.bronzeBytesPerRecord()).isEqualTo(250.0);
    assertThat(m.silverBytesPerRow()).isEqualTo(100.0);
    assertThat(m.goldBytesPerRow()).isEqualTo(60.0);
  }

  @Test
  void fillsTheDocBetweenItsMarkers(@TempDir Path temp) throws Exception {
    Path doc = temp.resolve("sizing.md");
    Files.writeString(
        doc,
        "intro\n<!-- sizing:begin -->\nold\n<!-- sizing:end -->\nafter\n",
        StandardCharsets.UTF_8);

    Sizing.fill(doc, "new\n");

    assertThat(Files.readString(doc, StandardCharsets.UTF_8))
        .isEqualTo("intro\n<!-- sizing:begin -->\nnew\n<!-- sizing:end -->\nafter\n");
  }

  private static String run(
      String stage,
      String impl,
      String status,
      long input,
      double eventsPerSecond,
      long rows,
      long bytesRead,
      long bytesWritten) {
    return String.format(
        java.util.Locale.ROOT,
        "{\"stage\":\"%s\",\"implementation\":\"%s\",\"status\":\"%s\",\"inputRecords\":%d,"
            + "\"eventsPerSecond\":%s,\"rowsWritten\":%d,\"bytesRead\":%d,"
            + "\"layout\":{\"bytes\":%d}}",
        stage,
        impl,
        status,
        input,
        eventsPerSecond,
        rows,
        bytesRead,
        bytesWritten);
  }
}
