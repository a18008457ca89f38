package io.medallion.lake.runners;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.java.ExecutionEnvironment;
import org.apache.flink.api.java.LocalEnvironment;

/**
 * The launcher's defaults for {@code --runner=FlinkRunner}, each added only when the user did not
 * pass the option (or, for the Flink configuration, {@code --flinkConfDir} or {@code
 * FLINK_CONF_DIR}):
 *
 * <ul>
 *   <li>{@code --flinkMaster=[local]} when the launcher runs on its own ({@code java -jar}), so
 *       Beam sizes the embedded TaskManager's managed memory from the JVM's heap. Inside {@code
 *       flink run} or a Managed Flink application the master is left at Beam's {@code [auto]},
 *       which picks up the cluster the client was started for.
 *   <li>{@code --parallelism=<cores>} for the embedded cluster: Beam's {@code [local]} master
 *       (unlike {@code [auto]}) leaves the parallelism to the Flink configuration, whose default is
 *       1, which ran every embedded job on one core.
 *   <li>{@code --objectReuse=true --fasterCopy=true}: Beam elements are immutable by contract, so
 *       Flink need not copy them between chained operators.
 *   <li>for the embedded cluster, a generated Flink configuration with enough network memory for
 *       the many small exchanges of a Beam batch graph at the machine's parallelism, and without
 *       compression of the blocking exchanges Flink puts where a graph branches and joins again
 *       (the data never leaves the machine), listening on 127.0.0.1 only.
 *   <li>with {@code --streaming=true}, a checkpoint every minute ({@code --checkpointingInterval}).
 * </ul>
 */
final class FlinkDefaults {
  static final String CHECKPOINTING_INTERVAL_MS = "60000";
  static final String LOCAL_NETWORK_MEMORY = "256m";
  static final String LOOPBACK = "127.0.0.1";

  private FlinkDefaults() {}

  static List<String> apply(List<String> args) {
    List<String> all = new ArrayList<>(args);
    if (!given(all, "flinkMaster") && !insideFlinkClient()) {
      all.add("--flinkMaster=[local]");
    }
    addIfAbsent(all, "objectReuse", "true");
    addIfAbsent(all, "fasterCopy", "true");
    boolean local = all.contains("--flinkMaster=[local]");
    if (local) {
      addIfAbsent(all, "parallelism", Integer.toString(Runtime.getRuntime().availableProcessors()));
    }
    if (local && !given(all, "flinkConfDir") && System.getenv("FLINK_CONF_DIR") == null) {
      all.add("--flinkConfDir=" + localConfiguration());
    }
    if (all.contains("--streaming=true") || all.contains("--streaming")) {
      addIfAbsent(all, "checkpointingInterval", CHECKPOINTING_INTERVAL_MS);
    }
    return all;
  }

  /**
   * True when {@code flink run}, an EMR step or a Managed Flink application invoked the launcher:
   * the Flink client then installs a context environment that submits to its cluster.
   */
  // The DataSet API is deprecated in Flink 1.19, but it is where the Flink client installs its
  // context environment, and the same check Beam's FlinkRunner makes for --flinkMaster=[auto].
  @SuppressWarnings("deprecation")
  static boolean insideFlinkClient() {
    return !(ExecutionEnvironment.getExecutionEnvironment() instanceof LocalEnvironment);
  }

  /** A Flink configuration directory for the embedded cluster, written once per launch. */
  private static String localConfiguration() {
    try {
      Path dir = Files.createTempDirectory("lake-flink-conf");
      dir.toFile().deleteOnExit();
      Path conf = dir.resolve("flink-conf.yaml");
      Files.writeString(
          conf,
          String.join(
              "\n",
              "# Written by the lake launcher for embedded Flink; pass --flinkConfDir to use yours.",
              "taskmanager.memory.network.min: " + LOCAL_NETWORK_MEMORY,
              "taskmanager.memory.network.max: " + LOCAL_NETWORK_MEMORY,
              "# Blocking exchanges stay on this machine: compressing them saves no network, and",
              "# its native LZ4 calls block the garbage collector (gold at 10M: 102 s -> 79-86 s).",
              "taskmanager.network.batch-shuffle.compression.enabled: false",
              "# The embedded cluster's REST API and blob server serve this JVM only: without these",
              "# Flink binds them to every interface, on random ports.",
              "rest.bind-address: " + LOOPBACK,
              "jobmanager.bind-host: " + LOOPBACK,
              "taskmanager.bind-host: " + LOOPBACK,
              ""));
      conf.toFile().deleteOnExit();
      return dir.toString();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the embedded Flink configuration", e);
    }
  }

  private static boolean given(List<String> args, String name) {
    return args.stream().anyMatch(a -> a.equals("--" + name) || a.startsWith("--" + name + "="));
  }

  private static void addIfAbsent(List<String> args, String name, String value) {
    if (!given(args, name)) {
      args.add("--" + name + "=" + value);
    }
  }
}
