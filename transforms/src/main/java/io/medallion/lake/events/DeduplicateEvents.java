package io.medallion.lake.events;

import io.medallion.lake.io.Counts;
import io.medallion.lake.tables.LakeTable;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import org.apache.avro.generic.GenericRecord;
import org.apache.beam.sdk.coders.ByteArrayCoder;
import org.apache.beam.sdk.coders.CoderException;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.extensions.avro.coders.AvroCoder;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.GroupByKey;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.util.CoderUtils;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.TupleTagList;

/**
 * Keeps one silver row per {@code event_uuid} and date: the one with the earliest {@code
 * created_at}, ties broken by {@code event_name}, then {@code payload}, then {@code event_subtype},
 * so the same input gives the same row whatever order it arrives in.
 *
 * <p>Rows are grouped into a fixed number of buckets per date (by uuid hash) and de-duplicated with
 * a hash map inside each bucket. A GroupByKey on the uuid itself would make one group per event:
 * fine on Flink, but the DirectRunner turns every group into its own bundle and slows to a crawl
 * (FACTS.md). Choose the bucket count so one bucket's distinct events fit in a worker's memory:
 * with 64 buckets a 24M-event day is 375k rows a bucket.
 *
 * <p>Rows cross the GroupByKey as Avro bytes, for the reason {@link
 * io.medallion.lake.io.WritePartitionFiles} gives: the DirectRunner copies grouped values through
 * their coder, and a byte array copies for almost nothing.
 *
 * <p>Input: rows keyed by {@code date=YYYY-MM-DD}. Counts, per date, each kept row as written and
 * each dropped copy as a duplicate removed.
 */
public final class DeduplicateEvents
    extends PTransform<PCollection<KV<String, GenericRecord>>, PCollectionTuple> {
  public static final TupleTag<DeduplicatedEvent> EVENTS = new TupleTag<>() {};
  public static final TupleTag<KV<String, Long>> COUNTS = new TupleTag<>() {};

  /** Which of two rows with the same uuid is kept: the smaller. */
  public static final Comparator<GenericRecord> KEEP_FIRST =
      Comparator.<GenericRecord>comparingLong(r -> (Long) r.get("created_at"))
          .thenComparing(r -> r.get("event_name").toString())
          .thenComparing(r -> r.get("payload").toString())
          .thenComparing(
              r -> r.get("event_subtype") == null ? "" : r.get("event_subtype").toString());

  private final int buckets;

  private DeduplicateEvents(int buckets) {
    this.buckets = buckets;
  }

  public static DeduplicateEvents withBuckets(int buckets) {
    if (buckets < 1) {
      throw new IllegalArgumentException("--dedupBuckets must be at least 1, got " + buckets);
    }
    return new DeduplicateEvents(buckets);
  }

  @Override
  public PCollectionTuple expand(PCollection<KV<String, GenericRecord>> rows) {
    PCollectionTuple result =
        rows.apply("KeyByBucket", ParDo.of(new KeyByBucketFn(buckets)))
            .setCoder(KvCoder.of(StringUtf8Coder.of(), ByteArrayCoder.of()))
            .apply("GroupBuckets", GroupByKey.create())
            .apply(
                "KeepFirstPerUuid",
                ParDo.of(new KeepFirstPerUuidFn()).withOutputTags(EVENTS, TupleTagList.of(COUNTS)));
    result.get(EVENTS).setCoder(DeduplicatedEvent.Coder.of());
    result.get(COUNTS).setCoder(KvCoder.of(StringUtf8Coder.of(), VarLongCoder.of()));
    return result;
  }

  private static final AvroCoder<GenericRecord> ROW =
      AvroCoder.of(LakeTable.SILVER_EVENTS.avroSchema());

  /** {@code date=D} → {@code date=D|bucket}, the row encoded. */
  static final class KeyByBucketFn extends DoFn<KV<String, GenericRecord>, KV<String, byte[]>> {
    private final int buckets;

    KeyByBucketFn(int buckets) {
      this.buckets = buckets;
    }

    @ProcessElement
    public void process(
        @Element KV<String, GenericRecord> row, OutputReceiver<KV<String, byte[]>> out)
        throws CoderException {
      int bucket = Math.floorMod(row.getValue().get("event_uuid").toString().hashCode(), buckets);
      out.output(
          KV.of(row.getKey() + "|" + bucket, CoderUtils.encodeToByteArray(ROW, row.getValue())));
    }
  }

  static final class KeepFirstPerUuidFn
      extends DoFn<KV<String, Iterable<byte[]>>, DeduplicatedEvent> {
    private transient Counts.InBundle counts;

    @StartBundle
    public void startBundle() {
      counts = new Counts.InBundle();
    }

    @ProcessElement
    public void process(@Element KV<String, Iterable<byte[]>> bucket, MultiOutputReceiver out)
        throws CoderException {
      String partition = bucket.getKey().substring(0, bucket.getKey().indexOf('|'));
      String date = partition.substring("date=".length());
      Map<String, Kept> byUuid = new HashMap<>();
      for (byte[] encoded : bucket.getValue()) {
        GenericRecord row = CoderUtils.decodeFromByteArray(ROW, encoded);
        Kept kept = byUuid.get(row.get("event_uuid").toString());
        if (kept == null) {
          byUuid.put(row.get("event_uuid").toString(), new Kept(row));
        } else {
          kept.copies++;
          if (KEEP_FIRST.compare(row, kept.row) < 0) {
            kept.row = row;
          }
        }
      }
      long duplicates = 0;
      for (Kept kept : byUuid.values()) {
        duplicates += kept.copies - 1;
        out.get(EVENTS).output(new DeduplicatedEvent(date, kept.row, kept.copies));
      }
      counts.add(partition, Counts.WRITTEN, byUuid.size());
      counts.add(partition, Counts.DUPLICATES_REMOVED, duplicates);
    }

    @FinishBundle
    public void finishBundle(FinishBundleContext context) {
      counts.flush(context, COUNTS);
    }

    private static final class Kept {
      GenericRecord row;
      long copies = 1;

      Kept(GenericRecord row) {
        this.row = row;
      }
    }
  }
}
