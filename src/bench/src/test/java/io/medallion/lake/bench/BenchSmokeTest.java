package io.medallion.lake.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.medallion.lake.runners.Lake;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code make bench-smoke} ({@code --smoke}): the benchmark runs end to end on 2,000 events and
 * writes sane results. It asserts what the bench wrote, never how fast it was. Spark runs when its
 * peer resolves offline from the Maven cache; otherwise the report must say it was skipped and why.
 */
class BenchSmokeTest {

  @Test
  void smokeRunWritesEveryRunWithSaneNumbers(@TempDir Path temp) throws Exception {
    Path results = temp.resolve("results");
    ByteArrayOutputStream out = new ByteArrayOutputStream();

    int status =
        Lake.run(
            Bench.COMMAND,
            new String[] {
              "--smoke",
              "--heap=1g",
              "--out=" + results,
              "--work=" + temp.resolve("work"),
              // Surefire runs in src/bench/; the script sits at the project root.
              "--sparkPeer=../../src/scripts/spark-peer.sh"
            },
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(out, true, StandardCharsets.UTF_8));

    assertThat(status).as(out.toString(StandardCharsets.UTF_8)).isZero();
    List<Path> json;
    try (Stream<Path> files = Files.list(results)) {
      json = files.filter(p -> p.toString().endsWith(".json")).collect(Collectors.toList());
    }
    assertThat(json).hasSize(1);
    assertThat(results.resolve("latest.md")).exists();
    assertThat(Files.readString(results.resolve("latest.md")))
        .contains("| silver | reference | ok |", "| gold | flink | ok |");

    JsonNode report = new ObjectMapper().readTree(json.get(0).toFile());
    JsonNode input = report.path("input");
    long validRecords = input.path("records").asLong() - input.path("malformed_records").asLong();
    assertThat(report.path("machine").path("cores").asInt()).isPositive();

    List<String> seen = new ArrayList<>();
    Map<String, JsonNode> byName = new HashMap<>();
    for (JsonNode run : report.path("runs")) {
      String name = run.path("stage").asText() + "/" + run.path("implementation").asText();
      seen.add(name);
      byName.put(name, run);
      if (run.path("implementation").asText().equals("spark")
          && run.path("status").asText().startsWith("skipped: ")) {
        assertThat(run.path("status").asText()).as(name).hasSizeGreaterThan(20);
        assertThat(Files.readString(results.resolve("latest.md"))).contains("| spark | skipped: ");
        continue;
      }
      // A failed run's log ends under its line in the bench's output.
      assertThat(run.path("status").asText())
          .as(() -> name + "\n" + out.toString(StandardCharsets.UTF_8))
          .isEqualTo("ok");
      for (String field : List.of("wallSeconds", "eventsPerSecond")) {
        double value = run.path(field).asDouble();
        assertThat(Double.isFinite(value) && value > 0).as(name + " " + field).isTrue();
      }
      assertThat(run.path("peakRssBytes").asLong()).as(name).isGreaterThan(50L << 20);
      assertThat(run.path("layout").path("files").asInt()).as(name).isPositive();
      assertThat(run.path("layout").path("bytes").asLong()).as(name).isPositive();
      if (run.path("stage").asText().equals("silver")) {
        // Every valid bronze record is a silver row, in the reference as in the pipelines.
        assertThat(run.path("rowsWritten").asLong()).as(name).isEqualTo(validRecords);
      } else {
        assertThat(run.path("rowsWritten").asLong()).as(name).isEqualTo(2_000L);
      }
    }
    assertThat(seen)
        .containsExactly(
            "silver/direct",
            "gold-untyped/direct",
            "gold/direct",
            "silver/flink",
            "gold-untyped/flink",
            "gold/flink",
            "silver/reference",
            "gold/reference",
            "silver/spark",
            "gold/spark");
    assertThat(report.path("checks").toString()).doesNotContain("MISMATCH");
    for (String impl : List.of("direct", "flink")) {
      // Gold's layout is every table it writes: with the typed tables, their files too.
      JsonNode typed = byName.get("gold/" + impl).path("layout");
      JsonNode untyped = byName.get("gold-untyped/" + impl).path("layout");
      assertThat(typed.path("files").asInt()).as(impl).isGreaterThan(untyped.path("files").asInt());
      assertThat(typed.path("partitions").asInt())
          .as(impl)
          .isGreaterThan(untyped.path("partitions").asInt());
    }
    // Gold without the typed tables, then with them from the same lake: the same rows, the cost.
    for (String impl : List.of("direct", "flink")) {
      assertThat(report.path("checks").toString())
          .containsPattern(
              "typed tables' cost, "
                  + impl
                  + ": gold [0-9.]+ s with them, [0-9.]+ s without \\(--typedTables=false\\):"
                  + " [0-9.]+× \\(target at most 1.30×: (met|NOT met)\\); gold_events rows equal"
                  + " \\(2,000\\)");
    }
  }
}
