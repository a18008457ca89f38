package io.medallion.lake.typed;

import io.medallion.lake.beam.EncodedBatches;
import io.medallion.lake.commit.Counts;
import io.medallion.lake.events.DeduplicateEvents;
import io.medallion.lake.table.Dataset;
import io.medallion.lake.table.TableAtStart;
import io.medallion.lake.table.TableFamily;
import io.medallion.lake.write.ParquetFiles;
import java.io.IOException;
import java.time.LocalDate;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.apache.avro.generic.GenericRecord;
import org.apache.beam.sdk.coders.ByteArrayCoder;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.GroupByKey;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.Sum;
import org.apache.beam.sdk.transforms.View;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.PCollectionView;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.TupleTagList;
import org.apache.iceberg.io.FileAppender;

/**
 * Writes the kept rows of a gold run into their data files, twice in one pass: each row as it is
 * into {@code gold_events}' file of its partition, and as a typed row ({@link TypedRows}) into its
 * typed table's file, the table its event name names, with the table's schema as the run settled it
 * ({@link SettleTypedTables}). The rows come in the batches {@link DeduplicateEvents#EVENTS} leaves
 * them in, keyed by their {@code gold_events} partition; the batches of a partition are dealt over
 * its file groups, one per {@link #ROWS_PER_GROUP} rows the partition holds (counted by the
 * de-duplication, {@link DeduplicateEvents#PARTITION_ROWS}), at least {@code minFilesPerPartition},
 * and gathered by one GroupByKey, as Beam's FileIO would. A group writes one {@code gold_events}
 * file ({@code data/event_type=T/date=D/part-<run>-<group>-of-<groups>.parquet}) and one file per
 * typed table it meets ({@code <table>/data/date=D/part-<run>-<event type>-<group>-of-<groups>
 * .parquet}), with Iceberg's writer, straight into the tables' data locations. Nothing is in a
 * table until the commit; a file of a run that failed is an orphan for {@code lake maintain}, and a
 * retried group writes its files again under the same names.
 *
 * <p>Outputs {@link #EVENT_FILES}, each {@code gold_events} file keyed by its partition path;
 * {@link #TYPED_FILES}, each typed file keyed by its table, with its partition path; and {@link
 * #COUNTS}, per date: {@code typed.written}, the rows written to typed tables; {@code
 * typed.quarantined.no_valid_characters}, the rows whose event name names no table (they are in
 * {@code gold_events} only); {@code typed.quarantined.typed_tables_off}, every row of a run that
 * writes no typed table ({@link TypedTables#off}); {@code rescued.<table>.<member path>}, the
 * values rescued into {@code _rescued}; {@code typed.column_limit.<table>}, those of them rescued
 * because the table's column limit refused their member.
 */
public final class WriteGoldEventFiles
    extends PTransform<PCollection<KV<String, byte[]>>, PCollectionTuple> {
  /** Each {@code gold_events} file written: its partition path → its location. */
  public static final TupleTag<KV<String, String>> EVENT_FILES = new TupleTag<>() {};

  /** Each typed file written: its table → (its partition path, its location). */
  public static final TupleTag<KV<String, KV<String, String>>> TYPED_FILES = new TupleTag<>() {};

  public static final TupleTag<KV<String, Long>> COUNTS = new TupleTag<>() {};

  /**
   * The most rows a group of batches (one file per table it meets) is sized for by {@link
   * #filesFor}. On Flink a group leaves the GroupByKey as one serialised element when the writer
   * cannot be chained to it (its side input prevents it), so a group must fit a worker's heap
   * several times over: a date of 24M events in one file per partition failed with 4 GB of heap, a
   * group of over 377 MB (src/docs/benchmark.md). A quarter of a million gold rows is about 70 MB,
   * and a file of about 25 MB.
   */
  public static final long ROWS_PER_GROUP = 250_000;

  /**
   * File groups for a partition of {@code rows} rows: one per {@link #ROWS_PER_GROUP}, at least
   * one. The partition's batches are dealt over them in turn, so no group holds much more than
   * {@link #ROWS_PER_GROUP} rows, and a partition smaller than that is one file.
   */
  public static int filesFor(long rows) {
    return (int) Math.max(1, Math.min(Integer.MAX_VALUE, -Math.floorDiv(-rows, ROWS_PER_GROUP)));
  }

  /**
   * The reason a row is quarantined from the typed tables: its event name has no letter or digit.
   */
  public static final String NO_VALID_CHARACTERS = "no_valid_characters";

  /**
   * The reason a row is kept out of the typed tables by a run that writes none ({@link
   * TypedTables#off}, {@code --typedTables=false}).
   */
  public static final String TYPED_TABLES_OFF = "typed_tables_off";

  /** Counter prefix of the values rescued: {@code rescued.<table>.<member path>}. */
  public static final String RESCUED = "rescued.";

  private static final org.apache.avro.Schema GOLD = DeduplicateEvents.GOLD_ROW.getSchema();
  private static final int EVENT_UUID = GOLD.getField("event_uuid").pos();
  private static final int EVENT_NAME = GOLD.getField("event_name").pos();
  private static final int DATE = GOLD.getField("date").pos();

  private final TableAtStart goldEvents;
  private final PCollectionView<TypedTables> tables;
  private final PCollection<KV<String, Long>> partitionRows;
  private final TableFamily family;
  private final String runId;
  private final int minFilesPerPartition;

  private WriteGoldEventFiles(
      TableAtStart goldEvents,
      PCollectionView<TypedTables> tables,
      PCollection<KV<String, Long>> partitionRows,
      TableFamily family,
      String runId,
      int minFilesPerPartition) {
    this.goldEvents = goldEvents;
    this.tables = tables;
    this.partitionRows = partitionRows;
    this.family = family;
    this.runId = runId;
    this.minFilesPerPartition = minFilesPerPartition;
  }

  /**
   * @param goldEvents the {@code gold_events} table as the run found it
   * @param tables the run's settled typed tables, a singleton view of {@link SettleTypedTables}
   * @param partitionRows the rows of each partition the batches are keyed by, in parts to be summed
   *     ({@link DeduplicateEvents#PARTITION_ROWS})
   * @param minFilesPerPartition the fewest file groups a partition is dealt over ({@code
   *     --filesPerPartition}); a large partition gets more ({@link #filesFor})
   */
  public static WriteGoldEventFiles of(
      TableAtStart goldEvents,
      PCollectionView<TypedTables> tables,
      PCollection<KV<String, Long>> partitionRows,
      TableFamily family,
      String runId,
      int minFilesPerPartition) {
    if (minFilesPerPartition < 1) {
      throw new IllegalArgumentException("filesPerPartition must be at least 1");
    }
    return new WriteGoldEventFiles(
        goldEvents, tables, partitionRows, family, runId, minFilesPerPartition);
  }

  @Override
  public PCollectionTuple expand(PCollection<KV<String, byte[]>> batches) {
    PCollectionView<Map<String, Long>> rows =
        partitionRows
            .apply("SumPartitionRows", Sum.longsPerKey())
            .apply("PartitionRowsView", View.asMap());
    PCollectionTuple written =
        batches
            .apply(
                "ShardBatches",
                ParDo.of(new ShardFn(rows, minFilesPerPartition)).withSideInputs(rows))
            .setCoder(KvCoder.of(StringUtf8Coder.of(), ByteArrayCoder.of()))
            .apply("GroupShards", GroupByKey.create())
            .apply(
                "WriteFiles",
                ParDo.of(new WriteFn(goldEvents, tables, family, runId))
                    .withSideInputs(tables)
                    .withOutputTags(EVENT_FILES, TupleTagList.of(TYPED_FILES).and(COUNTS)));
    written.get(EVENT_FILES).setCoder(KvCoder.of(StringUtf8Coder.of(), StringUtf8Coder.of()));
    written
        .get(TYPED_FILES)
        .setCoder(
            KvCoder.of(
                StringUtf8Coder.of(), KvCoder.of(StringUtf8Coder.of(), StringUtf8Coder.of())));
    written.get(COUNTS).setCoder(KvCoder.of(StringUtf8Coder.of(), VarLongCoder.of()));
    return written;
  }

  /**
   * {@code <gold partition>} → {@code <gold partition>|<group>-of-<groups>}, the partition's groups
   * ({@link #filesFor} its rows, at least the minimum) taken in turn.
   */
  static final class ShardFn extends DoFn<KV<String, byte[]>, KV<String, byte[]>> {
    private final PCollectionView<Map<String, Long>> rows;
    private final int minShards;
    private transient Map<String, int[]> next;

    ShardFn(PCollectionView<Map<String, Long>> rows, int minShards) {
      this.rows = rows;
      this.minShards = minShards;
    }

    @Setup
    public void setup() {
      next = new HashMap<>();
    }

    @ProcessElement
    public void process(ProcessContext c) {
      KV<String, byte[]> batch = c.element();
      // {shards, next shard}, per partition
      int[] turn =
          next.computeIfAbsent(
              batch.getKey(),
              partition ->
                  new int[] {
                    Math.max(minShards, filesFor(c.sideInput(rows).getOrDefault(partition, 0L))), 0
                  });
      int shard = turn[1];
      turn[1] = (shard + 1) % turn[0];
      c.output(
          KV.of(
              batch.getKey() + "|" + String.format(Locale.ROOT, "%05d-of-%05d", shard, turn[0]),
              batch.getValue()));
    }
  }

  static final class WriteFn extends DoFn<KV<String, Iterable<byte[]>>, KV<String, String>> {
    private final TableAtStart goldEvents;
    private final PCollectionView<TypedTables> tables;
    private final TableFamily family;
    private final String runId;
    private transient Map<Object, String> tableOf;
    private transient Map<Integer, String> unitOf;
    private transient Map<String, Writer> writers;
    private transient Counts.InBundle counts;
    // Made once: counted per row.
    private transient String writtenCounter;

    WriteFn(
        TableAtStart goldEvents,
        PCollectionView<TypedTables> tables,
        TableFamily family,
        String runId) {
      this.goldEvents = goldEvents;
      this.tables = tables;
      this.family = family;
      this.runId = runId;
    }

    /** The rows of one typed table, and how its rows are made and partitioned. */
    private static final class Writer {
      final TableAtStart table;
      final TypedRows rows;
      final TableAtStart.PartitionPaths paths;

      Writer(TypedTables.Settled settled) {
        this.table = settled.table();
        this.rows = new TypedRows(table.writeSchema(), settled.refused());
        this.paths = table.partitionPaths();
      }
    }

    /** A file being written. */
    private record Open(String partition, String location, FileAppender<GenericRecord> file) {}

    @Setup
    public void setup() {
      tableOf = new HashMap<>();
      unitOf = new HashMap<>();
      writers = new HashMap<>();
      writtenCounter = family.writtenCounter();
    }

    @StartBundle
    public void startBundle() {
      counts = new Counts.InBundle();
    }

    @ProcessElement
    public void process(ProcessContext c) throws IOException {
      TypedTables settled = c.sideInput(tables);
      String key = c.element().getKey();
      int bar = key.lastIndexOf('|');
      String goldPartition = key.substring(0, bar);
      String shard = key.substring(bar + 1);
      Open events = null;
      Map<String, Open> open = new TreeMap<>();
      try {
        for (byte[] batch : c.element().getValue()) {
          for (GenericRecord gold : EncodedBatches.values(DeduplicateEvents.GOLD_ROW, batch)) {
            if (events == null) {
              events = open(goldEvents, goldPartition, "", shard);
            }
            events.file().add(gold);
            write(gold, settled, goldPartition, shard, open);
          }
        }
      } finally {
        if (events != null) {
          events.file().close();
        }
        for (Open file : open.values()) {
          file.file().close();
        }
      }
      if (events != null) {
        c.output(KV.of(events.partition(), events.location()));
      }
      open.forEach(
          (table, file) ->
              c.output(TYPED_FILES, KV.of(table, KV.of(file.partition(), file.location()))));
    }

    private void write(
        GenericRecord gold,
        TypedTables settled,
        String goldPartition,
        String shard,
        Map<String, Open> open)
        throws IOException {
      String unit =
          unitOf.computeIfAbsent(
              (Integer) gold.get(DATE),
              day -> Dataset.GOLD_EVENTS.dateUnit(LocalDate.ofEpochDay(day)).name());
      if (!settled.written()) {
        counts.add(unit, family.quarantinedCounter(TYPED_TABLES_OFF), 1);
        return;
      }
      String table =
          tableOf.computeIfAbsent(
              gold.get(EVENT_NAME), name -> family.tableNameFor(name.toString()).orElse(""));
      if (table.isEmpty()) {
        counts.add(unit, family.quarantinedCounter(NO_VALID_CHARACTERS), 1);
        return;
      }
      Writer writer = writers.get(table);
      if (writer == null) {
        TypedTables.Settled s = settled.tables().get(table);
        if (s == null) {
          throw new IllegalStateException(
              "event " + gold.get(EVENT_UUID) + " is for " + table + ", which was not settled");
        }
        writer = new Writer(s);
        writers.put(table, writer);
      }
      GenericRecord row =
          writer.rows.of(
              gold,
              (path, refused) -> {
                counts.add(unit, RESCUED + table + "." + path, 1);
                if (refused) {
                  counts.add(unit, family.counter("column_limit." + table), 1);
                }
              });
      String partition = writer.paths.of(row);
      Open file = open.get(table);
      if (file == null) {
        file = open(writer.table, partition, eventType(goldPartition) + "-", shard);
        open.put(table, file);
      } else if (!file.partition().equals(partition)) {
        throw new IllegalStateException(
            goldPartition + " holds rows of two " + table + " partitions: " + partition);
      }
      file.file().add(row);
      counts.add(unit, writtenCounter, 1);
    }

    /** The {@code event_type} value of a {@code gold_events} partition path. */
    private static String eventType(String goldPartition) {
      String eventType = goldPartition.substring(goldPartition.indexOf('=') + 1);
      return eventType.substring(0, eventType.indexOf('/'));
    }

    /**
     * Opens {@code table}'s file of {@code partition}, {@code part-<run>-<infix><group>-of-
     * <groups>.parquet} in its data location ({@code shard} is {@code <group>-of-<groups>}).
     */
    private Open open(TableAtStart table, String partition, String infix, String shard)
        throws IOException {
      String location =
          String.format(
              Locale.ROOT,
              "%s/%s/part-%s-%s%s.parquet",
              table.dataLocation(),
              partition,
              runId,
              infix,
              shard);
      FileAppender<GenericRecord> file =
          ParquetFiles.writer(location, table.writeSchema(), table.properties());
      return new Open(partition, location, file);
    }

    @FinishBundle
    public void finishBundle(FinishBundleContext context) {
      counts.flush(context, COUNTS);
    }
  }
}
