package io.medallion.lake.commit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.medallion.lake.layout.LakeLayout;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.util.Optional;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.EmptyMatchTreatment;
import org.apache.beam.sdk.io.fs.MatchResult;

/** Reads the reports promotions write under {@code _reports/}. */
public final class Reports {
  private static final ObjectMapper JSON = new ObjectMapper();

  private Reports() {}

  public static Optional<JsonNode> read(
      LakeLayout lake, String layer, String dataset, String partition) throws IOException {
    String path = lake.report(layer, dataset, partition);
    MatchResult match = FileSystems.match(path, EmptyMatchTreatment.ALLOW);
    if (match.status() != MatchResult.Status.OK || match.metadata().isEmpty()) {
      return Optional.empty();
    }
    try (InputStream in =
        Channels.newInputStream(FileSystems.open(match.metadata().get(0).resourceId()))) {
      return Optional.of(JSON.readTree(in));
    }
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
                    ": read %,d, written %,d",
                    report.path("read").asLong(), report.path("written").asLong()));
    if (report.path("duplicates_removed").asLong() > 0) {
      line.append(
          String.format(", duplicates removed %,d", report.path("duplicates_removed").asLong()));
    }
    if (report.path("quarantined").asLong() > 0) {
      line.append(
          String.format(
              ", quarantined %,d %s",
              report.path("quarantined").asLong(), report.path("quarantined_by_reason")));
    }
    long late = report.path("counts").path("late").asLong();
    if (late > 0) {
      line.append(String.format(", late %,d", late));
    }
    return line.append(String.format(" (%d file(s))", report.path("files").size())).toString();
  }
}
