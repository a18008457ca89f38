package io.medallion.lake.io;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.medallion.lake.layout.LakeLayout;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;
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
        LakeCommits.checkReconciles(
            commit.layer() + "/" + commit.dataset() + " " + commit.partition(),
            countsByCommit.get(commit));
      }

      for (PartitionCommit commit : commits) {
        List<String> files = filesByCommit.get(commit);
        files.sort(Comparator.naturalOrder());
        replace(commit, files);
        String report =
            LakeCommits.writeReport(
                lake,
                runId,
                commit.layer(),
                commit.dataset(),
                commit.partition(),
                countsByCommit.get(commit),
                commit.attributes(),
                files);
        LOG.info(
            "Committed {}/{} {}: {} file(s), report {}",
            commit.layer(),
            commit.dataset(),
            commit.partition(),
            files.size(),
            report);
        c.output(report);
      }
      LakeCommits.cleanUpStaging(lake, stagingRoot);
    }

    /** Moves the unit's new files in, then deletes every other file its folders held. */
    private void replace(PartitionCommit commit, List<String> newFiles) throws IOException {
      Set<String> kept =
          new HashSet<>(LakeCommits.moveIntoLake(lake, lake.staging(runId), newFiles));
      List<ResourceId> old = new ArrayList<>();
      for (String directory : commit.directories()) {
        for (ResourceId file : LakeCommits.filesIn(lake, directory)) {
          if (!kept.contains(file.toString())) {
            old.add(file);
          }
        }
      }
      LakeCommits.delete(old);
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
  }
}
