package io.medallion.lake.erasure;

import static org.assertj.core.api.Assertions.assertThat;

import io.medallion.lake.bronze.WriteBronzeFiles;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Set;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.ResourceId;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Erasing a subject's records from one file: every other byte stays exactly as it was, whatever the
 * framing (concatenated, CRLF, pretty-printed, a byte order mark, a malformed record, gzip members,
 * an undecodable gzip tail, {@code _unframed/} lines, quarantine lines).
 */
class ErasedFileTest {
  private static final Subjects U1 = new Subjects("user_id", Set.of("u-1"));
  private static final String A = "{\"event_uuid\":\"a\",\"user_id\":\"u-2\",\"n\":1.50}";
  private static final String B = "{\"event_uuid\":\"b\",\"user_id\":\"u-1\"}";
  private static final String C = "{\"event_uuid\":\"c\",\"user_id\":\"u-3\",\"ref\":\"u-1\"}";

  @TempDir Path dir;

  private Path write(String name, byte[] bytes) throws IOException {
    Path file = dir.resolve(name);
    Files.write(file, bytes);
    return file;
  }

  private Path write(String name, String text) throws IOException {
    return write(name, text.getBytes(StandardCharsets.UTF_8));
  }

  private static ResourceId id(Path file) {
    return FileSystems.matchNewResource(file.toString(), false);
  }

  private static ErasedFile erase(Path file, SubjectRecords.Kind kind) throws IOException {
    return ErasedFile.erase(id(file), kind, U1, false);
  }

  private static ErasedFile erase(Path file) throws IOException {
    return erase(file, SubjectRecords.Kind.BRONZE);
  }

  private static String text(Path file) throws IOException {
    return Files.readString(file, StandardCharsets.UTF_8);
  }

  private static byte[] gzip(String text) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (OutputStream out = new GZIPOutputStream(bytes)) {
      out.write(text.getBytes(StandardCharsets.UTF_8));
    }
    return bytes.toByteArray();
  }

  private static String gunzip(byte[] bytes) throws IOException {
    try (InputStream in = new GZIPInputStream(new java.io.ByteArrayInputStream(bytes))) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }

  @Test
  void concatenatedRecordsWithNoSeparatorLoseOnlyTheSubjects() throws IOException {
    Path file = write("f.jsonl", A + B + C + B);

    ErasedFile erased = erase(file);

    assertThat(text(file)).isEqualTo(A + C);
    assertThat(erased.recordsRemoved()).isEqualTo(2);
    assertThat(erased.rewritten()).isTrue();
    assertThat(erased.bytesRead()).isEqualTo((A + C + B + B).length());
  }

  @Test
  void crlfLinesKeepTheirEndingsAndTheSeparatorAfterTheRecordGoes() throws IOException {
    Path file = write("f.jsonl", A + "\r\n" + B + "\r\n\r\n" + C + "\r\n");

    erase(file);

    assertThat(text(file)).isEqualTo(A + "\r\n" + C + "\r\n");
  }

  @Test
  void aPrettyPrintedRecordGoesWholeAndOthersKeepTheirLayout() throws IOException {
    String pretty = "{\n  \"user_id\" : \"u-1\",\n  \"nested\" : {\n    \"a\" : [ 1, 2 ]\n  }\n}";
    String other = "{\n  \"user_id\" : \"u-2\",\n  \"x\" : \"u-1\"\n}";
    Path file = write("f.jsonl", other + "\n" + pretty + "\n" + A + "\n");

    erase(file);

    assertThat(text(file)).isEqualTo(other + "\n" + A + "\n");
  }

  @Test
  void aByteOrderMarkStaysWhenTheFirstRecordGoes() throws IOException {
    byte[] bom = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};
    Path file =
        write("f.jsonl", concat(bom, (B + "\n" + A + "\n").getBytes(StandardCharsets.UTF_8)));

    erase(file);

    assertThat(Files.readAllBytes(file))
        .isEqualTo(concat(bom, (A + "\n").getBytes(StandardCharsets.UTF_8)));
  }

  @Test
  void aMalformedRecordHoldingTheValueGoesAndAnObjectNamingItInAnotherFieldStays()
      throws IOException {
    String truncated = "{\"event_uuid\":\"t\",\"user_id\":\"u-1\",\"x\":";
    String notAnObject = "[\"u-1\"]";
    String garbage = "garbage \"u-1\" here";
    Path file =
        write(
            "f.jsonl",
            A
                + "\n"
                + truncated
                + "\n"
                + C
                + "\n"
                + notAnObject
                + "\n"
                + garbage
                + "\n"
                + A
                + "\n");

    ErasedFile erased = erase(file);

    assertThat(text(file)).isEqualTo(A + "\n" + C + "\n" + A + "\n");
    assertThat(erased.recordsRemoved()).isEqualTo(3);
  }

  @Test
  void whereRemovingARecordWouldGlueItsNeighboursALineBreakStandsInItsPlace() throws IOException {
    // Garbage runs to the end of its line, or to a record: without B, both garbage runs would be
    // one record.
    Path file = write("f.jsonl", "garbage " + B + " tail\n" + A + "\n");

    ErasedFile erased = erase(file);

    assertThat(text(file)).isEqualTo("garbage \ntail\n" + A + "\n");
    assertThat(erased.recordsRemoved()).isEqualTo(1);
  }

  @Test
  void aFileLeftWithNoRecordIsDeleted() throws IOException {
    Path file = write("f.jsonl", B + "\n" + B + "\n");

    ErasedFile erased = erase(file);

    assertThat(file).doesNotExist();
    assertThat(erased.deleted()).isTrue();
    assertThat(erased.recordsRemoved()).isEqualTo(2);
  }

  @Test
  void aFileWithoutTheSubjectIsNotTouched() throws IOException {
    Path file = write("f.jsonl", A + "\n" + C + "\n");
    long modified = Files.getLastModifiedTime(file).toMillis();
    Files.setLastModifiedTime(file, java.nio.file.attribute.FileTime.fromMillis(1_000_000));

    ErasedFile erased = erase(file);

    assertThat(erased.rewritten() || erased.deleted()).isFalse();
    assertThat(Files.getLastModifiedTime(file).toMillis())
        .isEqualTo(1_000_000)
        .isNotEqualTo(modified);
    assertThat(text(file)).isEqualTo(A + "\n" + C + "\n");
  }

  @Test
  void aDryRunCountsAndChangesNothing() throws IOException {
    Path keeps = write("f.jsonl", A + "\n" + B + "\n");
    Path empties = write("g.jsonl", B + "\n");

    ErasedFile rewritten = ErasedFile.erase(id(keeps), SubjectRecords.Kind.BRONZE, U1, true);
    ErasedFile deleted = ErasedFile.erase(id(empties), SubjectRecords.Kind.BRONZE, U1, true);

    assertThat(rewritten).isEqualTo(new ErasedFile((A + B).length() + 2, 1, true, false));
    assertThat(deleted).isEqualTo(new ErasedFile(B.length() + 1, 1, false, true));
    assertThat(text(keeps)).isEqualTo(A + "\n" + B + "\n");
    assertThat(text(empties)).isEqualTo(B + "\n");
  }

  @Test
  void aGzipFileOfSeveralMembersBecomesOneMemberOfTheSameContentLessTheSubject()
      throws IOException {
    Path file =
        write("f.jsonl.gz", concat(gzip(A + "\n" + B + "\n"), gzip(C + "\n"), gzip(B + "\n" + A)));

    ErasedFile erased = erase(file);

    byte[] bytes = Files.readAllBytes(file);
    assertThat(gunzip(bytes)).isEqualTo(A + "\n" + C + "\n" + A);
    assertThat(bytes).isEqualTo(gzipLikeTheEraser(A + "\n" + C + "\n" + A));
    assertThat(erased.recordsRemoved()).isEqualTo(2);
  }

  /** One member, as {@link GZIPOutputStream} writes it: proves the rewrite has no second member. */
  private static byte[] gzipLikeTheEraser(String text) throws IOException {
    return gzip(text);
  }

  @Test
  void anUndecodableGzipTailIsKeptByteForByte() throws IOException {
    byte[] tail = {0x00, 0x00, 'x', 'y', (byte) 0xFF};
    Path file = write("f.jsonl.gz", concat(gzip(A + "\n" + B + "\n"), gzip(C + "\n"), tail));

    erase(file);

    byte[] bytes = Files.readAllBytes(file);
    byte[] member = gzip(A + "\n" + C + "\n");
    assertThat(bytes).isEqualTo(concat(member, tail));
  }

  @Test
  void anUndecodableGzipTailHoldingTheValueGoes() throws IOException {
    byte[] tail = "\u0000junk \"u-1\" junk".getBytes(StandardCharsets.UTF_8);
    Path file = write("f.jsonl.gz", concat(gzip(A + "\n"), tail));

    ErasedFile erased = erase(file);

    assertThat(Files.readAllBytes(file)).isEqualTo(gzip(A + "\n"));
    assertThat(erased.rewritten()).isTrue();
    assertThat(erased.recordsRemoved()).isEqualTo(1);
  }

  @Test
  void aTruncatedGzipMemberWhoseDecodedPartHoldsTheSubjectGoesAndItsOtherRecordsStay()
      throws IOException {
    byte[] whole = gzip(C + "\n" + B + "\n" + A + "\n");
    // Cut inside the deflate data: the member yields a prefix of its content, then breaks.
    byte[] cut = java.util.Arrays.copyOf(whole, whole.length - 12);
    Path file = write("f.jsonl.gz", concat(gzip(A + "\n"), cut));
    String decodedBefore = decodedPrefix(cut);
    assertThat(decodedBefore).contains(B);

    erase(file);

    String after = gunzip(Files.readAllBytes(file));
    assertThat(after).doesNotContain("\"u-1\",").startsWith(A + "\n" + C + "\n");
    assertThat(after).isEqualTo(A + "\n" + decodedBefore.replace(B + "\n", ""));
  }

  private static String decodedPrefix(byte[] cut) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (InputStream in = new GZIPInputStream(new java.io.ByteArrayInputStream(cut))) {
      byte[] buf = new byte[1];
      int n;
      while ((n = in.read(buf)) > 0) {
        out.write(buf, 0, n);
      }
    } catch (java.io.EOFException e) {
      // the cut
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  @Test
  void anUnframedLineHoldingTheValueGoesAndTheOtherLinesStayExactly() throws IOException {
    Instant arrival = Instant.parse("2026-01-01T03:04:05Z");
    byte[] subject =
        new WriteBronzeFiles.UnframedLine(
                WriteBronzeFiles.Unframed.LINE_BREAK_IN_NON_JSON,
                arrival,
                "user_id=\"u-1\"\nrest".getBytes(StandardCharsets.UTF_8))
            .toJson();
    byte[] other =
        new WriteBronzeFiles.UnframedLine(
                WriteBronzeFiles.Unframed.LINE_BREAK_IN_NON_JSON,
                arrival,
                "user_id=\"u-2\"\nrest".getBytes(StandardCharsets.UTF_8))
            .toJson();
    byte[] blank =
        new WriteBronzeFiles.UnframedLine(
                WriteBronzeFiles.Unframed.BLANK_RECORD,
                arrival,
                " \n ".getBytes(StandardCharsets.UTF_8))
            .toJson();
    byte[] nl = {'\n'};
    Path file = write("u.jsonl", concat(other, nl, subject, nl, blank, nl));

    ErasedFile erased = erase(file, SubjectRecords.Kind.UNFRAMED);

    assertThat(Files.readAllBytes(file)).isEqualTo(concat(other, nl, blank, nl));
    assertThat(erased.recordsRemoved()).isEqualTo(1);
  }

  @Test
  void quarantineLinesGoByTheirRecordRawOrBase64() throws IOException {
    String rawSubject =
        "{\"reason\":\"invalid_event_name\",\"source\":\"f:1\",\"offset\":0,\"raw\":"
            + jsonString(B)
            + "}";
    String rawOther =
        "{\"reason\":\"invalid_event_name\",\"source\":\"f:2\",\"offset\":9,\"raw\":"
            + jsonString(C)
            + "}";
    String base64Subject =
        "{\"reason\":\"invalid_json\",\"source\":\"f:3\",\"offset\":20,\"raw_base64\":\""
            + java.util.Base64.getEncoder()
                .encodeToString(
                    concat(
                        new byte[] {(byte) 0xC3, 0x28},
                        "\"user_id\":\"u-1\"".getBytes(StandardCharsets.UTF_8)))
            + "\"}";
    Path file =
        write(
            "q.jsonl",
            rawSubject + "\n" + rawOther + "\n" + base64Subject + "\n" + rawOther + "\n");

    ErasedFile erased = erase(file, SubjectRecords.Kind.QUARANTINE);

    assertThat(text(file)).isEqualTo(rawOther + "\n" + rawOther + "\n");
    assertThat(erased.recordsRemoved()).isEqualTo(2);
  }

  private static String jsonString(String s) {
    return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }

  @Test
  void aValueWrittenWithEscapesMatchesAsItsDecodedText() throws IOException {
    String escaped = "{\"event_uuid\":\"x\",\"user_id\":\"u\\u002d1\"}";
    Path file = write("f.jsonl", escaped + "\n" + A + "\n");

    ErasedFile erased = erase(file);

    assertThat(text(file)).isEqualTo(A + "\n");
    assertThat(erased.recordsRemoved()).isEqualTo(1);
  }

  @Test
  void aNumericValueMatchesAsWrittenOnly() throws IOException {
    Subjects numeric = new Subjects("user_id", Set.of("42"));
    String n42 = "{\"user_id\":42}";
    String n420 = "{\"user_id\":42.0}";
    Path file = write("f.jsonl", n42 + "\n" + n420 + "\n");

    ErasedFile.erase(id(file), SubjectRecords.Kind.BRONZE, numeric, false);

    assertThat(text(file)).isEqualTo(n420 + "\n");
  }
}
