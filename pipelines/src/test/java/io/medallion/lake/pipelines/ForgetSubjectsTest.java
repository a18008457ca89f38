package io.medallion.lake.pipelines;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.medallion.lake.bronze.BronzeFileContent;
import io.medallion.lake.bronze.JsonRecordSplitter;
import io.medallion.lake.bronze.WriteBronzeFiles;
import io.medallion.lake.commit.Reports;
import io.medallion.lake.erasure.ErasureReceipt;
import io.medallion.lake.erasure.Subjects;
import io.medallion.lake.layout.LakeLayout;
import io.medallion.lake.pipelines.options.EmbeddedFlink;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code lake forget} end to end on a lake promoted by silver: bronze over four hours of three days
 * (plain LF and CRLF, concatenated records, gzip of two members, a gzip file with an undecodable
 * tail, an {@code _unframed/} line, a duplicate, a malformed and a non-UTF-8 record holding the id,
 * files silver skips) and the quarantine silver wrote. After {@code forget} no bronze or quarantine
 * file, decoded, holds the value; every other record is byte-identical; the receipt has the counts
 * and the hash only; {@code --dryRun} predicted them; a second run finds nothing; promoting the
 * hours again quarantines nothing of the subject.
 */
class ForgetSubjectsTest {
  private static final String SUBJECT = "learner-0001";
  private static final Instant H1 = Instant.parse("2026-01-01T22:00:00Z");
  private static final Instant H2 = Instant.parse("2026-01-01T23:00:00Z");
  private static final Instant H3 = Instant.parse("2026-01-02T00:00:00Z");
  private static final Instant H4 = Instant.parse("2026-01-03T05:00:00Z");
  private static final List<Instant> HOURS = List.of(H1, H2, H3, H4);

  private static final List<String> DIRECT = List.of("--runner=DirectRunner");

  /** The launcher's Flink defaults, at this machine's size, on 127.0.0.1 only. */
  private static final List<String> FLINK = EmbeddedFlink.batchArgs(2);

  static {
    System.setProperty("org.slf4j.simpleLogger.log.org.apache.flink", "warn");
    System.setProperty("org.slf4j.simpleLogger.log.org.apache.flink.metrics.MetricGroup", "error");
    System.setProperty("org.slf4j.simpleLogger.log.org.apache.beam.runners.flink", "warn");
    System.setProperty("org.slf4j.simpleLogger.log.org.apache.pekko", "warn");
  }

  @TempDir Path lake;

  private static String event(String uuid, String user, Instant hour) {
    return "{\"event_uuid\":\""
        + uuid
        + "\",\"event_name\":\"lesson:started\",\"created_at\":"
        + (hour.getEpochSecond() + 60)
        + ",\"user_id\":\""
        + user
        + "\",\"score\":1.50}";
  }

  private static byte[] gzip(String text) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (OutputStream out = new GZIPOutputStream(bytes)) {
      out.write(text.getBytes(StandardCharsets.UTF_8));
    }
    return bytes.toByteArray();
  }

  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static void put(Path lake, Instant hour, String name, byte[] bytes) throws IOException {
    Path file = BronzeFixtures.hourDir(lake, hour).resolve(name);
    Files.createDirectories(file.getParent());
    Files.write(file, bytes);
  }

  private static void writeBronze(Path lake) throws IOException {
    String o2 = "learner-0002";
    String o3 = "learner-0003";
    put(
        lake,
        H1,
        "part-a.jsonl",
        utf8(
            String.join(
                "\n",
                event("a1", SUBJECT, H1),
                event("a2", o2, H1),
                event("a1", SUBJECT, H1),
                "{\"event_uuid\":\"a3\",\"user_id\":\"" + SUBJECT + "\",\"created_at\":",
                event("a4", o3, H1),
                event("a5", SUBJECT, H1).replace("lesson:started", "lesson::x"),
                event("a6", o2, H1).replace("lesson:started", "lesson::x"),
                "")));
    put(
        lake,
        H2,
        "part-b.jsonl.gz",
        concat(
            gzip(event("b1", SUBJECT, H2) + "\n" + event("b2", o2, H2) + "\n"),
            gzip(event("b3", o3, H2) + "\n" + event("b4", SUBJECT, H2) + "\n")));
    put(
        lake,
        H2,
        "part-c.jsonl.gz",
        concat(gzip(event("c1", o2, H2) + "\n"), new byte[] {0, 0, 'j', 'u', 'n', 'k'}));
    put(
        lake,
        H3,
        "part-d.jsonl",
        concat(
            utf8(event("d1", o2, H3) + event("d2", SUBJECT, H3) + "\r\n" + event("d3", o3, H3)),
            utf8("\r\n{\"event_uuid\":\"d4\",\"user_id\":\"" + SUBJECT + "\",\"x\":\""),
            new byte[] {(byte) 0xC3, 0x28},
            utf8("\"}\r\n")));
    Instant arrival = H3.plusSeconds(90);
    byte[] subjectLine =
        new WriteBronzeFiles.UnframedLine(
                WriteBronzeFiles.Unframed.LINE_BREAK_IN_NON_JSON,
                arrival,
                utf8("user_id=\"" + SUBJECT + "\"\nrest"))
            .toJson();
    byte[] otherLine =
        new WriteBronzeFiles.UnframedLine(
                WriteBronzeFiles.Unframed.LINE_BREAK_IN_NON_JSON,
                arrival,
                utf8("user_id=\"" + o2 + "\"\nrest"))
            .toJson();
    put(lake, H3, "_unframed/part-u.jsonl", concat(subjectLine, utf8("\n"), otherLine, utf8("\n")));
    put(lake, H3, "_in-flight.jsonl", utf8(event("d5", SUBJECT, H3) + "\n"));
    put(lake, H4, "part-e.jsonl", utf8(event("e1", SUBJECT, H4) + "\n"));
    put(lake, H4, "part-f.jsonl", utf8(event("f1", o2, H4) + "\n"));
    put(lake, H4, ".hidden.jsonl", utf8(event("g1", o2, H4) + "\n" + event("g2", SUBJECT, H4)));
  }

  private ForgetSubjects.Outcome forget(String requestId, boolean dryRun) throws Exception {
    return forget(lake, requestId, dryRun, DIRECT);
  }

  private static ForgetSubjects.Outcome forget(
      Path lake, String requestId, boolean dryRun, List<String> runner) throws Exception {
    List<String> args =
        new ArrayList<>(
            List.of(
                "--lake=" + lake,
                "--field=user_id",
                "--value=" + SUBJECT,
                "--requestId=" + requestId));
    if (dryRun) {
      args.add("--dryRun");
    }
    args.addAll(runner);
    ForgetSubjects.Options options =
        PipelineOptionsFactory.fromArgs(args.toArray(String[]::new))
            .as(ForgetSubjects.Options.class);
    ForgetSubjects.Config config = ForgetSubjects.Config.from(options).orElseThrow();
    return ForgetSubjects.run(options, config);
  }

  @Test
  void forgetsTheSubjectInBronzeAndQuarantineAndKeepsEveryOtherRecordByteForByte()
      throws Exception {
    // Arrange: bronze promoted by silver, which quarantines records of the subject too
    writeBronze(lake);
    SilverEventsTest.promote(lake, HOURS, Duration.ofHours(6), "run1");
    Map<String, List<String>> othersBefore = otherRecordsByFile(lake);
    Map<String, byte[]> before = allFiles(lake);
    long quarantineFilesWithSubject =
        before.entrySet().stream()
            .filter(e -> e.getKey().startsWith("quarantine/") && holdsSubject(e.getValue()))
            .count();
    assertThat(quarantineFilesWithSubject).isPositive();
    assertThat(before.keySet()).anyMatch(f -> f.startsWith("quarantine/events/dt=2026-01-02"));

    // Act: a dry run, then the erasure, then the same erasure again
    ForgetSubjects.Outcome dry = forget("req-1", true);
    Map<String, byte[]> afterDryRun = allFiles(lake);
    ForgetSubjects.Outcome done = forget("req-1", false);
    Map<String, byte[]> after = allFiles(lake);
    ForgetSubjects.Outcome again = forget("req-2", false);

    // Assert: the dry run changed nothing but its receipt
    afterDryRun.keySet().removeIf(f -> f.startsWith("_reports/erasure/"));
    assertThat(afterDryRun.keySet()).isEqualTo(before.keySet());
    afterDryRun.forEach((f, bytes) -> assertThat(bytes).as(f).isEqualTo(before.get(f)));
    assertThat(dry.receiptPath()).endsWith("_reports/erasure/req-1.dry-run.json");

    // Assert: no bronze or quarantine file, decoded, holds the value; other records unchanged
    for (Map.Entry<String, byte[]> file : after.entrySet()) {
      if (file.getKey().startsWith("bronze/") || file.getKey().startsWith("quarantine/")) {
        assertThat(holdsSubject(file.getValue())).as(file.getKey()).isFalse();
      }
    }
    assertThat(otherRecordsByFile(lake)).isEqualTo(othersBefore);
    assertThat(after)
        .doesNotContainKeys(
            "bronze/events/2026/01/03/05/part-e.jsonl",
            "bronze/events/2026/01/02/00/_in-flight.jsonl")
        .containsKeys(
            "bronze/events/2026/01/01/22/part-a.jsonl",
            "bronze/events/2026/01/01/23/part-b.jsonl.gz");
    // The undecodable gzip tail stays as it was: the file did not hold the subject.
    assertThat(after.get("bronze/events/2026/01/01/23/part-c.jsonl.gz"))
        .isEqualTo(before.get("bronze/events/2026/01/01/23/part-c.jsonl.gz"));

    // Assert: the receipt's counts, predicted by the dry run, and only the subject's hash
    JsonNode layers = done.receipt().path("layers");
    assertThat(layers.path("bronze").toString())
        .isEqualTo(
            "{\"files_read\":9,\"bytes_read\":"
                + bronzeBytes(before)
                + ",\"files_rewritten\":5,\"records_removed\":12,\"files_deleted\":2}");
    assertThat(layers.path("quarantine").path("records_removed").asLong()).isEqualTo(4);
    assertThat(layers.path("quarantine").path("files_rewritten").asLong())
        .isEqualTo(quarantineFilesWithSubject);
    assertThat(layers.path("quarantine").path("files_deleted").asLong()).isZero();
    assertThat(dry.receipt().path("layers")).isEqualTo(layers);
    assertThat(done.receipt().path("subjects_sha256").toString())
        .isEqualTo("[\"" + Subjects.sha256(SUBJECT) + "\"]");
    assertThat(done.receipt().path("dry_run").asBoolean()).isFalse();
    // 12 bronze records, 4 quarantine lines and the 6 silver rows silver made of the bronze ones.
    assertThat(layers.path("silver_events").path("rows_removed").asLong()).isEqualTo(6);
    assertThat(done.receipt().path("removed").asLong()).isEqualTo(12 + 4 + 6);
    byte[] receiptFile = Files.readAllBytes(Path.of(done.receiptPath()));
    assertThat(new ObjectMapper().readTree(receiptFile)).isEqualTo(done.receipt());
    assertThat(holdsSubject(receiptFile)).isFalse();
    assertThat(done.receiptPath())
        .isEqualTo(lake.resolve("_reports/erasure/req-1.json").toString());

    // Assert: a second run finds nothing and says so
    assertThat(again.receipt().path("removed").asLong()).isZero();
    assertThat(again.receipt().path("layers").path("bronze").path("files_rewritten").asLong())
        .isZero();
    assertThat(ErasureReceipt.summary(again.receipt()))
        .contains("  nothing found for these subjects");
    assertThat(ErasureReceipt.summary(done.receipt()))
        .noneMatch(l -> l.contains("nothing found"))
        .anyMatch(l -> l.startsWith("  bronze") && l.contains("removed 12 record(s)"));

    // Assert: the hours whose bronze files the erasure rewrote are not pending for silver (their
    // rows were erased with them), their reports say by which request
    assertThat(
            SilverEvents.pendingHours(
                LakeLayout.at(lake.toString()), H1, H4, H4.plus(Duration.ofHours(2))))
        .isEmpty();
    for (Instant hour : HOURS) {
      assertThat(
              Reports.read(
                      LakeLayout.at(lake.toString()),
                      SilverEvents.DATASET,
                      SilverEvents.DATASET.hourUnit(hour).name())
                  .orElseThrow()
                  .path(SilverEvents.BRONZE_FILES_ERASED_BY)
                  .asText())
          .as(hour.toString())
          .isEqualTo("req-1");
    }

    // Assert: nothing under the lake holds the value, and promoting again brings nothing back
    SilverEventsTest.promote(lake, HOURS, Duration.ofHours(6), "run2");
    for (Map.Entry<String, byte[]> file : allFiles(lake).entrySet()) {
      if (!file.getKey().startsWith("silver/") && !file.getKey().startsWith("_catalog/")) {
        assertThat(holdsSubject(file.getValue())).as(file.getKey()).isFalse();
      }
    }
    assertThat(otherRecordsByFile(lake)).isEqualTo(othersBefore);
    assertThat(
            SilverEvents.pendingHours(
                LakeLayout.at(lake.toString()), H1, H4, H4.plus(Duration.ofHours(2))))
        .isEmpty();
  }

  @Test
  void onFlinkTheSameFilesAndCountsAsOnTheDirectRunner() throws Exception {
    // Arrange: two copies of the same lake
    Path direct = lake.resolve("direct");
    Path flink = lake.resolve("flink");
    for (Path copy : List.of(direct, flink)) {
      writeBronze(copy);
      SilverEventsTest.promote(copy, HOURS, Duration.ofHours(6), "run1");
    }

    // Act
    ForgetSubjects.Outcome onDirect = forget(direct, "req-1", false, DIRECT);
    ForgetSubjects.Outcome onFlink = forget(flink, "req-1", false, FLINK);

    // Assert: the same counts, the same bronze bytes, the same other quarantine records
    // Quarantine lines name their bronze file, whose path differs between the two lakes, and each
    // runner wrote its own silver files: bytes read are bronze's alone to compare.
    for (ForgetSubjects.Outcome outcome : List.of(onDirect, onFlink)) {
      outcome
          .receipt()
          .path("layers")
          .fields()
          .forEachRemaining(
              layer -> {
                if (!layer.getKey().equals("bronze")) {
                  ((com.fasterxml.jackson.databind.node.ObjectNode) layer.getValue())
                      .remove("bytes_read");
                }
              });
    }
    assertThat(onFlink.receipt().path("layers")).isEqualTo(onDirect.receipt().path("layers"));
    assertThat(onFlink.receipt().path("removed").asLong()).isEqualTo(12 + 4 + 6);
    Map<String, byte[]> directFiles = allFiles(direct);
    Map<String, byte[]> flinkFiles = allFiles(flink);
    directFiles.keySet().removeIf(f -> !f.startsWith("bronze/"));
    flinkFiles.keySet().removeIf(f -> !f.startsWith("bronze/"));
    assertThat(flinkFiles.keySet()).isEqualTo(directFiles.keySet());
    flinkFiles.forEach((f, bytes) -> assertThat(bytes).as(f).isEqualTo(directFiles.get(f)));
    assertThat(otherRecordsByFile(flink)).isEqualTo(otherRecordsByFile(direct));
    for (Map.Entry<String, byte[]> file : allFiles(flink).entrySet()) {
      if (file.getKey().startsWith("bronze/") || file.getKey().startsWith("quarantine/")) {
        assertThat(holdsSubject(file.getValue())).as(file.getKey()).isFalse();
      }
    }
  }

  private long bronzeBytes(Map<String, byte[]> files) {
    return files.entrySet().stream()
        .filter(e -> e.getKey().startsWith("bronze/"))
        .mapToLong(e -> e.getValue().length)
        .sum();
  }

  /** Every file under the lake, relative path to bytes. */
  private static Map<String, byte[]> allFiles(Path lake) throws IOException {
    Map<String, byte[]> files = new TreeMap<>();
    try (Stream<Path> paths = Files.walk(lake)) {
      for (Path p : paths.filter(Files::isRegularFile).toList()) {
        files.put(lake.relativize(p).toString().replace('\\', '/'), Files.readAllBytes(p));
      }
    }
    return files;
  }

  /**
   * Whether the value occurs in a file's bytes in any form the lake stores a record: as is, gzip
   * decoded (the undecodable rest too), or base64 in a JSON line's {@code raw_base64}, or in a
   * line's {@code raw}.
   */
  private static boolean holdsSubject(byte[] file) {
    List<byte[]> forms = new ArrayList<>();
    forms.add(file);
    byte[] content = decoded(file);
    forms.add(content);
    for (String line : new String(content, StandardCharsets.UTF_8).split("\n")) {
      try {
        JsonNode node = new ObjectMapper().readTree(line);
        if (node != null && node.isObject()) {
          if (node.path("raw_base64").isTextual()) {
            forms.add(Base64.getDecoder().decode(node.path("raw_base64").textValue()));
          }
          if (node.path("raw").isTextual()) {
            String raw = node.path("raw").textValue();
            forms.add(utf8(raw));
            JsonNode inner = parse(raw);
            if (inner != null && inner.path("raw_base64").isTextual()) {
              forms.add(Base64.getDecoder().decode(inner.path("raw_base64").textValue()));
            }
          }
        }
      } catch (IOException | IllegalArgumentException e) {
        // not a JSON line: its bytes were searched as they are
      }
    }
    byte[] value = utf8(SUBJECT);
    return forms.stream().anyMatch(f -> contains(f, value));
  }

  private static JsonNode parse(String json) {
    try {
      return new ObjectMapper().readTree(json);
    } catch (IOException e) {
      return null;
    }
  }

  private static byte[] decoded(byte[] file) {
    try (BronzeFileContent content = BronzeFileContent.of(new ByteArrayInputStream(file))) {
      return content.readAllBytes();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /**
   * Whether {@code needle}'s bytes occur in {@code haystack} (ISO-8859-1 maps bytes one to one).
   */
  private static boolean contains(byte[] haystack, byte[] needle) {
    return new String(haystack, StandardCharsets.ISO_8859_1)
        .contains(new String(needle, StandardCharsets.ISO_8859_1));
  }

  /**
   * The records of every bronze and quarantine file that are not the subject's, exactly as stored
   * (base64 of their bytes), in file order; quarantine lines without their run-dependent members.
   */
  private static Map<String, List<String>> otherRecordsByFile(Path lake) throws IOException {
    Map<String, List<String>> records = new TreeMap<>();
    for (Map.Entry<String, byte[]> file : allFiles(lake).entrySet()) {
      String name = file.getKey();
      boolean bronze = name.startsWith("bronze/");
      boolean quarantine = name.startsWith("quarantine/");
      if (!bronze && !quarantine) {
        continue;
      }
      List<String> kept = new ArrayList<>();
      JsonRecordSplitter.split(
          new ByteArrayInputStream(decoded(file.getValue())),
          (offset, line, bytes) -> {
            if (!holdsSubject(bytes)) {
              kept.add(
                  quarantine
                      ? withoutRunMembers(bytes)
                      : Base64.getEncoder().encodeToString(bytes));
            }
          });
      // Quarantine files are named by run: compare them by their hour's folder.
      String key = quarantine ? name.substring(0, name.lastIndexOf('/')) : name;
      records.computeIfAbsent(key, k -> new ArrayList<>()).addAll(kept);
    }
    records.values().removeIf(List::isEmpty);
    return records;
  }

  private static String withoutRunMembers(byte[] line) throws IOException {
    JsonNode node = new ObjectMapper().readTree(line);
    return node.path("reason").asText()
        + " "
        + node.path("raw").asText("")
        + node.path("raw_base64").asText("");
  }
}
