package io.medallion.lake.events;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.medallion.lake.bronze.BronzeFileGroup;
import io.medallion.lake.bronze.BronzeRecord;
import io.medallion.lake.bronze.ReadBronzeEvents;
import io.medallion.lake.commit.Counts;
import io.medallion.lake.layout.LakeLayout;
import io.medallion.lake.table.Dataset;
import io.medallion.lake.table.LakeTable;
import io.medallion.lake.table.TableAtStart;
import io.medallion.lake.write.ParquetFiles;
import io.medallion.lake.write.WritePartitionFiles;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.Base64;
import org.apache.avro.generic.GenericRecord;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.util.MimeTypes;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.TupleTagList;
import org.apache.iceberg.io.FileAppender;

/**
 * Turns groups of bronze files ({@link BronzeFileGroup}, one arrival hour each) into the files of a
 * {@code silver_events} promotion, each group in one step on one worker: reads its records ({@link
 * ReadBronzeEvents#read}), validates each ({@link EventParser}), enriches the valid ones ({@link
 * EventEnrichment}) and writes them, in the order read, to one Parquet data file in the table's
 * data location (Iceberg's writer, {@link ParquetFiles#writer}); the rejected ones, with their
 * reason, to one quarantine file of JSON lines ({@link #quarantineLine}) staged under {@code
 * quarantineDir}.
 *
 * <p>Files are named after the run and the group, {@code
 * <partition>/part-<run>-<group>-of-<groups>} ({@link WritePartitionFiles#fileName}), {@code
 * .parquet} and {@code .jsonl}: a group that a runner retries writes the same names again,
 * replacing its first attempt's files. A group with no valid record writes no data file, one with
 * no rejected record no quarantine file. The data files stay invisible until the commit adds them
 * to the table; one a failed run wrote is an orphan for {@code lake maintain}.
 *
 * <p>Outputs:
 *
 * <ul>
 *   <li>{@link #DATA_FILES}: each data file written, keyed by its table partition path ({@link
 *       TableAtStart#partitionPath}).
 *   <li>{@link #QUARANTINE_FILES}: each quarantine file staged, keyed by its arrival-hour partition
 *       {@code dt=YYYY-MM-DD/hour=HH}.
 *   <li>{@link #COUNTS}: per arrival-hour unit, every record {@code read}; each rejected one as
 *       {@code quarantined.<reason>}; each row {@code written}, under its creation date ({@code
 *       created_on.<date>}: the gold dates the silver commit marks as pending), and as {@code late}
 *       when it arrived more than the allowed lateness after its creation date ended, or {@code
 *       early} when it arrived on a day before its creation date ({@code late_for.<date>}, {@code
 *       early_for.<date>}): a gold run of the date made before it arrived does not have it, which
 *       the pending mark makes {@code gold --pending} repair.
 * </ul>
 *
 * <p>Why one step from the files to the files: rows never cross an exchange between workers, as in
 * a single pass over the input. When silver's rows went through Beam's {@code FileIO} write (a
 * shuffle to the file's writer, then a sort on Flink), the rows' encoding, the exchange and its
 * spill took about half of silver's time at 10M events (src/docs/benchmark.md).
 */
public final class SilverFiles extends PTransform<PCollection<BronzeFileGroup>, PCollectionTuple> {
  public static final TupleTag<KV<String, String>> DATA_FILES = new TupleTag<>() {};
  public static final TupleTag<KV<String, String>> QUARANTINE_FILES = new TupleTag<>() {};
  public static final TupleTag<KV<String, Long>> COUNTS = new TupleTag<>() {};

  /**
   * The counter of the rows an hour holds per creation date, {@code created_on.<date>}: which gold
   * dates the hour's rows belong to (and marks as pending before its commit).
   */
  public static final String CREATED_ON = "created_on";

  private final TableAtStart table;
  private final Duration allowedLateness;
  private final String runId;
  private final String quarantineDir;

  private SilverFiles(
      TableAtStart table, Duration allowedLateness, String runId, String quarantineDir) {
    this.table = table;
    this.allowedLateness = allowedLateness;
    this.runId = runId;
    this.quarantineDir = quarantineDir;
  }

  /**
   * The files of run {@code runId} for {@code table} (the {@code silver_events} table as the run
   * found it); a row created on date D is late when it arrives after D ends plus {@code
   * allowedLateness}; quarantine files are staged under {@code quarantineDir}.
   */
  public static SilverFiles of(
      TableAtStart table, Duration allowedLateness, String runId, String quarantineDir) {
    if (table.table() != LakeTable.SILVER_EVENTS) {
      throw new IllegalArgumentException("silver rows go to silver_events, not " + table.table());
    }
    return new SilverFiles(table, allowedLateness, runId, quarantineDir);
  }

  @Override
  public PCollectionTuple expand(PCollection<BronzeFileGroup> input) {
    PCollectionTuple result =
        input.apply(
            "ValidateEnrichWrite",
            ParDo.of(new SilverFilesFn(this))
                .withOutputTags(DATA_FILES, TupleTagList.of(QUARANTINE_FILES).and(COUNTS)));
    result.get(DATA_FILES).setCoder(KvCoder.of(StringUtf8Coder.of(), StringUtf8Coder.of()));
    result.get(QUARANTINE_FILES).setCoder(KvCoder.of(StringUtf8Coder.of(), StringUtf8Coder.of()));
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

  static final class SilverFilesFn extends DoFn<BronzeFileGroup, KV<String, String>> {
    private final Counter valid = Metrics.counter(SilverFiles.class, "events_valid");
    private final Counter rejected = Metrics.counter(SilverFiles.class, "events_quarantined");
    private final TableAtStart table;
    private final Duration allowedLateness;
    private final String runId;
    private final String quarantineDir;
    private transient TableAtStart.PartitionPaths paths;
    private transient Counts.InBundle counts;
    // The creation date of the previous valid event: most share it.
    private transient CreationDate lastCreated;

    SilverFilesFn(SilverFiles spec) {
      this.table = spec.table;
      this.allowedLateness = spec.allowedLateness;
      this.runId = spec.runId;
      this.quarantineDir = spec.quarantineDir;
    }

    @Setup
    public void setup() {
      paths = table.partitionPaths();
    }

    @StartBundle
    public void startBundle() {
      counts = new Counts.InBundle();
    }

    @ProcessElement
    public void process(@Element BronzeFileGroup group, MultiOutputReceiver out)
        throws IOException {
      String partition = Dataset.SILVER_EVENTS.hourUnit(group.hour()).name();
      GroupFiles files = new GroupFiles(group);
      try {
        ReadBronzeEvents.read(group, record -> promote(record, partition, files));
      } catch (IOException | RuntimeException e) {
        files.abandon(e);
        throw e;
      }
      files.finish();
      if (files.dataFile != null) {
        out.get(DATA_FILES).output(KV.of(files.dataPartition, files.dataFile));
      }
      if (files.quarantineFile != null) {
        out.get(QUARANTINE_FILES).output(KV.of(partition, files.quarantineFile));
      }
    }

    private void promote(BronzeRecord record, String partition, GroupFiles files)
        throws IOException {
      counts.add(partition, Counts.READ, 1);
      EventParser.Outcome outcome =
          record.rejection() != null
              ? new EventParser.Outcome(null, record.rejection())
              : EventParser.parse(record.bytes(), record.arrivalHour());
      if (!outcome.isValid()) {
        rejected.inc();
        counts.add(partition, Counts.quarantined(outcome.rejection().reason().code()), 1);
        files.quarantine(partition, quarantineLine(record, outcome.rejection()));
        return;
      }
      valid.inc();
      ParsedEvent event = outcome.event();
      count(partition, event);
      GenericRecord row = EventEnrichment.toSilver(event);
      files.add(paths.of(row), row);
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
      counts.flush(context, COUNTS);
    }

    /** A group's data file and quarantine file, each opened with its first line. */
    private final class GroupFiles {
      private final BronzeFileGroup group;
      private FileAppender<GenericRecord> data;
      private OutputStream quarantine;
      String dataPartition;
      String dataFile;
      String quarantineFile;

      GroupFiles(BronzeFileGroup group) {
        this.group = group;
      }

      void add(String partition, GenericRecord row) throws IOException {
        if (data == null) {
          dataPartition = partition;
          dataFile = table.dataLocation() + "/" + name(partition, ".parquet");
          data = ParquetFiles.writer(dataFile, table.writeSchema(), table.properties());
        } else if (!partition.equals(dataPartition)) {
          throw new IllegalStateException(
              "rows of one arrival hour in two partitions: " + dataPartition + ", " + partition);
        }
        data.add(row);
      }

      void quarantine(String partition, String line) throws IOException {
        if (quarantine == null) {
          quarantineFile = quarantineDir + "/" + name(partition, ".jsonl");
          quarantine =
              new BufferedOutputStream(
                  Channels.newOutputStream(
                      FileSystems.create(
                          FileSystems.matchNewResource(quarantineFile, false), MimeTypes.TEXT)),
                  1 << 16);
        }
        quarantine.write(line.getBytes(StandardCharsets.UTF_8));
        quarantine.write('\n');
      }

      private String name(String partition, String suffix) {
        return WritePartitionFiles.fileName(partition, runId, group.index(), group.count(), suffix);
      }

      /** Finishes both files. */
      void finish() throws IOException {
        try {
          if (data != null) {
            data.close();
          }
        } finally {
          if (quarantine != null) {
            quarantine.close();
          }
        }
      }

      /** Closes what is open after {@code failure}, adding any failure to close to it. */
      void abandon(Exception failure) {
        try {
          finish();
        } catch (IOException | RuntimeException e) {
          failure.addSuppressed(e);
        }
      }
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
