package io.medallion.lake.runners;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.medallion.lake.pipelines.options.EmbeddedFlink;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Arrays;
import java.util.List;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.DeploymentOptions;
import org.apache.flink.configuration.GlobalConfiguration;
import org.apache.flink.configuration.JobManagerOptions;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.configuration.NettyShuffleEnvironmentOptions;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.runtime.jobgraph.RestoreMode;
import org.apache.flink.runtime.jobgraph.SavepointConfigOptions;
import org.apache.flink.streaming.api.environment.CheckpointConfig;
import org.apache.flink.streaming.api.environment.ExecutionCheckpointingOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The launcher's runner defaults: added when absent, never over what the user passed. */
class FlinkDefaultsTest {
  @TempDir Path dir;

  private static List<String> defaults(String... args) {
    return Arrays.asList(Lake.withRunnerDefaults(args));
  }

  private static List<String> bronze(String... args) {
    List<String> all = new java.util.ArrayList<>(List.of(args));
    all.add(0, "--runner=FlinkRunner");
    return Arrays.asList(Lake.withRunnerDefaults(all.toArray(String[]::new), "bronze"));
  }

  /** The generated configuration, read the way Beam reads --flinkConfDir. */
  private static Configuration configuration(List<String> args) {
    return GlobalConfiguration.loadConfiguration(value(args, "flinkConfDir"));
  }

  private static String value(List<String> args, String name) {
    return args.stream()
        .filter(a -> a.startsWith("--" + name + "="))
        .map(a -> a.substring(name.length() + 3))
        .reduce((a, b) -> a + "," + b)
        .orElse(null);
  }

  @Test
  void embeddedFlinkByDefaultWithObjectReuseAndAGeneratedConfiguration() throws Exception {
    List<String> args = defaults("silver", "--runner=FlinkRunner");

    assertThat(value(args, "flinkMaster")).isEqualTo("[local]");
    assertThat(value(args, "objectReuse")).isEqualTo("true");
    assertThat(value(args, "fasterCopy")).isEqualTo("true");
    assertThat(value(args, "parallelism"))
        .as("[local] alone would run on one slot")
        .isEqualTo(Integer.toString(Runtime.getRuntime().availableProcessors()));
    assertThat(value(args, "checkpointingInterval")).isNull();
    assertThat(value(args, "enforceImmutability")).as("a DirectRunner option").isNull();
    Path conf = Path.of(value(args, "flinkConfDir"), "flink-conf.yaml");
    assertThat(Files.readString(conf))
        .contains("taskmanager.memory.network.max: " + EmbeddedFlink.NETWORK_MEMORY);
    // Read the way Beam reads --flinkConfDir: the keys must be ones Flink knows.
    Configuration flink = GlobalConfiguration.loadConfiguration(value(args, "flinkConfDir"));
    assertThat(flink.get(NettyShuffleEnvironmentOptions.BATCH_SHUFFLE_COMPRESSION_ENABLED))
        .isFalse();
    assertThat(flink.get(TaskManagerOptions.NETWORK_MEMORY_MAX))
        .isEqualTo(MemorySize.parse(EmbeddedFlink.NETWORK_MEMORY));
    assertThat(flink.get(RestOptions.BIND_ADDRESS)).isEqualTo("127.0.0.1");
    assertThat(flink.get(JobManagerOptions.BIND_HOST)).isEqualTo("127.0.0.1");
    assertThat(flink.get(TaskManagerOptions.BIND_HOST)).isEqualTo("127.0.0.1");
  }

  @Test
  void aClusterGetsNoLocalConfigurationAndTheUsersOptionsWin() {
    List<String> args =
        defaults(
            "gold",
            "--runner=flink",
            "--flinkMaster=127.0.0.1:8081",
            "--objectReuse=false",
            "--parallelism=2");

    assertThat(value(args, "flinkMaster")).isEqualTo("127.0.0.1:8081");
    assertThat(value(args, "objectReuse")).isEqualTo("false");
    assertThat(value(args, "fasterCopy")).isEqualTo("true");
    assertThat(value(args, "flinkConfDir")).isNull();
    assertThat(value(args, "parallelism")).isEqualTo("2");
  }

  @Test
  void anEmbeddedRunKeepsTheParallelismAsked() {
    assertThat(value(defaults("silver", "--runner=FlinkRunner", "--parallelism=1"), "parallelism"))
        .isEqualTo("1");
  }

  @Test
  void aStreamingJobCheckpointsEveryMinuteUnlessTold() {
    assertThat(
            value(
                defaults("bronze", "--runner=FlinkRunner", "--streaming=true"),
                "checkpointingInterval"))
        .isEqualTo(FlinkDefaults.CHECKPOINTING_INTERVAL_MS);
    assertThat(
            value(
                defaults(
                    "bronze",
                    "--runner=org.apache.beam.runners.flink.FlinkRunner",
                    "--streaming=true",
                    "--checkpointingInterval=5000"),
                "checkpointingInterval"))
        .isEqualTo("5000");
  }

  @Test
  void theBronzeCommandIsAStreamingJobOnEveryMasterWithoutBeingTold() {
    for (String master : List.of("[local]", "127.0.0.1:8081")) {
      List<String> args =
          bronze("--flinkMaster=" + master, "--lake=s3://lake/lake", "--stateDir=" + dir);

      assertThat(value(args, "streaming")).as(master).isEqualTo("true");
      assertThat(value(args, "checkpointingInterval"))
          .as(master)
          .isEqualTo(FlinkDefaults.CHECKPOINTING_INTERVAL_MS);
    }
    assertThat(value(bronze("--streaming=false", "--lake=" + dir), "streaming"))
        .as("what the user passed")
        .isEqualTo("false");
  }

  @Test
  void embeddedBronzeRestartsOnFailureAndKeepsCheckpointsInTheLakesStateFolder() {
    Configuration flink = configuration(bronze("--lake=" + dir));

    assertThat(flink.get(RestartStrategyOptions.RESTART_STRATEGY)).isEqualTo("exponential-delay");
    assertThat(flink.get(DeploymentOptions.JOB_LISTENERS))
        .containsExactly(CancelOnShutdown.class.getName());
    assertThat(flink.get(CheckpointingOptions.CHECKPOINTS_DIRECTORY))
        .isEqualTo("file:" + dir.resolve("_state/bronze/checkpoints"));
    assertThat(flink.get(ExecutionCheckpointingOptions.EXTERNALIZED_CHECKPOINT))
        .isEqualTo(CheckpointConfig.ExternalizedCheckpointCleanup.RETAIN_ON_CANCELLATION);
    assertThat(flink.getOptional(SavepointConfigOptions.SAVEPOINT_PATH))
        .as("no checkpoint yet")
        .isEmpty();
  }

  @Test
  void aNewLaunchResumesFromTheNewestCompleteCheckpointAndOwnsIt() throws Exception {
    Path checkpoints = dir.resolve("_state/bronze/checkpoints");
    Path older = Files.createDirectories(checkpoints.resolve("job-a/chk-9"));
    Files.setLastModifiedTime(
        Files.write(older.resolve("_metadata"), new byte[] {1}),
        FileTime.fromMillis(System.currentTimeMillis() - 60_000));
    Path newest = Files.createDirectories(checkpoints.resolve("job-b/chk-2"));
    Files.write(newest.resolve("_metadata"), new byte[] {1});
    Files.createDirectories(checkpoints.resolve("job-b/chk-3"));

    Configuration flink = configuration(bronze("--lake=" + dir));

    assertThat(flink.get(SavepointConfigOptions.SAVEPOINT_PATH)).isEqualTo("file:" + newest);
    assertThat(flink.get(SavepointConfigOptions.RESTORE_MODE)).isEqualTo(RestoreMode.CLAIM);
  }

  @Test
  void aSavepointGivenReachesEmbeddedFlinkAndStaysTheUsers() {
    Configuration flink =
        configuration(bronze("--lake=" + dir, "--savepointPath=file:/tmp/savepoint-1"));

    assertThat(flink.get(SavepointConfigOptions.SAVEPOINT_PATH)).isEqualTo("file:/tmp/savepoint-1");
    assertThat(flink.get(SavepointConfigOptions.RESTORE_MODE)).isEqualTo(RestoreMode.NO_CLAIM);
  }

  @Test
  void anS3LakeKeepsCheckpointsInMemoryUnlessGivenALocalStateDir() {
    Configuration memory = configuration(bronze("--lake=s3://lake/lake"));
    Configuration kept =
        configuration(bronze("--lake=s3://lake/lake", "--stateDir=" + dir.resolve("state")));

    assertThat(memory.getOptional(CheckpointingOptions.CHECKPOINTS_DIRECTORY)).isEmpty();
    assertThat(memory.get(RestartStrategyOptions.RESTART_STRATEGY))
        .as("a failure inside the JVM still restarts it")
        .isEqualTo("exponential-delay");
    assertThat(kept.get(CheckpointingOptions.CHECKPOINTS_DIRECTORY))
        .isEqualTo("file:" + dir.resolve("state/checkpoints"));
    assertThatThrownBy(() -> bronze("--lake=" + dir, "--stateDir=s3://lake/state"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("--stateDir: ");
  }

  @Test
  void aSavepointCannotReachEmbeddedFlinkThroughTheUsersOwnConfiguration() {
    assertThatThrownBy(
            () ->
                bronze(
                    "--lake=" + dir,
                    "--flinkConfDir=" + dir,
                    "--savepointPath=file:/tmp/savepoint-1"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("execution.savepoint.path");
  }

  @Test
  void aBatchJobGetsNoStreamingSettings() {
    Configuration flink = configuration(defaults("--runner=FlinkRunner", "--lake=" + dir));

    assertThat(flink.getOptional(RestartStrategyOptions.RESTART_STRATEGY)).isEmpty();
    assertThat(flink.getOptional(CheckpointingOptions.CHECKPOINTS_DIRECTORY)).isEmpty();
    assertThat(flink.get(DeploymentOptions.JOB_LISTENERS)).isNull();
  }

  @Test
  void theDirectRunnerKeepsItsOwnDefaults() {
    List<String> args = defaults("silver", "--runner=DirectRunner");

    assertThat(value(args, "enforceImmutability")).isEqualTo("false");
    assertThat(value(args, "flinkMaster")).isNull();
  }
}
