package io.medallion.lake.events;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.medallion.lake.beam.EncodedBatches;
import io.medallion.lake.bronze.BronzeRecord;
import io.medallion.lake.commit.Counts;
import io.medallion.lake.layout.LakeLayout;
import io.medallion.lake.table.Dataset;
import io.medallion.lake.table.LakeTable;
import io.medallion.lake.table.TableAtStart;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.Base64;
import org.apache.avro.generic.GenericRecord;
import org.apache.beam.sdk.coders.ByteArrayCoder;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.extensions.avro.coders.AvroCoder;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.TupleTagList;

/**
 * Turns raw bronze records into rows of the {@code silver_events} table, in one step: validates
 * each record ({@link EventParser}), enriches the valid ones ({@link EventEnrichment}) and
 * quarantines the others with their reason.
 *
 * <p>Outputs:
 *
 * <ul>
 *   <li>{@link #ROWS}: the silver rows ({@link LakeTable#SILVER_EVENTS}) in {@link EncodedBatches}
 *       ({@code AvroCoder}), keyed by the table partition path they belong to ({@link
 *       TableAtStart#partitionPath}), ready for {@link
 *       io.medallion.lake.write.WritePartitionFiles}.
 *   <li>{@link #QUARANTINE}: one JSON line per rejected record ({@link #quarantineLine}), keyed by
 *       its arrival-hour partition {@code dt=YYYY-MM-DD/hour=HH}.
 *   <li>{@link #COUNTS}: per arrival-hour unit, every record {@code read}; each rejected one as
 *       {@code quarantined.<reason>}; each row {@code written}, under its creation date ({@code
 *       created_on.<date>}: the gold dates the silver commit marks as pending), and as {@code late}
 *       when it arrived more than the allowed lateness after its creation date ended, or {@code
 *       early} when it arrived on a day before its creation date ({@code late_for.<date>}, {@code
 *       early_for.<date>}): a gold run of the date made before it arrived does not have it, which
 *       the pending mark makes {@code gold --pending} repair.
 * </ul>
 *
 * <p>One step rather than a parse step and an enrich step, and rows leave it already batched: on
 * Flink every output of a multi-output step is serialised on its way to the next one, so rows that
 * left as single records were encoded and decoded twice more than the write needs (the benchmark,
 * src/docs/benchmark.md).
 */
public final class SilverRows extends PTransform<PCollection<BronzeRecord>, PCollectionTuple> {
  public static final TupleTag<KV<String, byte[]>> ROWS = new TupleTag<>() {};
  public static final TupleTag<KV<String, String>> QUARANTINE = new TupleTag<>() {};
  public static final TupleTag<KV<String, Long>> COUNTS = new TupleTag<>() {};

  /**
   * The counter of the rows an hour holds per creation date, {@code created_on.<date>}: which gold
   * dates the hour's rows belong to (and marks as pending before its commit).
   */
  public static final String CREATED_ON = "created_on";

  private final TableAtStart table;
  private final Duration allowedLateness;

  private SilverRows(TableAtStart table, Duration allowedLateness) {
    this.table = table;
    this.allowedLateness = allowedLateness;
  }

  /**
   * Rows for {@code table} (the {@code silver_events} table as the run found it); a row created on
   * date D is late when it arrives after D ends plus {@code allowedLateness}.
   */
  public static SilverRows of(TableAtStart table, Duration allowedLateness) {
    if (table.table() != LakeTable.SILVER_EVENTS) {
      throw new IllegalArgumentException("silver rows go to silver_events, not " + table.table());
    }
    return new SilverRows(table, allowedLateness);
  }

  /** The coder of the rows inside a {@link #ROWS} batch. */
  public static AvroCoder<GenericRecord> rowCoder() {
    return AvroCoder.of(LakeTable.SILVER_EVENTS.avroSchema());
  }

  @Override
  public PCollectionTuple expand(PCollection<BronzeRecord> input) {
    PCollectionTuple result =
        input.apply(
            "ValidateAndEnrich",
            ParDo.of(new SilverRowsFn(table, allowedLateness))
                .withOutputTags(ROWS, TupleTagList.of(QUARANTINE).and(COUNTS)));
    result.get(ROWS).setCoder(KvCoder.of(StringUtf8Coder.of(), ByteArrayCoder.of()));
    result.get(QUARANTINE).setCoder(KvCoder.of(StringUtf8Coder.of(), StringUtf8Coder.of()));
    result.get(COUNTS).setCoder(KvCoder.of(StringUtf8Coder.of(), VarLongCoder.of()));
    return result;
  }

  /**
   * The quarantine line of a rejected record: reason, detail, source ({@code file:line}), byte
   * offset, arrival hour, and the raw record exactly: as {@code raw} text when it is UTF-8, else as
   * {@code raw_base64}.
   */
  public static String quarantineLine(BronzeRecord record, EventParser.Rejection rejection) {
    ObjectNode line = JsonNodeFactory.instance.objectNode();
    line.put("reason", rejection.reason().code());
    line.put("detail", rejection.detail());
    line.put("source", record.source());
    line.put("offset", record.offset());
    line.put("arrival_hour", record.arrivalHour().toString());
    try {
      line.put(
          "raw",
          StandardCharsets.UTF_8
              .newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .decode(ByteBuffer.wrap(record.bytes()))
              .toString());
    } catch (CharacterCodingException e) {
      // Not UTF-8: keep the bytes exactly rather than a lossy decoding.
      line.put("raw_base64", Base64.getEncoder().encodeToString(record.bytes()));
    }
    return line.toString();
  }

  static final class SilverRowsFn extends DoFn<BronzeRecord, KV<String, byte[]>> {
    private final Counter valid = Metrics.counter(SilverRows.class, "events_valid");
    private final Counter rejected = Metrics.counter(SilverRows.class, "events_quarantined");
    private final TableAtStart table;
    private final Duration allowedLateness;
    private transient TableAtStart.PartitionPaths paths;
    private transient EncodedBatches.Buffer<String, GenericRecord> rows;
    private transient Counts.InBundle counts;
    // The arrival hour of the previous record and its partition: records come file by file.
    private transient Instant lastHour;
    private transient String lastPartition;
    // The creation date of the previous valid event: most share it.
    private transient CreationDate lastCreated;

    SilverRowsFn(TableAtStart table, Duration allowedLateness) {
      this.table = table;
      this.allowedLateness = allowedLateness;
    }

    @Setup
    public void setup() {
      paths = table.partitionPaths();
    }

    @StartBundle
    public void startBundle() {
      rows = new EncodedBatches.Buffer<>(rowCoder());
      counts = new Counts.InBundle();
    }

    @ProcessElement
    public void process(@Element BronzeRecord record, MultiOutputReceiver out) throws IOException {
      String partition = partitionOf(record.arrivalHour());
      counts.add(partition, Counts.READ, 1);
      EventParser.Outcome outcome =
          record.rejection() != null
              ? new EventParser.Outcome(null, record.rejection())
              : EventParser.parse(record.bytes(), record.arrivalHour());
      if (!outcome.isValid()) {
        rejected.inc();
        counts.add(partition, Counts.quarantined(outcome.rejection().reason().code()), 1);
        out.get(QUARANTINE).output(KV.of(partition, quarantineLine(record, outcome.rejection())));
        return;
      }
      valid.inc();
      ParsedEvent event = outcome.event();
      count(partition, event);
      GenericRecord row = EventEnrichment.toSilver(event);
      rows.add(paths.of(row), row, (path, batch) -> out.get(ROWS).output(KV.of(path, batch)));
    }

    private String partitionOf(Instant hour) {
      if (!hour.equals(lastHour)) {
        lastHour = hour;
        lastPartition = Dataset.SILVER_EVENTS.hourUnit(hour).name();
      }
      return lastPartition;
    }

    private void count(String partition, ParsedEvent event) {
      counts.add(partition, Counts.WRITTEN, 1);
      CreationDate created = creationDate(event.createdAtMicros());
      counts.add(partition, created.counter, 1);
      if (!event.arrivalHour().isBefore(created.windowEnd)) {
        counts.add(partition, "late", 1);
        counts.add(partition, created.lateCounter, 1);
      } else if (created.date.isAfter(LakeLayout.dateOf(event.arrivalHour()))) {
        counts.add(partition, "early", 1);
        counts.add(partition, created.earlyCounter, 1);
      }
    }

    /** The creation date of a time: the previous event's when it is the same (most are). */
    private CreationDate creationDate(long createdAtMicros) {
      LocalDate date = LakeLayout.dateOfMicros(createdAtMicros);
      if (lastCreated == null || !lastCreated.date.equals(date)) {
        lastCreated = new CreationDate(date, allowedLateness);
      }
      return lastCreated;
    }

    @FinishBundle
    public void finishBundle(FinishBundleContext context) {
      rows.flush(context, ROWS);
      counts.flush(context, COUNTS);
    }
  }

  /** A creation date, its counters, and the end of its window (the day's end plus lateness). */
  private static final class CreationDate {
    final LocalDate date;
    final Instant windowEnd;
    final String counter;
    final String lateCounter;
    final String earlyCounter;

    CreationDate(LocalDate date, Duration allowedLateness) {
      this.date = date;
      this.windowEnd = LakeLayout.startOf(date.plusDays(1)).plus(allowedLateness);
      this.counter = CREATED_ON + "." + date;
      this.lateCounter = "late_for." + date;
      this.earlyCounter = "early_for." + date;
    }
  }
}
