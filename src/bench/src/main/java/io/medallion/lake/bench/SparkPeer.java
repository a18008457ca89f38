package io.medallion.lake.bench;

import io.medallion.lake.events.DeduplicateEvents;
import io.medallion.lake.layout.LakeLayout;
import io.medallion.lake.table.LakeTable;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;

/**
 * The bench's side of the Apache Spark peer ({@code src/bench/spark}, {@code SparkEvents}): builds
 * it on first use through its script, and gives the command lines of its silver and gold runs. The
 * peer runs on a class path of its own, never the lake's or the bench's.
 *
 * @param argFile the peer's java @argfile (the JDK flags Spark needs, and its class path), or null
 * @param problem why there is no @argfile, or null
 */
record SparkPeer(Path argFile, String problem) {
  static final String MAIN = "io.medallion.lake.spark.SparkEvents";

  /**
   * Builds the Spark peer on first use (a few minutes and ~300 MB from Maven Central) through its
   * {@code script} and returns its @argfile. The smoke run resolves offline only, so a CI machine
   * without Spark in its Maven cache skips Spark in a second, and says so, instead of downloading
   * it.
   */
  static SparkPeer resolve(Path script, boolean offline, PrintStream out)
      throws IOException, InterruptedException {
    if (!Files.isExecutable(script)) {
      return new SparkPeer(
          null, script.toAbsolutePath() + " not found (run from the project root, or --sparkPeer)");
    }
    List<String> command = new ArrayList<>(List.of(script.toString(), "resolve"));
    if (offline) {
      command.add("--offline");
    }
    out.println("Spark peer: " + String.join(" ", command) + " (builds it on first use)");
    Process process = new ProcessBuilder(command).redirectErrorStream(false).start();
    process.getOutputStream().close();
    byte[] stdout = process.getInputStream().readAllBytes();
    // Maven colours its messages even with -Dstyle.color=never; the report wants plain text.
    String stderr =
        new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8)
            .replaceAll("\u001B\\[[0-9;]*m", "");
    int exit = process.waitFor();
    String argFile = new String(stdout, StandardCharsets.UTF_8).strip();
    if (exit != 0 || argFile.isEmpty() || !Files.isRegularFile(Paths.get(argFile))) {
      String why = stderr.lines().filter(l -> l.contains("ERROR")).findFirst().orElse(stderr);
      return new SparkPeer(
          null,
          "could not build it"
              + (offline ? " offline" : "")
              + " (exit "
              + exit
              + "): "
              + why.strip().replaceAll("\\s+", " "));
    }
    return new SparkPeer(Paths.get(argFile), null);
  }

  /** The class path options of the peer's runs. */
  List<String> classPath() {
    return List.of("@" + argFile);
  }

  /** Main class and arguments of silver for the arrival hours {@code from} to {@code to}. */
  static List<String> silver(Path lake, String from, String to, int threads) {
    return List.of(
        MAIN,
        "silver",
        lake.resolve(LakeLayout.BRONZE_EVENTS).toString(),
        lake.resolve(LakeTable.SILVER_EVENTS.relativeLocation()).toString(),
        from,
        to,
        Integer.toString(threads));
  }

  /**
   * Main class and arguments of gold for the creation dates {@code from} to {@code to}, with the
   * lake's default de-duplication horizon ({@code --dedupHorizon}), as the lake's gold runs here.
   */
  static List<String> gold(Path lake, LocalDate from, LocalDate to, int threads) {
    return List.of(
        MAIN,
        "gold",
        lake.resolve(LakeTable.SILVER_EVENTS.relativeLocation()).toString(),
        lake.resolve(LakeTable.GOLD_EVENTS.relativeLocation()).toString(),
        lake.resolve(LakeTable.GOLD_EVENT_STATS.relativeLocation()).toString(),
        from.toString(),
        to.toString(),
        DeduplicateEvents.DEFAULT_HORIZON.toString(),
        Integer.toString(threads));
  }
}
