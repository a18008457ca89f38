package io.medallion.lake.filedrop;

import com.fasterxml.jackson.databind.JsonNode;
import io.medallion.lake.commit.CommitUnit;
import io.medallion.lake.commit.Counts;
import io.medallion.lake.commit.LakeCommitter;
import io.medallion.lake.commit.PendingPromotions;
import io.medallion.lake.commit.Reports;
import io.medallion.lake.layout.LakeLayout;
import io.medallion.lake.table.CatalogConnection;
import io.medallion.lake.table.CatalogLockedException;
import io.medallion.lake.table.CatalogSettings;
import io.medallion.lake.table.Dataset;
import io.medallion.lake.table.LakeTable;
import io.medallion.lake.table.TableAtStart;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.apache.beam.sdk.coders.BooleanCoder;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.MatchResult;
import org.apache.beam.sdk.io.fs.MetadataCoderV2;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.state.StateSpec;
import org.apache.beam.sdk.state.StateSpecs;
import org.apache.beam.sdk.state.ValueState;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.WithKeys;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.apache.iceberg.Table;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Promotes dropped files of a file-drop {@link Dataset} to its table, one source file at a time:
 * the file is the unit that is replaced as a whole and reported on. Returns the path of each report
 * written.
 *
 * <p>For each file: the dataset's {@link DroppedFileParser} turns its bytes into rows, written with
 * Iceberg's Parquet writer into the table's data location, one file per partition, named {@code
 * part-<source id>-<run>-<random>.parquet}, and quarantined records, staged as JSON lines for the
 * unit's quarantine folder {@code <quarantine>/<source id>/}; then the commit engine ({@link
 * LakeCommitter}) checks that the file reconciles ({@code read = written + quarantined}), replaces
 * every row of the same {@code source_file} with the new ones in one atomic Iceberg overwrite
 * (validated from the table's snapshot when the file's promotion began: a concurrent promotion of
 * the same file by another run makes it fail, never mix), swaps the quarantine folder, and writes
 * the report {@code _reports/<layer>/<dataset>/<source id>.json} last, with the source's size,
 * last-modified time and SHA-256 and the snapshot id. A promotion that dies before its commit
 * leaves the table as it was. A version with no record does not replace the rows an earlier version
 * put in the table unless allowed: that file is logged on one line and counted ({@code
 * files_refused_empty}), and the others go on.
 *
 * <p>The commit happens inside the step that reads the file, so it works the same on a bounded
 * batch of files and on an unbounded stream of arrivals, with no window or trigger to wait for. A
 * file is read by one worker (a CSV cannot be split safely: a quoted cell may hold a newline);
 * files are spread over workers by source, and one source's files are promoted one after another (a
 * stateful step, keyed by source, on every runner). Names starting with {@code .} or {@code _}
 * (in-flight uploads, markers, hidden files) are not promoted, and never silently: each is logged
 * on one line naming the file and why, and counted ({@code files_ignored}).
 *
 * <p>{@link #skippingPromotedVersions()} (the watch mode) skips a file whose report already records
 * the same version: the same size and last-modified time, or the same content.
 *
 * <p>The input must keep each file's last-modified time ({@link MetadataCoderV2}, as {@link
 * MatchDroppedFiles} gives it); {@link #expand} refuses another coder with {@link
 * IllegalArgumentException}.
 */
public final class PromoteDroppedFiles
    extends PTransform<PCollection<MatchResult.Metadata>, PCollection<String>> {
  private final LakeLayout lake;
  private final CatalogSettings catalog;
  private final String runId;
  private final Dataset dataset;
  private final DroppedFileParser parser;
  private final boolean skipPromoted;
  private final boolean allowEmpty;

  private PromoteDroppedFiles(
      LakeLayout lake,
      CatalogSettings catalog,
      String runId,
      Dataset dataset,
      DroppedFileParser parser,
      boolean skipPromoted,
      boolean allowEmpty) {
    if (!dataset.isFileDrop() || dataset.tables().size() != 1) {
      throw new IllegalArgumentException(dataset + " is not a file-drop dataset of one table");
    }
    this.lake = lake;
    this.catalog = catalog;
    this.runId = runId;
    this.dataset = dataset;
    this.parser = parser;
    this.skipPromoted = skipPromoted;
    this.allowEmpty = allowEmpty;
  }

  /**
   * Promotes into {@code dataset}'s table in {@code catalog} and its quarantine and reports in
   * {@code lake}, parsing with {@code parser}, staging under {@code _tmp/<runId>}.
   */
  public static PromoteDroppedFiles into(
      LakeLayout lake,
      CatalogSettings catalog,
      String runId,
      Dataset dataset,
      DroppedFileParser parser) {
    return new PromoteDroppedFiles(lake, catalog, runId, dataset, parser, false, false);
  }

  /** Skips a file whose current version was promoted already (by this run or an earlier one). */
  public PromoteDroppedFiles skippingPromotedVersions() {
    return new PromoteDroppedFiles(lake, catalog, runId, dataset, parser, true, allowEmpty);
  }

  /** Whether a version of a file with no record may replace the rows of an earlier version. */
  public PromoteDroppedFiles allowingEmpty(boolean allow) {
    return new PromoteDroppedFiles(lake, catalog, runId, dataset, parser, skipPromoted, allow);
  }

  @Override
  public PCollection<String> expand(PCollection<MatchResult.Metadata> files) {
    if (!(files.getCoder() instanceof MetadataCoderV2)) {
      throw new IllegalArgumentException(
          "PromoteDroppedFiles records each file's last-modified time, which "
              + files.getCoder()
              + " leaves out: match the files with MatchDroppedFiles (MetadataCoderV2)");
    }
    Dataset dataset = this.dataset;
    return files
        // Keyed by source (the unit its report is named for): the step is stateful, so a runner
        // hands one source's files to one worker, one after another (below).
        .apply(
            "KeyBySource",
            WithKeys.of((MatchResult.Metadata file) -> sourceOf(dataset, file))
                .withKeyType(TypeDescriptors.strings()))
        .apply(
            "PromoteFiles",
            ParDo.of(
                new PromoteFileFn(lake, catalog, runId, dataset, parser, skipPromoted, allowEmpty)))
        .setTypeDescriptor(TypeDescriptors.strings());
  }

  /** The unit a file is promoted as: its source id, which names its report. */
  private static String sourceOf(Dataset dataset, MatchResult.Metadata file) {
    return dataset.fileUnit(file.resourceId().toString()).name();
  }

  static final class PromoteFileFn extends DoFn<KV<String, MatchResult.Metadata>, String> {
    private static final Logger LOG = LoggerFactory.getLogger(PromoteDroppedFiles.class);

    /**
     * Never written: declaring state makes this a stateful step, which every runner keys by the
     * input's key and runs one key's elements at a time (Flink keys the stream by it, the
     * DirectRunner runs a key's bundles in turn). So a source delivered twice (a poll's output is
     * delivered at least once) or dropped again is promoted by one worker, one delivery after the
     * other, and the second finds the first one's report.
     */
    @StateId("source")
    private final StateSpec<ValueState<Boolean>> source = StateSpecs.value(BooleanCoder.of());

    private final Counter promoted = Metrics.counter(PromoteDroppedFiles.class, "files_promoted");
    private final Counter skipped = Metrics.counter(PromoteDroppedFiles.class, "files_skipped");
    private final Counter ignored = Metrics.counter(PromoteDroppedFiles.class, "files_ignored");
    private final Counter rejected = Metrics.counter(PromoteDroppedFiles.class, "files_rejected");
    private final Counter refused =
        Metrics.counter(PromoteDroppedFiles.class, "files_refused_empty");
    private final Counter rows = Metrics.counter(PromoteDroppedFiles.class, "rows_written");
    private final Counter quarantined =
        Metrics.counter(PromoteDroppedFiles.class, "rows_quarantined");

    private final LakeLayout lake;
    private final CatalogSettings catalogSettings;
    private final CatalogConnection catalog;
    private final String runId;
    private final Dataset dataset;
    private final DroppedFileParser parser;
    private final boolean skipPromoted;
    private final boolean allowEmpty;

    PromoteFileFn(
        LakeLayout lake,
        CatalogSettings catalogSettings,
        String runId,
        Dataset dataset,
        DroppedFileParser parser,
        boolean skipPromoted,
        boolean allowEmpty) {
      this.lake = lake;
      this.catalogSettings = catalogSettings;
      this.catalog = new CatalogConnection(catalogSettings);
      this.runId = runId;
      this.dataset = dataset;
      this.parser = parser;
      this.skipPromoted = skipPromoted;
      this.allowEmpty = allowEmpty;
    }

    @Teardown
    public void teardown() throws IOException {
      catalog.close();
    }

    @ProcessElement
    public void process(
        @Element KV<String, MatchResult.Metadata> element, OutputReceiver<String> out)
        throws IOException {
      MatchResult.Metadata file = element.getValue();
      String name = file.resourceId().getFilename();
      if (file.resourceId().isDirectory() || name == null) {
        return;
      }
      if (name.startsWith("_") || name.startsWith(".")) {
        ignored.inc();
        LOG.warn(
            "Not promoted {}: a name starting with '{}' is {}; rename it to promote it",
            file.resourceId(),
            name.charAt(0),
            name.startsWith("_") ? "an upload in flight or a marker" : "hidden");
        return;
      }
      Dataset.Unit unit = dataset.fileUnit(file.resourceId().toString());
      Optional<JsonNode> previous = Reports.read(lake, dataset, unit.name());
      if (skipPromoted && previous.isPresent() && sameVersion(previous.get(), file)) {
        skipped.inc();
        LOG.info("Skipped {}: this version was promoted already", file.resourceId());
        clearMarksOfReportedRun(unit, previous.get());
        return;
      }
      try {
        out.output(promote(file, unit));
      } catch (LakeCommitter.EmptiedUnitException e) {
        // Never rows replaced with nothing: the earlier version's rows and report stay.
        refused.inc();
        LOG.warn("Not promoted {}: {}", file.resourceId(), e.getMessage());
      } catch (CatalogLockedException e) {
        throw e;
      } catch (RuntimeException e) {
        if (!CatalogLockedException.causedBy(e)) {
          throw e;
        }
        // Loading the table before the commit engine touched it.
        LOG.warn("The catalog {} is locked by another process", catalogSettings.uri(), e);
        throw CatalogLockedException.nothingCommitted(
            catalogSettings, CatalogLockedException.describe(dataset, List.of(unit.name())));
      }
    }

    /** Promotes one file; returns its report. */
    private String promote(MatchResult.Metadata file, Dataset.Unit unit) throws IOException {
      String source = file.resourceId().toString();
      String random = UUID.randomUUID().toString().substring(0, 8);
      String stagingRoot = lake.staging(runId + "/" + unit.name() + "-" + random);
      LakeTable lakeTable = dataset.tables().get(0);
      Table table = catalog.get().table(lakeTable);
      table.refresh();
      TableAtStart atStart = TableAtStart.of(lakeTable, table);
      String lastModified = lastModified(file);
      StagedFileOutputs staged =
          new StagedFileOutputs(
              atStart,
              table,
              unit.name() + "-" + runId + "-" + random,
              stagingRoot,
              dataset.quarantineOf(unit.name()) + "/part-" + runId + ".jsonl",
              source,
              lastModified);
      DroppedFileParser.Parsed parsed;
      String sha256;
      try (staged) {
        MessageDigest digest = sha256();
        try (InputStream raw =
            new DigestInputStream(
                Channels.newInputStream(FileSystems.open(file.resourceId())), digest)) {
          parsed =
              parser.parse(
                  raw,
                  () -> Channels.newInputStream(FileSystems.open(file.resourceId())),
                  source,
                  staged);
          raw.transferTo(OutputStream.nullOutputStream()); // the checksum covers the whole file
        }
        sha256 = HexFormat.of().formatHex(digest.digest());
      }

      Map<String, Long> counts = staged.counts();
      counts.put(Counts.READ, parsed.read());
      counts.putIfAbsent(Counts.WRITTEN, 0L);
      Map<String, Object> attributes = new LinkedHashMap<>();
      attributes.put("source_file", source);
      attributes.put("source_size", file.sizeBytes());
      attributes.put("source_last_modified", lastModified);
      attributes.put("source_sha256", sha256);
      attributes.putAll(parsed.attributes());
      if (parsed.rejected() != null) {
        attributes.put("rejected", parsed.rejected());
      }
      LakeCommitter.Staged unitFiles =
          new LakeCommitter.Staged(
              new CommitUnit(
                  unit, attributes, PendingPromotions.markersOf(lake, dataset, unit.name())),
              counts,
              Map.of(lakeTable, staged.dataFiles()),
              stagingRoot,
              staged.quarantineFiles());
      String report =
          new LakeCommitter(lake, catalog.get(), runId, allowEmpty, null)
              .commit(startSnapshot(lakeTable, atStart), List.of(unitFiles))
              .get(0);

      promoted.inc();
      rows.inc(unitFiles.counts().get(Counts.WRITTEN));
      quarantined.inc(unitFiles.counts().get(Counts.QUARANTINED));
      if (parsed.rejected() != null) {
        rejected.inc();
        LOG.warn("Rejected {}: {}", source, parsed.rejected());
      }
      LOG.info("Promoted {}: {}", source, unitFiles.counts());
      return report;
    }

    /**
     * Clears the in-flight mark of the run that wrote {@code report}: that run died after its
     * report, before clearing it, and left nothing else to do.
     */
    private void clearMarksOfReportedRun(Dataset.Unit unit, JsonNode report) throws IOException {
      String run = report.path("run_id").asText();
      List<String> finished = new ArrayList<>();
      for (String marker : PendingPromotions.markersOf(lake, dataset, unit.name())) {
        if (PendingPromotions.isInFlight(marker)
            && marker.endsWith("/in-flight-" + run + ".json")) {
          finished.add(marker);
        }
      }
      PendingPromotions.clear(finished);
    }

    /** The table's snapshot when the file's promotion began; none for a table without one. */
    private static Map<LakeTable, Long> startSnapshot(LakeTable table, TableAtStart atStart) {
      Map<LakeTable, Long> snapshots = new HashMap<>();
      snapshots.put(table, atStart.snapshotId());
      return snapshots;
    }

    /** Same size and last-modified time as the promoted version, or else the same content. */
    private static boolean sameVersion(JsonNode report, MatchResult.Metadata file)
        throws IOException {
      if (report.path("source_size").asLong(-1) != file.sizeBytes()) {
        return false;
      }
      String lastModified = lastModified(file);
      if (lastModified != null
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

    /**
     * The file's last-modified time as an ISO-8601 instant, or null where its file system reports
     * none (0): never the epoch in its place.
     */
    static String lastModified(MatchResult.Metadata file) {
      return file.lastModifiedMillis() > 0
          ? Instant.ofEpochMilli(file.lastModifiedMillis()).toString()
          : null;
    }

    private static MessageDigest sha256() {
      try {
        return MessageDigest.getInstance("SHA-256");
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException("every JVM has SHA-256", e);
      }
    }
  }
}
