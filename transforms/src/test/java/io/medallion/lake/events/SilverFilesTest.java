package io.medallion.lake.events;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.medallion.lake.bronze.BronzeFileGroup;
import io.medallion.lake.bronze.BronzeInventory;
import io.medallion.lake.bronze.ReadBronzeEvents;
import io.medallion.lake.layout.LakeLayout;
import io.medallion.lake.table.CatalogSettings;
import io.medallion.lake.table.LakeTable;
import io.medallion.lake.table.TableAtStart;
import io.medallion.lake.testing.DuckDb;
import io.medallion.lake.testing.TestPipelines;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.beam.sdk.io.Read;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.Sum;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SilverFilesTest {
  @TempDir Path lake;

  private static final Instant HOUR = Instant.parse("2024-03-24T21:00:00Z");
  private static final String PARTITION = "dt=2024-03-24/hour=21";
  private static final byte[] NOT_UTF8 = {'{', (byte) 0xFF, '}'};

  private LakeLayout layout() {
    return LakeLayout.at(lake.toString());
  }

  private TableAtStart silver() {
    return TableAtStart.load(
        CatalogSettings.local(
            layout(), Optional.empty(), CatalogSettings.DEFAULT_NAMESPACE, Map.of()),
        LakeTable.SILVER_EVENTS);
  }

  private Path bronzeFile(String name, byte[]... lines) throws IOException {
    Path file = Path.of(layout().bronzeEventsHour(HOUR)).resolve(name);
    Files.createDirectories(file.getParent());
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    for (byte[] line : lines) {
      bytes.writeBytes(line);
      bytes.write('\n');
    }
    Files.write(file, bytes.toByteArray());
    return file;
  }

  private static byte[] utf8(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  private PCollectionTuple promote(TestPipeline p, int groups) throws IOException {
    List<BronzeFileGroup> all =
        BronzeFileGroup.of(layout(), HOUR, BronzeInventory.of(layout(), HOUR), groups);
    return p.apply(Read.from(ReadBronzeEvents.source(all)))
        .apply(
            SilverFiles.of(
                silver(), Duration.ofHours(1), "run1", lake.resolve("_tmp/q").toString()));
  }

  @Test
  void writesAGroupsValidRowsToOneParquetFileAndItsRejectedRecordsToOneQuarantineFile()
      throws Exception {
    // Arrange
    Path source =
        bronzeFile(
            "f.jsonl",
            utf8("{\"event_uuid\":1,\"event_name\":\"account:created\",\"created_at\":1711315195}"),
            utf8("{\"event_uuid\":\"u2\",\"event_name\":\"a::b\",\"created_at\":1711315195}"),
            utf8("{broken"),
            NOT_UTF8,
            utf8(
                "{\"event_uuid\":\"u5\",\"event_name\":\"heartbeat\",\"created_at\":1711315195.5}"));
    TestPipeline p = TestPipelines.create();

    // Act
    PCollectionTuple out = promote(p, 1);

    // Assert
    String dataFile =
        silver().dataLocation() + "/" + PARTITION + "/part-run1-00000-of-00001.parquet";
    String quarantineFile =
        lake.resolve("_tmp/q/" + PARTITION + "/part-run1-00000-of-00001.jsonl").toString();
    PAssert.that(out.get(SilverFiles.DATA_FILES))
        .containsInAnyOrder(List.of(KV.of(PARTITION, dataFile)));
    PAssert.that(out.get(SilverFiles.QUARANTINE_FILES))
        .containsInAnyOrder(List.of(KV.of(PARTITION, quarantineFile)));
    PAssert.that(out.get(SilverFiles.COUNTS).apply(Sum.longsPerKey()))
        .containsInAnyOrder(
            List.of(
                KV.of(PARTITION + "|read", 5L),
                KV.of(PARTITION + "|written", 2L),
                KV.of(PARTITION + "|created_on.2024-03-24", 2L),
                KV.of(PARTITION + "|quarantined.invalid_event_name", 1L),
                KV.of(PARTITION + "|quarantined.invalid_json", 2L)));
    TestPipelines.run(p);

    // The rows, in the order read, as an independent reader sees them.
    assertThat(
            DuckDb.rows(
                "select event_uuid, event_name, epoch_us(created_at) from read_parquet('"
                    + dataFile
                    + "')"))
        .containsExactly(
            List.of("1", "account:created", 1711315195000000L),
            List.of("u5", "heartbeat", 1711315195500000L));
    ObjectMapper json = new ObjectMapper();
    List<String> sources = new ArrayList<>();
    for (String text : Files.readAllLines(Path.of(quarantineFile), StandardCharsets.UTF_8)) {
      JsonNode line = json.readTree(text);
      sources.add(line.path("source").asText());
      assertThat(line.path("reason").asText()).isNotEmpty();
      assertThat(line.path("detail").asText()).isNotEmpty();
      assertThat(line.path("arrival_hour").asText()).isEqualTo("2024-03-24T21:00:00Z");
      if (line.path("source").asText().endsWith(":4")) {
        assertThat(Base64.getDecoder().decode(line.path("raw_base64").asText()))
            .isEqualTo(NOT_UTF8);
      } else if (line.path("source").asText().endsWith(":3")) {
        assertThat(line.path("raw").asText()).isEqualTo("{broken");
      }
    }
    assertThat(sources).containsExactly(source + ":2", source + ":3", source + ":4");
  }

  @Test
  void anHoursFilesInTwoGroupsBecomeTwoDataFilesAndAGroupWithoutRejectionsNoQuarantineFile()
      throws Exception {
    // Arrange: two files of about the same size, one with a rejected record.
    bronzeFile(
        "a.jsonl",
        utf8("{\"event_uuid\":\"a1\",\"event_name\":\"lesson:started\",\"created_at\":1711315195}"),
        utf8(
            "{\"event_uuid\":\"a2\",\"event_name\":\"lesson:started\",\"created_at\":1711315196}"));
    bronzeFile(
        "b.jsonl",
        utf8("{\"event_uuid\":\"b1\",\"event_name\":\"lesson:started\",\"created_at\":1711315195}"),
        utf8("{\"event_uuid\":\"b2\",\"event_name\":\"lesson:started\",\"created_at\":\"x\"}"));
    TestPipeline p = TestPipelines.create();

    // Act
    PCollectionTuple out = promote(p, 2);

    // Assert
    String data = silver().dataLocation() + "/" + PARTITION + "/part-run1-0000";
    PAssert.that(out.get(SilverFiles.DATA_FILES))
        .containsInAnyOrder(
            List.of(
                KV.of(PARTITION, data + "0-of-00002.parquet"),
                KV.of(PARTITION, data + "1-of-00002.parquet")));
    PAssert.that(out.get(SilverFiles.QUARANTINE_FILES))
        .satisfies(
            files -> {
              assertThat(files).hasSize(1);
              return null;
            });
    TestPipelines.run(p);
    assertThat(
            DuckDb.rows(
                "select event_uuid from read_parquet('"
                    + data
                    + "*-of-00002.parquet') order by event_uuid"))
        .containsExactly(List.of("a1"), List.of("a2"), List.of("b1"));
  }
}
