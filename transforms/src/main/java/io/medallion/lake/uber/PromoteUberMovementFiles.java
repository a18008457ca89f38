package io.medallion.lake.uber;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.medallion.lake.commit.Counts;
import io.medallion.lake.commit.LakeCommits;
import io.medallion.lake.layout.LakeLayout;
import io.medallion.lake.layout.PartitionValues;
import io.medallion.lake.table.CatalogSettings;
import io.medallion.lake.table.LakeCatalog;
import io.medallion.lake.table.LakeTable;
import io.medallion.lake.table.TableAtStart;
import io.medallion.lake.uber.UberRowParser.Rejection;
import io.medallion.lake.write.IcebergParquetSink;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import org.apache.avro.generic.GenericRecord;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.MatchResult;
import org.apache.beam.sdk.io.fs.ResourceId;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.Reshuffle;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.DataFiles;
import org.apache.iceberg.FileFormat;
import org.apache.iceberg.Table;
import org.apache.iceberg.expressions.Expressions;
import org.apache.iceberg.io.FileAppender;
import org.apache.iceberg.io.FileIO;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Promotes dropped Uber Movement CSVs ({@link UberCsvParser}) to {@code silver/uber_movements}, one
 * source file at a time: the file is the unit that is replaced as a whole and reported on. Returns
 * the path of each report written.
 *
 * <p>For each file: its rows are written with Iceberg's Parquet writer into the data location of
 * the {@code silver_uber_movements} Iceberg table, one file per partition ({@code
 * city=c/year=y/month=m/day=d} of each row's date-range start) named {@code part-<source
 * id>-<run>-<random>.parquet}; its rejected records are staged as JSON lines for {@code
 * quarantine/uber_movements/dt=.../hour=...} of the file's last-modified time; then, if the file
 * reconciles ({@code read = written + quarantined}), one atomic Iceberg overwrite replaces every
 * row of the same {@code source_file} with the new ones ({@link LakeCommits#overwrite}, validated
 * from the table's snapshot when the file's promotion began: a concurrent promotion of the same
 * file makes it fail, never mix), the staged quarantine file is moved in (the previous one of the
 * same source, listed in its report, deleted), and the report {@code
 * _reports/silver/uber_movements/<source id>.json} is written last, with the source's size,
 * last-modified time and SHA-256 and the snapshot id. A promotion that dies before its commit
 * leaves the table as it was.
 *
 * <p>The commit happens inside the step that reads the file, so it works the same on a bounded
 * batch of files and on an unbounded stream of arrivals, with no window or trigger to wait for. A
 * CSV cannot be split safely (a quoted cell may hold a newline), so a file is read by one worker
 * anyway; files are spread over workers.
 *
 * <p>{@link #skippingPromotedVersions()} (the watch mode) skips a file whose report already records
 * the same version: the same size and last-modified time, or the same content.
 */
public final class PromoteUberMovementFiles
    extends PTransform<PCollection<MatchResult.Metadata>, PCollection<String>> {
  public static final String LAYER = "silver";
  public static final String DATASET = "uber_movements";

  private final LakeLayout lake;
  private final CatalogSettings catalog;
  private final String runId;
  private final String city;
  private final boolean skipPromoted;
  private final boolean allowEmpty;

  private PromoteUberMovementFiles(
      LakeLayout lake,
      CatalogSettings catalog,
      String runId,
      String city,
      boolean skipPromoted,
      boolean allowEmpty) {
    this.lake = lake;
    this.catalog = catalog;
    this.runId = runId;
    this.city = city;
    this.skipPromoted = skipPromoted;
    this.allowEmpty = allowEmpty;
  }

  /**
   * Promotes into the {@code silver_uber_movements} table of {@code catalog} and the quarantine and
   * reports of {@code lake}, staging under {@code _tmp/<runId>}.
   */
  public static PromoteUberMovementFiles into(
      LakeLayout lake, CatalogSettings catalog, String runId) {
    return new PromoteUberMovementFiles(lake, catalog, runId, null, false, false);
  }

  /** Every row gets this city (normalised), whatever the file name or its city column say. */
  public PromoteUberMovementFiles withCity(String city) {
    return new PromoteUberMovementFiles(
        lake, catalog, runId, PartitionValues.normalise(city.strip()), skipPromoted, allowEmpty);
  }

  /** Skips a file whose current version was promoted already (by this run or an earlier one). */
  public PromoteUberMovementFiles skippingPromotedVersions() {
    return new PromoteUberMovementFiles(lake, catalog, runId, city, true, allowEmpty);
  }

  /**
   * Whether a version of a file with no record may replace the rows an earlier version put in the
   * table. By default such a version is not promoted: it is logged on one line and the table keeps
   * its rows.
   */
  public PromoteUberMovementFiles allowingEmpty(boolean allow) {
    return new PromoteUberMovementFiles(lake, catalog, runId, city, skipPromoted, allow);
  }

  @Override
  public PCollection<String> expand(PCollection<MatchResult.Metadata> files) {
    return files
        // One element per file: spread the files over workers before the heavy reading.
        .apply("SpreadFiles", Reshuffle.viaRandomKey())
        .apply(
            "PromoteFiles",
            ParDo.of(new PromoteFileFn(lake, catalog, runId, city, skipPromoted, allowEmpty)))
        .setTypeDescriptor(TypeDescriptors.strings());
  }

  /** The lake-relative folder of a file's quarantine: the UTC hour it was last modified. */
  public static String quarantinePartition(long lastModifiedMillis) {
    return LakeLayout.hourPartition(Instant.ofEpochMilli(Math.max(0, lastModifiedMillis)));
  }

  static final class PromoteFileFn extends DoFn<MatchResult.Metadata, String> {
    private static final Logger LOG = LoggerFactory.getLogger(PromoteUberMovementFiles.class);

    private final Counter promoted =
        Metrics.counter(PromoteUberMovementFiles.class, "files_promoted");
    private final Counter skipped =
        Metrics.counter(PromoteUberMovementFiles.class, "files_skipped");
    private final Counter rejected =
        Metrics.counter(PromoteUberMovementFiles.class, "files_rejected");
    private final Counter rows = Metrics.counter(PromoteUberMovementFiles.class, "rows_written");
    private final Counter quarantined =
        Metrics.counter(PromoteUberMovementFiles.class, "rows_quarantined");

    private final LakeLayout lake;
    private final CatalogSettings catalogSettings;
    private final String runId;
    private final String city;
    private final boolean skipPromoted;
    private final boolean allowEmpty;
    private final Counter refused =
        Metrics.counter(PromoteUberMovementFiles.class, "files_refused_empty");
    private transient LakeCatalog catalog;

    PromoteFileFn(
        LakeLayout lake,
        CatalogSettings catalogSettings,
        String runId,
        String city,
        boolean skipPromoted,
        boolean allowEmpty) {
      this.lake = lake;
      this.catalogSettings = catalogSettings;
      this.runId = runId;
      this.city = city;
      this.skipPromoted = skipPromoted;
      this.allowEmpty = allowEmpty;
    }

    @Setup
    public void setup() {
      catalog = LakeCatalog.open(catalogSettings);
    }

    @Teardown
    public void teardown() throws IOException {
      if (catalog != null) {
        catalog.close();
      }
    }

    @ProcessElement
    public void process(@Element MatchResult.Metadata file, OutputReceiver<String> out)
        throws IOException {
      String name = file.resourceId().getFilename();
      if (file.resourceId().isDirectory()
          || name == null
          || name.startsWith(".")
          || name.startsWith("_")) {
        return; // in-flight or hidden
      }
      String sourceId = UberSourceFiles.sourceId(name);
      Optional<JsonNode> previous = LakeCommits.readReport(lake, LAYER, DATASET, sourceId);
      if (skipPromoted && previous.isPresent() && sameVersion(previous.get(), file)) {
        skipped.inc();
        LOG.info("Skipped {}: this version was promoted already", file.resourceId());
        return;
      }
      String report = promote(file, sourceId, previous);
      if (report != null) {
        out.output(report);
      }
    }

    /** Promotes one file; returns its report, or null when it refused to empty the file's rows. */
    private String promote(MatchResult.Metadata file, String sourceId, Optional<JsonNode> previous)
        throws IOException {
      String source = file.resourceId().toString();
      String stagingRoot =
          lake.staging(runId + "/" + sourceId + "-" + UUID.randomUUID().toString().substring(0, 8));
      String quarantineFile =
          LakeLayout.QUARANTINE_UBER_MOVEMENTS
              + "/"
              + quarantinePartition(file.lastModifiedMillis())
              + "/part-"
              + sourceId
              + ".jsonl";
      Map<String, Long> counts = new TreeMap<>();
      UberCsvParser.Summary summary;
      String sha256;
      Table table = catalog.table(LakeTable.SILVER_UBER_MOVEMENTS);
      table.refresh();
      TableAtStart atStart = TableAtStart.of(LakeTable.SILVER_UBER_MOVEMENTS, table);
      StagedFiles staged =
          new StagedFiles(
              stagingRoot,
              atStart,
              table.io(),
              sourceId + "-" + runId + "-" + UUID.randomUUID().toString().substring(0, 8),
              quarantineFile,
              source,
              file,
              counts);
      try (staged) {
        MessageDigest digest = sha256();
        try (InputStream raw =
            new DigestInputStream(
                Channels.newInputStream(FileSystems.open(file.resourceId())), digest)) {
          summary =
              UberCsvParser.parse(
                  raw,
                  () -> Channels.newInputStream(FileSystems.open(file.resourceId())),
                  source,
                  city,
                  staged);
          raw.transferTo(OutputStream.nullOutputStream()); // the checksum covers the whole file
        }
        sha256 = HexFormat.of().formatHex(digest.digest());
      }

      counts.put(Counts.READ, summary.read());
      counts.putIfAbsent(Counts.WRITTEN, 0L);
      counts.put(
          Counts.QUARANTINED,
          counts.entrySet().stream()
              .filter(e -> e.getKey().startsWith(Counts.QUARANTINED + "."))
              .mapToLong(Map.Entry::getValue)
              .sum());
      LakeCommits.checkReconciles(LAYER + "/" + DATASET + " " + source, counts);
      if (!allowEmpty && summary.read() == 0) {
        long held = LakeCommits.rowsIn(table, Expressions.equal("source_file", source));
        if (held > 0) {
          // Never rows replaced with nothing: the earlier version's rows and report stay.
          LakeCommits.cleanUpStaging(lake, stagingRoot);
          removeRunFolderIfEmpty();
          refused.inc();
          LOG.warn(
              "Not promoted {}: silver_uber_movements holds {} rows of it and this version has no"
                  + " record ({}); pass --allowEmpty to replace them with nothing",
              source,
              held,
              summary.fileRejection() == null ? "no row" : summary.fileRejection().reason().code());
          return null;
        }
      }

      long snapshot =
          LakeCommits.overwrite(
              table,
              atStart.snapshotId(),
              Expressions.equal("source_file", source),
              staged.dataFiles(),
              runId,
              source,
              counts);

      List<String> quarantine = staged.quarantineFiles();
      LakeCommits.moveIntoLake(lake, stagingRoot, quarantine);
      Set<String> kept = new HashSet<>(quarantine);
      List<ResourceId> old = new ArrayList<>();
      if (previous.isPresent()) {
        // Only the quarantine is plain files; the table's old rows went with the commit.
        for (JsonNode f : previous.get().path("files")) {
          String previousFile = f.asText();
          if (previousFile.startsWith(LakeLayout.QUARANTINE_UBER_MOVEMENTS + "/")
              && !kept.contains(previousFile)) {
            old.add(FileSystems.matchNewResource(lake.resolve(previousFile), false));
          }
        }
      }
      LakeCommits.delete(old);
      List<String> newFiles = new ArrayList<>();
      for (DataFile dataFile : staged.dataFiles()) {
        newFiles.add(lake.relativize(dataFile.location()));
      }
      newFiles.sort(Comparator.naturalOrder());
      newFiles.addAll(quarantine);

      Map<String, Object> attributes = new LinkedHashMap<>();
      attributes.put("source_file", source);
      attributes.put("source_size", file.sizeBytes());
      attributes.put(
          "source_last_modified", Instant.ofEpochMilli(file.lastModifiedMillis()).toString());
      attributes.put("source_sha256", sha256);
      attributes.put("city_from", summary.citySource());
      attributes.put("delimiter", String.valueOf(summary.delimiter()));
      if (summary.fileRejection() != null) {
        attributes.put("rejected", summary.fileRejection().reason().code());
        attributes.put("rejected_detail", summary.fileRejection().detail());
      }
      attributes.put("ignored_columns", summary.ignoredColumns());
      attributes.put("snapshots", Map.of(LakeTable.SILVER_UBER_MOVEMENTS.tableName(), snapshot));
      String report =
          LakeCommits.writeReport(
              lake, runId, LAYER, DATASET, sourceId, counts, attributes, newFiles);
      LakeCommits.cleanUpStaging(lake, stagingRoot);
      removeRunFolderIfEmpty();

      promoted.inc();
      rows.inc(counts.get(Counts.WRITTEN));
      quarantined.inc(counts.get(Counts.QUARANTINED));
      if (summary.fileRejection() != null) {
        rejected.inc();
        LOG.warn("Rejected {}: {}", source, summary.fileRejection());
      }
      LOG.info("Promoted {}: {} file(s), {}", source, newFiles.size(), counts);
      return report;
    }

    /** {@code _tmp/<run>} holds one folder per promotion; the last one out removes it. */
    private void removeRunFolderIfEmpty() throws IOException {
      if (!lake.isLocal()) {
        return;
      }
      try {
        Files.deleteIfExists(Paths.get(lake.staging(runId)));
      } catch (DirectoryNotEmptyException e) {
        // another file of this run is being promoted
      }
    }

    /** Same size and last-modified time as the promoted version, or else the same content. */
    private static boolean sameVersion(JsonNode report, MatchResult.Metadata file)
        throws IOException {
      if (report.path("source_size").asLong(-1) != file.sizeBytes()) {
        return false;
      }
      String lastModified = Instant.ofEpochMilli(file.lastModifiedMillis()).toString();
      if (file.lastModifiedMillis() > 0
          && lastModified.equals(report.path("source_last_modified").asText())) {
        return true;
      }
      MessageDigest digest = sha256();
      try (InputStream in =
          new DigestInputStream(
              Channels.newInputStream(FileSystems.open(file.resourceId())), digest)) {
        in.transferTo(OutputStream.nullOutputStream());
      }
      return HexFormat.of()
          .formatHex(digest.digest())
          .equals(report.path("source_sha256").asText());
    }

    private static MessageDigest sha256() {
      try {
        return MessageDigest.getInstance("SHA-256");
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException("every JVM has SHA-256", e);
      }
    }
  }

  /**
   * The outputs of one source file: an Iceberg Parquet writer per partition straight into the
   * table's data location, opened on first use, and the staged quarantine file. Counts what it
   * writes.
   */
  private static final class StagedFiles implements UberCsvParser.Listener, AutoCloseable {
    private final String stagingRoot;
    private final TableAtStart table;
    private final FileIO io;
    private final String fileName;
    private final String quarantineFile;
    private final String source;
    private final MatchResult.Metadata file;
    private final Map<String, Long> counts;
    private final Map<String, Written> parquet = new LinkedHashMap<>();
    private final List<String> quarantine = new ArrayList<>();
    private final List<DataFile> dataFiles = new ArrayList<>();
    private Writer quarantineWriter;

    StagedFiles(
        String stagingRoot,
        TableAtStart table,
        FileIO io,
        String fileName,
        String quarantineFile,
        String source,
        MatchResult.Metadata file,
        Map<String, Long> counts) {
      this.stagingRoot = stagingRoot;
      this.table = table;
      this.io = io;
      this.fileName = fileName;
      this.quarantineFile = quarantineFile;
      this.source = source;
      this.file = file;
      this.counts = counts;
    }

    private record Written(String path, String partition, FileAppender<GenericRecord> appender) {}

    @Override
    public void accepted(String partition, GenericRecord row) {
      try {
        String partitionPath = table.partitionPath(row);
        Written writer = parquet.get(partitionPath);
        if (writer == null) {
          String path =
              table.dataLocation() + "/" + partitionPath + "/part-" + fileName + ".parquet";
          writer =
              new Written(
                  path,
                  partitionPath,
                  IcebergParquetSink.writer(
                      io.newOutputFile(path), table.writeSchema(), table.properties()));
          parquet.put(partitionPath, writer);
        }
        writer.appender().add(row);
        counts.merge(Counts.WRITTEN, 1L, Long::sum);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    @Override
    public void rejected(
        Rejection rejection, long recordNumber, List<String> header, List<String> values) {
      ObjectNode line = quarantineLine(rejection, recordNumber);
      if (header.size() == values.size()) {
        ObjectNode raw = line.putObject("raw");
        for (int i = 0; i < values.size(); i++) {
          raw.put(header.get(i), values.get(i));
        }
      } else {
        values.forEach(line.putArray("raw_values")::add);
      }
      write(line);
      counts.merge(Counts.quarantined(rejection.reason().code()), 1L, Long::sum);
    }

    @Override
    public void unreadable(Rejection rejection, long recordNumber, byte[] rawLine) {
      ObjectNode line = quarantineLine(rejection, recordNumber);
      putRaw(line, "raw_line", rawLine);
      write(line);
      counts.merge(Counts.quarantined(rejection.reason().code()), 1L, Long::sum);
    }

    /**
     * The file's own line, record 0: its header's cells, or bytes when they could not be read. Not
     * a row, so not counted: the report's {@code rejected} says the same.
     */
    @Override
    public void fileRejected(Rejection rejection, List<String> header, byte[] rawHeader) {
      ObjectNode line = quarantineLine(rejection, 0);
      if (header != null) {
        header.forEach(line.putArray("raw_header")::add);
      } else if (rawHeader != null) {
        putRaw(line, "raw_header_line", rawHeader);
      }
      write(line);
    }

    private ObjectNode quarantineLine(Rejection rejection, long recordNumber) {
      ObjectNode line = JsonNodeFactory.instance.objectNode();
      line.put("reason", rejection.reason().code());
      line.put("detail", rejection.detail());
      line.put("source", source);
      line.put("record_number", recordNumber);
      line.put("source_last_modified", Instant.ofEpochMilli(file.lastModifiedMillis()).toString());
      return line;
    }

    /** {@code field} as text when the bytes are UTF-8, else {@code field_base64}. */
    private static void putRaw(ObjectNode line, String field, byte[] bytes) {
      try {
        line.put(
            field,
            StandardCharsets.UTF_8
                .newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT)
                .decode(ByteBuffer.wrap(bytes))
                .toString());
      } catch (CharacterCodingException e) {
        line.put(field + "_base64", Base64.getEncoder().encodeToString(bytes));
      }
    }

    private void write(ObjectNode line) {
      try {
        if (quarantineWriter == null) {
          quarantineWriter =
              new BufferedWriter(
                  new OutputStreamWriter(
                      Channels.newOutputStream(
                          FileSystems.create(
                              FileSystems.matchNewResource(
                                  stagingRoot + "/" + quarantineFile, false),
                              "application/x-ndjson")),
                      StandardCharsets.UTF_8));
          quarantine.add(quarantineFile);
        }
        quarantineWriter.write(line.toString());
        quarantineWriter.write('\n');
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    /** The lake-relative paths of the staged quarantine files. */
    List<String> quarantineFiles() {
      return List.copyOf(quarantine);
    }

    /** The data files written, with their metrics and partitions; after {@link #close()}. */
    List<DataFile> dataFiles() {
      return List.copyOf(dataFiles);
    }

    @Override
    public void close() throws IOException {
      for (Written writer : parquet.values()) {
        writer.appender().close();
        dataFiles.add(
            DataFiles.builder(table.spec())
                .withPath(writer.path())
                .withFormat(FileFormat.PARQUET)
                .withFileSizeInBytes(writer.appender().length())
                .withMetrics(writer.appender().metrics())
                .withPartitionPath(writer.partition())
                .build());
      }
      parquet.clear();
      if (quarantineWriter != null) {
        quarantineWriter.close();
      }
    }
  }
}
