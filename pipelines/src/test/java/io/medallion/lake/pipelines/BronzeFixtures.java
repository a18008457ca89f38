package io.medallion.lake.pipelines;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.zip.GZIPOutputStream;

/** Writes bronze files for tests: the public fixtures, hostile names and malformed records. */
final class BronzeFixtures {
  static final Instant MARCH = Instant.parse("2024-03-24T21:00:00Z");
  static final Instant APRIL = Instant.parse("2024-04-07T17:00:00Z");
  static final Instant AUGUST = Instant.parse("2021-08-17T21:00:00Z");
  static final Instant EMPTY_HOUR = Instant.parse("2024-03-24T22:00:00Z");

  /** Valid events with names that try to escape or bend the partition layout. */
  static final List<String> HOSTILE =
      List.of(
          "{\"event_uuid\":\"h1\",\"event_name\":\"../../x:y\",\"created_at\":1711315000}",
          "{\"event_uuid\":\"h2\",\"event_name\":\"A/B:c\",\"created_at\":1711315001}",
          "{\"event_uuid\":\"h3\",\"event_name\":\"Lesson:Started\",\"created_at\":1711315002}",
          "{\"event_uuid\":\"h4\",\"event_name\":\"Café:Bestellt\",\"created_at\":1711315003}",
          "{\"event_uuid\":\"h5\",\"event_name\":\"事件:开始\",\"created_at\":1711315004}");

  static final List<String> MALFORMED =
      List.of(
          "{\"event_uuid\":\"m1\",\"event_name\":\"lesson:started\"",
          "{\"event_uuid\":\"m2\",\"event_name\":\"lesson::started\",\"created_at\":1711315195}",
          "{\"event_uuid\":\"m3\",\"event_name\":\"lesson:started\",\"created_at\":\"yesterday\"}",
          "[]",
          "");

  private BronzeFixtures() {}

  static List<String> publicFixtures() throws IOException {
    try (InputStream in =
        BronzeFixtures.class.getResourceAsStream("/fixtures/events/public-fixtures.jsonl")) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().toList();
    }
  }

  static Path hourDir(Path lake, Instant hour) {
    return lake.resolve(
        "bronze/events/"
            + DateTimeFormatter.ofPattern("yyyy/MM/dd/HH").withZone(ZoneOffset.UTC).format(hour));
  }

  static void write(Path lake, Instant hour, String name, List<String> lines, String ending)
      throws IOException {
    Path file = hourDir(lake, hour).resolve(name);
    Files.createDirectories(file.getParent());
    Files.writeString(file, String.join(ending, lines) + ending, StandardCharsets.UTF_8);
  }

  static void writeGzip(Path lake, Instant hour, String name, List<String> lines)
      throws IOException {
    Path dir = hourDir(lake, hour);
    Files.createDirectories(dir);
    try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(dir.resolve(name)))) {
      out.write((String.join("\n", lines) + "\n").getBytes(StandardCharsets.UTF_8));
    }
  }

  /** A gzip file holding {@code text} as is, under any name. */
  static void writeGzipBytes(Path lake, Instant hour, String name, String text) throws IOException {
    Path dir = hourDir(lake, hour);
    Files.createDirectories(dir);
    try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(dir.resolve(name)))) {
      out.write(text.getBytes(StandardCharsets.UTF_8));
    }
  }

  /**
   * The standard test lake: March 24 21h holds fixtures 1–4 (LF), the hostile names (CRLF) and the
   * malformed records (gzip); April 7 17h holds fixtures 5–6; August 17 2021 21h holds fixture 7.
   * 16 records in all: 12 valid (one an exact duplicate), 4 malformed (the blank line in the gzip
   * file separates records, it is not one); plus a hidden in-flight file that must not be read.
   */
  static void writeStandardLake(Path lake) throws IOException {
    List<String> fixtures = publicFixtures();
    write(lake, MARCH, "part-a.jsonl", fixtures.subList(0, 4), "\n");
    write(lake, MARCH, "part-b.jsonl", HOSTILE, "\r\n");
    writeGzip(lake, MARCH, "part-c.jsonl.gz", MALFORMED);
    write(lake, MARCH, ".in-flight.jsonl", List.of("{\"never\":\"read\"}"), "\n");
    write(lake, APRIL, "part-a.jsonl", fixtures.subList(4, 6), "\n");
    write(lake, AUGUST, "part-a.jsonl", fixtures.subList(6, 7), "\n");
  }
}
