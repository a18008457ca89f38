package io.medallion.lake.bronze;

import io.medallion.lake.layout.LakeLayout;
import java.io.IOException;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.EmptyMatchTreatment;
import org.apache.beam.sdk.io.fs.MatchResult;

/**
 * What bronze holds for an arrival hour: its files' names and sizes. A silver promotion records the
 * inventory it read in its report; an hour whose inventory differs from the one its last promotion
 * read (a file that landed after the hour was promoted, as Firehose delivers an hour's last file up
 * to its buffer interval after the hour ends) is pending.
 *
 * <p>Files whose name starts with {@code .} or {@code _} are in flight or hidden: not part of
 * bronze.
 */
public final class BronzeInventory {
  private BronzeInventory() {}

  /**
   * The bronze files of {@code hour}, name to size in bytes, names in order; the files the bronze
   * writer keeps in {@code _unframed/} are named {@code _unframed/<name>}.
   */
  public static Map<String, Long> of(LakeLayout lake, Instant hour) throws IOException {
    String folder = lake.bronzeEventsHour(hour);
    Map<String, Long> files = new TreeMap<>();
    list(folder, "", files);
    list(
        folder + "/" + WriteBronzeFiles.UNFRAMED_FOLDER,
        WriteBronzeFiles.UNFRAMED_FOLDER + "/",
        files);
    return files;
  }

  private static void list(String folder, String prefix, Map<String, Long> files)
      throws IOException {
    MatchResult match = FileSystems.match(folder + "/*", EmptyMatchTreatment.ALLOW);
    if (match.status() == MatchResult.Status.NOT_FOUND) {
      return;
    }
    if (match.status() != MatchResult.Status.OK) {
      throw new IOException("cannot list " + folder + ": " + match.status());
    }
    for (MatchResult.Metadata m : match.metadata()) {
      String name = m.resourceId().getFilename();
      if (m.resourceId().isDirectory() || !isBronzeFile(name)) {
        continue;
      }
      files.put(prefix + name, m.sizeBytes());
    }
  }

  /** Whether a file of this name is a bronze file: not in flight, not hidden. */
  public static boolean isBronzeFile(String name) {
    return name != null && !name.isEmpty() && !name.startsWith(".") && !name.startsWith("_");
  }
}
