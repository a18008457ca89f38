package io.medallion.lake.runners;

import io.medallion.lake.events.DeduplicateEvents;
import io.medallion.lake.events.EventEnrichment;
import io.medallion.lake.events.EventParser;
import io.medallion.lake.events.ParseEvents;
import io.medallion.lake.io.BronzeRecord;
import io.medallion.lake.io.JsonRecordSplitter;
import io.medallion.lake.layout.LakeLayout;
import io.medallion.lake.layout.PartitionValues;
import io.medallion.lake.tables.LakeTable;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.LocalDate;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.avro.AvroParquetReader;
import org.apache.parquet.avro.AvroParquetWriter;
import org.apache.parquet.avro.AvroReadSupport;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.DelegatingSeekableInputStream;
import org.apache.parquet.io.InputFile;
import org.apache.parquet.io.OutputFile;
import org.apache.parquet.io.PositionOutputStream;
import org.apache.parquet.io.SeekableInputStream;

/**
 * The benchmark's yardstick: silver and gold done by hand in plain Java, one pass each, on a local
 * lake, with the same pure functions as the pipelines ({@link EventParser}, {@link
 * EventEnrichment}, {@link DeduplicateEvents#KEEP_FIRST}) so it writes the same rows: Jackson in,
 * parquet-java ({@code AvroParquetWriter}, Snappy) out, a fixed thread pool, no framework. It skips
 * what a promotion adds around the data (staging, atomic commit, reports), which costs little.
 *
 * <pre>{@code
 * java -cp lake.jar io.medallion.lake.runners.BenchReference silver /tmp/lake 2026-01-01T00 2026-01-01T23 2
 * java -cp lake.jar io.medallion.lake.runners.BenchReference gold /tmp/lake 2026-01-01 2026-01-01 2
 * }</pre>
 */
public final class BenchReference {
  static final String FILE = "part-reference-00000-of-00001";

  private BenchReference() {}

  public static void main(String[] args) throws Exception {
    if (args.length != 5) {
      System.err.println("usage: BenchReference silver|gold <lake> <from> <to> <threads>");
      System.exit(2);
    }
    LakeLayout lake = LakeLayout.at(args[1]);
    int threads = Integer.parseInt(args[4]);
    String summary =
        switch (args[0]) {
          case "silver" -> silver(lake, hours(args[2], args[3]), threads);
          case "gold" -> gold(lake, dates(args[2], args[3]), threads);
          default -> throw new IllegalArgumentException("silver or gold, not " + args[0]);
        };
    System.out.println(summary);
  }

  // ---- silver: bronze JSON lines → silver Parquet, one file per arrival hour ----

  /** Promotes each arrival hour on one of {@code threads} threads; returns a one-line summary. */
  static String silver(LakeLayout lake, List<Instant> hours, int threads) throws Exception {
    AtomicLong read = new AtomicLong();
    AtomicLong written = new AtomicLong();
    List<Callable<Void>> tasks = new ArrayList<>();
    for (Instant hour : hours) {
      tasks.add(
          () -> {
            long[] counts = silverHour(lake, hour);
            read.addAndGet(counts[0]);
            written.addAndGet(counts[1]);
            return null;
          });
    }
    runAll(tasks, threads);
    return String.format(
        "reference silver: read %d, written %d, quarantined %d",
        read.get(), written.get(), read.get() - written.get());
  }

  private static long[] silverHour(LakeLayout lake, Instant hour) throws IOException {
    List<Path> files = visibleFiles(Paths.get(lake.bronzeEventsHour(hour)), "");
    if (files.isEmpty()) {
      return new long[2];
    }
    String partition = LakeLayout.hourPartition(hour);
    Path silverFile =
        Paths.get(
            lake.resolve(LakeLayout.SILVER_EVENTS + "/" + partition + "/" + FILE + ".parquet"));
    Path quarantineFile =
        Paths.get(
            lake.resolve(LakeLayout.QUARANTINE_EVENTS + "/" + partition + "/" + FILE + ".jsonl"));
    long[] counts = new long[2];
    try (ParquetWriter<GenericRecord> silver =
            writer(silverFile, LakeTable.SILVER_EVENTS.avroSchema());
        LazyOutput quarantine = new LazyOutput(quarantineFile)) {
      for (Path file : files) {
        // The pipelines' own framing: gzip told by content, one record per top-level JSON value.
        try (InputStream in = JsonRecordSplitter.decompressed(Files.newByteChannel(file))) {
          JsonRecordSplitter.split(
              in,
              (offset, line, bytes) -> {
                counts[0]++;
                BronzeRecord record = new BronzeRecord(hour, file + ":" + line, offset, bytes);
                if (promote(record, silver, quarantine)) {
                  counts[1]++;
                }
              });
        }
      }
    }
    return counts;
  }

  /** Writes one bronze record to silver or quarantine; true when it went to silver. */
  private static boolean promote(
      BronzeRecord record, ParquetWriter<GenericRecord> silver, LazyOutput quarantine)
      throws IOException {
    EventParser.Outcome outcome = EventParser.parse(record.bytes(), record.arrivalHour());
    if (outcome.isValid()) {
      silver.write(EventEnrichment.toSilver(outcome.event()));
      return true;
    }
    quarantine.writeLine(ParseEvents.quarantineLine(record, outcome.rejection()));
    return false;
  }

  // ---- gold: silver Parquet → de-duplicated gold events by type and date, and daily stats ----

  /** One kept row per date and uuid, and how many rows carried that uuid. */
  private static final class Kept {
    final GenericRecord row;
    final long copies;

    Kept(GenericRecord row, long copies) {
      this.row = row;
      this.copies = copies;
    }

    Kept merge(Kept other) {
      GenericRecord first =
          DeduplicateEvents.KEEP_FIRST.compare(other.row, row) < 0 ? other.row : row;
      return new Kept(first, copies + other.copies);
    }
  }

  /** Per date, event type and subtype, as {@code gold/event_stats} holds them. */
  private static final class Stats {
    long events;
    long distinct;
    long first = Long.MAX_VALUE;
    long last = Long.MIN_VALUE;
  }

  /**
   * De-duplicates the silver rows of {@code dates} in as many passes over the input as memory needs
   * (each pass keeps the uuids of one hash bucket), writing one file per gold partition.
   */
  static String gold(LakeLayout lake, List<LocalDate> dates, int threads) throws Exception {
    // Like the lake's gold, every silver row created on the dates, whatever hour it arrived in.
    List<Path> files = new ArrayList<>();
    long bytes = 0;
    Path silverRoot = Paths.get(lake.resolve(LakeLayout.SILVER_EVENTS));
    List<Path> hourDirs;
    try (Stream<Path> walk = Files.walk(silverRoot, 2)) {
      hourDirs = walk.filter(Files::isDirectory).sorted().collect(Collectors.toList());
    }
    for (Path dir : hourDirs) {
      for (Path f : visibleFiles(dir, ".parquet")) {
        files.add(f);
        bytes += Files.size(f);
      }
    }
    // A silver row takes about 10x its compressed size on the heap; keep a pass under half of it.
    int passes = (int) Math.max(1, (bytes * 10) / (Runtime.getRuntime().maxMemory() / 2) + 1);
    Map<String, ParquetWriter<GenericRecord>> writers = new ConcurrentHashMap<>();
    Map<String, Stats> stats = new TreeMap<>();
    long read = 0;
    long kept = 0;
    for (int pass = 0; pass < passes; pass++) {
      int bucket = pass;
      ConcurrentHashMap<String, Kept> byUuid = new ConcurrentHashMap<>();
      AtomicLong readInPass = new AtomicLong();
      List<Callable<Void>> readers = new ArrayList<>();
      for (Path file : files) {
        readers.add(
            () -> {
              try (ParquetReader<GenericRecord> reader =
                  reader(file, LakeTable.SILVER_EVENTS.avroSchema())) {
                GenericRecord row;
                while ((row = reader.read()) != null) {
                  String uuid = row.get("event_uuid").toString();
                  if (Math.floorMod(uuid.hashCode(), passes) != bucket) {
                    continue;
                  }
                  LocalDate created =
                      LakeLayout.dateOf(
                          EventEnrichment.instantOfMicros((Long) row.get("created_at")));
                  if (dates.contains(created)) {
                    readInPass.incrementAndGet();
                    byUuid.merge(created + "|" + uuid, new Kept(row, 1), Kept::merge);
                  }
                }
              }
              return null;
            });
      }
      runAll(readers, threads);
      read += readInPass.get();
      kept += byUuid.size();

      Map<String, List<GenericRecord>> byPartition = new TreeMap<>();
      for (Map.Entry<String, Kept> e : byUuid.entrySet()) {
        LocalDate date = LocalDate.parse(e.getKey().substring(0, e.getKey().indexOf('|')));
        GenericRecord row = e.getValue().row;
        String type = PartitionValues.normalise(row.get("event_type").toString());
        Object subtype = row.get("event_subtype");
        byPartition
            .computeIfAbsent(LakeLayout.eventTypeDatePartition(type, date), k -> new ArrayList<>())
            .add(row);
        Stats s =
            stats.computeIfAbsent(
                date + "|" + type + "|" + (subtype == null ? "" : subtype), k -> new Stats());
        s.events += e.getValue().copies;
        s.distinct++;
        s.first = Math.min(s.first, (Long) row.get("created_at"));
        s.last = Math.max(s.last, (Long) row.get("created_at"));
      }
      byUuid.clear();
      List<Callable<Void>> writes = new ArrayList<>();
      for (Map.Entry<String, List<GenericRecord>> p : byPartition.entrySet()) {
        writes.add(
            () -> {
              ParquetWriter<GenericRecord> w =
                  writers.computeIfAbsent(p.getKey(), k -> goldWriter(lake, k));
              for (GenericRecord silverRow : p.getValue()) {
                w.write(
                    goldRow(
                        silverRow,
                        LocalDate.parse(p.getKey().substring(p.getKey().lastIndexOf('=') + 1))));
              }
              return null;
            });
      }
      runAll(writes, threads);
    }
    for (ParquetWriter<GenericRecord> w : writers.values()) {
      w.close();
    }
    writeStats(lake, stats);
    return String.format(
        "reference gold: read %d, written %d, duplicates removed %d, %d pass(es)",
        read, kept, read - kept, passes);
  }

  private static ParquetWriter<GenericRecord> goldWriter(LakeLayout lake, String partition) {
    try {
      return writer(
          Paths.get(
              lake.resolve(LakeLayout.GOLD_EVENTS + "/" + partition + "/" + FILE + ".parquet")),
          LakeTable.GOLD_EVENTS.avroSchema());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static GenericRecord goldRow(GenericRecord silver, LocalDate date) {
    Schema gold = LakeTable.GOLD_EVENTS.avroSchema();
    GenericData.Record row = new GenericData.Record(gold);
    for (Schema.Field f : gold.getFields()) {
      if (silver.getSchema().getField(f.name()) != null) {
        row.put(f.pos(), silver.get(f.name()));
      }
    }
    row.put("date", (int) date.toEpochDay());
    return row;
  }

  private static void writeStats(LakeLayout lake, Map<String, Stats> stats) throws IOException {
    Map<String, List<Map.Entry<String, Stats>>> byDate =
        stats.entrySet().stream()
            .collect(
                Collectors.groupingBy(
                    e -> e.getKey().substring(0, e.getKey().indexOf('|')),
                    TreeMap::new,
                    Collectors.toList()));
    for (Map.Entry<String, List<Map.Entry<String, Stats>>> date : byDate.entrySet()) {
      Path file =
          Paths.get(
              lake.resolve(
                  LakeLayout.GOLD_EVENT_STATS
                      + "/"
                      + LakeLayout.datePartition(LocalDate.parse(date.getKey()))
                      + "/"
                      + FILE
                      + ".parquet"));
      try (ParquetWriter<GenericRecord> w = writer(file, LakeTable.GOLD_EVENT_STATS.avroSchema())) {
        for (Map.Entry<String, Stats> e : date.getValue()) {
          String[] key = e.getKey().split("\\|", -1);
          Stats s = e.getValue();
          GenericData.Record r = new GenericData.Record(LakeTable.GOLD_EVENT_STATS.avroSchema());
          r.put("date", (int) LocalDate.parse(date.getKey()).toEpochDay());
          r.put("event_type", key[1]);
          r.put("event_subtype", key[2].isEmpty() ? null : key[2]);
          r.put("event_count", s.events);
          r.put("distinct_events", s.distinct);
          r.put("duplicates_removed", s.events - s.distinct);
          r.put("first_created_at", s.first);
          r.put("last_created_at", s.last);
          w.write(r);
        }
      }
    }
  }

  // ---- plumbing ----

  private static void runAll(List<Callable<Void>> tasks, int threads) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      for (Future<Void> f : pool.invokeAll(tasks)) {
        f.get();
      }
    } finally {
      pool.shutdown();
    }
  }

  static List<Path> visibleFiles(Path dir, String suffix) throws IOException {
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> list = Files.list(dir)) {
      return list.filter(Files::isRegularFile)
          .filter(
              p -> {
                String name = p.getFileName().toString();
                return !name.startsWith(".") && !name.startsWith("_") && name.endsWith(suffix);
              })
          .sorted(Comparator.naturalOrder())
          .collect(Collectors.toList());
    }
  }

  static List<Instant> hours(String from, String to) {
    List<Instant> hours = new ArrayList<>();
    Instant end = Instant.parse(to + ":00:00Z");
    for (Instant h = Instant.parse(from + ":00:00Z");
        !h.isAfter(end);
        h = h.plus(1, ChronoUnit.HOURS)) {
      hours.add(h);
    }
    return hours;
  }

  static List<LocalDate> dates(String from, String to) {
    List<LocalDate> dates = new ArrayList<>();
    for (LocalDate d = LocalDate.parse(from); !d.isAfter(LocalDate.parse(to)); d = d.plusDays(1)) {
      dates.add(d);
    }
    return dates;
  }

  /** Snappy Parquet with parquet-java's defaults, as Beam's ParquetIO sink writes it. */
  static ParquetWriter<GenericRecord> writer(Path file, Schema schema) throws IOException {
    Files.createDirectories(file.getParent());
    return AvroParquetWriter.<GenericRecord>builder(new LocalOutputFile(file))
        .withSchema(schema)
        .withDataModel(GenericData.get())
        .withConf(new Configuration(false))
        .withCompressionCodec(CompressionCodecName.SNAPPY)
        .withWriteMode(ParquetFileWriter.Mode.OVERWRITE)
        .build();
  }

  static ParquetReader<GenericRecord> reader(Path file, Schema schema) throws IOException {
    Configuration conf = new Configuration(false);
    AvroReadSupport.setRequestedProjection(conf, schema);
    AvroReadSupport.setAvroReadSchema(conf, schema);
    return AvroParquetReader.<GenericRecord>builder(new LocalInputFile(file))
        .withDataModel(GenericData.get())
        .withConf(conf)
        .build();
  }

  /** A quarantine file opened on its first line, so hours without rejects get none. */
  private static final class LazyOutput implements AutoCloseable {
    private final Path file;
    private OutputStream out;

    LazyOutput(Path file) {
      this.file = file;
    }

    void writeLine(String line) throws IOException {
      if (out == null) {
        Files.createDirectories(file.getParent());
        out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 16);
      }
      out.write(line.getBytes(StandardCharsets.UTF_8));
      out.write('\n');
    }

    @Override
    public void close() throws IOException {
      if (out != null) {
        out.close();
      }
    }
  }

  /**
   * parquet-java 1.13 has no local {@link OutputFile} without Hadoop's filesystem (and .crc files).
   */
  private static final class LocalOutputFile implements OutputFile {
    private final Path file;

    LocalOutputFile(Path file) {
      this.file = file;
    }

    @Override
    public PositionOutputStream create(long blockSizeHint) throws IOException {
      return createOrOverwrite(blockSizeHint);
    }

    @Override
    public PositionOutputStream createOrOverwrite(long blockSizeHint) throws IOException {
      OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 16);
      return new PositionOutputStream() {
        private long position;

        @Override
        public long getPos() {
          return position;
        }

        @Override
        public void write(int b) throws IOException {
          out.write(b);
          position++;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
          out.write(b, off, len);
          position += len;
        }

        @Override
        public void flush() throws IOException {
          out.flush();
        }

        @Override
        public void close() throws IOException {
          out.close();
        }
      };
    }

    @Override
    public boolean supportsBlockSize() {
      return false;
    }

    @Override
    public long defaultBlockSize() {
      return 0;
    }
  }

  private static final class LocalInputFile implements InputFile {
    private final Path file;

    LocalInputFile(Path file) {
      this.file = file;
    }

    @Override
    public long getLength() throws IOException {
      return Files.size(file);
    }

    @Override
    public SeekableInputStream newStream() throws IOException {
      FileChannel channel = FileChannel.open(file, StandardOpenOption.READ);
      return new DelegatingSeekableInputStream(java.nio.channels.Channels.newInputStream(channel)) {
        @Override
        public long getPos() throws IOException {
          return channel.position();
        }

        @Override
        public void seek(long position) throws IOException {
          channel.position(position);
        }
      };
    }
  }
}
