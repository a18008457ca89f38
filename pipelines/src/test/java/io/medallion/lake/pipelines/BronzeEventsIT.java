package io.medallion.lake.pipelines;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.medallion.lake.pipelines.aws.Kinesis;
import io.medallion.lake.pipelines.aws.KinesisBatchWriter;
import io.medallion.lake.producer.EventGenerator;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.kinesis.KinesisClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Kinesis to bronze on the real emulators: records put over four shards, duplicates and malformed
 * lines included, land byte for byte in the bronze files on S3, in their arrival hour, and nothing
 * else lands. A KPL-aggregated record lands as its user records, one line each; a record the JSON
 * framing cannot carry lands in the hour's {@code _unframed/} folder. A stream that does not exist
 * is a user's mistake before anything runs.
 */
class BronzeEventsIT {
  private static final String PREFIX = "it-bronze";
  private static final Pattern BRONZE_FILE =
      Pattern.compile(
          PREFIX
              + "/bronze/events/(\\d{4})/(\\d{2})/(\\d{2})/(\\d{2})/(_unframed/)?"
              + "events-\\d{4}-\\d{2}-\\d{2}-\\d{2}-"
              + "[A-Za-z0-9_-]+-pane-\\d{4}-shard-\\d{5}-of-\\d{5}\\.jsonl");

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

  @Test
  void aStreamThatDoesNotExistIsAMistakeNotAJobThatRestartsForever() {
    List<String> args = aws.args("s3://lake/" + PREFIX + "-none");
    args.replaceAll(a -> a.startsWith("--stream=") ? "--stream=no-such-stream" : a);
    BronzeEvents.Options options =
        PipelineOptionsFactory.fromArgs(args.toArray(String[]::new)).as(BronzeEvents.Options.class);

    assertThatThrownBy(() -> BronzeEvents.run(options))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "--stream: there is no Kinesis stream 'no-such-stream' at " + aws.kinesisEndpoint);
  }

  @Test
  void everyRecordPutLandsByteForByteInItsArrivalHour() throws Exception {
    List<String> put = new ArrayList<>();
    EventGenerator.Settings settings =
        new EventGenerator.Settings(
            600, Instant.parse("2026-01-01T00:00:00Z"), 1, 0.1, 0.05, 0.02, 20, 7);
    new EventGenerator(settings)
        .generate(r -> put.add(new String(r.bytes(), StandardCharsets.UTF_8)));
    put.add(put.get(0)); // an exact duplicate, as a producer retry sends it
    put.add("{\"event_uuid\":\"x\",\"event_name\":"); // malformed: still bronze
    put.add("\u00e9t\u00e9 ; not JSON at all");
    // What a KPL producer with aggregation on puts: three user records in one Kinesis record.
    List<String> userRecords =
        List.of("{\"kpl\":1}", "{\"kpl\":2,\"note\":\"\u00e9\"}", "not JSON, from the KPL");
    byte[] aggregated =
        KplAggregate.of(
            "user-key", userRecords.stream().map(r -> r.getBytes(StandardCharsets.UTF_8)).toList());
    // A record no JSON-lines reader could get back: kept in _unframed/, in base64.
    String twoLines = "line one\nline two";

    StreamEvents.Options producer =
        PipelineOptionsFactory.fromArgs("--kinesisEndpoint=" + aws.kinesisEndpoint)
            .as(StreamEvents.Options.class);
    Instant before = Instant.now();
    try (KinesisClient kinesis = Kinesis.client(producer)) {
      Kinesis.awaitActive(kinesis, LocalAws.STREAM, java.time.Duration.ofSeconds(30));
      KinesisBatchWriter writer = new KinesisBatchWriter(kinesis, LocalAws.STREAM, 1);
      for (String record : put) {
        writer.add(record.getBytes(StandardCharsets.UTF_8));
      }
      writer.add(aggregated);
      writer.add(twoLines.getBytes(StandardCharsets.UTF_8));
      writer.flush();
      assertThat(writer.sent()).isEqualTo(put.size() + 2);
    }
    Instant after = Instant.now();

    List<String> args = aws.args("s3://lake/" + PREFIX);
    args.addAll(
        List.of(
            "--initialPosition=TRIM_HORIZON",
            // KinesisIO counts user records: the aggregate is three.
            "--maxNumRecords=" + (put.size() + userRecords.size() + 1),
            "--bufferInterval=PT2S",
            "--bufferMaxRecords=100",
            "--progressInterval=PT1S"));
    BronzeEvents.Options options =
        PipelineOptionsFactory.fromArgs(args.toArray(String[]::new)).as(BronzeEvents.Options.class);
    PipelineResult.State end = BronzeEvents.run(options).waitUntilFinish();
    assertThat(end).isEqualTo(PipelineResult.State.DONE);

    List<String> landed = new ArrayList<>();
    List<String> unframed = new ArrayList<>();
    List<String> others = new ArrayList<>();
    Instant firstHour = before.truncatedTo(ChronoUnit.HOURS);
    Instant lastHour = after.truncatedTo(ChronoUnit.HOURS);
    try (S3Client s3 = aws.s3()) {
      for (S3Object object : LocalAws.list(s3, PREFIX + "/")) {
        Matcher m = BRONZE_FILE.matcher(object.key());
        if (!m.matches()) {
          others.add(object.key());
          continue;
        }
        Instant hour =
            Instant.parse(
                m.group(1) + "-" + m.group(2) + "-" + m.group(3) + "T" + m.group(4) + ":00:00Z");
        assertThat(hour).as(object.key()).isBetween(firstHour, lastHour);
        String text = new String(LocalAws.get(s3, object.key()), StandardCharsets.UTF_8);
        assertThat(text).as(object.key()).endsWith("\n");
        List<String> lines = List.of(text.substring(0, text.length() - 1).split("\n", -1));
        (m.group(5) == null ? landed : unframed).addAll(lines);
      }
    }
    assertThat(others).as("objects that are not bronze files").isEmpty();
    List<String> expected = new ArrayList<>(put);
    expected.addAll(userRecords);
    assertThat(landed).containsExactlyInAnyOrderElementsOf(expected);
    assertThat(unframed).hasSize(1);
    JsonNode line = new ObjectMapper().readTree(unframed.get(0));
    assertThat(line.path("reason").asText()).isEqualTo("line_break_in_non_json");
    assertThat(new String(Base64.getDecoder().decode(line.path("raw_base64").asText()), UTF_8))
        .isEqualTo(twoLines);
  }
}
