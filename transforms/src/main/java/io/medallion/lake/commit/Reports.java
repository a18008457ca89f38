package io.medallion.lake.commit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.medallion.lake.layout.LakeLayout;
import io.medallion.lake.table.Dataset;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.EmptyMatchTreatment;
import org.apache.beam.sdk.io.fs.MatchResult;
import org.apache.beam.sdk.io.fs.ResourceId;

/**
 * The report a commit writes for each unit, last, under {@code
 * _reports/<layer>/<dataset>/<unit>.json}: what the unit read, wrote and quarantined (by reason),
 * its other counters, the promotion's own attributes, its snapshot ids and its files. The one
 * writer and reader of reports.
 */
public final class Reports {
  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private Reports() {}

  /** {@code _reports/<layer>/<dataset>/<unit>.json} under {@code lake}. */
  public static String path(LakeLayout lake, Dataset dataset, String unit) {
    return lake.resolve(dataset.reports() + "/" + unit + ".json");
  }

  /** The report of {@code unit}, if one was written. */
  public static Optional<JsonNode> read(LakeLayout lake, Dataset dataset, String unit)
      throws IOException {
    return readDocument(path(lake, dataset, unit));
  }

  /** One line: {@code silver/events dt=...: read 10, written 9, quarantined 1 {invalid_json=1}}. */
  public static String oneLine(JsonNode report) {
    StringBuilder line =
        new StringBuilder()
            .append(report.path("layer").asText())
            .append('/')
            .append(report.path("dataset").asText())
            .append(' ')
            .append(report.path("partition").asText())
            .append(
                String.format(
                    Locale.ROOT,
                    ": read %,d, written %,d",
                    report.path("read").asLong(),
                    report.path("written").asLong()));
    if (report.path("duplicates_removed").asLong() > 0) {
      line.append(
          String.format(
              Locale.ROOT, ", duplicates removed %,d", report.path("duplicates_removed").asLong()));
    }
    if (report.path("quarantined").asLong() > 0) {
      line.append(
          String.format(
              Locale.ROOT,
              ", quarantined %,d %s",
              report.path("quarantined").asLong(),
              report.path("quarantined_by_reason")));
    }
    long late = report.path("counts").path("late").asLong();
    if (late > 0) {
      line.append(String.format(Locale.ROOT, ", late %,d", late));
    }
    return line.append(String.format(Locale.ROOT, " (%d file(s))", report.path("files").size()))
        .toString();
  }

  /**
   * Writes the report of {@code unit}: what it read, wrote and quarantined (by reason), the other
   * counts, the {@code attributes}, then its {@code files}. Returns the report's path.
   */
  public static String write(
      LakeLayout lake,
      String runId,
      Dataset.Unit unit,
      Map<String, Long> counts,
      Map<String, ?> attributes,
      List<String> files)
      throws IOException {
    Map<String, Object> report = new LinkedHashMap<>();
    report.put("layer", unit.dataset().layer());
    report.put("dataset", unit.dataset().name());
    report.put("partition", unit.name());
    report.put("run_id", runId);
    report.put("committed_at", Instant.now().toString());
    report.put("read", counts.getOrDefault(Counts.READ, 0L));
    report.put("written", counts.getOrDefault(Counts.WRITTEN, 0L));
    report.put("quarantined", counts.getOrDefault(Counts.QUARANTINED, 0L));
    report.put("duplicates_removed", counts.getOrDefault(Counts.DUPLICATES_REMOVED, 0L));
    Map<String, Long> reasons = new TreeMap<>();
    Map<String, Long> others = new TreeMap<>();
    counts.forEach(
        (counter, value) -> {
          if (counter.startsWith(Counts.QUARANTINED + ".")) {
            reasons.put(counter.substring(Counts.QUARANTINED.length() + 1), value);
          } else if (!report.containsKey(counter)) {
            others.put(counter, value);
          }
        });
    report.put("quarantined_by_reason", reasons);
    report.put("counts", others);
    report.put("reconciled", true);
    report.putAll(attributes);
    report.put("files", files);

    String path = path(lake, unit.dataset(), unit.name());
    writeDocument(lake, path, report);
    return path;
  }

  /**
   * Writes {@code document} as the lake's reports are written (indented JSON, the file replaced as
   * a whole) to {@code path}, a path under {@code lake}: how other reports, such as an erasure's
   * receipt, are written.
   */
  public static void writeDocument(LakeLayout lake, String path, Map<String, ?> document)
      throws IOException {
    if (lake.isLocal()) {
      Files.createDirectories(Paths.get(path).getParent());
    }
    ResourceId target = FileSystems.matchNewResource(path, false);
    try (OutputStream out =
        Channels.newOutputStream(FileSystems.create(target, "application/json"))) {
      // Not writeValue(out, ...): Jackson would close the stream, and closing an S3 channel twice
      // completes its multipart upload twice, which S3 rejects.
      out.write(JSON.writeValueAsBytes(document));
    }
  }

  /** The document at {@code path} ({@link #writeDocument}), if there is one. */
  public static Optional<JsonNode> readDocument(String path) throws IOException {
    MatchResult match = FileSystems.match(path, EmptyMatchTreatment.ALLOW);
    if (match.status() != MatchResult.Status.OK || match.metadata().isEmpty()) {
      return Optional.empty();
    }
    try (InputStream in =
        Channels.newInputStream(FileSystems.open(match.metadata().get(0).resourceId()))) {
      return Optional.of(JSON.readTree(in));
    }
  }
}
