package io.medallion.lake.erasure;

import io.medallion.lake.table.ErasedHistory;
import io.medallion.lake.table.TableMaintenance;
import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.avro.file.DataFileStream;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.DeleteFile;
import org.apache.iceberg.ExpireSnapshots;
import org.apache.iceberg.ManifestContent;
import org.apache.iceberg.ManifestFile;
import org.apache.iceberg.ManifestFiles;
import org.apache.iceberg.ManifestReader;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.io.FileIO;
import org.apache.iceberg.io.FileInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Forgets data subjects from a table's history, once its current snapshot holds none of their rows
 * ({@link EraseTableRows} ran): which files to look at ({@link #candidates}), then, with the files
 * found to hold a subject, {@link #forget}: expires every snapshot that references one of them
 * (Iceberg's {@code expireSnapshots()} by id, which deletes the files only those snapshots
 * referenced), after rewriting the current snapshot's manifests when they keep an entry of one
 * (Iceberg keeps a removed file's entry, with its column bounds, in the manifest of the commit that
 * removed it, and in later snapshots that reuse that manifest); deletes the unreferenced files
 * under the table's folder that hold a subject (a killed run's leftovers, files of expired
 * snapshots whose deletion failed) and the unreferenced manifests that name them; and records the
 * expired snapshots in the table ({@link ErasedHistory}) for time travel to say why they are gone.
 */
public final class HistoryErasure {
  private static final Logger LOG = LoggerFactory.getLogger(HistoryErasure.class);

  private HistoryErasure() {}

  /**
   * What forgetting did (or would do, in a dry run).
   *
   * @param snapshotsExpired snapshots expired (the current one counts when its manifests are
   *     rewritten: it is replaced and expired)
   * @param filesDeleted data and delete files deleted: those only expired snapshots referenced, and
   *     unreferenced ones holding a subject
   */
  public record Result(int snapshotsExpired, int filesDeleted) implements Serializable {
    private static final long serialVersionUID = 1L;
  }

  /**
   * The files that may hold a subject outside the current snapshot: the data and delete files of
   * every other snapshot that the current one does not hold, and every file under the table's
   * {@code data/} folder that no snapshot references; in a dry run, run before the current snapshot
   * is erased, the current snapshot's files too. Sorted.
   */
  public static List<String> candidates(Table table, boolean dryRun) {
    table.refresh();
    Snapshot current = table.currentSnapshot();
    // A dry run comes before the erasure of the current snapshot: its files are looked at too.
    Set<String> live = current == null || dryRun ? Set.of() : liveFiles(table, List.of(current));
    List<Snapshot> others = new ArrayList<>();
    for (Snapshot s : table.snapshots()) {
      if (current == null || dryRun || s.snapshotId() != current.snapshotId()) {
        others.add(s);
      }
    }
    Set<String> files = new HashSet<>(liveFiles(table, others));
    files.removeAll(live);
    Set<String> referenced = new HashSet<>();
    TableMaintenance.referencedFiles(table)
        .forEach(f -> referenced.add(TableMaintenance.normalise(f)));
    for (FileInfo file : TableMaintenance.list(table.io(), dataLocation(table) + "/")) {
      String location = TableMaintenance.normalise(file.location());
      if (!referenced.contains(location) && location.endsWith(".parquet")) {
        files.add(location);
      }
    }
    List<String> sorted = new ArrayList<>(files);
    sorted.sort(null);
    return sorted;
  }

  /**
   * Forgets the subjects from the history of {@code table}.
   *
   * @param holding the files {@link #candidates} gave that hold a subject's value ({@link
   *     ParquetValues#holdsSubjects}), as locations
   * @param unreferencedBefore unreferenced files holding a subject written after this are not
   *     deleted (a promotion running now may be about to commit them): the run fails, saying so
   * @throws IllegalStateException when such a young file was found (everything else done)
   */
  public static Result forget(
      Table table,
      Collection<String> holding,
      Subjects subjects,
      boolean dryRun,
      Instant unreferencedBefore) {
    table.refresh();
    Snapshot current = table.currentSnapshot();
    if (current == null) {
      return new Result(0, 0);
    }
    Set<String> held = new HashSet<>();
    holding.forEach(f -> held.add(TableMaintenance.normalise(f)));
    FileIO io = table.io();
    Map<String, Boolean> manifests = new HashMap<>();
    List<Snapshot> expire = new ArrayList<>();
    List<Snapshot> kept = new ArrayList<>();
    for (Snapshot s : table.snapshots()) {
      if (s.snapshotId() != current.snapshotId() && holds(table, s, held, subjects, manifests)) {
        expire.add(s);
      } else {
        kept.add(s);
      }
    }
    Set<String> currentFiles = liveFiles(table, List.of(current));
    Set<String> currentHeld = new HashSet<>(currentFiles);
    currentHeld.retainAll(held);
    // The erasure's commit, still to come in a dry run: it replaces the held files, and its
    // manifests keep their entries, so it is expired after its manifests are rewritten.
    int erasureCommit = 0;
    if (!currentHeld.isEmpty()) {
      if (!dryRun) {
        throw new IllegalStateException(
            table.name().substring(table.name().lastIndexOf('.') + 1)
                + ": its current snapshot still holds an erased subject in "
                + currentHeld.size()
                + " file(s); erase its rows first (EraseTableRows), then forget its history");
      }
      erasureCommit = 1;
    }
    if (holds(table, current, held, subjects, manifests)) {
      kept.remove(current);
      expire.add(current);
      if (!dryRun) {
        // Without a clustering Iceberg keeps every manifest as it is: one cluster per spec.
        table.rewriteManifests().clusterBy(DataFile::specId).rewriteIf(m -> true).commit();
        table.refresh();
        if (holds(table, table.currentSnapshot(), held, subjects, new HashMap<>())) {
          LOG.warn(
              "{}: a delete manifest of the current snapshot still names a file that held an"
                  + " erased subject (Iceberg rewrites data manifests only)",
              table.name());
        }
        kept.add(table.currentSnapshot());
      }
    }
    Set<String> deleted = liveFiles(table, expire);
    deleted.removeAll(liveFiles(table, kept));
    if (erasureCommit > 0) {
      currentFiles.removeAll(currentHeld);
      deleted.removeAll(currentFiles); // kept by the erasure's commit
    }
    int filesDeleted = deleted.size();
    if (!dryRun && !expire.isEmpty()) {
      // By id only: no snapshot goes for its age (maintenance's retention is its own).
      ExpireSnapshots expiry = table.expireSnapshots().expireOlderThan(0);
      expire.forEach(s -> expiry.expireSnapshotId(s.snapshotId()));
      expiry.deleteWith(io::deleteFile).commit();
      ErasedHistory.record(table, expire);
      table.refresh();
    }
    List<String> young = new ArrayList<>();
    Set<String> referenced = new HashSet<>();
    TableMaintenance.referencedFiles(table)
        .forEach(f -> referenced.add(TableMaintenance.normalise(f)));
    for (FileInfo file : TableMaintenance.list(io, dataLocation(table) + "/")) {
      String location = TableMaintenance.normalise(file.location());
      if (referenced.contains(location) || !held.contains(location) || deleted.contains(location)) {
        continue;
      }
      if (file.createdAtMillis() >= unreferencedBefore.toEpochMilli()) {
        young.add(location);
        continue;
      }
      if (!dryRun) {
        io.deleteFile(file.location());
      }
      filesDeleted++;
    }
    if (!dryRun) {
      deleteUnreferencedManifests(table, referenced, held, subjects);
    }
    if (!young.isEmpty()) {
      throw new IllegalStateException(
          table.name().substring(table.name().lastIndexOf('.') + 1)
              + ": "
              + young.size()
              + " unreferenced file(s) written after "
              + unreferencedBefore
              + " hold an erased subject (a promotion may be running), e.g. "
              + young.get(0)
              + "; they were not deleted: run lake forget again once it is done");
    }
    return new Result(expire.size() + erasureCommit, filesDeleted);
  }

  /** Manifests under {@code metadata/} no snapshot references that name a held file. */
  private static void deleteUnreferencedManifests(
      Table table, Set<String> referenced, Set<String> held, Subjects subjects) {
    for (FileInfo file :
        TableMaintenance.list(table.io(), strip(table.location()) + "/metadata/")) {
      String location = TableMaintenance.normalise(file.location());
      if (!location.endsWith(".avro") || referenced.contains(location)) {
        continue;
      }
      if (manifestHolds(table.io(), file.location(), held, subjects)) {
        table.io().deleteFile(file.location());
      }
    }
  }

  private static boolean holds(
      Table table,
      Snapshot snapshot,
      Set<String> held,
      Subjects subjects,
      Map<String, Boolean> manifests) {
    for (ManifestFile manifest : snapshot.allManifests(table.io())) {
      boolean holds =
          manifests.computeIfAbsent(
              manifest.path(), p -> manifestHolds(table.io(), p, held, subjects));
      if (holds) {
        return true;
      }
    }
    return false;
  }

  /**
   * Whether a manifest (Avro) has an entry, of any status, for a held file, or a removed file's
   * entry whose column bounds hold a subject's value. Manifest lists are not manifests: they name
   * manifests, never a value.
   */
  static boolean manifestHolds(FileIO io, String manifest, Set<String> held, Subjects subjects) {
    try (InputStream in = io.newInputFile(manifest).newStream();
        DataFileStream<GenericRecord> entries =
            new DataFileStream<>(in, new GenericDatumReader<>())) {
      if (entries.getSchema().getField("data_file") == null) {
        return false; // a manifest list
      }
      for (GenericRecord entry : entries) {
        GenericRecord file = (GenericRecord) entry.get("data_file");
        String path = TableMaintenance.normalise(String.valueOf(file.get("file_path")));
        if (held.contains(path)) {
          return true;
        }
        boolean removed = ((Number) entry.get("status")).intValue() == 2;
        if (removed
            && (boundsHold(file.get("lower_bounds"), subjects)
                || boundsHold(file.get("upper_bounds"), subjects))) {
          return true;
        }
      }
      return false;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the manifest " + manifest, e);
    }
  }

  private static boolean boundsHold(Object bounds, Subjects subjects) {
    if (!(bounds instanceof Collection<?> pairs)) {
      return false;
    }
    for (Object pair : pairs) {
      if (pair instanceof GenericRecord kv && kv.get("value") instanceof ByteBuffer bytes) {
        String text = StandardCharsets.UTF_8.decode(bytes.duplicate()).toString();
        for (String value : subjects.values()) {
          if (text.contains(value)) {
            return true;
          }
        }
      }
    }
    return false;
  }

  /** The data and delete files live in any of {@code snapshots}, as locations. */
  static Set<String> liveFiles(Table table, List<Snapshot> snapshots) {
    FileIO io = table.io();
    Set<String> files = new HashSet<>();
    Set<String> read = new HashSet<>();
    for (Snapshot snapshot : snapshots) {
      for (ManifestFile manifest : snapshot.allManifests(io)) {
        if (!read.add(manifest.path())) {
          continue;
        }
        try {
          if (manifest.content() == ManifestContent.DATA) {
            try (CloseableIterable<String> paths =
                ManifestFiles.readPaths(manifest, io, table.specs())) {
              paths.forEach(p -> files.add(TableMaintenance.normalise(p)));
            }
          } else {
            try (ManifestReader<DeleteFile> deletes =
                ManifestFiles.readDeleteManifest(manifest, io, table.specs())) {
              deletes.forEach(d -> files.add(TableMaintenance.normalise(d.location())));
            }
          }
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }
    }
    return files;
  }

  private static String dataLocation(Table table) {
    String data = table.properties().get(org.apache.iceberg.TableProperties.WRITE_DATA_LOCATION);
    return data != null ? strip(data) : strip(table.location()) + "/data";
  }

  private static String strip(String path) {
    return path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
  }
}
