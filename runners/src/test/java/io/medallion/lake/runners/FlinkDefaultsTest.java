package io.medallion.lake.runners;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.GlobalConfiguration;
import org.apache.flink.configuration.JobManagerOptions;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.configuration.NettyShuffleEnvironmentOptions;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.junit.jupiter.api.Test;

/** The launcher's runner defaults: added when absent, never over what the user passed. */
class FlinkDefaultsTest {
  private static List<String> defaults(String... args) {
    return Arrays.asList(Lake.withRunnerDefaults(args));
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
        .contains("taskmanager.memory.network.max: " + FlinkDefaults.LOCAL_NETWORK_MEMORY);
    // Read the way Beam reads --flinkConfDir: the keys must be ones Flink knows.
    Configuration flink = GlobalConfiguration.loadConfiguration(value(args, "flinkConfDir"));
    assertThat(flink.get(NettyShuffleEnvironmentOptions.BATCH_SHUFFLE_COMPRESSION_ENABLED))
        .isFalse();
    assertThat(flink.get(TaskManagerOptions.NETWORK_MEMORY_MAX))
        .isEqualTo(MemorySize.parse(FlinkDefaults.LOCAL_NETWORK_MEMORY));
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
  void theDirectRunnerKeepsItsOwnDefaults() {
    List<String> args = defaults("silver", "--runner=DirectRunner");

    assertThat(value(args, "enforceImmutability")).isEqualTo("false");
    assertThat(value(args, "flinkMaster")).isNull();
  }
}
