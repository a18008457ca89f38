package io.medallion.lake.pulumi;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class StorageTest {
  private static final String PAB = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock";

  @ParameterizedTest
  @ValueSource(strings = {"dev", "prod"})
  void lakeBucketIsEncryptedWithTheStacksOwnRotatedKey(String stack) {
    LakeStack.Run run = LakeStack.run(stack);
    LakeStack.Declared key = run.named("lake-" + stack + "-storage-key");
    LakeStack.Declared sse = run.named("lake-" + stack + "-storage-bucket-encryption");

    assertThat(key.inputs()).containsEntry("enableKeyRotation", true);
    assertThat(sse.string("bucket")).isEqualTo(bucketOf(run, stack));
    Map<String, Object> rule = first(sse.inputs().get("rules"));
    @SuppressWarnings("unchecked")
    Map<String, Object> byDefault =
        (Map<String, Object>) rule.get("applyServerSideEncryptionByDefault");
    assertThat(byDefault)
        .containsEntry("sseAlgorithm", "aws:kms")
        .containsEntry("kmsMasterKeyId", key.state().get("arn"));
    assertThat(rule).containsEntry("bucketKeyEnabled", true);
    assertThat(
            run.named("lake-" + stack + "-storage-bucket-versioning")
                .map("versioningConfiguration"))
        .containsEntry("status", "Enabled");
  }

  @ParameterizedTest
  @ValueSource(strings = {"dev", "staging", "prod"})
  void everyBucketBlocksAllPublicAccess(String stack) {
    LakeStack.Run run = LakeStack.run(stack);
    List<LakeStack.Declared> buckets = run.ofType("aws:s3/bucketV2:BucketV2");
    List<LakeStack.Declared> blocks = run.ofType(PAB);

    assertThat(blocks).hasSameSizeAs(buckets);
    assertThat(blocks.stream().map(b -> b.string("bucket")))
        .containsExactlyInAnyOrderElementsOf(
            buckets.stream().map(b -> (String) b.state().get("bucket")).toList());
    for (LakeStack.Declared block : blocks) {
      assertThat(block.inputs())
          .containsEntry("blockPublicAcls", true)
          .containsEntry("blockPublicPolicy", true)
          .containsEntry("ignorePublicAcls", true)
          .containsEntry("restrictPublicBuckets", true);
    }
  }

  @Test
  void bucketPolicyDeniesEveryRequestNotOverTls() {
    LakeStack.Run run = LakeStack.run("prod");
    String bucketArn = (String) run.named("lake-prod-storage-bucket").state().get("arn");
    JsonNode policy = run.named("lake-prod-storage-bucket-tls-only").json("policy");

    JsonNode deny = policy.get("Statement").get(0);
    assertThat(policy.get("Statement")).hasSize(1);
    assertThat(deny.get("Effect").asText()).isEqualTo("Deny");
    assertThat(deny.get("Principal").asText()).isEqualTo("*");
    assertThat(deny.get("Action").asText()).isEqualTo("s3:*");
    assertThat(deny.get("Resource").toString())
        .isEqualTo("[\"" + bucketArn + "\",\"" + bucketArn + "/*\"]");
    assertThat(deny.at("/Condition/Bool/aws:SecureTransport").asText()).isEqualTo("false");
  }

  @ParameterizedTest
  @ValueSource(strings = {"dev", "staging", "prod"})
  void lifecycleRulesFollowTheStacksSettings(String stack) {
    LakeStack.Run run = LakeStack.run(stack);
    Map<String, Map<String, Object>> rules = rules(run, stack);

    Map<String, Object> bronze =
        rules.values().stream()
            .filter(r -> prefix(r).equals("lake/bronze/"))
            .findFirst()
            .orElseThrow();
    Map<String, Object> transition = first(bronze.get("transitions"));
    assertThat(days(transition.get("days"))).isEqualTo(intConfig(run, "lake:bronzeTransitionDays"));
    assertThat(transition.get("storageClass")).isEqualTo(run.config("lake:bronzeStorageClass"));

    assertThat(prefix(rules.get("expire-quarantine"))).isEqualTo("lake/quarantine/");
    assertThat(expirationDays(rules.get("expire-quarantine")))
        .isEqualTo(intConfig(run, "lake:quarantineExpirationDays"));
    assertThat(prefix(rules.get("expire-tmp"))).isEqualTo("lake/_tmp/");
    assertThat(expirationDays(rules.get("expire-tmp")))
        .isEqualTo(intConfig(run, "lake:tmpExpirationDays"));

    Map<String, Object> noncurrent = rules.get("expire-noncurrent-versions");
    assertThat(prefix(noncurrent)).isEmpty();
    @SuppressWarnings("unchecked")
    Map<String, Object> nve = (Map<String, Object>) noncurrent.get("noncurrentVersionExpiration");
    assertThat(days(nve.get("noncurrentDays")))
        .isEqualTo(intConfig(run, "lake:noncurrentVersionExpirationDays"));
    assertThat(rules.values()).allSatisfy(r -> assertThat(r).containsEntry("status", "Enabled"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"dev", "staging", "prod"})
  void anErasedObjectsOldVersionsAndDeleteMarkersGoWithinTheGdprMonth(String stack) {
    Map<String, Object> noncurrent =
        rules(LakeStack.run(stack), stack).get("expire-noncurrent-versions");

    // The whole bucket (no prefix): bronze files, quarantine lines, table files, request files.
    assertThat(prefix(noncurrent)).isEmpty();
    @SuppressWarnings("unchecked")
    Map<String, Object> nve = (Map<String, Object>) noncurrent.get("noncurrentVersionExpiration");
    assertThat(days(nve.get("noncurrentDays"))).isBetween(1, 30);
    // A delete marker with no version left behind it goes too; noncurrent markers are versions.
    @SuppressWarnings("unchecked")
    Map<String, Object> expiration = (Map<String, Object>) noncurrent.get("expiration");
    assertThat(expiration)
        .containsEntry("expiredObjectDeleteMarker", true)
        .doesNotContainKey("days");
  }

  @Test
  void theNoncurrentVersionsDaysAreTheStacksOwn() {
    LakeStack.Run run = LakeStack.run("dev", Map.of("lake:noncurrentVersionExpirationDays", "3"));

    Map<String, Object> noncurrent = rules(run, "dev").get("expire-noncurrent-versions");
    @SuppressWarnings("unchecked")
    Map<String, Object> nve = (Map<String, Object>) noncurrent.get("noncurrentVersionExpiration");
    assertThat(days(nve.get("noncurrentDays"))).isEqualTo(3);
  }

  @Test
  void prodMovesBronzeLaterAndKeepsQuarantineLongerThanDev() {
    Map<String, Map<String, Object>> dev = rules(LakeStack.run("dev"), "dev");
    Map<String, Map<String, Object>> prod = rules(LakeStack.run("prod"), "prod");

    assertThat(expirationDays(prod.get("expire-quarantine")))
        .isGreaterThan(expirationDays(dev.get("expire-quarantine")));
    assertThat(dev).containsKey("bronze-to-standard-ia");
    assertThat(prod).containsKey("bronze-to-glacier-ir");
  }

  @Test
  void accessLogsGoToASeparateBucketWhereTheStackAsksForThem() {
    LakeStack.Run prod = LakeStack.run("prod");
    LakeStack.Run dev = LakeStack.run("dev");

    LakeStack.Declared logging = prod.named("lake-prod-storage-bucket-logging");
    assertThat(logging.string("bucket")).isEqualTo(bucketOf(prod, "prod"));
    assertThat(logging.string("targetBucket"))
        .isEqualTo(prod.named("lake-prod-storage-access-logs").state().get("bucket"))
        .isNotEqualTo(bucketOf(prod, "prod"));
    assertThat(dev.ofType("aws:s3/bucketLoggingV2:BucketLoggingV2")).isEmpty();
    assertThat(dev.ofType("aws:s3/bucketV2:BucketV2")).hasSize(1);
  }

  private static Map<String, Map<String, Object>> rules(LakeStack.Run run, String stack) {
    @SuppressWarnings("unchecked")
    List<Map<String, Object>> rules =
        (List<Map<String, Object>>)
            run.named("lake-" + stack + "-storage-bucket-lifecycle").inputs().get("rules");
    return rules.stream().collect(Collectors.toMap(r -> (String) r.get("id"), r -> r));
  }

  private static String bucketOf(LakeStack.Run run, String stack) {
    return (String) run.named("lake-" + stack + "-storage-bucket").state().get("bucket");
  }

  private static String prefix(Map<String, Object> rule) {
    @SuppressWarnings("unchecked")
    Map<String, Object> filter = (Map<String, Object>) rule.get("filter");
    Object p = filter == null ? null : filter.get("prefix");
    return p == null ? "" : (String) p;
  }

  private static int expirationDays(Map<String, Object> rule) {
    @SuppressWarnings("unchecked")
    Map<String, Object> e = (Map<String, Object>) rule.get("expiration");
    return days(e.get("days"));
  }

  private static int days(Object n) {
    return ((Number) n).intValue();
  }

  private static int intConfig(LakeStack.Run run, String key) {
    return Integer.parseInt(run.config(key));
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> first(Object list) {
    return ((List<Map<String, Object>>) list).get(0);
  }
}
