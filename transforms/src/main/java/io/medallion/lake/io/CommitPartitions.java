package io.medallion.lake.io;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.medallion.lake.layout.LakeLayout;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.EmptyMatchTreatment;
import org.apache.beam.sdk.io.fs.MatchResult;
import org.apache.beam.sdk.io.fs.MoveOptions.StandardMoveOptions;
import org.apache.beam.sdk.io.fs.ResourceId;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.Sum;
import org.apache.beam.sdk.transforms.Values;
import org.apache.beam.sdk.transforms.View;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionView;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The last step of a promotion: once every file is staged and every record counted, checks that
 * each unit reconciles ({@code read = written + quarantined + duplicates_removed}), then for each
 * {@link PartitionCommit} moves the staged files into the lake, deletes the files the unit held
 * before, and writes its report under {@code _reports/}. The report is written last: a report names
 * exactly the files of a committed partition.
 *
 * <p>A run that fails before this step leaves the lake as it was. A run that dies inside it may
 * leave both the old and the new files of one unit; the next run of the same promotion replaces
 * them, because a unit is always replaced as a whole.
 */
public final class CommitPartitions
    extends PTransform<PCollection<KV<String, String>>, PCollection<String>> {
  private static final Logger LOG = LoggerFactory.getLogger(CommitPartitions.class);

  private final LakeLayout lake;
  private final String runId;
  private final List<PartitionCommit> commits;
  private final PCollection<KV<String, Long>> counts;

  private CommitPartitions(
      LakeLayout lake,
      String runId,
      List<PartitionCommit> commits,
      PCollection<KV<String, Long>> counts) {
    this.lake = lake;
    this.runId = runId;
    this.commits = commits;
    this.counts = counts;
  }

  /**
   * Commits the staged files it is applied to (any key, the staged path as value), using the {@link
   * Counts} in {@code counts}.
   */
  public static CommitPartitions of(
      LakeLayout lake,
      String runId,
      List<PartitionCommit> commits,
      PCollection<KV<String, Long>> counts) {
    return new CommitPartitions(lake, runId, List.copyOf(commits), counts);
  }

  @Override
  public PCollection<String> expand(PCollection<KV<String, String>> stagedFiles) {
    PCollectionView<List<String>> files =
        stagedFiles.apply("StagedPaths", Values.create()).apply("AsList", View.asList());
    PCollectionView<Map<String, Long>> totals =
        counts.apply("SumCounts", Sum.longsPerKey()).apply("AsMap", View.asMap());
    return stagedFiles
        .getPipeline()
        .apply("Once", Create.of(runId))
        .apply(
            "Commit",
            ParDo.of(new CommitFn(lake, runId, commits, files, totals))
                .withSideInputs(files, totals))
        .setTypeDescriptor(TypeDescriptors.strings());
  }

  static final class CommitFn extends DoFn<String, String> {
    private static final ObjectMapper JSON =
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final LakeLayout lake;
    private final String runId;
    private final List<PartitionCommit> commits;
    private final PCollectionView<List<String>> filesView;
    private final PCollectionView<Map<String, Long>> countsView;

    CommitFn(
        LakeLayout lake,
        String runId,
        List<PartitionCommit> commits,
        PCollectionView<List<String>> filesView,
        PCollectionView<Map<String, Long>> countsView) {
      this.lake = lake;
      this.runId = runId;
      this.commits = commits;
      this.filesView = filesView;
      this.countsView = countsView;
    }

    @ProcessElement
    public void process(ProcessContext c) throws IOException {
      List<String> staged = c.sideInput(filesView);
      Map<String, Long> counts = c.sideInput(countsView);
      String stagingRoot = lake.staging(runId);

      Map<PartitionCommit, List<String>> filesByCommit = new LinkedHashMap<>();
      Map<PartitionCommit, Map<String, Long>> countsByCommit = new LinkedHashMap<>();
      for (PartitionCommit commit : commits) {
        filesByCommit.put(commit, new ArrayList<>());
        countsByCommit.put(commit, countsOf(commit, counts));
      }
      for (String file : staged) {
        String relative = relativeTo(stagingRoot, file);
        PartitionCommit owner =
            commits.stream()
                .filter(commit -> owns(commit, relative))
                .findFirst()
                .orElseThrow(
                    () ->
                        new IllegalStateException("staged file belongs to no partition: " + file));
        filesByCommit.get(owner).add(relative);
      }

      // Check every unit before touching any, so that a run that does not add up commits nothing.
      for (PartitionCommit commit : commits) {
        Map<String, Long> n = countsByCommit.get(commit);
        long read = n.getOrDefault(Counts.READ, 0L);
        long accounted =
            n.getOrDefault(Counts.WRITTEN, 0L)
                + n.getOrDefault(Counts.QUARANTINED, 0L)
                + n.getOrDefault(Counts.DUPLICATES_REMOVED, 0L);
        if (read != accounted) {
          throw new IllegalStateException(
              String.format(
                  "%s/%s %s does not reconcile: read %d, but written + quarantined + duplicates"
                      + " removed = %d (%s); nothing was committed",
                  commit.layer(), commit.dataset(), commit.partition(), read, accounted, n));
        }
      }

      for (PartitionCommit commit : commits) {
        List<String> files = filesByCommit.get(commit);
        files.sort(Comparator.naturalOrder());
        replace(commit, files);
        String report = writeReport(commit, files, countsByCommit.get(commit));
        LOG.info(
            "Committed {}/{} {}: {} file(s), report {}",
            commit.layer(),
            commit.dataset(),
            commit.partition(),
            files.size(),
            report);
        c.output(report);
      }
      cleanUpStaging(stagingRoot);
    }

    private void replace(PartitionCommit commit, List<String> newFiles) throws IOException {
      List<ResourceId> from = new ArrayList<>();
      List<ResourceId> to = new ArrayList<>();
      Set<String> kept = new HashSet<>();
      for (String relative : newFiles) {
        from.add(FileSystems.matchNewResource(lake.staging(runId) + "/" + relative, false));
        to.add(FileSystems.matchNewResource(lake.resolve(relative), false));
        kept.add(lake.resolve(relative));
      }
      if (lake.isLocal()) {
        for (ResourceId target : to) {
          Files.createDirectories(Paths.get(target.toString()).getParent());
        }
      }
      // A retried commit finds its files already moved: that is fine, not an error.
      FileSystems.rename(from, to, StandardMoveOptions.IGNORE_MISSING_FILES);

      List<ResourceId> old = new ArrayList<>();
      for (String directory : commit.directories()) {
        MatchResult match =
            FileSystems.match(lake.resolve(directory) + "/*", EmptyMatchTreatment.ALLOW);
        if (match.status() != MatchResult.Status.OK
            && match.status() != MatchResult.Status.NOT_FOUND) {
          throw new IOException("cannot list " + directory + ": " + match.status());
        }
        if (match.status() == MatchResult.Status.OK) {
          for (MatchResult.Metadata m : match.metadata()) {
            if (!kept.contains(m.resourceId().toString())) {
              old.add(m.resourceId());
            }
          }
        }
      }
      FileSystems.delete(old, StandardMoveOptions.IGNORE_MISSING_FILES);
    }

    private String writeReport(PartitionCommit commit, List<String> files, Map<String, Long> counts)
        throws IOException {
      Map<String, Object> report = new LinkedHashMap<>();
      report.put("layer", commit.layer());
      report.put("dataset", commit.dataset());
      report.put("partition", commit.partition());
      report.put("run_id", runId);
      report.put("committed_at", Instant.now().toString());
      report.put("read", counts.getOrDefault(Counts.READ, 0L));
      report.put("written", counts.getOrDefault(Counts.WRITTEN, 0L));
      report.put("quarantined", counts.getOrDefault(Counts.QUARANTINED, 0L));
      report.put("duplicates_removed", counts.getOrDefault(Counts.DUPLICATES_REMOVED, 0L));
      Map<String, Long> reasons = new TreeMap<>();
      Map<String, Long> others = new TreeMap<>();
      counts.forEach(
          (name, value) -> {
            if (name.startsWith(Counts.QUARANTINED + ".")) {
              reasons.put(name.substring(Counts.QUARANTINED.length() + 1), value);
            } else if (!report.containsKey(name)) {
              others.put(name, value);
            }
          });
      report.put("quarantined_by_reason", reasons);
      report.put("counts", others);
      report.put("reconciled", true);
      report.putAll(commit.attributes());
      report.put("files", files);

      String path = lake.report(commit.layer(), commit.dataset(), commit.partition());
      if (lake.isLocal()) {
        Files.createDirectories(Paths.get(path).getParent());
      }
      ResourceId target = FileSystems.matchNewResource(path, false);
      try (OutputStream out =
          Channels.newOutputStream(FileSystems.create(target, "application/json"))) {
        // Not writeValue(out, ...): Jackson would close the stream, and the second close of an
        // S3 channel completes its multipart upload again, which S3 rejects.
        out.write(JSON.writeValueAsBytes(report));
      }
      return path;
    }

    private static Map<String, Long> countsOf(PartitionCommit commit, Map<String, Long> all) {
      String prefix = commit.reportId() + "|";
      Map<String, Long> mine = new TreeMap<>();
      long quarantined = 0;
      for (Map.Entry<String, Long> e : all.entrySet()) {
        if (e.getKey().startsWith(prefix)) {
          String name = e.getKey().substring(prefix.length());
          mine.put(name, e.getValue());
          if (name.startsWith(Counts.QUARANTINED + ".")) {
            quarantined += e.getValue();
          }
        }
      }
      mine.put(Counts.QUARANTINED, quarantined);
      return mine;
    }

    private static boolean owns(PartitionCommit commit, String relativeFile) {
      int slash = relativeFile.lastIndexOf('/');
      String directory = slash < 0 ? "" : relativeFile.substring(0, slash);
      for (String pattern : commit.directories()) {
        if (globToRegex(pattern).matcher(directory).matches()) {
          return true;
        }
      }
      return false;
    }

    private static Pattern globToRegex(String glob) {
      StringBuilder regex = new StringBuilder();
      for (String part : glob.split("\\*", -1)) {
        if (regex.length() > 0) {
          regex.append("[^/]*");
        }
        regex.append(Pattern.quote(part));
      }
      return Pattern.compile(regex.toString());
    }

    private static String relativeTo(String root, String file) {
      if (!file.startsWith(root + "/")) {
        throw new IllegalStateException(file + " is not under " + root);
      }
      return file.substring(root.length() + 1);
    }

    /** Object stores have no folders; a local staging tree leaves empty ones behind. */
    private void cleanUpStaging(String stagingRoot) throws IOException {
      if (!lake.isLocal()) {
        return;
      }
      Path root = Paths.get(stagingRoot);
      if (!Files.exists(root)) {
        return;
      }
      try (Stream<Path> walk = Files.walk(root)) {
        for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
          if (Files.isDirectory(p)) {
            try (Stream<Path> children = Files.list(p)) {
              if (children.findAny().isEmpty()) {
                Files.delete(p);
              }
            }
          }
        }
      }
    }
  }
}
