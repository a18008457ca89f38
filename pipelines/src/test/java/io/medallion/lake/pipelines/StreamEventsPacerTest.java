package io.medallion.lake.pipelines;

import static org.assertj.core.api.Assertions.assertThat;

import io.medallion.lake.pipelines.aws.KinesisBatchWriter;
import io.medallion.lake.producer.EventGenerator;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.kinesis.KinesisClient;
import software.amazon.awssdk.services.kinesis.model.PutRecordsRequest;
import software.amazon.awssdk.services.kinesis.model.PutRecordsResponse;
import software.amazon.awssdk.services.kinesis.model.PutRecordsResultEntry;

/**
 * The producer's pacing on a fake clock: how many records go out, in what order, in what batches,
 * and how far behind schedule it reports, when Kinesis answers at once and when every PutRecords
 * takes longer than a batch may wait. No real time passes.
 */
class StreamEventsPacerTest {
  private static final int RATE = 100;
  private static final int SECONDS = 3;

  /** Nanoseconds on a clock only the test moves. */
  private long now = 1_000_000_000L;

  /** A Kinesis that takes every record and moves the fake clock by {@code callMillis} per call. */
  private final class SlowKinesis implements KinesisClient {
    final long callMillis;
    final List<List<String>> calls = new ArrayList<>();

    SlowKinesis(long callMillis) {
      this.callMillis = callMillis;
    }

    @Override
    public PutRecordsResponse putRecords(PutRecordsRequest request) {
      calls.add(request.records().stream().map(e -> e.data().asUtf8String()).toList());
      now += Duration.ofMillis(callMillis).toNanos();
      List<PutRecordsResultEntry> results =
          request.records().stream()
              .map(
                  e ->
                      PutRecordsResultEntry.builder()
                          .shardId("shardId-0")
                          .sequenceNumber("1")
                          .build())
              .toList();
      return PutRecordsResponse.builder().records(results).failedRecordCount(0).build();
    }

    @Override
    public String serviceName() {
      return "kinesis";
    }

    @Override
    public void close() {}
  }

  /** Offers the pacer more records than it may send (as the generator does), then finishes. */
  private StreamEvents.Summary run(SlowKinesis kinesis) throws InterruptedException {
    KinesisBatchWriter writer =
        new KinesisBatchWriter(kinesis, "events", 1, millis -> {}, 5, 100, 1_000);
    StreamEvents.Pacer pacer =
        new StreamEvents.Pacer(writer, RATE, SECONDS, () -> now, nanos -> now += nanos);
    for (int i = 0; i < RATE * SECONDS * 2; i++) {
      pacer.send(
          new EventGenerator.Record(Instant.EPOCH, ("r" + i).getBytes(StandardCharsets.UTF_8)));
    }
    return pacer.finish();
  }

  private static List<String> expected() {
    return IntStream.range(0, RATE * SECONDS).mapToObj(i -> "r" + i).toList();
  }

  @Test
  void onScheduleSendsRateTimesSecondsRecordsInOrderInBatchesOfAFifthOfASecond() throws Exception {
    SlowKinesis kinesis = new SlowKinesis(0);

    StreamEvents.Summary summary = run(kinesis);

    assertThat(kinesis.calls.stream().flatMap(List::stream).toList()).isEqualTo(expected());
    assertThat(summary.records()).isEqualTo(RATE * SECONDS);
    assertThat(summary.maxBehind()).isZero();
    // The last record is due at 2.99 s; a batch is sent once its first record waited 200 ms.
    assertThat(summary.took()).isEqualTo(Duration.ofMillis(2_990));
    assertThat(kinesis.calls).extracting(List::size).allSatisfy(n -> assertThat(n).isLessThan(22));
  }

  @Test
  void aSlowKinesisGetsBiggerBatchesNotOneCallPerRecordAndTheLagIsReported() throws Exception {
    // Each PutRecords takes 500 ms, longer than a batch may wait: the records that fell due
    // meanwhile go into the next batch, so the producer keeps its rate, 490 ms behind at worst
    // (record 21, due at 210 ms, goes out when the first call returns at 700 ms).
    SlowKinesis kinesis = new SlowKinesis(500);

    StreamEvents.Summary summary = run(kinesis);

    assertThat(kinesis.calls.stream().flatMap(List::stream).toList()).isEqualTo(expected());
    assertThat(summary.records()).isEqualTo(RATE * SECONDS);
    assertThat(summary.maxBehind()).isEqualTo(Duration.ofMillis(490));
    assertThat(kinesis.calls.size()).isLessThan(10);
  }
}
