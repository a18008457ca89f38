package io.medallion.lake.runners;

import io.medallion.lake.layout.LakeLayout;
import io.medallion.lake.pipelines.options.EmbeddedFlink;
import io.medallion.lake.pipelines.options.LakeOptions;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.flink.api.java.ExecutionEnvironment;
import org.apache.flink.api.java.LocalEnvironment;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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
 *   <li>for a streaming job (the {@code bronze} command, or {@code --streaming=true}): {@code
 *       --streaming=true} and a checkpoint every minute ({@code --checkpointingInterval}), on every
 *       master. On the embedded cluster also a restart strategy, a cancel of the job on Ctrl-C or
 *       SIGTERM ({@link CancelOnShutdown}), its checkpoints kept in its state folder ({@code
 *       --stateDir}, or the lake's {@code _state/<job>}), also when cancelled, and a resume from
 *       the newest complete one there ({@link FlinkCheckpoints}), or from {@code --savepointPath},
 *       which Beam hands to a cluster but not to the embedded one.
 * </ul>
 */
final class FlinkDefaults {
  static final String CHECKPOINTING_INTERVAL_MS = "60000";

  /** Where in a streaming job's state folder Flink writes its checkpoints. */
  static final String CHECKPOINTS = "checkpoints";

  private static final Logger LOG = LoggerFactory.getLogger(FlinkDefaults.class);

  private FlinkDefaults() {}

  /** The defaults for a batch job. */
  static List<String> apply(List<String> args) {
    return apply(args, null);
  }

  /**
   * The defaults for the job {@code args} run.
   *
   * @param streamingJob the name of the streaming job they run ({@code bronze}), which names its
   *     state folder in the lake; null for a batch job
   */
  static List<String> apply(List<String> args, String streamingJob) {
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
    boolean streaming =
        streamingJob != null || all.contains("--streaming=true") || all.contains("--streaming");
    if (streaming) {
      // Beam switches a pipeline that reads a stream to streaming by itself, but only after the
      // environment was made: checkpointing would stay off, and with it every restart.
      addIfAbsent(all, "streaming", "true");
      addIfAbsent(all, "checkpointingInterval", CHECKPOINTING_INTERVAL_MS);
    }
    boolean ownConfiguration =
        given(all, "flinkConfDir") || System.getenv("FLINK_CONF_DIR") != null;
    if (local && !ownConfiguration) {
      List<String> configuration = EmbeddedFlink.configuration();
      if (streaming) {
        configuration.addAll(streamingConfiguration(all, streamingJob));
      }
      all.add("--flinkConfDir=" + EmbeddedFlink.write(configuration));
    } else if (local && given(all, "savepointPath")) {
      throw new IllegalArgumentException(
          "--savepointPath: Beam does not hand it to embedded Flink, and with your own Flink"
              + " configuration (--flinkConfDir or FLINK_CONF_DIR) the launcher writes none: set"
              + " execution.savepoint.path there");
    } else if (!local && given(all, "stateDir")) {
      LOG.warn(
          "--stateDir applies to embedded Flink: a cluster keeps checkpoints where its own"
              + " configuration says (state.checkpoints.dir)");
    }
    return all;
  }

  /**
   * The embedded cluster's settings for a streaming job: restart after a failure, cancel on Ctrl-C
   * or SIGTERM, and with a state folder, checkpoints kept there (also on a cancel) and the newest
   * complete one restored by the next launch.
   */
  private static List<String> streamingConfiguration(List<String> args, String job) {
    String name = job == null ? "streaming job" : job;
    List<String> configuration =
        new ArrayList<>(
            List.of(
                "# A streaming job. After a failure (an S3 or Kinesis outage) Flink restarts it from",
                "# its last checkpoint, 1 s later, then at longer intervals up to a minute, for as",
                "# long as it fails.",
                "restart-strategy.type: exponential-delay",
                "# Ctrl-C or SIGTERM cancels the job before the JVM exits.",
                "execution.job-listeners: " + CancelOnShutdown.class.getName()));
    if (CancelOnShutdown.interruptIgnored()) {
      LOG.warn(
          "{}: this process ignores SIGINT (a non-interactive shell started it in the background),"
              + " so Ctrl-C and kill -INT cannot stop it: kill -TERM {} does, the same way",
          name,
          ProcessHandle.current().pid());
    }
    String savepoint = value(args, "savepointPath");
    Optional<Path> state = stateFolder(args, job);
    if (state.isEmpty()) {
      LOG.warn(
          "{}: checkpoints are kept in memory only (no --stateDir, and the lake is no local"
              + " folder): a failure inside this JVM resumes from them, a new launch reads from"
              + " --initialPosition",
          name);
    } else {
      Path checkpoints = state.get().resolve(CHECKPOINTS);
      configuration.add("# Checkpoints kept in the job's state folder, also when it is cancelled.");
      configuration.add("state.checkpoints.dir: " + flinkPath(checkpoints));
      configuration.add(
          "execution.checkpointing.externalized-checkpoint-retention: RETAIN_ON_CANCELLATION");
      Optional<FlinkCheckpoints.Checkpoint> latest = FlinkCheckpoints.latest(checkpoints);
      if (savepoint == null && latest.isPresent()) {
        configuration.add("# Resume from the newest complete checkpoint; the job owns it from now");
        configuration.add("# on, and Flink deletes it once a newer one completes.");
        configuration.add("execution.savepoint.path: " + flinkPath(latest.get().folder()));
        configuration.add("execution.savepoint-restore-mode: CLAIM");
        LOG.info(
            "{}: resuming from checkpoint {} (completed {})",
            name,
            latest.get().folder(),
            latest.get().completed());
      } else if (savepoint == null) {
        LOG.info(
            "{}: no checkpoint in {} yet: the job starts reading at --initialPosition",
            name,
            checkpoints);
      }
    }
    if (savepoint != null) {
      configuration.add("execution.savepoint.path: " + savepoint);
      LOG.info("{}: resuming from {}", name, savepoint);
    }
    return configuration;
  }

  /**
   * The local folder a streaming job keeps its state in: {@code --stateDir}, else the lake's {@code
   * _state/<job>} when the lake is a local folder; none for an {@code s3://} lake, where embedded
   * Flink cannot write.
   */
  private static Optional<Path> stateFolder(List<String> args, String job) {
    String dir = value(args, "stateDir");
    if (dir != null) {
      if (LakeLayout.hasScheme(dir) && !dir.startsWith("file:")) {
        throw new IllegalArgumentException(
            "--stateDir: embedded Flink keeps checkpoints in a local folder, got " + dir);
      }
      String path = dir.startsWith("file:") ? dir.substring("file:".length()) : dir;
      return Optional.of(Path.of(path).toAbsolutePath().normalize());
    }
    if (job == null) {
      return Optional.empty();
    }
    String root = value(args, "lake");
    LakeLayout lake =
        LakeLayout.at(root != null ? root : PipelineOptionsFactory.as(LakeOptions.class).getLake());
    return lake.isLocal() ? Optional.of(Path.of(lake.state(job))) : Optional.empty();
  }

  /** A local path as Flink's configuration takes it ({@code #} would start a comment there). */
  private static String flinkPath(Path path) {
    String absolute = path.toAbsolutePath().toString();
    if (absolute.contains("#")) {
      throw new IllegalArgumentException(
          "--stateDir: Flink's configuration cannot hold a path with '#': " + absolute);
    }
    return "file:" + absolute;
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
  private static boolean given(List<String> args, String name) {
    return args.stream().anyMatch(a -> a.equals("--" + name) || a.startsWith("--" + name + "="));
  }

  /** The value of the first {@code --name=value}, or null. */
  private static String value(List<String> args, String name) {
    return args.stream()
        .filter(a -> a.startsWith("--" + name + "="))
        .map(a -> a.substring(name.length() + 3))
        .findFirst()
        .orElse(null);
  }

  private static void addIfAbsent(List<String> args, String name, String value) {
    if (!given(args, name)) {
      args.add("--" + name + "=" + value);
    }
  }
}
