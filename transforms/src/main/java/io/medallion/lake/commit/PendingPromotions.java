package io.medallion.lake.commit;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.medallion.lake.layout.LakeLayout;
import io.medallion.lake.table.Dataset;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.EmptyMatchTreatment;
import org.apache.beam.sdk.io.fs.MatchResult;
import org.apache.beam.sdk.io.fs.MoveOptions.StandardMoveOptions;
import org.apache.beam.sdk.io.fs.ResourceId;

/**
 * Marks in the lake that a unit of a table needs promoting again, where the scheduled job finds
 * them: {@code _pending/<layer>/<dataset>/<unit>/<run>.json}, one small file per run that made the
 * unit pending, saying why. Two kinds: a promotion marks the downstream units its rows change
 * ({@link #mark}: silver, the gold dates), and the commit engine marks each unit of its own run as
 * in flight before its first commit ({@link #markInFlight}, {@code in-flight-<run>.json}) and
 * clears that mark after the unit's report: a mark left behind is a run that died between them, and
 * the next {@code --pending} run promotes the unit again.
 *
 * <p>The protocol needs no lock and loses nothing: a writer (silver, for the creation dates it adds
 * rows to) marks <em>before</em> it commits; a promotion of the unit lists the unit's markers
 * <em>before</em> it reads its input, and clears exactly those after its commit. A marker written
 * while that promotion ran has another name, survives, and makes the unit pending again. Marking
 * too much costs one idempotent re-promotion; never marking would lose rows.
 */
public final class PendingPromotions {
  private static final ObjectMapper JSON = new ObjectMapper();

  private PendingPromotions() {}

  /**
   * Marks {@code unit} (a partition such as {@code date=2026-01-02}) of {@code dataset} as pending,
   * on behalf of run {@code runId}, with {@code why} in the marker.
   */
  public static String mark(
      LakeLayout lake, Dataset dataset, String unit, String runId, Map<String, ?> why)
      throws IOException {
    return write(lake, markerPath(lake, dataset, unit, runId), unit, runId, why);
  }

  /**
   * Marks {@code unit} of {@code dataset} as in flight in run {@code runId}: written before the
   * run's first commit, cleared after the unit's report ({@link #clear}).
   */
  public static String markInFlight(LakeLayout lake, Dataset dataset, String unit, String runId)
      throws IOException {
    return write(
        lake,
        markerPath(lake, dataset, unit, IN_FLIGHT + runId),
        unit,
        runId,
        Map.of("in_flight", true));
  }

  /** Whether {@code marker} (a path {@link #list} gave) is an in-flight mark. */
  public static boolean isInFlight(String marker) {
    return marker.substring(marker.lastIndexOf('/') + 1).startsWith(IN_FLIGHT);
  }

  private static final String IN_FLIGHT = "in-flight-";

  /** A mark's list of the upstream units whose new rows it is for. */
  public static final String ROWS_FROM = "rows_from";

  /**
   * A mark's list of the upstream units whose commit replaced rows of the marked unit's input (an
   * hour emptied on purpose, re-promoted without a file): the marked unit may lose rows, or all.
   */
  public static final String ROWS_REMOVED_BY = "rows_removed_by";

  /**
   * Whether any of {@code markers} says an upstream commit removed rows of the unit's input: its
   * promotion may then replace it with nothing ({@link CommitUnit#emptiable}).
   */
  public static boolean rowsRemoved(List<String> markers) throws IOException {
    for (String marker : markers) {
      MatchResult match = FileSystems.match(marker, EmptyMatchTreatment.ALLOW);
      if (match.status() != MatchResult.Status.OK || match.metadata().isEmpty()) {
        continue; // cleared meanwhile
      }
      try (InputStream in =
          Channels.newInputStream(FileSystems.open(match.metadata().get(0).resourceId()))) {
        if (JSON.readTree(in).path(ROWS_REMOVED_BY).size() > 0) {
          return true;
        }
      }
    }
    return false;
  }

  private static String write(
      LakeLayout lake, String path, String unit, String runId, Map<String, ?> why)
      throws IOException {
    checkUnit(unit);
    if (lake.isLocal()) {
      Files.createDirectories(Paths.get(path).getParent());
    }
    Map<String, Object> marker = new LinkedHashMap<>();
    marker.put("unit", unit);
    marker.put("marked_by_run", runId);
    marker.put("marked_at", Instant.now().toString());
    marker.putAll(why);
    ResourceId target = FileSystems.matchNewResource(path, false);
    try (OutputStream out =
        Channels.newOutputStream(FileSystems.create(target, "application/json"))) {
      out.write(JSON.writeValueAsBytes(marker));
    }
    return path;
  }

  /**
   * Every pending unit of {@code dataset} with its marker files, units in order. The marker paths
   * are what a promotion of the unit later passes to {@link #clear}.
   */
  public static Map<String, List<String>> list(LakeLayout lake, Dataset dataset)
      throws IOException {
    String root = lake.resolve(dataset.pending());
    MatchResult match = FileSystems.match(root + "/**.json", EmptyMatchTreatment.ALLOW);
    Map<String, List<String>> units = new TreeMap<>();
    if (match.status() == MatchResult.Status.NOT_FOUND) {
      return units;
    }
    if (match.status() != MatchResult.Status.OK) {
      throw new IOException("cannot list " + root + ": " + match.status());
    }
    for (MatchResult.Metadata m : match.metadata()) {
      String path = m.resourceId().toString();
      String relative = path.substring(root.length() + 1);
      int slash = relative.lastIndexOf('/');
      if (slash < 0) {
        continue; // not in a unit's folder
      }
      String unit = relative.substring(0, slash);
      units.computeIfAbsent(unit, u -> new ArrayList<>()).add(path);
    }
    units.values().forEach(paths -> paths.sort(null));
    return units;
  }

  /** The markers of one unit, as {@link #list} finds them; none when it is not pending. */
  public static List<String> markersOf(LakeLayout lake, Dataset dataset, String unit)
      throws IOException {
    return list(lake, dataset).getOrDefault(unit, List.of());
  }

  /** {@code _pending/<layer>/<dataset>/<unit>/<run>.json}: one run's mark on a unit. */
  public static String markerPath(LakeLayout lake, Dataset dataset, String unit, String runId) {
    checkUnit(unit);
    return lake.resolve(dataset.pending() + "/" + unit + "/" + runId + ".json");
  }

  /**
   * A unit name is one or more folders of {@code column=value}, or a source id; never a path out.
   */
  private static void checkUnit(String unit) {
    if (unit.isBlank()
        || unit.startsWith("/")
        || unit.endsWith("/")
        || ("/" + unit + "/").contains("/../")
        || ("/" + unit + "/").contains("/./")
        || unit.contains("//")) {
      throw new IllegalArgumentException("not a unit: " + unit);
    }
  }

  /** Deletes exactly {@code markers}; markers already gone are fine (a retried commit). */
  public static void clear(List<String> markers) throws IOException {
    List<ResourceId> files = new ArrayList<>();
    for (String marker : markers) {
      files.add(FileSystems.matchNewResource(marker, false));
    }
    FileSystems.delete(files, StandardMoveOptions.IGNORE_MISSING_FILES);
  }
}
