package io.medallion.lake.bronze;

import static org.assertj.core.api.Assertions.assertThat;

import io.medallion.lake.bronze.WriteBronzeFiles.Unframed;
import io.medallion.lake.layout.LakeLayout;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.coders.ByteArrayCoder;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestStream;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.TimestampedValue;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.joda.time.Duration;
import org.joda.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bronze buffer: which records a pane holds, and so which file, for on-time records, flushes by
 * count and by time, records arriving any time after their hour closed, an hour with no records;
 * and the framing: every record's bytes exactly, or in {@code _unframed/} with a reason.
 */
class WriteBronzeFilesTest {
  private static final Instant H0 = Instant.parse("2026-01-01T00:00:00Z");
  private static final Duration MINUTE = Duration.standardMinutes(1);
  private static final String RUN = "run1";
  private static final String HOUR_00 = "2026/01/01/00/events-2026-01-01-00-run1-pane-";
  private static final String OF_1 = "-shard-00000-of-00001.jsonl";
  private static final String HOUR_FILE_0000 = "events-2026-01-01-00-run1-pane-0000" + OF_1;
  private static final java.nio.charset.Charset UTF8 = StandardCharsets.UTF_8;
  private static final byte[] NOT_UTF8 = {'{', (byte) 0xC3, '(', (byte) 0xFF, 0, '}'};
  private static final byte[] NOT_UTF8_TWO_LINES = {(byte) 0xFF, '\n', (byte) 0xFE, '\r'};

  @TempDir Path lakeDir;

  private static TimestampedValue<byte[]> record(String text, Instant arrival) {
    return record(text.getBytes(StandardCharsets.UTF_8), arrival);
  }

  private static TimestampedValue<byte[]> record(byte[] bytes, Instant arrival) {
    return TimestampedValue.of(bytes, arrival);
  }

  private WriteBronzeFiles bronze(String run, int maxRecords, boolean gzip) {
    return WriteBronzeFiles.to(LakeLayout.at(lakeDir.toString()), run)
        .bufferInterval(MINUTE)
        .bufferMaxRecords(maxRecords)
        .gzip(gzip)
        .build();
  }

  private static Pipeline pipeline() {
    PipelineOptions options = PipelineOptionsFactory.create();
    return Pipeline.create(options);
  }

  @Test
  void buffersByCountAndTimeAndWritesLateRecordsIntoTheirArrivalHour() throws IOException {
    TestStream<byte[]> stream =
        TestStream.create(ByteArrayCoder.of())
            .advanceWatermarkTo(H0)
            // Three on-time records fill the buffer (3): pane 0 of hour 00, flushed by count.
            .addElements(
                record("{\"a\":1}", H0.plus(MINUTE)),
                record("not json, still bronze", H0.plus(MINUTE.multipliedBy(2))),
                record("{\"a\":1}", H0.plus(MINUTE.multipliedBy(3))))
            // One more, then a quiet minute: pane 1, flushed by time.
            .addElements(record("{\"b\":2}", H0.plus(MINUTE.multipliedBy(10))))
            .advanceProcessingTime(MINUTE.multipliedBy(2))
            // Hour 01 gets a record; then the watermark passes hours 00 and 01 (hour 02 stays
            // empty) and a record of hour 00 arrives late, from a lagging shard.
            .addElements(record("{\"c\":3}", H0.plus(Duration.standardMinutes(65))))
            .advanceProcessingTime(MINUTE.multipliedBy(2))
            .advanceWatermarkTo(H0.plus(Duration.standardMinutes(150)))
            .addElements(record("{\"late\":true}", H0.plus(MINUTE.multipliedBy(30))))
            .advanceProcessingTime(MINUTE.multipliedBy(2))
            // Hour 03: a pretty-printed record, its line breaks kept, flushed when the stream ends.
            .addElements(record("{\"d\":\r\n  4\n}", H0.plus(Duration.standardMinutes(181))))
            .advanceWatermarkToInfinity();

    Pipeline p = pipeline();
    PCollection<String> files = p.apply(stream).apply("WriteBronzeFiles", bronze(RUN, 3, false));
    String root = lakeDir.toAbsolutePath() + "/bronze/events/";
    PAssert.that(files)
        .containsInAnyOrder(
            root + HOUR_00 + "0000" + OF_1,
            root + HOUR_00 + "0001" + OF_1,
            root + HOUR_00 + "0002" + OF_1,
            root + "2026/01/01/01/events-2026-01-01-01-run1-pane-0000" + OF_1,
            root + "2026/01/01/03/events-2026-01-01-03-run1-pane-0000" + OF_1);
    p.run().waitUntilFinish();

    assertThat(bronzeFiles())
        .containsExactly(
            Map.entry(HOUR_00 + "0000" + OF_1, "{\"a\":1}\nnot json, still bronze\n{\"a\":1}\n"),
            Map.entry(HOUR_00 + "0001" + OF_1, "{\"b\":2}\n"),
            Map.entry(HOUR_00 + "0002" + OF_1, "{\"late\":true}\n"),
            Map.entry("2026/01/01/01/events-2026-01-01-01-run1-pane-0000" + OF_1, "{\"c\":3}\n"),
            Map.entry(
                "2026/01/01/03/events-2026-01-01-03-run1-pane-0000" + OF_1, "{\"d\":\r\n  4\n}\n"));
    assertThat(lakeDir.resolve("bronze/events/2026/01/01/02")).doesNotExist();
  }

  @Test
  void aRecordAnyAmountBehindTheWatermarkStillLandsInItsArrivalHour() throws IOException {
    // The watermark runs 40 days past hour 00 before two of its records arrive: far beyond any
    // lateness a window could allow. They land in hour 00's folder, in later panes (files).
    Instant fortyDaysOn = H0.plus(Duration.standardDays(40));
    TestStream<byte[]> stream =
        TestStream.create(ByteArrayCoder.of())
            .advanceWatermarkTo(H0)
            .addElements(record("{\"on_time\":1}", H0.plus(MINUTE)))
            .advanceProcessingTime(MINUTE.multipliedBy(2))
            .advanceWatermarkTo(fortyDaysOn)
            .addElements(record("{\"now\":1}", fortyDaysOn.plus(MINUTE)))
            .addElements(record("{\"forty_days_late\":1}", H0.plus(MINUTE.multipliedBy(5))))
            .advanceProcessingTime(MINUTE.multipliedBy(2))
            .addElements(record("{\"forty_days_late\":2}", H0.plus(MINUTE.multipliedBy(59))))
            .advanceWatermarkToInfinity();

    Pipeline p = pipeline();
    PCollection<String> files = p.apply(stream).apply("WriteBronzeFiles", bronze(RUN, 100, false));
    String root = lakeDir.toAbsolutePath() + "/bronze/events/";
    PAssert.that(files)
        .containsInAnyOrder(
            root + HOUR_00 + "0000" + OF_1,
            root + HOUR_00 + "0001" + OF_1,
            root + HOUR_00 + "0002" + OF_1,
            root + "2026/02/10/00/events-2026-02-10-00-run1-pane-0000" + OF_1);
    p.run().waitUntilFinish();

    assertThat(bronzeFiles())
        .containsExactly(
            Map.entry(HOUR_00 + "0000" + OF_1, "{\"on_time\":1}\n"),
            Map.entry(HOUR_00 + "0001" + OF_1, "{\"forty_days_late\":1}\n"),
            Map.entry(HOUR_00 + "0002" + OF_1, "{\"forty_days_late\":2}\n"),
            Map.entry("2026/02/10/00/events-2026-02-10-00-run1-pane-0000" + OF_1, "{\"now\":1}\n"));
  }

  @Test
  void everyRecordIsKeptByteForByteInItsFileOrInUnframed() throws IOException {
    Instant at = H0.plus(MINUTE);
    Pipeline p = pipeline();
    p.apply(
            Create.timestamped(
                    record("{\"a\":1}", at),
                    record("{\n  \"pretty\": {\"nested\": [1, \"}\\\"{\"]}\n}", at),
                    record("{\"first\":1}\n{\"second\":2}", at),
                    record("{\"crlf\":1}\r\n", at),
                    record(NOT_UTF8, at),
                    record("{\"event_uuid\":\"x\",\"event_name\":", at),
                    record("", at),
                    record(" \t\r\n ", at),
                    record("{\"a\":\n", at),
                    record("two\nlines", at),
                    record(NOT_UTF8_TWO_LINES, at))
                .withCoder(ByteArrayCoder.of()))
        .apply("WriteBronzeFiles", bronze(RUN, 100, false));
    p.run().waitUntilFinish();

    Map<String, byte[]> files = bronzeFileBytes();
    assertThat(files.keySet())
        .containsExactlyInAnyOrder(
            HOUR_00 + "0000" + OF_1, "2026/01/01/00/_unframed/" + HOUR_FILE_0000);
    // The framed records: each one's bytes, then \n. Order within a file is not defined.
    List<String> framed =
        List.of(
            latin1("{\"a\":1}\n"),
            latin1("{\n  \"pretty\": {\"nested\": [1, \"}\\\"{\"]}\n}\n"),
            latin1("{\"first\":1}\n{\"second\":2}\n"),
            latin1("{\"crlf\":1}\r\n\n"),
            new String(NOT_UTF8, StandardCharsets.ISO_8859_1) + "\n",
            latin1("{\"event_uuid\":\"x\",\"event_name\":\n"));
    assertThat(chunksOf(files.get(HOUR_00 + "0000" + OF_1), framed))
        .containsExactlyInAnyOrderElementsOf(framed);
    // The others, in _unframed/: reason, arrival and the exact bytes.
    assertThat(new String(files.get("2026/01/01/00/_unframed/" + HOUR_FILE_0000), UTF8).lines())
        .containsExactlyInAnyOrder(
            unframedLine("empty_record", new byte[0]),
            unframedLine("blank_record", " \t\r\n ".getBytes(UTF8)),
            unframedLine("line_break_in_non_json", "{\"a\":\n".getBytes(UTF8)),
            unframedLine("line_break_in_non_json", "two\nlines".getBytes(UTF8)),
            unframedLine("line_break_in_non_json", NOT_UTF8_TWO_LINES));
  }

  private static String unframedLine(String reason, byte[] raw) {
    return "{\"reason\":\""
        + reason
        + "\",\"arrival\":\"2026-01-01T00:01:00Z\",\"raw_base64\":\""
        + Base64.getEncoder().encodeToString(raw)
        + "\"}";
  }

  @Test
  void whatTheFramingCarriesAndWhatItCannot() {
    assertThat(WriteBronzeFiles.unframed("{\"a\":1}".getBytes(UTF8))).isNull();
    assertThat(WriteBronzeFiles.unframed("not json".getBytes(UTF8))).isNull();
    assertThat(WriteBronzeFiles.unframed(NOT_UTF8)).isNull();
    assertThat(WriteBronzeFiles.unframed("{\n\"a\":[1,\n2]}\r\n".getBytes(UTF8))).isNull();
    assertThat(WriteBronzeFiles.unframed("1\n2\n\"x\"".getBytes(UTF8))).isNull();
    assertThat(WriteBronzeFiles.unframed(new byte[0])).isEqualTo(Unframed.EMPTY_RECORD);
    assertThat(WriteBronzeFiles.unframed("\n".getBytes(UTF8))).isEqualTo(Unframed.BLANK_RECORD);
    assertThat(WriteBronzeFiles.unframed(" ".getBytes(UTF8))).isEqualTo(Unframed.BLANK_RECORD);
    // A raw line break inside a JSON string is not JSON either.
    assertThat(WriteBronzeFiles.unframed("{\"a\":\"x\ny\"}".getBytes(UTF8)))
        .isEqualTo(Unframed.LINE_BREAK_IN_NON_JSON);
    assertThat(WriteBronzeFiles.unframed("{\"a\":1}\nx".getBytes(UTF8)))
        .isEqualTo(Unframed.LINE_BREAK_IN_NON_JSON);
    assertThat(WriteBronzeFiles.unframed(NOT_UTF8_TWO_LINES))
        .isEqualTo(Unframed.LINE_BREAK_IN_NON_JSON);
  }

  @Test
  void aSecondLaunchReplayingTheSameRecordsWritesNewFilesBesideTheFirst() throws IOException {
    for (String run : List.of("launch1", "launch2")) {
      Pipeline p = pipeline();
      p.apply(
              Create.timestamped(record("{\"x\":1}", H0.plus(MINUTE)))
                  .withCoder(ByteArrayCoder.of()))
          .apply("WriteBronzeFiles", bronze(run, 100, false));
      p.run().waitUntilFinish();
    }

    assertThat(bronzeFiles())
        .containsExactly(
            Map.entry("2026/01/01/00/events-2026-01-01-00-launch1-pane-0000" + OF_1, "{\"x\":1}\n"),
            Map.entry(
                "2026/01/01/00/events-2026-01-01-00-launch2-pane-0000" + OF_1, "{\"x\":1}\n"));
  }

  @Test
  void gzipFilesAreReadBackByTheSilverReader() throws IOException {
    Pipeline p = pipeline();
    p.apply(
            Create.timestamped(
                    record("{\"x\":1}", H0.plus(MINUTE)), record("{\"x\":2}", H0.plus(MINUTE)))
                .withCoder(ByteArrayCoder.of()))
        .apply("WriteBronzeFiles", bronze(RUN, 100, true));
    p.run().waitUntilFinish();

    Map<String, String> files = bronzeFiles();
    assertThat(files).hasSize(1);
    String name = files.keySet().iterator().next();
    assertThat(name)
        .startsWith("2026/01/01/00/events-2026-01-01-00-run1-pane-")
        .endsWith(".jsonl.gz");
    assertThat(files.get(name).lines().sorted()).containsExactly("{\"x\":1}", "{\"x\":2}");

    Pipeline read = pipeline();
    PCollection<String> lines =
        read.apply(
                "ReadBronze",
                ReadBronzeEvents.forHours(
                    LakeLayout.at(lakeDir.toString()),
                    List.of(java.time.Instant.ofEpochMilli(H0.getMillis()))))
            .apply(
                "Text",
                MapElements.into(TypeDescriptors.strings())
                    .via(r -> new String(r.bytes(), StandardCharsets.UTF_8)));
    PAssert.that(lines).containsInAnyOrder("{\"x\":1}", "{\"x\":2}");
    read.run().waitUntilFinish();
  }

  /**
   * The file as a sequence of {@code chunks}, in any order, each exactly once: the bytes as
   * ISO-8859-1 text (one char a byte), so that a byte that is not UTF-8 compares too.
   */
  private static List<String> chunksOf(byte[] file, List<String> chunks) {
    String text = new String(file, StandardCharsets.ISO_8859_1);
    List<String> left = new java.util.ArrayList<>(chunks);
    left.sort(java.util.Comparator.comparingInt(String::length).reversed());
    List<String> found = new java.util.ArrayList<>();
    int at = 0;
    while (at < text.length()) {
      String next = null;
      for (String chunk : left) {
        if (text.startsWith(chunk, at)) {
          next = chunk;
          break;
        }
      }
      if (next == null) {
        found.add(text.substring(at));
        break;
      }
      found.add(next);
      left.remove(next);
      at += next.length();
    }
    return found;
  }

  private static String latin1(String utf8Text) {
    return new String(utf8Text.getBytes(UTF8), StandardCharsets.ISO_8859_1);
  }

  /** Every file under bronze/events, by path relative to it, with its (gunzipped) text. */
  private Map<String, String> bronzeFiles() throws IOException {
    Map<String, String> files = new TreeMap<>();
    bronzeFileBytes().forEach((name, bytes) -> files.put(name, new String(bytes, UTF8)));
    return files;
  }

  /** Every file under bronze/events, by path relative to it, with its (gunzipped) bytes. */
  private Map<String, byte[]> bronzeFileBytes() throws IOException {
    Path root = lakeDir.resolve("bronze/events");
    Map<String, byte[]> files = new TreeMap<>();
    try (Stream<Path> walk = Files.walk(root)) {
      for (Path f : walk.filter(Files::isRegularFile).toList()) {
        try (InputStream in = Files.newInputStream(f);
            ByteArrayOutputStream out = new ByteArrayOutputStream()) {
          (f.toString().endsWith(".gz") ? new GZIPInputStream(in) : in).transferTo(out);
          files.put(root.relativize(f).toString(), out.toByteArray());
        }
      }
    }
    return files;
  }
}
