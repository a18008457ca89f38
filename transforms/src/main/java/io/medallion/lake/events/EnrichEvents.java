package io.medallion.lake.events;

import io.medallion.lake.io.Counts;
import io.medallion.lake.layout.LakeLayout;
import io.medallion.lake.tables.LakeTable;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import org.apache.avro.generic.GenericRecord;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.extensions.avro.coders.AvroCoder;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.TupleTagList;

/**
 * Turns valid events into silver rows ({@link EventEnrichment}) of {@link LakeTable#SILVER_EVENTS},
 * counted per arrival-hour unit ({@code dt=YYYY-MM-DD/hour=HH}). Counts each as written and under
 * its creation date ({@code created_on.<date>}: the gold dates the silver commit marks as pending),
 * and as {@code late} when it arrived more than the allowed lateness after its creation date ended,
 * or as {@code early} when it arrived on a day before its creation date ({@code late_for.<date>},
 * {@code early_for.<date>}): a gold run of the date made before it arrived does not have it, which
 * the pending mark makes {@code gold --pending} repair.
 */
public final class EnrichEvents extends PTransform<PCollection<ParsedEvent>, PCollectionTuple> {
  public static final TupleTag<GenericRecord> ROWS = new TupleTag<>() {};
  public static final TupleTag<KV<String, Long>> COUNTS = new TupleTag<>() {};

  /**
   * The counter of the rows an hour holds per creation date, {@code created_on.<date>}: which gold
   * dates the hour's rows belong to (and marks as pending before its commit).
   */
  public static final String CREATED_ON = "created_on";

  private final Duration allowedLateness;

  private EnrichEvents(Duration allowedLateness) {
    this.allowedLateness = allowedLateness;
  }

  public static EnrichEvents withAllowedLateness(Duration allowedLateness) {
    return new EnrichEvents(allowedLateness);
  }

  @Override
  public PCollectionTuple expand(PCollection<ParsedEvent> input) {
    PCollectionTuple result =
        input.apply(
            "Enrich",
            ParDo.of(new EnrichEventFn(allowedLateness))
                .withOutputTags(ROWS, TupleTagList.of(COUNTS)));
    result.get(ROWS).setCoder(AvroCoder.of(LakeTable.SILVER_EVENTS.avroSchema()));
    result.get(COUNTS).setCoder(KvCoder.of(StringUtf8Coder.of(), VarLongCoder.of()));
    return result;
  }

  static final class EnrichEventFn extends DoFn<ParsedEvent, GenericRecord> {
    private final Duration allowedLateness;
    private transient Counts.InBundle counts;

    EnrichEventFn(Duration allowedLateness) {
      this.allowedLateness = allowedLateness;
    }

    @StartBundle
    public void startBundle() {
      counts = new Counts.InBundle();
    }

    @ProcessElement
    public void process(@Element ParsedEvent event, MultiOutputReceiver out) {
      String partition = LakeLayout.hourPartition(event.arrivalHour());
      counts.add(partition, Counts.WRITTEN, 1);
      LocalDate created =
          LocalDate.ofInstant(
              EventEnrichment.instantOfMicros(event.createdAtMicros()), ZoneOffset.UTC);
      counts.add(partition, CREATED_ON + "." + created, 1);
      Instant windowEnd =
          created.plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant().plus(allowedLateness);
      if (!event.arrivalHour().isBefore(windowEnd)) {
        counts.add(partition, "late", 1);
        counts.add(partition, "late_for." + created, 1);
      } else if (created.isAfter(LakeLayout.dateOf(event.arrivalHour()))) {
        counts.add(partition, "early", 1);
        counts.add(partition, "early_for." + created, 1);
      }
      out.get(ROWS).output(EventEnrichment.toSilver(event));
    }

    @FinishBundle
    public void finishBundle(FinishBundleContext context) {
      counts.flush(context, COUNTS);
    }
  }
}
