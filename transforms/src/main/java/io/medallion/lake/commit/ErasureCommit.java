package io.medallion.lake.commit;

import io.medallion.lake.progress.Messages;
import io.medallion.lake.table.TableHistory;
import io.medallion.lake.table.TableMaintenance;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.DeleteFile;
import org.apache.iceberg.RewriteFiles;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.exceptions.CommitFailedException;
import org.apache.iceberg.exceptions.ValidationException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The commit of an erasure to one table, beside the promotions' engine ({@link LakeCommitter}) and
 * protected the same way: the data files that held a data subject's rows are replaced by files
 * without them, and the delete files that only applied to those files are dropped, in one atomic
 * Iceberg {@code newRewrite()} validated from the snapshot the erasure planned. The rewrite fails
 * when a replaced file is gone (a promotion replaced its unit meanwhile) or gained delete files;
 * the other way round, a promotion of a unit that committed after this erasure finds the erasure's
 * files in its unit and fails ({@link LakeCommitter#overwrite} validates from its own start).
 * Either way one of the two fails with nothing committed, and no erased row comes back.
 *
 * <p>The snapshot summary carries the run id and {@code lake.operation=erasure}; a retried commit
 * of the same run finds it and does not commit again.
 */
public final class ErasureCommit {
  private static final Logger LOG = LoggerFactory.getLogger(ErasureCommit.class);

  /** The value of {@link TableMaintenance#OPERATION} on an erasure's commit. */
  public static final String ERASURE = "erasure";

  private ErasureCommit() {}

  /**
   * Replaces {@code removed} by {@code added} and drops {@code deletesRemoved} in {@code table}.
   *
   * @param plannedSnapshotId the snapshot the erasure read the files of
   * @param counts put in the snapshot summary as {@code lake.erasure.<key>}
   * @return the erasure's snapshot
   * @throws IllegalStateException one line, when another commit changed the files since the plan;
   *     nothing of the erasure is committed then (the {@code added} files are left for the caller
   *     to delete)
   */
  public static long commit(
      Table table,
      long plannedSnapshotId,
      List<DataFile> removed,
      List<DataFile> added,
      List<DeleteFile> deletesRemoved,
      String runId,
      Map<String, Long> counts) {
    table.refresh();
    Optional<Long> done = committedBy(table, runId, plannedSnapshotId);
    if (done.isPresent()) {
      return done.get();
    }
    Snapshot planned = table.snapshot(plannedSnapshotId);
    if (planned == null) {
      throw conflict(table, "its planned snapshot " + plannedSnapshotId + " is gone");
    }
    RewriteFiles rewrite =
        table
            .newRewrite()
            .validateFromSnapshot(plannedSnapshotId)
            .dataSequenceNumber(planned.sequenceNumber());
    removed.forEach(rewrite::deleteFile);
    added.forEach(rewrite::addFile);
    deletesRemoved.forEach(rewrite::deleteFile);
    rewrite.set(TableHistory.RUN_ID, runId).set(TableMaintenance.OPERATION, ERASURE);
    counts.forEach((key, value) -> rewrite.set("lake.erasure." + key, String.valueOf(value)));
    try {
      rewrite.commit();
    } catch (ValidationException | CommitFailedException e) {
      LOG.warn("Erasure commit to {} rejected: {}", table.name(), e.getMessage());
      throw conflict(table, Messages.firstLine(e.getMessage()));
    }
    table.refresh();
    return committedBy(table, runId, plannedSnapshotId)
        .orElseThrow(() -> new IllegalStateException(table.name() + " lost the erasure's commit"));
  }

  private static IllegalStateException conflict(Table table, String why) {
    String name = table.name().substring(table.name().lastIndexOf('.') + 1);
    return new IllegalStateException(
        "another commit changed "
            + name
            + " while the erasure read it ("
            + why
            + "); nothing of the erasure was committed to it; run lake forget again");
  }

  /** The erasure snapshot {@code runId} committed after {@code sinceSnapshotId}, if any. */
  static Optional<Long> committedBy(Table table, String runId, long sinceSnapshotId) {
    return LakeCommitter.committedSince(
        table,
        sinceSnapshotId,
        summary ->
            runId.equals(summary.get(TableHistory.RUN_ID))
                && ERASURE.equals(summary.get(TableMaintenance.OPERATION)));
  }
}
