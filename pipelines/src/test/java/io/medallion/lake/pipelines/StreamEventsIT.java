package io.medallion.lake.pipelines;

import static org.assertj.core.api.Assertions.assertThat;

import io.medallion.lake.pipelines.aws.Kinesis;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.kinesis.KinesisClient;
import software.amazon.awssdk.services.kinesis.model.GetRecordsResponse;
import software.amazon.awssdk.services.kinesis.model.Record;
import software.amazon.awssdk.services.kinesis.model.Shard;
import software.amazon.awssdk.services.kinesis.model.ShardIteratorType;

/**
 * The producer against the emulator {@code make start} runs, kinesalite, started by {@code
 * local-aws.sh} (which creates its stream): every record the producer says it sent is in the
 * stream, read back shard by shard from TRIM_HORIZON, and the records spread over every shard.
 */
class StreamEventsIT {
  private static final int RATE = 500;
  private static final int SECONDS = 4;

  @TempDir Path state;

  @Test
  void everyRecordSentIsInTheStreamOnKinesalite() throws Exception {
    String cbor = System.getProperty("aws.cborEnabled");
    // kinesalite answers JSON only.
    System.setProperty("aws.cborEnabled", "false");
    try (LocalAws aws = LocalAws.start(state, "kinesalite")) {
      // The script records which emulator it started; kinesis-local would also take these records.
      assertThat(Files.readString(state.resolve("kinesis.name")).trim()).isEqualTo("kinesalite");
      StreamEvents.Options options =
          PipelineOptionsFactory.fromArgs(
                  "--rate=" + RATE,
                  "--seconds=" + SECONDS,
                  "--kinesisEndpoint=" + aws.kinesisEndpoint,
                  "--stream=" + LocalAws.STREAM,
                  "--emulatorAccessKey=" + LocalAws.ACCESS_KEY,
                  "--emulatorSecretKey=" + LocalAws.SECRET_KEY)
              .as(StreamEvents.Options.class);

      StreamEvents.Summary summary = StreamEvents.run(options);

      List<Integer> perShard = new ArrayList<>();
      try (KinesisClient kinesis = Kinesis.client(options)) {
        for (Shard shard : kinesis.listShards(b -> b.streamName(LocalAws.STREAM)).shards()) {
          perShard.add(readAll(kinesis, shard.shardId()).size());
        }
      }
      assertThat(summary.records())
          .isBetween((long) (RATE * SECONDS * 0.95), (long) RATE * SECONDS);
      assertThat(perShard).hasSize(LocalAws.SHARDS).allSatisfy(n -> assertThat(n).isPositive());
      assertThat(perShard.stream().mapToLong(Integer::longValue).sum())
          .isEqualTo(summary.records());
    } finally {
      if (cbor == null) {
        System.clearProperty("aws.cborEnabled");
      } else {
        System.setProperty("aws.cborEnabled", cbor);
      }
    }
  }

  /** Every record of a shard, from its start to the end of what it holds now. */
  private static List<Record> readAll(KinesisClient kinesis, String shardId) {
    String iterator =
        kinesis
            .getShardIterator(
                b ->
                    b.streamName(LocalAws.STREAM)
                        .shardId(shardId)
                        .shardIteratorType(ShardIteratorType.TRIM_HORIZON))
            .shardIterator();
    List<Record> records = new ArrayList<>();
    while (true) {
      String from = iterator;
      GetRecordsResponse page = kinesis.getRecords(b -> b.shardIterator(from));
      records.addAll(page.records());
      if (page.records().isEmpty() || page.nextShardIterator() == null) {
        return records;
      }
      iterator = page.nextShardIterator();
    }
  }
}
