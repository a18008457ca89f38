package io.medallion.lake.commit;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.medallion.lake.layout.LakeLayout;
import io.medallion.lake.table.Dataset;
import java.io.IOException;
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
 * unit pending, saying why.
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
    if (unit.contains("/") || unit.isBlank()) {
      throw new IllegalArgumentException("not a single-folder unit: " + unit);
    }
    String path = markerPath(lake, dataset, unit, runId);
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
    MatchResult match = FileSystems.match(root + "/*/*.json", EmptyMatchTreatment.ALLOW);
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
      String unit = relative.substring(0, relative.indexOf('/'));
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
    return lake.resolve(dataset.pending() + "/" + unit + "/" + runId + ".json");
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
