package io.medallion.lake.bronze;

import io.medallion.lake.layout.LakeLayout;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.EmptyMatchTreatment;
import org.apache.beam.sdk.io.fs.MatchResult;

/**
 * What bronze holds for an arrival hour: the files silver reads, names and sizes, and the files it
 * skips, each with the reason. A silver promotion records both in its report; an hour whose bronze
 * files differ from the ones its last promotion read (a file that landed after the hour was
 * promoted, as Firehose delivers an hour's last file up to its buffer interval after the hour ends)
 * is pending.
 *
 * <p>The rule: silver reads the files directly in the hour's folder and in its {@code _unframed/}
 * folder (the records the bronze writer could not frame), except those whose name starts with
 * {@code _} ({@link #UNDERSCORE}: in flight, or a marker such as Hadoop's {@code _SUCCESS}) or
 * {@code .} ({@link #DOT}: hidden); a file in any other sub-folder is not read either ({@link
 * #SUB_FOLDER}). Skipped files are never read or counted, only listed.
 */
public final class BronzeInventory {
  /** Why a file is skipped: its name (or its folder's, under the hour) starts with {@code _}. */
  public static final String UNDERSCORE = "name_starts_with_underscore";

  /** Why a file is skipped: its name (or its folder's, under the hour) starts with {@code .}. */
  public static final String DOT = "name_starts_with_dot";

  /** Why a file is skipped: it is in a sub-folder of the hour other than {@code _unframed/}. */
  public static final String SUB_FOLDER = "in_a_sub_folder";

  private BronzeInventory() {}

  /**
   * An hour's bronze, paths relative to its folder ({@code _unframed/<name>} for the files the
   * bronze writer keeps there), in order.
   *
   * @param files the files silver reads: path to size in bytes
   * @param skipped the files silver skips: path to reason ({@link #UNDERSCORE}, {@link #DOT},
   *     {@link #SUB_FOLDER})
   */
  public record Hour(Map<String, Long> files, Map<String, String> skipped) {
    public Hour {
      files = Collections.unmodifiableMap(new TreeMap<>(files));
      skipped = Collections.unmodifiableMap(new TreeMap<>(skipped));
    }
  }

  /** Every file under {@code hour}'s folder, read or skipped. */
  public static Hour of(LakeLayout lake, Instant hour) throws IOException {
    String folder = lake.bronzeEventsHour(hour);
    MatchResult match = FileSystems.match(folder + "/**", EmptyMatchTreatment.ALLOW);
    Map<String, Long> files = new TreeMap<>();
    Map<String, String> skipped = new TreeMap<>();
    if (match.status() == MatchResult.Status.NOT_FOUND) {
      return new Hour(files, skipped);
    }
    if (match.status() != MatchResult.Status.OK) {
      throw new IOException("cannot list " + folder + ": " + match.status());
    }
    for (MatchResult.Metadata m : match.metadata()) {
      if (m.resourceId().isDirectory()) {
        continue;
      }
      String path = m.resourceId().toString();
      if (!path.startsWith(folder + "/")) {
        throw new IOException(path + " is not under " + folder);
      }
      String relative = path.substring(folder.length() + 1);
      String reason = skipReason(relative);
      if (reason == null) {
        files.put(relative, m.sizeBytes());
      } else {
        skipped.put(relative, reason);
      }
    }
    return new Hour(files, skipped);
  }

  /**
   * What bronze holds for each of {@code hours} ({@link #of}), in order of hour.
   *
   * @throws UncheckedIOException when an hour's folder cannot be listed
   */
  public static Map<Instant, Hour> ofHours(LakeLayout lake, List<Instant> hours) {
    Map<Instant, Hour> inventories = new TreeMap<>();
    for (Instant hour : hours) {
      try {
        inventories.put(hour, of(lake, hour));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return inventories;
  }

  /**
   * Why silver skips the file at {@code relative} (to its hour's folder), or null when it reads it.
   */
  static String skipReason(String relative) {
    String path = relative;
    String unframed = WriteBronzeFiles.UNFRAMED_FOLDER + "/";
    if (path.startsWith(unframed)) {
      path = path.substring(unframed.length());
    }
    int slash = path.indexOf('/');
    String first = slash < 0 ? path : path.substring(0, slash);
    if (first.startsWith("_")) {
      return UNDERSCORE;
    }
    if (first.startsWith(".")) {
      return DOT;
    }
    return slash < 0 ? null : SUB_FOLDER;
  }

  /**
   * Whether a file of this name, directly in an hour's folder or its {@code _unframed/}, is read.
   */
  public static boolean isBronzeFile(String name) {
    return name != null && !name.isEmpty() && skipReason(name) == null;
  }
}
