package io.medallion.lake.events;

import io.medallion.lake.beam.EncodedBatches;
import io.medallion.lake.commit.Counts;
import io.medallion.lake.layout.LakeLayout;
import io.medallion.lake.layout.PartitionValues;
import io.medallion.lake.table.Dataset;
import io.medallion.lake.table.LakeTable;
import io.medallion.lake.table.TableAtStart;
import io.medallion.lake.table.TableFamily;
import io.medallion.lake.typed.PayloadTypes;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.apache.avro.generic.GenericRecord;
import org.apache.beam.sdk.coders.ByteArrayCoder;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.extensions.avro.coders.AvroCoder;
import org.apache.beam.sdk.schemas.SchemaCoder;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.GroupByKey;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.join.RawUnionValue;
import org.apache.beam.sdk.transforms.join.UnionCoder;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.transforms.windowing.GlobalWindow;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.TupleTagList;

/**
 * Keeps each {@code event_uuid} once in gold, within a de-duplication horizon (DESIGN.md, "Gold
 * events"): a silver row {@code r} is kept unless another copy {@code c} of its uuid comes before
 * it by {@link #KEEP_FIRST} (earliest {@code created_at}, then {@code event_name}, {@code payload},
 * {@code event_subtype}) and was created at most the horizon before it ({@code r.created_at -
 * c.created_at <= horizon}). The decision for a row depends only on the copies created up to the
 * horizon before it, so the result for a date does not depend on which other dates are promoted
 * with it, nor in which order.
 *
 * <p>Input: silver rows in {@link EncodedBatches} of {@link ReadSilverEvents#ROW}, as {@link
 * ReadSilverEvents#ROWS} has them, keyed by their creation date {@code date=YYYY-MM-DD}, for every
 * date of {@link #datesToRead} (the target dates and the context before them). Output, for the
 * target dates only: {@link #EVENTS}, the kept rows as {@code gold_events} rows ({@link
 * GoldRows#of}) in {@link EncodedBatches} ({@link #GOLD_ROW}) keyed by their partition path in that
 * table, ready for {@link io.medallion.lake.typed.WriteGoldEventFiles}, and {@link
 * #PARTITION_ROWS}, how many per partition path (per bundle, to be summed); {@link #STATS}, partial
 * {@code event_stats} rows ({@link DailyEventStats#PARTIAL_STATS}, summed by {@link
 * DailyEventStats}); and {@link #COUNTS}: per target date, {@code written} (kept rows), {@code
 * duplicates_removed} (dropped rows created on the date) and {@code duplicate_of.<W>} (of those,
 * the ones whose earliest copy within the horizon was created on date W; they add up to {@code
 * duplicates_removed}). Context rows are neither written nor counted.
 *
 * <p>Rows are grouped into {@code buckets} buckets per date read, by uuid hash only, so every copy
 * of a uuid meets in one bucket whatever its date, and de-duplicated in memory inside each bucket.
 * A GroupByKey on the uuid itself would make one group per event: fine on Flink, but the
 * DirectRunner turns every group into its own bundle and slows to a crawl (FACTS.md). A bucket
 * holds about one date's rows divided by {@code buckets} (all its rows, duplicates included, are
 * held at once): with 64 buckets a 24M-event day is 375k rows a bucket.
 *
 * <p>With {@link #withPayloadTypesOf} a family of typed tables, it also counts what the kept rows'
 * payloads hold, per table their event names name ({@link #TYPES}, {@link PayloadTypes}): the typed
 * tables' columns are decided from it, in the same pass that decides which rows are kept.
 *
 * <p>Rows cross the GroupByKey in {@link EncodedBatches}, a bucket's rows of a bundle encoded one
 * after the other: a shuffle costs per element. The kept rows leave batched too: on Flink every
 * output of a multi-output step is serialised on its way on, and a batch is one byte array.
 *
 * <p>The step that keeps the rows has two outputs, the kept rows and one union of its by-products
 * (stats, counts, payload types, partition rows), split afterwards: Beam's FlinkRunner, in batch,
 * gives a multi-output step one output stream that every consumer reads whole, each keeping its own
 * tag's elements, so with a consumer per tag Flink wrote the kept rows five times (to disk, where
 * the graph branches and joins again), and now twice (src/docs/benchmark.md, "One stream for the
 * de-duplication's by-products").
 */
public final class DeduplicateEvents
    extends PTransform<PCollection<KV<String, byte[]>>, PCollectionTuple> {
  public static final TupleTag<KV<String, byte[]>> EVENTS = new TupleTag<>() {};
  public static final TupleTag<Row> STATS = new TupleTag<>() {};
  public static final TupleTag<KV<String, Long>> COUNTS = new TupleTag<>() {};

  /** What the kept rows' payloads hold: {@link PayloadTypes} path keys and counts, to be summed. */
  public static final TupleTag<KV<String, Long>> TYPES = new TupleTag<>() {};

  /**
   * Kept rows per {@code gold_events} partition path ({@link #EVENTS}' keys), counted per bundle,
   * to be summed: what the writer sizes each partition's files by.
   */
  public static final TupleTag<KV<String, Long>> PARTITION_ROWS = new TupleTag<>() {};

  /**
   * {@link #STATS}, {@link #COUNTS}, {@link #TYPES} and {@link #PARTITION_ROWS} on their way out of
   * the step that keeps the rows, each value tagged with its position in {@link #BYPRODUCT_TAGS}.
   */
  private static final TupleTag<RawUnionValue> BYPRODUCTS = new TupleTag<>() {};

  private static final List<TupleTag<?>> BYPRODUCT_TAGS =
      List.of(STATS, COUNTS, TYPES, PARTITION_ROWS);

  private static final int STATS_INDEX = BYPRODUCT_TAGS.indexOf(STATS);
  private static final int COUNTS_INDEX = BYPRODUCT_TAGS.indexOf(COUNTS);
  private static final int TYPES_INDEX = BYPRODUCT_TAGS.indexOf(TYPES);
  private static final int PARTITION_ROWS_INDEX = BYPRODUCT_TAGS.indexOf(PARTITION_ROWS);

  private static final Coder<KV<String, Long>> COUNTED =
      KvCoder.of(StringUtf8Coder.of(), VarLongCoder.of());

  /**
   * The coder of a by-product's values: the union's coders are these, in {@link #BYPRODUCT_TAGS}'
   * order.
   */
  private static Coder<?> byproductCoder(TupleTag<?> tag) {
    if (tag == STATS) {
      return SchemaCoder.of(DailyEventStats.PARTIAL_STATS);
    }
    if (tag == COUNTS || tag == TYPES || tag == PARTITION_ROWS) {
      return COUNTED;
    }
    throw new IllegalArgumentException("not a by-product: " + tag);
  }

  /** Counter prefix: {@code duplicate_of.2026-01-01} counts copies whose winner is of that date. */
  public static final String DUPLICATE_OF = "duplicate_of";

  /** Covers client retries, which re-stamp {@code created_at} seconds to minutes later. */
  public static final Duration DEFAULT_HORIZON = Duration.ofDays(1);

  /** A longer horizon would make every run read more than a year of silver. */
  public static final Duration MAX_HORIZON = Duration.ofDays(366);

  public static final int DEFAULT_BUCKETS = 64;

  /**
   * The rows a bucket is sized for by {@link #bucketsFor}: about 50 MB of decoded rows held at once
   * per worker thread. A bucket's rows live until its last row is read, so the garbage collector
   * copies every row it finds held: at 250,000 rows a bucket, gold at 10M events on Flink spent 37
   * s of its 134 s in young-collection pauses, at 50,000 about 10 s (src/docs/benchmark.md).
   */
  public static final long ROWS_PER_BUCKET = 50_000;

  /**
   * Buckets per date for about {@code rowsPerDate} silver rows a date: one per {@link
   * #ROWS_PER_BUCKET}, at least one. Not many more: each bucket is a group and a bundle downstream,
   * and the DirectRunner copies a key's state for every bundle that adds to it.
   */
  public static int bucketsFor(long rowsPerDate) {
    return (int) Math.max(1, Math.min(Integer.MAX_VALUE, ceilDiv(rowsPerDate, ROWS_PER_BUCKET)));
  }

  private static long ceilDiv(long a, long b) {
    return -Math.floorDiv(-a, b);
  }

  /** Which of two rows with the same uuid is kept: the smaller. */
  public static final Comparator<GenericRecord> KEEP_FIRST =
      Comparator.<GenericRecord>comparingLong(r -> (Long) r.get("created_at"))
          .thenComparing(r -> r.get("event_name").toString())
          .thenComparing(r -> r.get("payload").toString())
          .thenComparing(
              r -> r.get("event_subtype") == null ? "" : r.get("event_subtype").toString());

  private final List<LocalDate> targets;
  private final Duration horizon;
  private final int buckets;
  private final TableAtStart gold;
  private final TableFamily typed;

  private DeduplicateEvents(
      List<LocalDate> targets,
      Duration horizon,
      int buckets,
      TableAtStart gold,
      TableFamily typed) {
    this.targets = targets;
    this.horizon = horizon;
    this.buckets = buckets;
    this.gold = gold;
    this.typed = typed;
  }

  /**
   * De-duplicates for the creation dates {@code targets}, with the {@link #DEFAULT_HORIZON} and
   * {@link #DEFAULT_BUCKETS}.
   *
   * @param gold the {@code gold_events} table as the run found it: the kept rows come out as its
   *     rows, batched by its partitions
   * @throws IllegalArgumentException if {@code targets} is empty
   */
  public static DeduplicateEvents forDates(Collection<LocalDate> targets, TableAtStart gold) {
    if (targets.isEmpty()) {
      throw new IllegalArgumentException("no dates to de-duplicate");
    }
    if (gold.table() != LakeTable.GOLD_EVENTS) {
      throw new IllegalArgumentException("kept rows go to gold_events, not " + gold.table());
    }
    return new DeduplicateEvents(
        List.copyOf(new TreeSet<>(targets)), DEFAULT_HORIZON, DEFAULT_BUCKETS, gold, null);
  }

  /**
   * The horizon: how long after a copy a later copy of the same uuid is still its duplicate.
   *
   * @throws IllegalArgumentException if negative or longer than {@link #MAX_HORIZON}
   */
  public DeduplicateEvents withHorizon(Duration horizon) {
    return new DeduplicateEvents(targets, checkHorizon(horizon), buckets, gold, typed);
  }

  /**
   * Buckets per date read; more buckets hold fewer rows each.
   *
   * @throws IllegalArgumentException if less than 1
   */
  public DeduplicateEvents withBuckets(int buckets) {
    if (buckets < 1) {
      throw new IllegalArgumentException("--dedupBuckets: must be at least 1, got " + buckets);
    }
    return new DeduplicateEvents(targets, horizon, buckets, gold, typed);
  }

  /**
   * Counts what the kept rows' payloads hold ({@link #TYPES}), per member of {@code family} their
   * event names name ({@link TableFamily#tableNameFor}).
   */
  public DeduplicateEvents withPayloadTypesOf(TableFamily family) {
    return new DeduplicateEvents(targets, horizon, buckets, gold, family);
  }

  /**
   * Checks a horizon: from {@code PT0S} (only copies created at the same instant are duplicates) to
   * {@link #MAX_HORIZON}.
   *
   * @throws IllegalArgumentException with a message starting {@code --dedupHorizon:}
   */
  public static Duration checkHorizon(Duration horizon) {
    if (horizon.isNegative()) {
      throw new IllegalArgumentException("--dedupHorizon: must not be negative, got " + horizon);
    }
    if (horizon.compareTo(MAX_HORIZON) > 0) {
      throw new IllegalArgumentException(
          "--dedupHorizon: at most " + MAX_HORIZON + " (366 days), got " + horizon);
    }
    return horizon;
  }

  /**
   * The creation dates whose silver rows the de-duplication of {@code targets} needs, in order: for
   * each target date, the dates from its 00:00 minus {@code horizon} to itself. For consecutive
   * targets that is every date from the first minus the horizon to the last.
   */
  public static List<LocalDate> datesToRead(Collection<LocalDate> targets, Duration horizon) {
    checkHorizon(horizon);
    TreeSet<LocalDate> dates = new TreeSet<>();
    for (LocalDate target : targets) {
      LocalDate from =
          LakeLayout.dateOf(target.atStartOfDay(ZoneOffset.UTC).toInstant().minus(horizon));
      for (LocalDate d = from; !d.isAfter(target); d = d.plusDays(1)) {
        dates.add(d);
      }
    }
    return new ArrayList<>(dates);
  }

  @Override
  public PCollectionTuple expand(PCollection<KV<String, byte[]>> rows) {
    long horizonMicros = horizon.getSeconds() * 1_000_000L + horizon.getNano() / 1000;
    int groups = buckets * datesToRead(targets, horizon).size();
    PCollectionTuple kept =
        rows.apply("KeyByBucket", ParDo.of(new KeyByBucketFn(targets, horizonMicros, groups)))
            .setCoder(KvCoder.of(VarIntCoder.of(), ByteArrayCoder.of()))
            .apply("GroupBuckets", GroupByKey.create())
            .apply(
                "KeepFirstPerUuid",
                ParDo.of(new KeepFirstPerUuidFn(targets, horizonMicros, gold, typed))
                    .withOutputTags(EVENTS, TupleTagList.of(BYPRODUCTS)));
    kept.get(EVENTS).setCoder(KvCoder.of(StringUtf8Coder.of(), ByteArrayCoder.of()));
    kept.get(BYPRODUCTS)
        .setCoder(
            UnionCoder.of(
                BYPRODUCT_TAGS.stream().<Coder<?>>map(DeduplicateEvents::byproductCoder).toList()));
    List<TupleTag<?>> afterStats = new ArrayList<>(BYPRODUCT_TAGS);
    afterStats.remove(STATS);
    PCollectionTuple byproducts =
        kept.get(BYPRODUCTS)
            .apply(
                "SplitByproducts",
                ParDo.of(new SplitByproductsFn())
                    .withOutputTags(STATS, TupleTagList.of(afterStats)));
    PCollectionTuple out = PCollectionTuple.of(EVENTS, kept.get(EVENTS));
    for (TupleTag<?> tag : BYPRODUCT_TAGS) {
      out = withByproduct(out, byproducts, tag);
    }
    return out;
  }

  /** {@code out} and the by-product {@code tag} of {@code byproducts}, with its coder. */
  private static <T> PCollectionTuple withByproduct(
      PCollectionTuple out, PCollectionTuple byproducts, TupleTag<T> tag) {
    @SuppressWarnings("unchecked")
    Coder<T> coder = (Coder<T>) byproductCoder(tag);
    return out.and(tag, byproducts.get(tag).setCoder(coder));
  }

  /** Each by-product to its own output, the one its union tag names. */
  static final class SplitByproductsFn extends DoFn<RawUnionValue, Row> {
    @ProcessElement
    public void process(@Element RawUnionValue value, MultiOutputReceiver out) {
      @SuppressWarnings("unchecked")
      TupleTag<Object> tag = (TupleTag<Object>) BYPRODUCT_TAGS.get(value.getUnionTag());
      out.get(tag).output(value.getValue());
    }
  }

  private static final AvroCoder<GenericRecord> ROW = ReadSilverEvents.ROW;

  /** The coder of the rows inside an {@link #EVENTS} batch: {@link LakeTable#GOLD_EVENTS}. */
  public static final AvroCoder<GenericRecord> GOLD_ROW =
      AvroCoder.of(LakeTable.GOLD_EVENTS.avroSchema());

  // Column positions in ROW's rows: read for every row, where a lookup by name costs a hash.
  private static final int EVENT_UUID = ROW.getSchema().getField("event_uuid").pos();
  private static final int CREATED_AT = ROW.getSchema().getField("created_at").pos();
  private static final int EVENT_TYPE = ROW.getSchema().getField("event_type").pos();
  private static final int EVENT_SUBTYPE = ROW.getSchema().getField("event_subtype").pos();
  private static final int EVENT_NAME = ROW.getSchema().getField("event_name").pos();
  private static final int PAYLOAD = ROW.getSchema().getField("payload").pos();

  private static long createdAt(GenericRecord row) {
    return (Long) row.get(CREATED_AT);
  }

  private static LocalDate createdOn(GenericRecord row) {
    return LakeLayout.dateOfMicros(createdAt(row));
  }

  private static long startMicros(LocalDate date) {
    return ChronoUnit.MICROS.between(Instant.EPOCH, date.atStartOfDay(ZoneOffset.UTC).toInstant());
  }

  /**
   * {@code date=D}, a batch of rows → the rows re-batched by uuid bucket; drops context rows no
   * target row can be a duplicate of (created more than the horizon before every target date, or
   * after them).
   */
  static final class KeyByBucketFn extends DoFn<KV<String, byte[]>, KV<Integer, byte[]>> {
    private final HashSet<LocalDate> targets;
    private final long horizonMicros;
    private final int groups;
    private transient EncodedBatches.Buffer<Integer, GenericRecord> buckets;

    KeyByBucketFn(List<LocalDate> targets, long horizonMicros, int groups) {
      this.targets = new HashSet<>(targets);
      this.horizonMicros = horizonMicros;
      this.groups = groups;
    }

    @StartBundle
    public void startBundle() {
      buckets = new EncodedBatches.Buffer<>(ROW);
    }

    @ProcessElement
    public void process(@Element KV<String, byte[]> batch, OutputReceiver<KV<Integer, byte[]>> out)
        throws IOException {
      LocalDate keyedOn = null; // the batch's date, once its first row matched the key
      for (GenericRecord row : EncodedBatches.values(ROW, batch.getValue())) {
        LocalDate created = createdOn(row);
        if (!created.equals(keyedOn)) {
          if (keyedOn != null
              || !batch.getKey().equals(Dataset.GOLD_EVENTS.dateUnit(created).name())) {
            throw new IllegalStateException(
                "a silver row created on " + created + " came keyed as " + batch.getKey());
          }
          keyedOn = created;
        }
        if (!targets.contains(created) && !isContext(createdAt(row))) {
          continue;
        }
        int bucket = Math.floorMod(row.get(EVENT_UUID).toString().hashCode(), groups);
        buckets.add(bucket, row, (key, rows) -> out.output(KV.of(key, rows)));
      }
    }

    @FinishBundle
    public void finishBundle(FinishBundleContext context) {
      buckets.flush(context);
    }

    /** Whether a row created at {@code micros} is within the horizon before a target date. */
    private boolean isContext(long micros) {
      for (LocalDate target : targets) {
        long start = startMicros(target);
        if (micros < start && start - micros <= horizonMicros) {
          return true;
        }
      }
      return false;
    }
  }

  /** A bundle's payload counts leave early past this many paths (a runaway map of ids as keys). */
  static final int MAX_TYPE_PATHS = 100_000;

  private static final String NO_TYPED_TABLE = "";

  static final class KeepFirstPerUuidFn
      extends DoFn<KV<Integer, Iterable<byte[]>>, KV<String, byte[]>> {
    private final HashSet<LocalDate> targets;
    private final long horizonMicros;
    private final TableAtStart gold;
    private final TableFamily typed;
    private transient TableAtStart.PartitionPaths paths;
    private transient EncodedBatches.Buffer<String, GenericRecord> goldRows;
    private transient Counts.InBundle counts;
    private transient Map<List<Object>, long[]> stats;
    private transient Map<LocalDate, String> partitions;
    private transient PayloadTypes payloadTypes;
    private transient Map<Object, String> typedTables;
    private transient Map<String, long[]> partitionRows;

    KeepFirstPerUuidFn(
        List<LocalDate> targets, long horizonMicros, TableAtStart gold, TableFamily typed) {
      this.targets = new HashSet<>(targets);
      this.horizonMicros = horizonMicros;
      this.gold = gold;
      this.typed = typed;
    }

    @Setup
    public void setup() {
      paths = gold.partitionPaths();
      partitions = new HashMap<>();
      typedTables = new HashMap<>();
    }

    @StartBundle
    public void startBundle() {
      goldRows = new EncodedBatches.Buffer<>(GOLD_ROW);
      counts = new Counts.InBundle();
      stats = new HashMap<>();
      payloadTypes = new PayloadTypes();
      partitionRows = new HashMap<>();
    }

    @ProcessElement
    public void process(@Element KV<Integer, Iterable<byte[]>> bucket, MultiOutputReceiver out)
        throws IOException {
      // Keyed by the uuid as decoded (Avro's Utf8, equal by bytes), not copied into a String. A
      // uuid's first copy is held alone; a list is made only for the few that have copies.
      Map<Object, Object> byUuid = new HashMap<>();
      for (byte[] batch : bucket.getValue()) {
        for (GenericRecord row : EncodedBatches.values(ROW, batch)) {
          byUuid.merge(row.get(EVENT_UUID), row, KeepFirstPerUuidFn::addCopy);
        }
      }
      for (Object held : byUuid.values()) {
        if (held instanceof GenericRecord row) {
          decide(List.of(row), out);
        } else {
          @SuppressWarnings("unchecked")
          List<GenericRecord> copies = (List<GenericRecord>) held;
          copies.sort(KEEP_FIRST);
          decide(copies, out);
        }
      }
      if (payloadTypes.size() > MAX_TYPE_PATHS) {
        payloadTypes.drain(
            (key, n) -> out.get(BYPRODUCTS).output(new RawUnionValue(TYPES_INDEX, KV.of(key, n))));
      }
    }

    /** Counts the payload of a kept row for the typed table its event name names, if any. */
    private void observePayload(GenericRecord row) {
      if (typed == null) {
        return;
      }
      // Keyed by the name as decoded (Avro's Utf8, equal by bytes): a run has few names.
      String table =
          typedTables.computeIfAbsent(
              row.get(EVENT_NAME),
              name -> typed.tableNameFor(name.toString()).orElse(NO_TYPED_TABLE));
      if (table.equals(NO_TYPED_TABLE)) {
        return;
      }
      try {
        payloadTypes.observe(table, (CharSequence) row.get(PAYLOAD));
      } catch (IllegalArgumentException e) {
        throw new IllegalStateException("event " + row.get(EVENT_UUID) + ": " + e.getMessage(), e);
      }
    }

    private static Object addCopy(Object held, Object row) {
      if (held instanceof GenericRecord first) {
        List<GenericRecord> copies = new ArrayList<>(2);
        copies.add(first);
        copies.add((GenericRecord) row);
        return copies;
      }
      @SuppressWarnings("unchecked")
      List<GenericRecord> copies = (List<GenericRecord>) held;
      copies.add((GenericRecord) row);
      return copies;
    }

    /**
     * Walks one uuid's copies in {@link #KEEP_FIRST} order. Created-at never decreases along it, so
     * the earliest copy within the horizon before copy i is found by moving a second index forward.
     */
    private void decide(List<GenericRecord> copies, MultiOutputReceiver out) throws IOException {
      int n = copies.size();
      boolean[] kept = new boolean[n];
      LocalDate[] dates = new LocalDate[n];
      int first = 0;
      for (int i = 0; i < n; i++) {
        GenericRecord row = copies.get(i);
        long t = createdAt(row);
        while (t - createdAt(copies.get(first)) > horizonMicros) {
          first++;
        }
        dates[i] = createdOn(row);
        kept[i] = first == i;
        if (!targets.contains(dates[i])) {
          continue;
        }
        String partition =
            partitions.computeIfAbsent(dates[i], d -> Dataset.GOLD_EVENTS.dateUnit(d).name());
        addStats(dates[i], row, kept[i]);
        if (kept[i]) {
          counts.add(partition, Counts.WRITTEN, 1);
          observePayload(row);
          GenericRecord gold = GoldRows.of(row, dates[i]);
          String path = paths.of(gold);
          partitionRows.computeIfAbsent(path, p -> new long[1])[0]++;
          goldRows.add(path, gold, (p, batch) -> out.get(EVENTS).output(KV.of(p, batch)));
        } else {
          counts.add(partition, Counts.DUPLICATES_REMOVED, 1);
          counts.add(partition, DUPLICATE_OF + "." + dates[first], 1);
        }
      }
    }

    /** Per date, type and subtype: rows, kept rows, first and last created_at. */
    private void addStats(LocalDate date, GenericRecord row, boolean kept) {
      Object subtype = row.get(EVENT_SUBTYPE);
      List<Object> key =
          Arrays.asList(
              date,
              PartitionValues.normalise(row.get(EVENT_TYPE).toString()),
              subtype == null ? null : subtype.toString());
      long t = createdAt(row);
      long[] s = stats.computeIfAbsent(key, k -> new long[] {0, 0, Long.MAX_VALUE, Long.MIN_VALUE});
      s[0]++;
      s[1] += kept ? 1 : 0;
      s[2] = Math.min(s[2], t);
      s[3] = Math.max(s[3], t);
    }

    @FinishBundle
    public void finishBundle(FinishBundleContext context) {
      goldRows.flush(context, EVENTS);
      for (Map.Entry<List<Object>, long[]> e : stats.entrySet()) {
        long[] s = e.getValue();
        Row row =
            Row.withSchema(DailyEventStats.PARTIAL_STATS)
                .addValues(
                    (int) ((LocalDate) e.getKey().get(0)).toEpochDay(),
                    e.getKey().get(1),
                    e.getKey().get(2),
                    s[0],
                    s[1],
                    s[0] - s[1],
                    s[2],
                    s[3])
                .build();
        byproduct(context, STATS_INDEX, row);
      }
      stats.clear();
      partitionRows.forEach(
          (path, n) -> byproduct(context, PARTITION_ROWS_INDEX, KV.of(path, n[0])));
      partitionRows.clear();
      counts.drain(count -> byproduct(context, COUNTS_INDEX, count));
      payloadTypes.drain((key, n) -> byproduct(context, TYPES_INDEX, KV.of(key, n)));
    }

    private static void byproduct(FinishBundleContext context, int index, Object value) {
      context.output(
          BYPRODUCTS,
          new RawUnionValue(index, value),
          BoundedWindow.TIMESTAMP_MIN_VALUE,
          GlobalWindow.INSTANCE);
    }
  }
}
