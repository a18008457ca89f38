package io.medallion.lake.pulumi;

import static org.assertj.core.api.Assertions.assertThat;

import io.medallion.lake.layout.ApplicationProperties;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StacksTest {
  private static final String STREAM = "aws:kinesis/stream:Stream";

  @Test
  void prodHasMoreShardsAndLongerRetentionThanDev() {
    LakeStack.Declared dev = LakeStack.run("dev").ofType(STREAM).get(0);
    LakeStack.Declared prod = LakeStack.run("prod").ofType(STREAM).get(0);

    assertThat(dev.map("streamModeDetails")).containsEntry("streamMode", "PROVISIONED");
    assertThat(prod.map("streamModeDetails")).containsEntry("streamMode", "PROVISIONED");
    assertThat(number(prod, "shardCount")).isGreaterThan(number(dev, "shardCount"));
    assertThat(number(prod, "retentionPeriod")).isGreaterThan(number(dev, "retentionPeriod"));
    assertThat(prod.string("encryptionType")).isEqualTo("KMS");
    assertThat(prod.string("kmsKeyId"))
        .isEqualTo(LakeStack.run("prod").named("lake-prod-storage-key").state().get("arn"));
  }

  @Test
  void stagingStreamIsOnDemandWithoutAShardCount() {
    LakeStack.Declared staging = LakeStack.run("staging").ofType(STREAM).get(0);

    assertThat(staging.map("streamModeDetails")).containsEntry("streamMode", "ON_DEMAND");
    assertThat(staging.inputs()).doesNotContainKey("shardCount");
  }

  @Test
  void stacksDifferInRegionLogRetentionAlarmsAndSize() {
    LakeStack.Run dev = LakeStack.run("dev");
    LakeStack.Run prod = LakeStack.run("prod");

    assertThat(dev.config("aws:region")).isNotEqualTo(prod.config("aws:region"));
    assertThat(number(dev.named("lake-dev-silver-logs"), "retentionInDays")).isEqualTo(7);
    assertThat(number(prod.named("lake-prod-silver-logs"), "retentionInDays")).isEqualTo(365);
    assertThat(number(prod.named("lake-prod-alarms-iterator-age"), "threshold"))
        .isLessThan(number(dev.named("lake-dev-alarms-iterator-age"), "threshold"));
    assertThat(dev.named("lake-dev-bronze-application").inputs())
        .containsEntry("startApplication", false);
    assertThat(prod.named("lake-prod-bronze-application").inputs())
        .containsEntry("startApplication", true);
    assertThat(dev.named("lake-dev-storage-bucket").inputs()).containsEntry("forceDestroy", true);
    assertThat(prod.named("lake-prod-storage-bucket").inputs())
        .containsEntry("forceDestroy", false);
  }

  @Test
  void bronzeRunsTheJarOnFlink119WithTheLaunchersArguments() {
    LakeStack.Run run = LakeStack.run("prod");
    LakeStack.Declared app = run.named("lake-prod-bronze-application");
    String bucket = (String) run.named("lake-prod-storage-bucket").state().get("bucket");

    assertThat(app.string("runtimeEnvironment")).isEqualTo("FLINK-1_19");
    assertThat(app.string("serviceExecutionRole"))
        .isEqualTo(run.named("lake-prod-bronze-role").state().get("arn"));
    Map<String, Object> config = app.map("applicationConfiguration");
    assertThat(config.toString())
        .contains("fileKey=artifacts/lake.jar")
        .contains("bucketArn=arn:aws:s3:::" + bucket);
    assertThat(config.toString())
        .contains("propertyGroupId=" + ApplicationProperties.GROUP)
        .contains(ApplicationProperties.COMMAND + "=bronze")
        .contains("awsRegion=")
        .contains("lake=s3://" + bucket + "/lake")
        .contains("catalog=glue")
        .contains("catalogNamespace=lake_prod")
        .contains("stream=lake-prod-events");
  }

  @Test
  void eachStackHasItsOwnCatalogNamespace() {
    Set<String> namespaces = new HashSet<>();
    for (String stack : List.of("dev", "staging", "prod")) {
      LakeStack.Run run = LakeStack.run(stack);
      String database = run.named("lake-" + stack + "-catalog-database").string("name");
      String bronze =
          run.named("lake-" + stack + "-bronze-application")
              .map("applicationConfiguration")
              .toString();

      assertThat(database).isEqualTo("lake_" + stack);
      assertThat(bronze).contains("catalogNamespace=" + database);
      namespaces.add(database);
    }
    assertThat(namespaces).hasSize(3);
  }

  @Test
  void aBuiltJarIsUploadedUnderAKeyNamedAfterItsContent(@TempDir Path dir) throws Exception {
    Path jar = dir.resolve("lake.jar");
    Files.write(jar, new byte[] {'P', 'K', 3, 4});

    LakeStack.Run run = LakeStack.run("dev", Map.of("lake:jarPath", jar.toString()));

    assertThat(run.result().exitCode()).isZero();
    LakeStack.Declared object = run.named("lake-dev-storage-lake-jar");
    String key = object.string("key");
    assertThat(key).matches("artifacts/lake-[0-9a-f]{16}\\.jar").isNotEqualTo("artifacts/lake.jar");
    assertThat(key).isEqualTo("artifacts/lake-" + App.sha256(jar).substring(0, 16) + ".jar");
    assertThat(run.named("lake-dev-bronze-application").map("applicationConfiguration").toString())
        .contains("fileKey=" + key);
    assertThat(LakeStack.run("dev").ofType("aws:s3/bucketObjectv2:BucketObjectv2")).isEmpty();
  }

  private static double number(LakeStack.Declared r, String key) {
    return ((Number) r.inputs().get(key)).doubleValue();
  }
}
