package io.medallion.lake.events;

import io.medallion.lake.beam.EncodedBatches;
import io.medallion.lake.commit.Counts;
import io.medallion.lake.layout.LakeLayout;
import io.medallion.lake.progress.FirstRecord;
import io.medallion.lake.table.CatalogConnection;
import io.medallion.lake.table.CatalogSettings;
import io.medallion.lake.table.Dataset;
import io.medallion.lake.table.LakeCatalog;
import io.medallion.lake.table.LakeTable;
import io.medallion.lake.table.RowDeletes;
import io.medallion.lake.table.TableAtStart;
import java.io.IOException;
import java.io.Serializable;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.beam.sdk.coders.ByteArrayCoder;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.SerializableCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.extensions.avro.coders.AvroCoder;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.GroupByKey;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PBegin;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.TupleTagList;
import org.apache.iceberg.DeleteFile;
import org.apache.iceberg.FileScanTask;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Table;
import org.apache.iceberg.expressions.Expression;
import org.apache.iceberg.expressions.Expressions;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.parquet.Parquet;
import org.apache.iceberg.parquet.ParquetAvroValueReaders;

/**
 * Reads the silver event rows created on some dates, whatever their arrival hour, from the current
 * snapshot of the {@code silver_events} Iceberg table: plans the table's files with a row filter on
 * {@code created_at} (Iceberg skips the files whose column bounds rule them out), then reads each
 * planned file with Iceberg's Parquet reader, by field id, so a file written before a column was
 * added reads it as null. A file that another engine deleted rows of (row-level delete files, see
 * {@link RowDeletes}) is read whole, in order, and its deleted rows left out, so a row deleted from
 * silver never reaches gold; a file without deletes skips the row groups its column bounds rule
 * out. Outputs {@link #ROWS}: {@link LakeTable#SILVER_EVENTS} rows in {@link EncodedBatches} of
 * {@link #ROW}, keyed by {@code date=YYYY-MM-DD} of their creation; and {@link #COUNTS}, each row
 * counted as read for its date, once per file read (so progress can follow).
 *
 * <p>Rows leave batched because on Flink the output of a step with two outputs is not chained to
 * the next step: each row would be encoded and decoded on its way (a fifth of gold's CPU).
 *
 * <p>The files are planned when the pipeline runs, so the run reads the snapshot that is current
 * then. A lake without the table yet reads nothing.
 */
public final class ReadSilverEvents extends PTransform<PBegin, PCollectionTuple> {
  public static final TupleTag<KV<String, byte[]>> ROWS = new TupleTag<>() {};
  public static final TupleTag<KV<String, Long>> COUNTS = new TupleTag<>() {};

  /** The coder of the rows inside a {@link #ROWS} batch: {@link LakeTable#SILVER_EVENTS}. */
  public static final AvroCoder<GenericRecord> ROW =
      AvroCoder.of(LakeTable.SILVER_EVENTS.avroSchema());

  private final CatalogSettings catalog;
  private final List<LocalDate> dates;

  private ReadSilverEvents(CatalogSettings catalog, List<LocalDate> dates) {
    this.catalog = catalog;
    this.dates = dates;
  }

  /** The rows created on {@code dates} (UTC), from the silver table of {@code catalog}. */
  public static ReadSilverEvents forDates(CatalogSettings catalog, List<LocalDate> dates) {
    if (dates.isEmpty()) {
      throw new IllegalArgumentException("no creation dates to read");
    }
    return new ReadSilverEvents(catalog, List.copyOf(new TreeSet<>(dates)));
  }

  @Override
  public PCollectionTuple expand(PBegin input) {
    PCollectionTuple result =
        input
            .apply("Table", Create.of(LakeTable.SILVER_EVENTS.tableName()))
            .apply("PlanFiles", ParDo.of(new PlanFilesFn(catalog, dates)))
            .setCoder(KvCoder.of(VarIntCoder.of(), SerializableCoder.of(SilverFile.class)))
            .apply("SpreadFiles", GroupByKey.create())
            .apply(
                "ReadRows",
                ParDo.of(new ReadSilverFileFn(catalog, dates))
                    .withOutputTags(ROWS, TupleTagList.of(COUNTS)));
    result.get(ROWS).setCoder(KvCoder.of(StringUtf8Coder.of(), ByteArrayCoder.of()));
    result.get(COUNTS).setCoder(KvCoder.of(StringUtf8Coder.of(), VarLongCoder.of()));
    return result;
  }

  /**
   * How many rows the silver files a read of {@code dates} plans hold, by their metadata (nothing
   * is read): an upper bound of the rows the read outputs, as a file can hold rows of other dates.
   * 0 for a lake without the table.
   */
  public static long plannedRows(CatalogSettings catalogSettings, List<LocalDate> dates)
      throws IOException {
    long rows = 0;
    for (SilverFile file : plannedFiles(catalogSettings, dates)) {
      rows += file.records();
    }
    return rows;
  }

  /**
   * A data file to read and the delete files that apply to it (Iceberg's planning).
   *
   * @param location the data file's location, as the table's metadata spells it
   * @param records the rows it holds, deleted ones included
   */
  record SilverFile(String location, long records, List<DeleteFile> deletes)
      implements Serializable {
    SilverFile {
      deletes = new ArrayList<>(deletes);
    }
  }

  /**
   * The data files of the silver table's current snapshot that can hold rows created on {@code
   * dates} (Iceberg's planning, on column bounds), each with its delete files; none for a lake
   * without the table.
   */
  static List<SilverFile> plannedFiles(CatalogSettings catalogSettings, List<LocalDate> dates)
      throws IOException {
    List<SilverFile> files = new ArrayList<>();
    try (LakeCatalog catalog = LakeCatalog.open(catalogSettings)) {
      Optional<Table> table = catalog.existing(LakeTable.SILVER_EVENTS);
      if (table.isEmpty()) {
        return files;
      }
      try (CloseableIterable<FileScanTask> tasks =
          table.get().newScan().filter(createdOn(dates)).planFiles()) {
        for (FileScanTask task : tasks) {
          List<DeleteFile> deletes = new ArrayList<>();
          task.deletes().forEach(d -> deletes.add(d.copy()));
          files.add(new SilverFile(task.file().location(), task.file().recordCount(), deletes));
        }
      }
    }
    return files;
  }

  /** Rows created on any of {@code dates}: {@code created_at} in one of their UTC days. */
  static Expression createdOn(List<LocalDate> dates) {
    Expression any = Expressions.alwaysFalse();
    for (LocalDate date : dates) {
      any =
          Expressions.or(
              any,
              Expressions.and(
                  Expressions.greaterThanOrEqual("created_at", micros(date)),
                  Expressions.lessThan("created_at", micros(date.plusDays(1)))));
    }
    return any;
  }

  private static long micros(LocalDate date) {
    return date.atStartOfDay(ZoneOffset.UTC).toEpochSecond() * 1_000_000L;
  }

  /**
   * How many read tasks {@code files} files are spread over: about the square root of their number,
   * at least {@link #MIN_READ_TASKS}. Each task reads its files one after the other. Fewer, larger
   * tasks mean fewer bundles arriving at the de-duplication's GroupByKey, which the DirectRunner
   * pays for per bundle and per key; enough tasks keep every worker of a cluster busy.
   */
  static int readTasks(int files) {
    return Math.min(files, Math.max(MIN_READ_TASKS, (int) Math.ceil(Math.sqrt(files))));
  }

  static final int MIN_READ_TASKS = 4;

  /**
   * The data files of the table's current snapshot that can hold rows created on the dates, keyed
   * by the read task that reads them ({@link #readTasks}).
   */
  static final class PlanFilesFn extends DoFn<String, KV<Integer, SilverFile>> {
    private final CatalogSettings catalogSettings;
    private final List<LocalDate> dates;

    PlanFilesFn(CatalogSettings catalogSettings, List<LocalDate> dates) {
      this.catalogSettings = catalogSettings;
      this.dates = dates;
    }

    @ProcessElement
    public void process(OutputReceiver<KV<Integer, SilverFile>> out) throws IOException {
      List<SilverFile> files = plannedFiles(catalogSettings, dates);
      int tasks = readTasks(files.size());
      for (int i = 0; i < files.size(); i++) {
        out.output(KV.of(i % tasks, files.get(i)));
      }
    }
  }

  static final class ReadSilverFileFn
      extends DoFn<KV<Integer, Iterable<SilverFile>>, KV<String, byte[]>> {
    // Rows come out in ROW's column order (the read schema's): read by position, not name.
    private static final int CREATED_AT = ROW.getSchema().getField("created_at").pos();

    private final CatalogConnection catalog;
    // Each date read, with the unit a row created on it is keyed by: looked up once per row.
    private final HashMap<LocalDate, String> partitions;
    private final List<LocalDate> dateList;
    private transient Table table;
    private transient Schema readSchema;
    private transient EncodedBatches.Buffer<String, GenericRecord> batches;

    ReadSilverFileFn(CatalogSettings catalogSettings, List<LocalDate> dates) {
      this.catalog = new CatalogConnection(catalogSettings);
      this.partitions = new HashMap<>();
      dates.forEach(date -> partitions.put(date, Dataset.GOLD_EVENTS.dateUnit(date).name()));
      this.dateList = dates;
    }

    @Setup
    public void setup() {
      table =
          catalog
              .get()
              .existing(LakeTable.SILVER_EVENTS)
              .orElseThrow(() -> new IllegalStateException("silver_events disappeared"));
      // The definition's columns, by the table's field ids: rows come out in the definition's
      // order, as LakeTable.SILVER_EVENTS.avroSchema() has them.
      readSchema = TableAtStart.of(LakeTable.SILVER_EVENTS, table).writeSchema();
    }

    @Teardown
    public void teardown() throws IOException {
      catalog.close();
    }

    @StartBundle
    public void startBundle() {
      batches = new EncodedBatches.Buffer<>(ROW);
    }

    @ProcessElement
    public void process(@Element KV<Integer, Iterable<SilverFile>> task, MultiOutputReceiver out)
        throws IOException {
      for (SilverFile file : task.getValue()) {
        read(file, out);
      }
    }

    private void read(SilverFile file, MultiOutputReceiver out) throws IOException {
      Map<String, Long> read = new HashMap<>();
      Parquet.ReadBuilder builder =
          Parquet.read(table.io().newInputFile(file.location()))
              .project(readSchema)
              .createReaderFunc(f -> ParquetAvroValueReaders.buildReader(readSchema, f));
      RowDeletes.AvroFilter deletes = null;
      if (file.deletes().isEmpty()) {
        builder.filter(createdOn(dateList));
      } else {
        // Deleted rows are named by position: read every row group, so that the n-th row read is
        // the file's row n.
        deletes =
            RowDeletes.avroFilter(
                table.io(), file.location(), file.deletes(), table.schema(), readSchema);
      }
      long position = 0;
      try (CloseableIterable<GenericData.Record> rows = builder.build()) {
        for (GenericData.Record row : rows) {
          FirstRecord.read();
          if (deletes != null && !deletes.live(position++, row)) {
            continue;
          }
          String partition = partitions.get(LakeLayout.dateOfMicros((Long) row.get(CREATED_AT)));
          if (partition != null) {
            read.merge(partition, 1L, Long::sum);
            batches.add(partition, row, (key, batch) -> out.get(ROWS).output(KV.of(key, batch)));
          }
        }
      }
      read.forEach(
          (partition, n) -> out.get(COUNTS).output(KV.of(Counts.key(partition, Counts.READ), n)));
    }

    @FinishBundle
    public void finishBundle(FinishBundleContext context) {
      batches.flush(context, ROWS);
    }
  }
}
