package io.medallion.lake.events;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.medallion.lake.beam.EncodedBatches;
import io.medallion.lake.bronze.BronzeRecord;
import io.medallion.lake.layout.LakeLayout;
import io.medallion.lake.table.CatalogSettings;
import io.medallion.lake.table.LakeTable;
import io.medallion.lake.table.TableAtStart;
import io.medallion.lake.testing.TestPipelines;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.avro.generic.GenericRecord;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.Sum;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SilverRowsTest {
  @TempDir Path lake;

  private static final Instant HOUR = Instant.parse("2024-03-24T21:00:00Z");
  private static final String PARTITION = "dt=2024-03-24/hour=21";

  private static BronzeRecord record(int line, byte[] bytes) {
    return new BronzeRecord(
        HOUR, "bronze/events/2024/03/24/21/f.jsonl:" + line, 100L * line, bytes);
  }

  private static BronzeRecord record(int line, String text) {
    return record(line, text.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void splitsValidEventsFromQuarantineAndCountsEveryRecordOnce() throws Exception {
    // Arrange
    TestPipeline p = TestPipelines.create();
    TableAtStart silver =
        TableAtStart.load(
            CatalogSettings.local(
                LakeLayout.at(lake.toString()),
                Optional.empty(),
                CatalogSettings.DEFAULT_NAMESPACE,
                Map.of()),
            LakeTable.SILVER_EVENTS);
    byte[] notUtf8 = {'{', (byte) 0xFF, '}'};
    List<BronzeRecord> input =
        List.of(
            record(
                1,
                "{\"event_uuid\":1,\"event_name\":\"account:created\",\"created_at\":1711315195}"),
            record(2, "{\"event_uuid\":\"u2\",\"event_name\":\"a::b\",\"created_at\":1711315195}"),
            record(3, "{broken"),
            record(4, notUtf8),
            record(
                5,
                "{\"event_uuid\":\"u5\",\"event_name\":\"heartbeat\",\"created_at\":1711315195.5}"));

    // Act
    PCollectionTuple out =
        p.apply(Create.of(input).withCoder(BronzeRecord.Coder.of()))
            .apply(SilverRows.of(silver, Duration.ofHours(1)));

    // Assert
    PAssert.that(out.get(SilverRows.ROWS))
        .satisfies(
            batches -> {
              List<String> rows = new ArrayList<>();
              for (KV<String, byte[]> batch : batches) {
                assertThat(batch.getKey()).isEqualTo("dt=2024-03-24/hour=21");
                for (GenericRecord row :
                    EncodedBatches.values(SilverRows.rowCoder(), batch.getValue())) {
                  rows.add(
                      row.get("event_uuid")
                          + " "
                          + row.get("event_name")
                          + " "
                          + row.get("created_at"));
                }
              }
              assertThat(rows)
                  .containsExactlyInAnyOrder(
                      "1 account:created 1711315195000000", "u5 heartbeat 1711315195500000");
              return null;
            });
    PAssert.that(out.get(SilverRows.COUNTS).apply(Sum.longsPerKey()))
        .containsInAnyOrder(
            List.of(
                KV.of(PARTITION + "|read", 5L),
                KV.of(PARTITION + "|written", 2L),
                KV.of(PARTITION + "|created_on.2024-03-24", 2L),
                KV.of(PARTITION + "|quarantined.invalid_event_name", 1L),
                KV.of(PARTITION + "|quarantined.invalid_json", 2L)));
    PAssert.that(out.get(SilverRows.QUARANTINE))
        .satisfies(
            lines -> {
              ObjectMapper json = new ObjectMapper();
              int n = 0;
              for (KV<String, String> kv : lines) {
                n++;
                assertThat(kv.getKey()).isEqualTo(PARTITION);
                JsonNode line = readTree(json, kv.getValue());
                assertThat(line.path("reason").asText()).isNotEmpty();
                assertThat(line.path("detail").asText()).isNotEmpty();
                assertThat(line.path("source").asText())
                    .startsWith("bronze/events/2024/03/24/21/f.jsonl:");
                assertThat(line.path("arrival_hour").asText()).isEqualTo("2024-03-24T21:00:00Z");
                assertThat(line.path("offset").asLong())
                    .isEqualTo(
                        100L * Long.parseLong(line.path("source").asText().replaceAll(".*:", "")));
                if (line.path("source").asText().endsWith(":4")) {
                  assertThat(Base64.getDecoder().decode(line.path("raw_base64").asText()))
                      .isEqualTo(notUtf8);
                } else if (line.path("source").asText().endsWith(":3")) {
                  assertThat(line.path("raw").asText()).isEqualTo("{broken");
                }
              }
              assertThat(n).isEqualTo(3);
              return null;
            });
    TestPipelines.run(p);
  }

  private static JsonNode readTree(ObjectMapper json, String text) {
    try {
      return json.readTree(text);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }
}
