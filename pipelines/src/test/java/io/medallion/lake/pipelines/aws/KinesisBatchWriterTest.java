package io.medallion.lake.pipelines.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.kinesis.KinesisClient;
import software.amazon.awssdk.services.kinesis.model.ProvisionedThroughputExceededException;
import software.amazon.awssdk.services.kinesis.model.PutRecordsRequest;
import software.amazon.awssdk.services.kinesis.model.PutRecordsRequestEntry;
import software.amazon.awssdk.services.kinesis.model.PutRecordsResponse;
import software.amazon.awssdk.services.kinesis.model.PutRecordsResultEntry;

/** Batching limits, retries of only the failed entries, back-off on throttling. */
class KinesisBatchWriterTest {

  /** A Kinesis that answers PutRecords with scripted behaviours, then accepts everything. */
  private static final class FakeKinesis implements KinesisClient {
    final List<List<String>> calls = new ArrayList<>();
    final List<String> partitionKeys = new ArrayList<>();
    final Deque<Function<PutRecordsRequest, PutRecordsResponse>> script = new ArrayDeque<>();

    @Override
    public PutRecordsResponse putRecords(PutRecordsRequest request) {
      calls.add(request.records().stream().map(e -> e.data().asUtf8String()).toList());
      request.records().stream()
          .map(PutRecordsRequestEntry::partitionKey)
          .forEach(partitionKeys::add);
      if (!script.isEmpty()) {
        return script.poll().apply(request);
      }
      return respond(request, Set.of());
    }

    @Override
    public String serviceName() {
      return "kinesis";
    }

    @Override
    public void close() {}
  }

  private static PutRecordsResponse respond(PutRecordsRequest request, Set<Integer> failed) {
    List<PutRecordsResultEntry> results = new ArrayList<>();
    for (int i = 0; i < request.records().size(); i++) {
      results.add(
          failed.contains(i)
              ? PutRecordsResultEntry.builder()
                  .errorCode("ProvisionedThroughputExceededException")
                  .errorMessage("Rate exceeded for shard")
                  .build()
              : PutRecordsResultEntry.builder().shardId("shardId-0").sequenceNumber("1").build());
    }
    return PutRecordsResponse.builder().records(results).failedRecordCount(failed.size()).build();
  }

  private final List<Long> sleeps = new ArrayList<>();

  private KinesisBatchWriter writer(FakeKinesis kinesis) {
    return new KinesisBatchWriter(kinesis, "events", 1, sleeps::add, 5, 100, 1_000);
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void batchesAtMost500Records() throws Exception {
    FakeKinesis kinesis = new FakeKinesis();
    KinesisBatchWriter writer = writer(kinesis);
    for (int i = 0; i < 1201; i++) {
      writer.add(bytes("r" + i));
    }
    writer.flush();

    assertThat(kinesis.calls).extracting(List::size).containsExactly(500, 500, 201);
    assertThat(writer.sent()).isEqualTo(1201);
    assertThat(sleeps).isEmpty();
  }

  @Test
  void batchesAtMost5MiB() throws Exception {
    FakeKinesis kinesis = new FakeKinesis();
    KinesisBatchWriter writer = writer(kinesis);
    byte[] big = new byte[1000 * 1000];
    for (int i = 0; i < 6; i++) {
      writer.add(big);
    }
    writer.flush();

    assertThat(kinesis.calls).extracting(List::size).containsExactly(5, 1);
  }

  @Test
  void retriesOnlyTheFailedEntriesOfAPartlyFailedBatch() throws Exception {
    FakeKinesis kinesis = new FakeKinesis();
    kinesis.script.add(request -> respond(request, Set.of(1, 3)));
    KinesisBatchWriter writer = writer(kinesis);
    for (String r : List.of("a", "b", "c", "d", "e")) {
      writer.add(bytes(r));
    }
    writer.flush();

    assertThat(kinesis.calls).containsExactly(List.of("a", "b", "c", "d", "e"), List.of("b", "d"));
    assertThat(writer.sent()).isEqualTo(5);
    assertThat(writer.retried()).isEqualTo(2);
    assertThat(sleeps).hasSize(1);
  }

  @Test
  void backsOffExponentiallyWhenThrottledThenGivesUp() throws Exception {
    FakeKinesis kinesis = new FakeKinesis();
    for (int i = 0; i < 10; i++) {
      kinesis.script.add(
          request -> {
            throw ProvisionedThroughputExceededException.builder().message("slow down").build();
          });
    }
    KinesisBatchWriter writer = writer(kinesis);
    writer.add(bytes("a"));

    assertThatThrownBy(writer::flush).hasMessageContaining("after 5 attempts");
    assertThat(kinesis.calls).hasSize(5);
    // Jittered in [backoff/2, backoff]: 100, 200, 400, 800 ms, capped at 1 s.
    assertThat(sleeps).hasSize(4);
    long[] caps = {100, 200, 400, 800};
    for (int i = 0; i < caps.length; i++) {
      assertThat(sleeps.get(i)).isBetween(caps[i] / 2, caps[i]);
    }
  }

  @Test
  void partitionKeysSpreadRecords() throws Exception {
    FakeKinesis kinesis = new FakeKinesis();
    KinesisBatchWriter writer = writer(kinesis);
    for (int i = 0; i < 100; i++) {
      writer.add(bytes("same record"));
    }
    writer.flush();

    assertThat(new HashSet<>(kinesis.partitionKeys)).hasSize(100);
  }
}
