package io.medallion.lake.runners;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.medallion.lake.layout.ApplicationProperties;
import io.medallion.lake.pipelines.BronzeEvents;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.io.aws2.options.AwsOptions;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.regions.Region;

class ManagedFlinkPropertiesTest {
  @TempDir Path dir;

  @Test
  void theLakeApplicationGroupBecomesTheCommandLine() throws Exception {
    Path file = dir.resolve("application_properties.json");
    Files.writeString(
        file,
        "[{\"PropertyGroupId\":\"Other\",\"PropertyMap\":{\"command\":\"gold\"}},"
            + "{\"PropertyGroupId\":\"LakeApplication\",\"PropertyMap\":{\"command\":\"silver\","
            + "\"lake\":\"s3://my-lake/prod\",\"hour\":\"2026-01-01T03\",\"runner\":\"FlinkRunner\"}}]");

    assertThat(ManagedFlinkProperties.args(file))
        .hasValueSatisfying(
            args ->
                assertThat(args)
                    .containsExactly(
                        "silver",
                        "--lake=s3://my-lake/prod",
                        "--hour=2026-01-01T03",
                        "--runner=FlinkRunner"));
  }

  @Test
  void theGroupThePulumiProgramDeclaresIsABronzeCommandLineTheLauncherTakes() throws Exception {
    // The map StreamingJob declares, as Managed Flink writes it to the file.
    Map<String, String> properties =
        ApplicationProperties.of(
            "bronze",
            Map.of(
                "runner", "FlinkRunner",
                "lake", "s3://my-lake/lake",
                "catalog", "glue",
                "catalogNamespace", "lake_prod",
                "stream", "lake-prod-events",
                "awsRegion", "eu-west-1"));
    Path file = dir.resolve("application_properties.json");
    ObjectMapper json = new ObjectMapper();
    Files.writeString(
        file,
        json.writeValueAsString(
            List.of(
                Map.of(
                    "PropertyGroupId", ApplicationProperties.GROUP, "PropertyMap", properties))));

    String[] args = ManagedFlinkProperties.args(file).orElseThrow();

    assertThat(args[0]).isEqualTo("bronze");
    BronzeEvents.Options options =
        PipelineOptionsFactory.fromArgs(Arrays.copyOfRange(args, 1, args.length))
            .as(BronzeEvents.Options.class);
    assertThat(options.getStream()).isEqualTo("lake-prod-events");
    assertThat(options.getLake()).isEqualTo("s3://my-lake/lake");
    assertThat(options.as(AwsOptions.class).getAwsRegion()).isEqualTo(Region.EU_WEST_1);
  }

  @Test
  void noFileOrNoGroupLeavesTheCommandLineAlone() throws Exception {
    assertThat(ManagedFlinkProperties.args(dir.resolve("missing.json"))).isEmpty();
    Path file = dir.resolve("other.json");
    Files.writeString(file, "[{\"PropertyGroupId\":\"Other\",\"PropertyMap\":{}}]");
    assertThat(ManagedFlinkProperties.args(file)).isEmpty();
  }
}
