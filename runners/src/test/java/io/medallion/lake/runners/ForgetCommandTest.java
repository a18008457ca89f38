package io.medallion.lake.runners;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.medallion.lake.erasure.Subjects;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code lake forget} as a user runs it: usage mistakes are one line and status 2; {@code
 * --requests} erases the values of every request file in one run, writes the receipt, then deletes
 * the request files; with no request file it says so; a values file ignores blank lines,
 * surrounding whitespace and comments; no value reaches the output or any file under the lake.
 */
class ForgetCommandTest {
  private static final String BRONZE_FILE = "bronze/events/2026/01/02/03/part-a.jsonl";
  private static final String SUBJECT = "{\"event_uuid\":\"e1\",\"user_id\":\"ana@example.org\"}";
  private static final String SECOND = "{\"event_uuid\":\"e2\",\"user_id\":\"u 7\"}";
  private static final String OTHER = "{\"event_uuid\":\"e3\",\"user_id\":\"bo@example.org\"}";

  @TempDir Path dir;

  private record Outcome(int status, String out, String err) {}

  private static Outcome lake(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int status =
        Lake.run(
            args,
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));
    return new Outcome(
        status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  @ParameterizedTest(name = "{0} → {1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "forget --value=u-1|lake forget: --field is required",
        "forget --field=user_id|lake forget: give the values: --value=<v>, --valuesFile or --requests",
        "forget --field=user_id --value=u-1 --requests|lake forget: give the values one way only",
        "forget --field=user_id --value=u-1 --valuesFile=v.txt|lake forget: give the values one way only",
        "forget --field=user_id --valuesFile=/nowhere/values.txt|lake forget: --valuesFile: /nowhere/values.txt does not exist",
        "forget --field=user_id --value=u-1 --requestId=../x|lake forget: --requestId: use letters",
        "forget --field=user_id --value=u-1 --requestId=a/b|lake forget: --requestId: use letters",
      })
  void aUsageMistakeIsOneClearLineAndStatusTwo(String commandLine, String expected) {
    Outcome o = lake((commandLine + " --lake=" + dir).split(" "));

    assertThat(o.status()).isEqualTo(2);
    assertThat(o.err().strip()).startsWith(expected).doesNotContain("\n");
  }

  private void writeBronze() throws IOException {
    Path file = dir.resolve(BRONZE_FILE);
    Files.createDirectories(file.getParent());
    Files.writeString(file, SUBJECT + "\n" + OTHER + "\n" + SECOND + "\n", StandardCharsets.UTF_8);
  }

  private void request(String name, String text) throws IOException {
    Path file = dir.resolve("_requests/erasure/" + name);
    Files.createDirectories(file.getParent());
    Files.writeString(file, text, StandardCharsets.UTF_8);
  }

  @Test
  void requestsAreErasedInOneRunAndDeletedOnceTheReceiptIsWritten() throws IOException {
    writeBronze();
    request("2026-01-05-a.txt", "# one request per line\n  ana@example.org  \n\n");
    request("2026-01-05-b.txt", "u 7\n");
    request("notes.md", "not a request\n");

    // Logs go to the JVM's standard streams: catch them too.
    PrintStream stdout = System.out;
    PrintStream stderr = System.err;
    ByteArrayOutputStream logs = new ByteArrayOutputStream();
    Outcome dry;
    String afterDryRun;
    Outcome o;
    try {
      PrintStream capture = new PrintStream(logs, true, StandardCharsets.UTF_8);
      System.setOut(capture);
      System.setErr(capture);
      dry =
          lake(
              "forget",
              "--field=user_id",
              "--requests",
              "--dryRun",
              "--requestId=daily",
              "--lake=" + dir);
      afterDryRun = Files.readString(dir.resolve(BRONZE_FILE), StandardCharsets.UTF_8);
      o = lake("forget", "--field=user_id", "--requests", "--requestId=daily", "--lake=" + dir);
    } finally {
      System.setOut(stdout);
      System.setErr(stderr);
    }

    assertThat(dry.status()).isZero();
    assertThat(dry.out())
        .contains("(dry run, nothing changed)", "bronze", "would remove 2 record(s)");
    assertThat(afterDryRun).isEqualTo(SUBJECT + "\n" + OTHER + "\n" + SECOND + "\n");
    assertThat(o.status()).as(o.err()).isZero();
    assertThat(o.out())
        .contains(
            "forget daily: user_id, 2 subject(s)",
            "removed 2 record(s)",
            "_reports/erasure/daily.json");
    assertThat(Files.readString(dir.resolve(BRONZE_FILE), StandardCharsets.UTF_8))
        .isEqualTo(OTHER + "\n");
    assertThat(dir.resolve("_requests/erasure/2026-01-05-a.txt")).doesNotExist();
    assertThat(dir.resolve("_requests/erasure/2026-01-05-b.txt")).doesNotExist();
    assertThat(dir.resolve("_requests/erasure/notes.md")).exists();
    JsonNode receipt =
        new ObjectMapper().readTree(dir.resolve("_reports/erasure/daily.json").toFile());
    assertThat(receipt.path("subjects_sha256").toString())
        .contains(Subjects.sha256("ana@example.org"), Subjects.sha256("u 7"));
    assertThat(dir.resolve("_reports/erasure/daily.dry-run.json")).exists();
    String logged = logs.toString(StandardCharsets.UTF_8);
    for (String output : new String[] {dry.out(), dry.err(), o.out(), o.err(), logged}) {
      assertThat(output).doesNotContain("ana@example.org").doesNotContain("u 7");
    }
    assertThat(filesHolding("ana@example.org")).isEmpty();
  }

  @Test
  void noRequestFileIsNoErasureAndNoReceipt() throws IOException {
    writeBronze();

    Outcome o = lake("forget", "--field=user_id", "--requests", "--lake=" + dir);

    assertThat(o.status()).isZero();
    assertThat(o.out().strip()).isEqualTo("forget: no erasure request under _requests/erasure/");
    assertThat(dir.resolve("_reports/erasure")).doesNotExist();
  }

  @Test
  void aValuesFileThatFindsNothingSaysSo() throws IOException {
    writeBronze();
    Path values = dir.resolve("values.txt");
    Files.writeString(values, "# nobody\nnobody@example.org\n", StandardCharsets.UTF_8);

    Outcome o =
        lake(
            "forget",
            "--field=user_id",
            "--valuesFile=" + values,
            "--requestId=r1",
            "--lake=" + dir);

    assertThat(o.status()).as(o.err()).isZero();
    assertThat(o.out()).contains("nothing found for these subjects");
    assertThat(Files.readString(dir.resolve(BRONZE_FILE), StandardCharsets.UTF_8))
        .isEqualTo(SUBJECT + "\n" + OTHER + "\n" + SECOND + "\n");
  }

  private Stream<Path> filesHolding(String value) throws IOException {
    return Files.walk(dir)
        .filter(Files::isRegularFile)
        .filter(
            p -> {
              try {
                return Files.readString(p, StandardCharsets.ISO_8859_1).contains(value);
              } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
              }
            })
        .toList()
        .stream();
  }
}
