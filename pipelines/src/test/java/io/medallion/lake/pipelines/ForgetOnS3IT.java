package io.medallion.lake.pipelines;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.medallion.lake.erasure.Subjects;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.GZIPOutputStream;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * {@code lake forget} on an S3 lake (the S3 emulator, through Beam's {@code s3://} filesystem): a
 * file holding the subject is replaced under its own key (a copy of the rewrite, then its delete),
 * a file left with nothing is deleted, every other object stays byte for byte, no temporary object
 * is left, the values come from a values file on S3, and the receipt lands under the lake.
 */
class ForgetOnS3IT {
  private static final String PREFIX = "it-forget";
  private static final String LAKE = "s3://" + LocalAws.BUCKET + "/" + PREFIX;
  private static final String HOUR = PREFIX + "/bronze/events/2026/01/02/03/";
  private static final String SUBJECT = "{\"event_uuid\":\"e1\",\"user_id\":\"u-1\"}";
  private static final String OTHER = "{\"event_uuid\":\"e2\",\"user_id\":\"u-2\"}";

  @TempDir static Path state;
  private static LocalAws aws;

  @BeforeAll
  static void startEmulators() throws Exception {
    aws = LocalAws.start(state);
  }

  @AfterAll
  static void stopEmulators() throws Exception {
    if (aws != null) {
      aws.close();
    }
  }

  private static byte[] gzip(String text) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (OutputStream out = new GZIPOutputStream(bytes)) {
      out.write(text.getBytes(StandardCharsets.UTF_8));
    }
    return bytes.toByteArray();
  }

  private static void put(S3Client s3, String key, byte[] bytes) {
    s3.putObject(b -> b.bucket(LocalAws.BUCKET).key(key), RequestBody.fromBytes(bytes));
  }

  private static Map<String, byte[]> objects(S3Client s3) {
    Map<String, byte[]> objects = new TreeMap<>();
    for (S3Object o : LocalAws.list(s3, PREFIX + "/")) {
      objects.put(o.key().substring(PREFIX.length() + 1), LocalAws.get(s3, o.key()));
    }
    return objects;
  }

  @Test
  void rewritesAndDeletesObjectsUnderTheirOwnKeys() throws Exception {
    byte[] untouched = (OTHER + "\r\n" + OTHER + "\r\n").getBytes(StandardCharsets.UTF_8);
    try (S3Client s3 = aws.s3()) {
      put(
          s3,
          HOUR + "part-a.jsonl",
          (SUBJECT + "\n" + OTHER + "\n").getBytes(StandardCharsets.UTF_8));
      ByteArrayOutputStream members = new ByteArrayOutputStream();
      members.writeBytes(gzip(OTHER + "\n" + SUBJECT + "\n"));
      members.writeBytes(gzip(OTHER + "\n"));
      put(s3, HOUR + "part-b.jsonl.gz", members.toByteArray());
      put(s3, HOUR + "part-c.jsonl", (SUBJECT + "\n").getBytes(StandardCharsets.UTF_8));
      put(s3, HOUR + "part-d.jsonl", untouched);
      put(
          s3,
          PREFIX + "/quarantine/events/dt=2026-01-02/hour=03/q.jsonl",
          ("{\"reason\":\"invalid_json\",\"raw\":\"{\\\"user_id\\\":\\\"u-1\\\",\"}\n"
                  + "{\"reason\":\"invalid_json\",\"raw\":\"{\\\"user_id\\\":\\\"u-2\\\",\"}\n")
              .getBytes(StandardCharsets.UTF_8));
      put(s3, "ops/values.txt", "# today\nu-1\n".getBytes(StandardCharsets.UTF_8));
    }

    List<String> args = aws.args(LAKE);
    args.removeIf(a -> a.startsWith("--kinesisEndpoint") || a.startsWith("--stream"));
    args.addAll(
        List.of(
            "--runner=DirectRunner",
            "--catalogUri=jdbc:sqlite:" + state.resolve("catalog.db"),
            "--field=user_id",
            "--valuesFile=s3://" + LocalAws.BUCKET + "/ops/values.txt",
            "--requestId=s3-req"));
    ForgetSubjects.Options options =
        PipelineOptionsFactory.fromArgs(args.toArray(String[]::new))
            .as(ForgetSubjects.Options.class);
    ForgetSubjects.Outcome outcome =
        ForgetSubjects.run(options, ForgetSubjects.Config.from(options).orElseThrow());

    Map<String, byte[]> after;
    try (S3Client s3 = aws.s3()) {
      after = objects(s3);
    }
    String hour = "bronze/events/2026/01/02/03/";
    List<String> keys = new ArrayList<>(after.keySet());
    assertThat(keys)
        .containsExactly(
            "_reports/erasure/s3-req.json",
            hour + "part-a.jsonl",
            hour + "part-b.jsonl.gz",
            hour + "part-d.jsonl",
            "quarantine/events/dt=2026-01-02/hour=03/q.jsonl");
    assertThat(new String(after.get(hour + "part-a.jsonl"), StandardCharsets.UTF_8))
        .isEqualTo(OTHER + "\n");
    assertThat(after.get(hour + "part-b.jsonl.gz")).isEqualTo(gzip(OTHER + "\n" + OTHER + "\n"));
    assertThat(after.get(hour + "part-d.jsonl")).isEqualTo(untouched);
    assertThat(
            new String(
                after.get("quarantine/events/dt=2026-01-02/hour=03/q.jsonl"),
                StandardCharsets.UTF_8))
        .isEqualTo("{\"reason\":\"invalid_json\",\"raw\":\"{\\\"user_id\\\":\\\"u-2\\\",\"}\n");
    JsonNode layers = outcome.receipt().path("layers");
    assertThat(layers.path("bronze").path("records_removed").asLong()).isEqualTo(3);
    assertThat(layers.path("bronze").path("files_deleted").asLong()).isEqualTo(1);
    assertThat(layers.path("quarantine").path("records_removed").asLong()).isEqualTo(1);
    assertThat(outcome.receipt().path("subjects_sha256").get(0).asText())
        .isEqualTo(Subjects.sha256("u-1"));
    assertThat(new String(after.get("_reports/erasure/s3-req.json"), StandardCharsets.UTF_8))
        .doesNotContain("\"u-1\"");
  }
}
