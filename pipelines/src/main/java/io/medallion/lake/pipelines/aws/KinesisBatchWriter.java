package io.medallion.lake.pipelines.aws;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.kinesis.KinesisClient;
import software.amazon.awssdk.services.kinesis.model.LimitExceededException;
import software.amazon.awssdk.services.kinesis.model.ProvisionedThroughputExceededException;
import software.amazon.awssdk.services.kinesis.model.PutRecordsRequest;
import software.amazon.awssdk.services.kinesis.model.PutRecordsRequestEntry;
import software.amazon.awssdk.services.kinesis.model.PutRecordsResponse;
import software.amazon.awssdk.services.kinesis.model.PutRecordsResultEntry;

/**
 * Puts records into a Kinesis stream in {@code PutRecords} batches of at most 500 records and 5
 * MiB. A throttled call, and the failed entries of a partly failed batch (and only those), are
 * retried with exponential back-off and jitter; a batch that still fails after {@code maxAttempts}
 * is an error. Partition keys are random, so records spread evenly over the shards.
 */
public final class KinesisBatchWriter {
  static final int MAX_BATCH_RECORDS = 500;
  static final long MAX_BATCH_BYTES = 5L * 1024 * 1024;
  static final int MAX_RECORD_BYTES = 1024 * 1024;

  private static final Logger LOG = LoggerFactory.getLogger(KinesisBatchWriter.class);

  /** Waits between attempts; a test passes one that does not sleep. */
  public interface Sleeper {
    void sleep(long millis) throws InterruptedException;
  }

  private final KinesisClient client;
  private final String stream;
  private final Random random;
  private final Sleeper sleeper;
  private final int maxAttempts;
  private final long baseBackoffMillis;
  private final long maxBackoffMillis;
  private final List<PutRecordsRequestEntry> batch = new ArrayList<>();
  private long batchBytes;
  private long sent;
  private long retried;

  public KinesisBatchWriter(KinesisClient client, String stream, long seed) {
    this(client, stream, seed, Thread::sleep, 10, 50, 5_000);
  }

  /**
   * A writer with its own retry policy: up to {@code maxAttempts} puts of a batch, backing off from
   * {@code baseBackoffMillis} to at most {@code maxBackoffMillis} with jitter.
   */
  public KinesisBatchWriter(
      KinesisClient client,
      String stream,
      long seed,
      Sleeper sleeper,
      int maxAttempts,
      long baseBackoffMillis,
      long maxBackoffMillis) {
    this.client = client;
    this.stream = stream;
    this.random = new Random(seed);
    this.sleeper = sleeper;
    this.maxAttempts = maxAttempts;
    this.baseBackoffMillis = baseBackoffMillis;
    this.maxBackoffMillis = maxBackoffMillis;
  }

  /** Adds a record; sends the batch first when the record would not fit in it. */
  public void add(byte[] data) throws InterruptedException {
    String key = new UUID(random.nextLong(), random.nextLong()).toString();
    long size = data.length + key.length();
    if (size > MAX_RECORD_BYTES) {
      throw new IllegalArgumentException("a Kinesis record holds at most 1 MiB, got " + size);
    }
    if (batch.size() == MAX_BATCH_RECORDS || batchBytes + size > MAX_BATCH_BYTES) {
      flush();
    }
    batch.add(
        PutRecordsRequestEntry.builder()
            .data(SdkBytes.fromByteArray(data))
            .partitionKey(key)
            .build());
    batchBytes += size;
  }

  /** Records added and not sent yet. */
  public int buffered() {
    return batch.size();
  }

  public long sent() {
    return sent;
  }

  public long retried() {
    return retried;
  }

  /** Sends what is buffered, retrying until every record is in the stream. */
  public void flush() throws InterruptedException {
    List<PutRecordsRequestEntry> toSend = new ArrayList<>(batch);
    batch.clear();
    batchBytes = 0;
    for (int attempt = 1; !toSend.isEmpty(); attempt++) {
      String failure;
      try {
        PutRecordsResponse response =
            client.putRecords(
                PutRecordsRequest.builder().streamName(stream).records(toSend).build());
        List<PutRecordsRequestEntry> failed = new ArrayList<>();
        List<PutRecordsResultEntry> results = response.records();
        for (int i = 0; i < results.size(); i++) {
          if (results.get(i).errorCode() != null) {
            failed.add(toSend.get(i));
          }
        }
        sent += toSend.size() - failed.size();
        if (failed.isEmpty()) {
          return;
        }
        failure =
            failed.size()
                + " of "
                + toSend.size()
                + " records failed ("
                + firstError(results)
                + ")";
        toSend = failed;
      } catch (ProvisionedThroughputExceededException | LimitExceededException e) {
        failure = "throttled: " + e.getClass().getSimpleName();
      }
      if (attempt >= maxAttempts) {
        throw new IllegalStateException(
            "PutRecords to "
                + stream
                + " still failing after "
                + attempt
                + " attempts: "
                + failure);
      }
      retried += toSend.size();
      long backoff = Math.min(maxBackoffMillis, baseBackoffMillis << Math.min(attempt - 1, 20));
      long sleep = backoff / 2 + (long) (random.nextDouble() * backoff / 2);
      LOG.debug("{}; retrying {} record(s) in {} ms", failure, toSend.size(), sleep);
      sleeper.sleep(sleep);
    }
  }

  private static String firstError(List<PutRecordsResultEntry> results) {
    return results.stream()
        .filter(r -> r.errorCode() != null)
        .map(r -> r.errorCode() + ": " + r.errorMessage())
        .findFirst()
        .orElse("");
  }
}
