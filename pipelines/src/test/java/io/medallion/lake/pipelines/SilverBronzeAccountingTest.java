package io.medallion.lake.pipelines;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.medallion.lake.bronze.WriteBronzeFiles;
import io.medallion.lake.layout.LakeLayout;
import io.medallion.lake.testing.TestPipelines;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import org.apache.beam.sdk.coders.ByteArrayCoder;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.values.TimestampedValue;
import org.joda.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every record bronze holds is in silver's report: the records the streaming writer kept in {@code
 * _unframed/}, lines of {@code _unframed/} it never wrote, and gzip files that cannot be decoded to
 * their end, next to ordinary files; read = written + quarantined, each with its reason.
 */
class SilverBronzeAccountingTest {
  private static final java.time.Instant HOUR = BronzeFixtures.MARCH;
  private static final Instant ARRIVAL = new Instant(HOUR.toEpochMilli() + 90_000);
  private static final String E1 =
      "{\"event_uuid\":\"e1\",\"event_name\":\"lesson:started\",\"created_at\":1711315195}";
  private static final String E2 =
      "{\"event_uuid\":\"e2\",\"event_name\":\"lesson:ended\",\"created_at\":1711315196}";
  private static final String E3 =
      "{\"event_uuid\":\"e3\",\"event_name\":\"lesson:ended\",\"created_at\":1711315197}";
  private static final String BAD_BASE64_LINE =
      "{\"reason\":\"empty_record\",\"arrival\":\"2024-03-24T21:01:30Z\",\"raw_base64\":\"%%\"}";

  @TempDir Path lake;

  private static TimestampedValue<byte[]> arriving(String record) {
    return TimestampedValue.of(record.getBytes(StandardCharsets.UTF_8), ARRIVAL);
  }

  @Test
  void unframedRecordsAndUndecodableGzipAreReadAndQuarantinedWithTheirReasons() throws Exception {
    // Arrange: the streaming bronze writer itself lands a framed record and three it cannot frame.
    TestPipeline writer = TestPipelines.create();
    writer
        .apply(
            Create.timestamped(arriving(E1), arriving(""), arriving(" \t"), arriving("two\nlines"))
                .withCoder(ByteArrayCoder.of()))
        .apply(
            "WriteBronzeFiles",
            WriteBronzeFiles.to(LakeLayout.at(lake.toString()), "stream1").build());
    TestPipelines.run(writer);
    Path unframedFile = onlyFile(BronzeFixtures.hourDir(lake, HOUR).resolve("_unframed"));
    // Then a line the writer never writes (its base64 is not base64) is appended to that file.
    Files.writeString(
        unframedFile,
        BAD_BASE64_LINE + "\n",
        StandardCharsets.UTF_8,
        java.nio.file.StandardOpenOption.APPEND);
    // A producer's file, and a gzip file with bytes after its member.
    BronzeFixtures.write(lake, HOUR, "producer.jsonl", List.of(E2, "[]"), "\n");
    byte[] member = gzip(E3 + "\n");
    byte[] garbage = {(byte) 0xFF, 0, 0, (byte) 0x8B, 0x1F};
    Files.write(BronzeFixtures.hourDir(lake, HOUR).resolve("firehose.gz"), concat(member, garbage));

    // Act
    SilverEventsTest.promote(lake, List.of(HOUR), Duration.ofHours(6), "run1");

    // Assert: the report counts every record, framed or not, decodable or not
    JsonNode report = SilverEventsTest.report(lake, "dt=2024-03-24/hour=21");
    assertThat(report.path("read").asLong()).isEqualTo(9);
    assertThat(report.path("written").asLong()).isEqualTo(3);
    assertThat(report.path("quarantined").asLong()).isEqualTo(6);
    assertThat(report.path("quarantined_by_reason").toString())
        .isEqualTo(
            "{\"blank_record\":1,\"empty_record\":1,\"invalid_compression\":1,\"invalid_json\":1,"
                + "\"invalid_unframed_line\":1,\"not_an_object\":1}");

    // Assert: each quarantined record, with its source and its bytes exactly
    // (The writer writes a pane's records in no set order: find each one's line in its file.)
    String unframed = "_unframed/" + unframedFile.getFileName() + ":";
    assertThat(quarantine())
        .containsExactlyInAnyOrder(
            "empty_record " + unframed + lineOf(unframedFile, "empty_record") + " raw=",
            "blank_record " + unframed + lineOf(unframedFile, "blank_record") + " raw= \t",
            "invalid_json "
                + unframed
                + lineOf(unframedFile, "line_break_in_non_json")
                + " raw=two\nlines",
            "invalid_unframed_line " + unframed + "4 raw=" + BAD_BASE64_LINE,
            "not_an_object producer.jsonl:2 raw=[]",
            "invalid_compression firehose.gz@"
                + member.length
                + " raw_base64="
                + Base64.getEncoder().encodeToString(garbage));
  }

  @Test
  void filesSilverSkipsAreNeverReadAndTheReportListsEachWithItsReason() throws Exception {
    // Arrange: a file silver reads, and five valid records in files it skips: one in flight, one
    // hidden, one in a sub-folder, a marker; and one in flight in _unframed/.
    BronzeFixtures.write(lake, HOUR, "producer.jsonl", List.of(E1), "\n");
    BronzeFixtures.write(lake, HOUR, "_inflight.jsonl", List.of(E2, E3), "\n");
    BronzeFixtures.write(lake, HOUR, ".hidden.jsonl", List.of(E2), "\n");
    BronzeFixtures.write(lake, HOUR, "nested/x.jsonl", List.of(E3), "\n");
    BronzeFixtures.write(lake, HOUR, "_unframed/_partial", List.of(E3), "\n");
    Files.createFile(BronzeFixtures.hourDir(lake, HOUR).resolve("_SUCCESS"));

    // Act
    SilverEventsTest.promote(lake, List.of(HOUR), Duration.ofHours(6), "run1");

    // Assert: only producer.jsonl was read; the report lists the others and why
    JsonNode report = SilverEventsTest.report(lake, "dt=2024-03-24/hour=21");
    assertThat(report.path("read").asLong()).isEqualTo(1);
    assertThat(report.path("written").asLong()).isEqualTo(1);
    assertThat(report.path("bronze_files").toString()).isEqualTo("{\"producer.jsonl\":74}");
    assertThat(report.path(SilverEvents.BRONZE_SKIPPED).toString())
        .isEqualTo(
            "{\".hidden.jsonl\":\"name_starts_with_dot\","
                + "\"_SUCCESS\":\"name_starts_with_underscore\","
                + "\"_inflight.jsonl\":\"name_starts_with_underscore\","
                + "\"_unframed/_partial\":\"name_starts_with_underscore\","
                + "\"nested/x.jsonl\":\"in_a_sub_folder\"}");
    assertThat(SilverEvents.skippedLine(report))
        .hasValue(
            "  not read: 5 file(s) of "
                + BronzeFixtures.hourDir(lake, HOUR)
                + " that silver skips: .hidden.jsonl (name_starts_with_dot), _SUCCESS"
                + " (name_starts_with_underscore), _inflight.jsonl (name_starts_with_underscore),"
                + " _unframed/_partial (name_starts_with_underscore), nested/x.jsonl"
                + " (in_a_sub_folder)");

    // Skipped files do not make the hour pending; a file renamed into view does.
    java.time.Instant now = HOUR.plus(Duration.ofHours(2));
    LakeLayout layout = LakeLayout.at(lake.toString());
    assertThat(SilverEvents.pendingHours(layout, HOUR, HOUR, now)).isEmpty();
    Path hourDir = BronzeFixtures.hourDir(lake, HOUR);
    Files.move(hourDir.resolve("_inflight.jsonl"), hourDir.resolve("inflight.jsonl"));
    assertThat(SilverEvents.pendingHours(layout, HOUR, HOUR, now)).containsExactly(HOUR);
  }

  /**
   * Each quarantine line as {@code <reason> <source after the hour folder> raw=<raw>}, or {@code
   * raw_base64=}; the offset after {@code @} where the source names no line.
   */
  private List<String> quarantine() throws IOException {
    ObjectMapper json = new ObjectMapper();
    List<String> lines = new ArrayList<>();
    for (String line :
        Files.readAllLines(onlyFile(lake.resolve("quarantine/events/dt=2024-03-24/hour=21")))) {
      JsonNode q = json.readTree(line);
      String source = q.path("source").asText();
      String hourFolder = "/2024/03/24/21/";
      String where = source.substring(source.indexOf(hourFolder) + hourFolder.length());
      if (!where.contains(":")) {
        where += "@" + q.path("offset").asLong();
      }
      String raw =
          q.has("raw")
              ? "raw=" + q.path("raw").asText()
              : "raw_base64=" + q.path("raw_base64").asText();
      lines.add(q.path("reason").asText() + " " + where + " " + raw);
    }
    return lines;
  }

  /** The line of the writer's {@code _unframed/} file holding the record of {@code reason}. */
  private static int lineOf(Path unframedFile, String reason) throws IOException {
    List<String> lines = Files.readAllLines(unframedFile);
    for (int i = 0; i < lines.size(); i++) {
      if (new ObjectMapper().readTree(lines.get(i)).path("reason").asText().equals(reason)) {
        return i + 1;
      }
    }
    throw new AssertionError("no " + reason + " line in " + unframedFile);
  }

  private static Path onlyFile(Path dir) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      List<Path> regular = files.filter(Files::isRegularFile).toList();
      assertThat(regular).hasSize(1);
      return regular.get(0);
    }
  }

  private static byte[] gzip(String text) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (GZIPOutputStream out = new GZIPOutputStream(bytes)) {
      out.write(text.getBytes(StandardCharsets.UTF_8));
    }
    return bytes.toByteArray();
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] all = new byte[a.length + b.length];
    System.arraycopy(a, 0, all, 0, a.length);
    System.arraycopy(b, 0, all, a.length, b.length);
    return all;
  }
}
