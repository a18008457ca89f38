package io.medallion.lake.io;

import io.medallion.lake.layout.LakeLayout;
import io.medallion.lake.testing.TestPipelines;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bronze files as producers and Firehose write them, read back as records with their source. */
class ReadBronzeEventsTest {
  private static final Instant HOUR = Instant.parse("2024-06-10T06:00:00Z");
  private static final String A1 =
      "{\"event_uuid\":\"a1\",\"event_name\":\"lesson:started\",\"created_at\":1718000000}";
  private static final String A2 =
      "{\"event_uuid\":\"a2\",\"event_name\":\"lesson:ended\",\"created_at\":1718000060}";
  private static final String PRETTY = "{\n  \"event_uuid\": \"p1\",\n  \"n\": {\"a\": [1]}\n}";

  @TempDir Path lake;

  private Path hourDir() throws IOException {
    Path dir = lake.resolve("bronze/events/2024/06/10/06");
    Files.createDirectories(dir);
    return dir;
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

  @Test
  void readsRecordsByContentWhateverTheFileIsCalled() throws IOException {
    // Arrange
    Path dir = hourDir();
    // Firehose: no delimiter, gzip without a .gz name, two gzip members (two appended writes).
    Files.write(dir.resolve("firehose-1"), concat(gzip(A1 + A2), gzip(A1)));
    // Named .gz, but plain text: a pretty-printed record, then a truncated one and a good one.
    Files.writeString(dir.resolve("plain.jsonl.gz"), PRETTY + "\r\n{\"event_uuid\":\"t\n" + A2);
    Files.write(dir.resolve("empty.jsonl"), new byte[0]);
    Files.writeString(dir.resolve("bom.jsonl"), "\uFEFF" + A1 + "\n\n");
    Files.writeString(dir.resolve(".in-flight.jsonl"), A1);
    Files.writeString(dir.resolve("_hidden.jsonl"), A1);
    TestPipeline p = TestPipelines.create();

    // Act
    PCollection<String> records =
        p.apply(ReadBronzeEvents.forHours(LakeLayout.at(lake.toString()), List.of(HOUR)))
            .apply(
                MapElements.into(TypeDescriptors.strings())
                    .via(
                        r ->
                            r.arrivalHour()
                                + " "
                                + r.source().substring(r.source().lastIndexOf('/') + 1)
                                + "@"
                                + r.offset()
                                + " "
                                + new String(r.bytes(), StandardCharsets.UTF_8)));

    // Assert
    String h = HOUR.toString();
    int pretty = PRETTY.length();
    PAssert.that(records)
        .containsInAnyOrder(
            h + " firehose-1:1@0 " + A1,
            h + " firehose-1:1@" + A1.length() + " " + A2,
            h + " firehose-1:1@" + (A1.length() + A2.length()) + " " + A1,
            h + " plain.jsonl.gz:1@0 " + PRETTY,
            h + " plain.jsonl.gz:5@" + (pretty + 2) + " {\"event_uuid\":\"t",
            h + " plain.jsonl.gz:6@" + (pretty + 2 + 17) + " " + A2,
            h + " bom.jsonl:1@3 " + A1);
    TestPipelines.run(p);
  }
}
