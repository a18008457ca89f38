package io.medallion.lake.runners;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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
  void noFileOrNoGroupLeavesTheCommandLineAlone() throws Exception {
    assertThat(ManagedFlinkProperties.args(dir.resolve("missing.json"))).isEmpty();
    Path file = dir.resolve("other.json");
    Files.writeString(file, "[{\"PropertyGroupId\":\"Other\",\"PropertyMap\":{}}]");
    assertThat(ManagedFlinkProperties.args(file)).isEmpty();
  }
}
