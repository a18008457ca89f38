package io.medallion.lake.io;

import static org.assertj.core.api.Assertions.assertThat;

import io.medallion.lake.layout.LakeLayout;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
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
 * count and by time, a record arriving after its hour closed, and an hour with no records.
 */
class WriteBronzeFilesTest {
  private static final Instant H0 = Instant.parse("2026-01-01T00:00:00Z");
  private static final Duration MINUTE = Duration.standardMinutes(1);
  private static final String RUN = "run1";

  @TempDir Path lakeDir;

  private static TimestampedValue<byte[]> record(String text, Instant arrival) {
    return TimestampedValue.of(text.getBytes(StandardCharsets.UTF_8), arrival);
  }

  private WriteBronzeFiles bronze(int maxRecords, boolean gzip) {
    return WriteBronzeFiles.to(LakeLayout.at(lakeDir.toString()), RUN)
        .bufferInterval(MINUTE)
        .bufferMaxRecords(maxRecords)
        .allowedLateness(Duration.standardHours(2))
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
            // Hour 03: a record with a line break, flushed when the stream ends.
            .addElements(record("{\"d\":\r\n4}", H0.plus(Duration.standardMinutes(181))))
            .advanceWatermarkToInfinity();

    Pipeline p = pipeline();
    PCollection<String> files = p.apply(stream).apply("WriteBronzeFiles", bronze(3, false));
    String root = lakeDir.toAbsolutePath() + "/bronze/events/";
    PAssert.that(files)
        .containsInAnyOrder(
            root + "2026/01/01/00/events-2026-01-01-00-run1-pane-0000-shard-00000-of-00001.jsonl",
            root + "2026/01/01/00/events-2026-01-01-00-run1-pane-0001-shard-00000-of-00001.jsonl",
            root + "2026/01/01/00/events-2026-01-01-00-run1-pane-0002-shard-00000-of-00001.jsonl",
            root + "2026/01/01/01/events-2026-01-01-01-run1-pane-0000-shard-00000-of-00001.jsonl",
            root + "2026/01/01/03/events-2026-01-01-03-run1-pane-0000-shard-00000-of-00001.jsonl");
    p.run().waitUntilFinish();

    assertThat(bronzeFiles())
        .containsExactly(
            Map.entry(
                "2026/01/01/00/events-2026-01-01-00-run1-pane-0000-shard-00000-of-00001.jsonl",
                "{\"a\":1}\nnot json, still bronze\n{\"a\":1}\n"),
            Map.entry(
                "2026/01/01/00/events-2026-01-01-00-run1-pane-0001-shard-00000-of-00001.jsonl",
                "{\"b\":2}\n"),
            Map.entry(
                "2026/01/01/00/events-2026-01-01-00-run1-pane-0002-shard-00000-of-00001.jsonl",
                "{\"late\":true}\n"),
            Map.entry(
                "2026/01/01/01/events-2026-01-01-01-run1-pane-0000-shard-00000-of-00001.jsonl",
                "{\"c\":3}\n"),
            Map.entry(
                "2026/01/01/03/events-2026-01-01-03-run1-pane-0000-shard-00000-of-00001.jsonl",
                "{\"d\":  4}\n"));
    assertThat(lakeDir.resolve("bronze/events/2026/01/01/02")).doesNotExist();
  }

  @Test
  void gzipFilesAreReadBackByTheSilverReader() throws IOException {
    Pipeline p = pipeline();
    p.apply(
            Create.timestamped(
                    record("{\"x\":1}", H0.plus(MINUTE)), record("{\"x\":2}", H0.plus(MINUTE)))
                .withCoder(ByteArrayCoder.of()))
        .apply("WriteBronzeFiles", bronze(100, true));
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

  /** Every file under bronze/events, by path relative to it, with its (gunzipped) text. */
  private Map<String, String> bronzeFiles() throws IOException {
    Path root = lakeDir.resolve("bronze/events");
    Map<String, String> files = new TreeMap<>();
    try (Stream<Path> walk = Files.walk(root)) {
      for (Path f : walk.filter(Files::isRegularFile).toList()) {
        byte[] bytes;
        try (InputStream in = Files.newInputStream(f)) {
          bytes =
              f.toString().endsWith(".gz")
                  ? new GZIPInputStream(in).readAllBytes()
                  : in.readAllBytes();
        }
        files.put(root.relativize(f).toString(), new String(bytes, StandardCharsets.UTF_8));
      }
    }
    return files;
  }
}
