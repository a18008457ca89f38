package io.medallion.lake.pipelines.options;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The Flink configuration of an embedded run (Beam's FlinkRunner with {@code
 * --flinkMaster=[local]}, the launcher's default for a job outside a cluster): enough network
 * memory for the many small exchanges of a Beam batch graph, no compression of blocking exchanges
 * that never leave the machine, and every endpoint of the embedded cluster (REST, RPC, blob server)
 * on 127.0.0.1 only. Beam reads it from the folder {@code --flinkConfDir} names.
 */
public final class EmbeddedFlink {
  /** The only address the embedded cluster listens on. */
  public static final String LOOPBACK = "127.0.0.1";

  /** Flink's network memory, min and max. */
  public static final String NETWORK_MEMORY = "256m";

  private static final List<String> CONFIGURATION =
      List.of(
          "# Written by the lake for embedded Flink; pass --flinkConfDir to use yours.",
          "taskmanager.memory.network.min: " + NETWORK_MEMORY,
          "taskmanager.memory.network.max: " + NETWORK_MEMORY,
          "# Blocking exchanges stay on this machine: compressing them saves no network, and",
          "# its native LZ4 calls block the garbage collector (gold at 10M: 102 s -> 79-86 s).",
          "taskmanager.network.batch-shuffle.compression.enabled: false",
          "# The embedded cluster's REST API and blob server serve this JVM only: without these",
          "# Flink binds them to every interface, on random ports.",
          "rest.bind-address: " + LOOPBACK,
          "jobmanager.bind-host: " + LOOPBACK,
          "taskmanager.bind-host: " + LOOPBACK);

  private EmbeddedFlink() {}

  /** The lines of the configuration of every embedded run ({@code flink-conf.yaml}). */
  public static List<String> configuration() {
    return new ArrayList<>(CONFIGURATION);
  }

  /**
   * Writes {@code lines} as {@code flink-conf.yaml} in a new temporary folder, removed when the JVM
   * exits; returns the folder, for {@code --flinkConfDir}.
   *
   * @throws UncheckedIOException if the folder cannot be written
   */
  public static String write(List<String> lines) {
    try {
      Path dir = Files.createTempDirectory("lake-flink-conf");
      dir.toFile().deleteOnExit();
      Path conf = dir.resolve("flink-conf.yaml");
      Files.writeString(conf, String.join("\n", lines) + "\n");
      conf.toFile().deleteOnExit();
      return dir.toString();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the embedded Flink configuration", e);
    }
  }

  /**
   * A batch job's arguments for embedded Flink as the launcher gives them ({@code FlinkDefaults} in
   * the runners module) at {@code parallelism}, for tests and tools that build a pipeline without
   * the launcher.
   */
  public static List<String> batchArgs(int parallelism) {
    return List.of(
        "--runner=FlinkRunner",
        "--flinkMaster=[local]",
        "--parallelism=" + parallelism,
        "--objectReuse=true",
        "--fasterCopy=true",
        "--flinkConfDir=" + write(configuration()));
  }
}
