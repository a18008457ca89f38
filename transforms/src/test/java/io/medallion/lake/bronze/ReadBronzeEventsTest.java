package io.medallion.lake.bronze;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.medallion.lake.bronze.WriteBronzeFiles.Unframed;
import io.medallion.lake.bronze.WriteBronzeFiles.UnframedLine;
import io.medallion.lake.events.EventParser;
import io.medallion.lake.layout.LakeLayout;
import io.medallion.lake.testing.TestPipelines;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;
import org.apache.beam.sdk.Pipeline.PipelineExecutionException;
import org.apache.beam.sdk.io.Compression;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bronze files as producers and Firehose write them, read back as records with their source; the
 * bronze writer's {@code _unframed/} lines; gzip files that cannot be decoded to their end.
 */
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

  /** Gzip with stored (uncompressed) deflate blocks: the content sits in the file as is. */
  private static byte[] gzipStored(String text) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (GZIPOutputStream out =
        new GZIPOutputStream(bytes) {
          {
            def.setLevel(Deflater.NO_COMPRESSION);
          }
        }) {
      out.write(text.getBytes(StandardCharsets.UTF_8));
    }
    return bytes.toByteArray();
  }

  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream all = new ByteArrayOutputStream();
    for (byte[] part : parts) {
      all.writeBytes(part);
    }
    return all.toByteArray();
  }

  private static byte[] utf8(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  /**
   * Each record as {@code <file>:<line>@<offset> <reason or "-"> <bytes>}, bytes as text when the
   * record is read from the content or is an {@code _unframed/} line, else in base64.
   */
  private PCollection<String> readHour() {
    TestPipeline p = pipeline;
    return p.apply(ReadBronzeEvents.forHours(LakeLayout.at(lake.toString()), List.of(HOUR)))
        .apply(
            MapElements.into(TypeDescriptors.strings())
                .via(
                    r -> {
                      String file = r.source().substring(r.source().lastIndexOf('/') + 1);
                      EventParser.Rejection why = r.rejection();
                      boolean binary =
                          why != null && why.reason() == EventParser.Reason.INVALID_COMPRESSION;
                      return file
                          + "@"
                          + r.offset()
                          + " "
                          + (why == null ? "-" : why.reason().code() + " (" + why.detail() + ")")
                          + " "
                          + (binary
                              ? Base64.getEncoder().encodeToString(r.bytes())
                              : new String(r.bytes(), StandardCharsets.UTF_8));
                    }));
  }

  private TestPipeline pipeline = TestPipelines.create();

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

  @Test
  void aGzipCutMidStreamKeepsWhatItHeldAndQuarantinesTheFileItsRecordsCameFrom()
      throws IOException {
    // Arrange: stored deflate blocks put the content in the file as is, so the cut is exact: 10
    // bytes of gzip header, 5 of block header, A1 and its \n, then 10 bytes of A2.
    Path dir = hourDir();
    byte[] stored = gzipStored(A1 + "\n" + A2 + "\n");
    int cut = 10 + 5 + A1.length() + 1 + 10;
    byte[] truncated = Arrays.copyOf(stored, cut);
    Files.write(dir.resolve("cut.jsonl.gz"), truncated);
    // The whole deflate stream, but no trailer: everything it held is read.
    byte[] good = gzip(A1 + "\n");
    byte[] noTrailer = Arrays.copyOf(good, good.length - 8);
    Files.write(dir.resolve("no-trailer.gz"), noTrailer);

    // Act
    PCollection<String> records = readHour();

    // Assert
    PAssert.that(records)
        .containsInAnyOrder(
            "cut.jsonl.gz:1@0 - " + A1,
            "cut.jsonl.gz:2@" + (A1.length() + 1) + " - " + A2.substring(0, 10),
            "cut.jsonl.gz@0 invalid_compression (gzip member 1 broke: EOFException, after giving "
                + (A1.length() + 11)
                + " bytes, read as records; compressed bytes 0 to "
                + cut
                + " of "
                + cut
                + ") "
                + Base64.getEncoder().encodeToString(truncated),
            "no-trailer.gz:1@0 - " + A1,
            "no-trailer.gz@0 invalid_compression (gzip member 1 broke: EOFException, after giving "
                + (A1.length() + 1)
                + " bytes, read as records; compressed bytes 0 to "
                + noTrailer.length
                + " of "
                + noTrailer.length
                + ") "
                + Base64.getEncoder().encodeToString(noTrailer));
    TestPipelines.run(pipeline);
  }

  @Test
  void aCorruptMemberAfterAGoodOneIsQuarantinedFromItsFirstByteToTheEnd() throws IOException {
    // Arrange
    Path dir = hourDir();
    byte[] first = gzip(A1 + "\n");
    // Block type 11 (reserved) in the first deflate byte: the member breaks before any output.
    byte[] corrupt = gzipStored(A2 + "\n");
    corrupt[10] = 0x07;
    byte[] third = gzip(A1 + "\n");
    Files.write(dir.resolve("corrupt.gz"), concat(first, corrupt, third));
    // A checksum that does not match: the member decodes, its bytes are read, and it is kept.
    byte[] badCrc = gzip(A2 + "\n");
    badCrc[badCrc.length - 8] ^= 1;
    Files.write(dir.resolve("bad-crc.gz"), concat(first, badCrc));

    // Act
    PCollection<String> records = readHour();

    // Assert
    int total = first.length + corrupt.length + third.length;
    PAssert.that(records)
        .containsInAnyOrder(
            "corrupt.gz:1@0 - " + A1,
            "corrupt.gz@"
                + first.length
                + " invalid_compression (gzip member 2 broke: Gzip-compressed data is corrupt"
                + "; compressed bytes "
                + first.length
                + " to "
                + total
                + " of "
                + total
                + ") "
                + Base64.getEncoder().encodeToString(concat(corrupt, third)),
            "bad-crc.gz:1@0 - " + A1,
            "bad-crc.gz:2@" + (A1.length() + 1) + " - " + A2,
            "bad-crc.gz@"
                + first.length
                + " invalid_compression (gzip member 2 broke: Gzip-compressed data is corrupt"
                + " (CRC32 error), after giving "
                + (A2.length() + 1)
                + " bytes, read as records; compressed bytes "
                + first.length
                + " to "
                + (first.length + badCrc.length)
                + " of "
                + (first.length + badCrc.length)
                + ") "
                + Base64.getEncoder().encodeToString(badCrc));
    TestPipelines.run(pipeline);
  }

  @Test
  void bytesAfterTheLastGzipMemberAreQuarantinedNotDroppedNorAFailure() throws IOException {
    // Arrange: Java's GZIPInputStream ignores what follows a member when it is no gzip header;
    // Beam's Compression.GZIP (commons-compress) fails on it, without saying where.
    byte[] member = gzip(A1 + "\n" + A2 + "\n");
    byte[] file = concat(member, utf8("{\"event_uuid\":\"tail\"}\n"), new byte[] {0, 0});
    Files.write(hourDir().resolve("garbage-after.gz"), file);
    InputStream beam =
        Channels.newInputStream(
            Compression.GZIP.readDecompressed(Channels.newChannel(new ByteArrayInputStream(file))));
    assertThatThrownBy(beam::readAllBytes).hasMessageContaining("Garbage after a valid .gz");

    // Act
    PCollection<String> records = readHour();

    // Assert
    PAssert.that(records)
        .containsInAnyOrder(
            "garbage-after.gz:1@0 - " + A1,
            "garbage-after.gz:2@" + (A1.length() + 1) + " - " + A2,
            "garbage-after.gz@"
                + member.length
                + " invalid_compression (bytes after gzip member 1 are not gzip; compressed bytes "
                + member.length
                + " to "
                + file.length
                + " of "
                + file.length
                + ") "
                + Base64.getEncoder()
                    .encodeToString(Arrays.copyOfRange(file, member.length, file.length)));
    TestPipelines.run(pipeline);
  }

  @Test
  void aBigFileThatFailsAtOnceIsQuarantinedWholeInPartsOfAtMostOneMebibyte() throws IOException {
    // Arrange: gzip's magic bytes, then compression method 0 (only 8, deflate, exists).
    int mib = EventParser.MAX_RECORD_BYTES;
    byte[] file = new byte[2 * mib + 100];
    for (int i = 0; i < file.length; i++) {
      file[i] = (byte) (i * 31 + 7);
    }
    file[0] = 0x1f;
    file[1] = (byte) 0x8b;
    file[2] = 0;
    Files.write(hourDir().resolve("not-really.gz"), file);

    // Act
    PCollection<String> records = readHour();

    // Assert: three records, in order of offset, whose bytes are the file exactly
    String why =
        "invalid_compression (gzip member 1 has a bad header: Unsupported compression method 0 in the .gz header";
    PAssert.that(records)
        .containsInAnyOrder(
            "not-really.gz@0 "
                + why
                + "; compressed bytes 0 to "
                + mib
                + " of "
                + file.length
                + ", part 1 of 3) "
                + Base64.getEncoder().encodeToString(Arrays.copyOfRange(file, 0, mib)),
            "not-really.gz@"
                + mib
                + " "
                + why
                + "; compressed bytes "
                + mib
                + " to "
                + 2 * mib
                + " of "
                + file.length
                + ", part 2 of 3) "
                + Base64.getEncoder().encodeToString(Arrays.copyOfRange(file, mib, 2 * mib)),
            "not-really.gz@"
                + 2 * mib
                + " "
                + why
                + "; compressed bytes "
                + 2 * mib
                + " to "
                + file.length
                + " of "
                + file.length
                + ", part 3 of 3) "
                + Base64.getEncoder()
                    .encodeToString(Arrays.copyOfRange(file, 2 * mib, file.length)));
    TestPipelines.run(pipeline);
  }

  @Test
  void unframedLinesAreTheWritersRecordsWithTheirOriginalBytes() throws IOException {
    // Arrange: lines written by the bronze writer's own format, then lines it never writes.
    Path dir = hourDir().resolve("_unframed");
    Files.createDirectories(dir);
    Instant arrival = HOUR.plusSeconds(61);
    List<String> lines =
        List.of(
            line(new UnframedLine(Unframed.EMPTY_RECORD, arrival, new byte[0])),
            line(new UnframedLine(Unframed.BLANK_RECORD, arrival, utf8(" \r\n"))),
            line(new UnframedLine(Unframed.LINE_BREAK_IN_NON_JSON, arrival, utf8("two\nlines"))),
            "{\"reason\":\"empty_record\",\"arrival\":\"2024-06-10T06:01:01Z\",\"raw_base64\":\"!!\"}",
            "{\"reason\":\"empty_record\",\"arrival\":\"2024-06-10T06:01:01Z\",\"raw_base64\":\"eA==\"}",
            "{\"reason\":\"empty_record\",\"arrival\":\"2024-06-10T07:00:00Z\",\"raw_base64\":\"\"}",
            "not json");
    Files.writeString(
        dir.resolve("events-x.jsonl"), String.join("\n", lines) + "\n", StandardCharsets.UTF_8);
    long second = lines.get(0).length() + 1;
    long third = second + lines.get(1).length() + 1;
    long[] at = new long[lines.size()];
    for (int i = 1; i < lines.size(); i++) {
      at[i] = at[i - 1] + lines.get(i - 1).length() + 1;
    }

    // Act
    PCollection<String> records = readHour();

    // Assert: the writer's lines give back their records; the others are quarantined as lines
    String bad = " invalid_unframed_line (";
    PAssert.that(records)
        .containsInAnyOrder(
            "events-x.jsonl:1@0 - ",
            "events-x.jsonl:2@" + second + " -  \r\n",
            "events-x.jsonl:3@" + third + " - two\nlines",
            "events-x.jsonl:4@"
                + at[3]
                + bad
                + "raw_base64 is not base64: Illegal base64 character 21) "
                + lines.get(3),
            "events-x.jsonl:5@"
                + at[4]
                + bad
                + "the line says empty_record but its bytes are a framed record) "
                + lines.get(4),
            "events-x.jsonl:6@"
                + at[5]
                + bad
                + "arrival 2024-06-10T07:00:00Z is not in the folder's hour 2024-06-10T06:00:00Z) "
                + lines.get(5),
            "events-x.jsonl:7@"
                + at[6]
                + bad
                + "not JSON: Unrecognized token 'not': was expecting (JSON String, Number, Array,"
                + " Object or token 'null', 'true' or 'false')) "
                + lines.get(6));
    TestPipelines.run(pipeline);
  }

  private static String line(UnframedLine line) {
    return new String(line.toJson(), StandardCharsets.UTF_8);
  }

  @Test
  void aFileGoneBetweenItsListingAndItsReadingFailsTheRunNamingIt() throws IOException {
    // Arrange: the pipeline lists the hour's files as it is built; the file goes before the run.
    Path file = hourDir().resolve("gone.jsonl");
    Files.writeString(file, A1);
    pipeline.apply(ReadBronzeEvents.forHours(LakeLayout.at(lake.toString()), List.of(HOUR)));
    Files.delete(file);

    // Act, Assert
    assertThatThrownBy(() -> pipeline.run().waitUntilFinish())
        .isInstanceOf(PipelineExecutionException.class)
        .hasMessageContaining("cannot read bronze file " + file)
        .hasMessageContaining("FileNotFoundException");
  }
}
