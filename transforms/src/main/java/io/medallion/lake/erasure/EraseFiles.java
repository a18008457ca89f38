package io.medallion.lake.erasure;

import io.medallion.lake.bronze.WriteBronzeFiles;
import io.medallion.lake.layout.LakeLayout;
import io.medallion.lake.table.Dataset;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.io.FileIO;
import org.apache.beam.sdk.io.fs.EmptyMatchTreatment;
import org.apache.beam.sdk.io.fs.MatchResult;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.Reshuffle;
import org.apache.beam.sdk.transforms.Sum;
import org.apache.beam.sdk.transforms.Wait;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PBegin;
import org.apache.beam.sdk.values.PCollection;

/**
 * Erases data subjects from the lake's raw files, one element per file, files in parallel ({@link
 * ErasedFile}): every file under {@code bronze/events/} ({@link #bronze}; the files silver reads
 * and those it skips, which may hold the subjects too; an {@code _unframed/} file's lines matched
 * as such), or every file of every dataset's quarantine folder ({@link #quarantine}).
 *
 * <p>Produces the layer's counts, summed, keyed {@code <layer>.<metric>}: {@code files_read},
 * {@code bytes_read} (the files' stored bytes), {@code files_rewritten}, {@code records_removed},
 * {@code files_deleted}; with {@code dryRun}, what would be rewritten, removed and deleted, and
 * nothing changes.
 */
public final class EraseFiles extends PTransform<PBegin, PCollection<KV<String, Long>>> {
  /** The layer of bronze's counts. */
  public static final String BRONZE = "bronze";

  /** The layer of the quarantine's counts. */
  public static final String QUARANTINE = "quarantine";

  /** Metric: files read (every file, whether it held the subjects or not). */
  public static final String FILES_READ = "files_read";

  /** Metric: stored bytes of the files read. */
  public static final String BYTES_READ = "bytes_read";

  /** Metric: files written again without the subjects' records. */
  public static final String FILES_REWRITTEN = "files_rewritten";

  /** Metric: records (bronze) or lines (quarantine) removed. */
  public static final String RECORDS_REMOVED = "records_removed";

  /** Metric: files deleted because nothing else was left in them. */
  public static final String FILES_DELETED = "files_deleted";

  /** The metrics of a file layer, in receipt order. */
  public static final List<String> METRICS =
      List.of(FILES_READ, BYTES_READ, FILES_REWRITTEN, RECORDS_REMOVED, FILES_DELETED);

  private final String layer;
  private final List<String> patterns;
  private final LakeLayout lake;
  private final Subjects subjects;
  private final boolean dryRun;
  private final PCollection<?> after;

  private EraseFiles(
      String layer,
      List<String> patterns,
      LakeLayout lake,
      Subjects subjects,
      boolean dryRun,
      PCollection<?> after) {
    this.layer = layer;
    this.patterns = List.copyOf(patterns);
    this.lake = lake;
    this.subjects = subjects;
    this.dryRun = dryRun;
    this.after = after;
  }

  /** Every file under {@code <lake>/bronze/events/}. */
  public static EraseFiles bronze(LakeLayout lake, Subjects subjects, boolean dryRun) {
    return new EraseFiles(
        BRONZE,
        List.of(lake.resolve(LakeLayout.BRONZE_EVENTS) + "/**"),
        lake,
        subjects,
        dryRun,
        null);
  }

  /** Every file under each dataset's quarantine folder ({@link Dataset#quarantine()}). */
  public static EraseFiles quarantine(LakeLayout lake, Subjects subjects, boolean dryRun) {
    List<String> patterns = new ArrayList<>();
    for (Dataset dataset : Dataset.values()) {
      dataset.quarantine().ifPresent(q -> patterns.add(lake.resolve(q) + "/**"));
    }
    return new EraseFiles(QUARANTINE, patterns, lake, subjects, dryRun, null);
  }

  /** The same erasure, listing its files only once {@code signal} is complete. */
  public EraseFiles after(PCollection<?> signal) {
    return new EraseFiles(layer, patterns, lake, subjects, dryRun, signal);
  }

  @Override
  public PCollection<KV<String, Long>> expand(PBegin input) {
    PCollection<String> patterns = input.apply("Patterns", Create.of(this.patterns));
    if (after != null) {
      patterns = patterns.apply("AfterPreviousLayer", Wait.on(after));
    }
    return patterns
        .apply("ListFiles", FileIO.matchAll().withEmptyMatchTreatment(EmptyMatchTreatment.ALLOW))
        .apply("OneFileEach", Reshuffle.viaRandomKey())
        .apply("EraseFile", ParDo.of(new EraseFileFn(layer, subjects, dryRun)))
        .apply("SumCounts", Sum.longsPerKey());
  }

  /** Whether a file under bronze is an {@code _unframed/} file, by its path. */
  static boolean isUnframed(String path) {
    return path.contains("/" + WriteBronzeFiles.UNFRAMED_FOLDER + "/");
  }

  /** Erases the subjects from one file; outputs its counts. */
  static final class EraseFileFn extends DoFn<MatchResult.Metadata, KV<String, Long>> {
    private final String layer;
    private final Subjects subjects;
    private final boolean dryRun;
    private final Counter removed;

    EraseFileFn(String layer, Subjects subjects, boolean dryRun) {
      this.layer = layer;
      this.subjects = subjects;
      this.dryRun = dryRun;
      this.removed = Metrics.counter(EraseFiles.class, layer + "_records_removed");
    }

    @ProcessElement
    public void process(@Element MatchResult.Metadata file, OutputReceiver<KV<String, Long>> out)
        throws IOException {
      if (file.resourceId().isDirectory()) {
        return;
      }
      String path = file.resourceId().toString();
      SubjectRecords.Kind kind =
          layer.equals(QUARANTINE)
              ? SubjectRecords.Kind.QUARANTINE
              : isUnframed(path) ? SubjectRecords.Kind.UNFRAMED : SubjectRecords.Kind.BRONZE;
      ErasedFile erased;
      try {
        erased = ErasedFile.erase(file.resourceId(), kind, subjects, dryRun);
      } catch (IOException e) {
        throw new IOException("cannot erase from " + path + ": " + e, e);
      }
      removed.inc(erased.recordsRemoved());
      out.output(KV.of(layer + "." + FILES_READ, 1L));
      out.output(KV.of(layer + "." + BYTES_READ, erased.bytesRead()));
      out.output(KV.of(layer + "." + FILES_REWRITTEN, erased.rewritten() ? 1L : 0L));
      out.output(KV.of(layer + "." + RECORDS_REMOVED, erased.recordsRemoved()));
      out.output(KV.of(layer + "." + FILES_DELETED, erased.deleted() ? 1L : 0L));
    }
  }
}
