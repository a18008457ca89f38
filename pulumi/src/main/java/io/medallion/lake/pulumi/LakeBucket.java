package io.medallion.lake.pulumi;

import com.pulumi.aws.kms.Alias;
import com.pulumi.aws.kms.AliasArgs;
import com.pulumi.aws.kms.Key;
import com.pulumi.aws.kms.KeyArgs;
import com.pulumi.aws.s3.BucketLifecycleConfigurationV2;
import com.pulumi.aws.s3.BucketLifecycleConfigurationV2Args;
import com.pulumi.aws.s3.BucketLoggingV2;
import com.pulumi.aws.s3.BucketLoggingV2Args;
import com.pulumi.aws.s3.BucketOwnershipControls;
import com.pulumi.aws.s3.BucketOwnershipControlsArgs;
import com.pulumi.aws.s3.BucketPolicy;
import com.pulumi.aws.s3.BucketPolicyArgs;
import com.pulumi.aws.s3.BucketPublicAccessBlock;
import com.pulumi.aws.s3.BucketPublicAccessBlockArgs;
import com.pulumi.aws.s3.BucketServerSideEncryptionConfigurationV2;
import com.pulumi.aws.s3.BucketServerSideEncryptionConfigurationV2Args;
import com.pulumi.aws.s3.BucketV2;
import com.pulumi.aws.s3.BucketV2Args;
import com.pulumi.aws.s3.BucketVersioningV2;
import com.pulumi.aws.s3.BucketVersioningV2Args;
import com.pulumi.aws.s3.inputs.BucketLifecycleConfigurationV2RuleAbortIncompleteMultipartUploadArgs;
import com.pulumi.aws.s3.inputs.BucketLifecycleConfigurationV2RuleArgs;
import com.pulumi.aws.s3.inputs.BucketLifecycleConfigurationV2RuleExpirationArgs;
import com.pulumi.aws.s3.inputs.BucketLifecycleConfigurationV2RuleFilterArgs;
import com.pulumi.aws.s3.inputs.BucketLifecycleConfigurationV2RuleNoncurrentVersionExpirationArgs;
import com.pulumi.aws.s3.inputs.BucketLifecycleConfigurationV2RuleTransitionArgs;
import com.pulumi.aws.s3.inputs.BucketOwnershipControlsRuleArgs;
import com.pulumi.aws.s3.inputs.BucketServerSideEncryptionConfigurationV2RuleApplyServerSideEncryptionByDefaultArgs;
import com.pulumi.aws.s3.inputs.BucketServerSideEncryptionConfigurationV2RuleArgs;
import com.pulumi.aws.s3.inputs.BucketVersioningV2VersioningConfigurationArgs;
import com.pulumi.core.Output;
import com.pulumi.resources.ComponentResource;
import com.pulumi.resources.ComponentResourceOptions;
import com.pulumi.resources.CustomResourceOptions;
import io.medallion.lake.layout.LakeLayout;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The lake bucket: SSE-KMS with a key of its own (rotated yearly), versioned, closed to the public,
 * reachable over TLS only, with lifecycle rules per layer, replaced and deleted object versions
 * expired within {@link LakeSettings#MAX_NONCURRENT_VERSION_DAYS} days (so an erased subject's old
 * versions go within the GDPR's month), and, where the stack asks for it, server access logs in a
 * separate bucket.
 *
 * <p>Besides the lake root ({@code <lakePrefix>/}), the bucket holds the bundled jar under {@value
 * #ARTIFACTS_PREFIX}, EMR step logs under {@value #EMR_LOGS_PREFIX} and Athena results under
 * {@value #ATHENA_RESULTS_PREFIX}.
 */
public final class LakeBucket extends ComponentResource {
  public static final String TYPE = "lake:storage:LakeBucket";
  public static final String ARTIFACTS_PREFIX = "artifacts/";
  public static final String EMR_LOGS_PREFIX = "emr-logs/";
  public static final String ATHENA_RESULTS_PREFIX = "athena-results/";

  private final Output<String> bucketName;
  private final Output<String> bucketArn;
  private final Output<String> keyArn;

  public LakeBucket(String name, LakeBucketArgs args, ComponentResourceOptions options) {
    super(TYPE, name, options);
    CustomResourceOptions child = CustomResourceOptions.builder().parent(this).build();

    Key key =
        new Key(
            name + "-key",
            KeyArgs.builder()
                .description("Encrypts the " + name + " lake bucket and event stream")
                .enableKeyRotation(true)
                .deletionWindowInDays(args.forceDestroy() ? 7 : 30)
                .build(),
            child);
    new Alias(
        name + "-key-alias",
        AliasArgs.builder().name("alias/" + name).targetKeyId(key.keyId()).build(),
        child);

    BucketV2 bucket =
        new BucketV2(
            name + "-bucket",
            BucketV2Args.builder().forceDestroy(args.forceDestroy()).build(),
            child);
    BucketPublicAccessBlock publicAccess = lockDown(name + "-bucket", bucket, child);
    new BucketPolicy(
        name + "-bucket-tls-only",
        BucketPolicyArgs.builder()
            .bucket(bucket.id())
            .policy(bucket.arn().applyValue(arn -> PolicyDocument.toJson(tlsOnly(arn))))
            .build(),
        CustomResourceOptions.builder().parent(this).dependsOn(publicAccess).build());
    new BucketServerSideEncryptionConfigurationV2(
        name + "-bucket-encryption",
        BucketServerSideEncryptionConfigurationV2Args.builder()
            .bucket(bucket.id())
            .rules(
                BucketServerSideEncryptionConfigurationV2RuleArgs.builder()
                    .applyServerSideEncryptionByDefault(
                        BucketServerSideEncryptionConfigurationV2RuleApplyServerSideEncryptionByDefaultArgs
                            .builder()
                            .sseAlgorithm("aws:kms")
                            .kmsMasterKeyId(key.arn())
                            .build())
                    // One data key per bucket instead of one KMS call per object: Beam writes many
                    // small staging files, and KMS requests are billed.
                    .bucketKeyEnabled(true)
                    .build())
            .build(),
        child);
    new BucketVersioningV2(
        name + "-bucket-versioning",
        BucketVersioningV2Args.builder()
            .bucket(bucket.id())
            .versioningConfiguration(
                BucketVersioningV2VersioningConfigurationArgs.builder().status("Enabled").build())
            .build(),
        child);
    new BucketLifecycleConfigurationV2(
        name + "-bucket-lifecycle",
        BucketLifecycleConfigurationV2Args.builder()
            .bucket(bucket.id())
            .rules(lifecycleRules(args))
            .build(),
        child);

    if (args.accessLogging()) {
      // Server access logs cannot be delivered to a bucket encrypted with SSE-KMS, so the log
      // bucket uses SSE-S3; it holds request metadata, never lake data.
      BucketV2 logs =
          new BucketV2(
              name + "-access-logs",
              BucketV2Args.builder().forceDestroy(args.forceDestroy()).build(),
              child);
      new BucketServerSideEncryptionConfigurationV2(
          name + "-access-logs-encryption",
          BucketServerSideEncryptionConfigurationV2Args.builder()
              .bucket(logs.id())
              .rules(
                  BucketServerSideEncryptionConfigurationV2RuleArgs.builder()
                      .applyServerSideEncryptionByDefault(
                          BucketServerSideEncryptionConfigurationV2RuleApplyServerSideEncryptionByDefaultArgs
                              .builder()
                              .sseAlgorithm("AES256")
                              .build())
                      .build())
              .build(),
          child);
      BucketPublicAccessBlock logsPublicAccess = lockDown(name + "-access-logs", logs, child);
      new BucketLifecycleConfigurationV2(
          name + "-access-logs-lifecycle",
          BucketLifecycleConfigurationV2Args.builder()
              .bucket(logs.id())
              .rules(
                  expire("expire-access-logs", Output.of(""), args.operationalLogExpirationDays()))
              .build(),
          child);
      new BucketPolicy(
          name + "-access-logs-policy",
          BucketPolicyArgs.builder()
              .bucket(logs.id())
              .policy(
                  Output.tuple(logs.arn(), bucket.arn())
                      .applyValue(t -> logDeliveryPolicy(t.t1, t.t2)))
              .build(),
          CustomResourceOptions.builder().parent(this).dependsOn(logsPublicAccess).build());
      new BucketLoggingV2(
          name + "-bucket-logging",
          BucketLoggingV2Args.builder()
              .bucket(bucket.id())
              .targetBucket(logs.id())
              .targetPrefix("s3-access/")
              .build(),
          child);
    }

    this.bucketName = bucket.bucket();
    this.bucketArn = bucket.arn();
    this.keyArn = key.arn();
    registerOutputs(Map.of("bucketName", bucketName, "bucketArn", bucketArn, "kmsKeyArn", keyArn));
  }

  public Output<String> bucketName() {
    return bucketName;
  }

  public Output<String> bucketArn() {
    return bucketArn;
  }

  public Output<String> kmsKeyArn() {
    return keyArn;
  }

  /** Ownership enforced (no ACLs) and every public access setting blocked. */
  private BucketPublicAccessBlock lockDown(
      String name, BucketV2 bucket, CustomResourceOptions child) {
    new BucketOwnershipControls(
        name + "-ownership",
        BucketOwnershipControlsArgs.builder()
            .bucket(bucket.id())
            .rule(
                BucketOwnershipControlsRuleArgs.builder()
                    .objectOwnership("BucketOwnerEnforced")
                    .build())
            .build(),
        child);
    BucketPublicAccessBlock publicAccess =
        new BucketPublicAccessBlock(
            name + "-public-access",
            BucketPublicAccessBlockArgs.builder()
                .bucket(bucket.id())
                .blockPublicAcls(true)
                .blockPublicPolicy(true)
                .ignorePublicAcls(true)
                .restrictPublicBuckets(true)
                .build(),
            child);
    return publicAccess;
  }

  /** Denies every request to the bucket and its objects that does not come over TLS. */
  static Map<String, Object> tlsOnly(String bucketArn) {
    return Map.of("Version", "2012-10-17", "Statement", List.of(denyInsecureTransport(bucketArn)));
  }

  private static Map<String, Object> denyInsecureTransport(String bucketArn) {
    Map<String, Object> deny = new LinkedHashMap<>();
    deny.put("Sid", "DenyInsecureTransport");
    deny.put("Effect", "Deny");
    deny.put("Principal", "*");
    // A deny must cover every action, present and future: here, and only here, s3:* is right.
    deny.put("Action", "s3:*");
    deny.put("Resource", List.of(bucketArn, bucketArn + "/*"));
    deny.put("Condition", Map.of("Bool", Map.of("aws:SecureTransport", "false")));
    return deny;
  }

  private static String logDeliveryPolicy(String logBucketArn, String sourceBucketArn) {
    Map<String, Object> allow = new LinkedHashMap<>();
    allow.put("Sid", "AllowServerAccessLogDelivery");
    allow.put("Effect", "Allow");
    allow.put("Principal", Map.of("Service", "logging.s3.amazonaws.com"));
    allow.put("Action", "s3:PutObject");
    allow.put("Resource", logBucketArn + "/s3-access/*");
    allow.put("Condition", Map.of("ArnLike", Map.of("aws:SourceArn", sourceBucketArn)));
    return PolicyDocument.toJson(
        Map.of(
            "Version",
            "2012-10-17",
            "Statement",
            List.of(denyInsecureTransport(logBucketArn), allow)));
  }

  private static List<BucketLifecycleConfigurationV2RuleArgs> lifecycleRules(LakeBucketArgs a) {
    String lake = a.lakePrefix() + "/";
    List<BucketLifecycleConfigurationV2RuleArgs> rules = new ArrayList<>();
    rules.add(
        BucketLifecycleConfigurationV2RuleArgs.builder()
            .id("bronze-to-" + a.bronzeStorageClass().toLowerCase(Locale.ROOT).replace('_', '-'))
            .status("Enabled")
            .filter(prefix(lake + "bronze/"))
            .transitions(
                BucketLifecycleConfigurationV2RuleTransitionArgs.builder()
                    .days(a.bronzeTransitionDays())
                    .storageClass(a.bronzeStorageClass())
                    .build())
            .build());
    rules.add(
        expire(
            "expire-quarantine",
            Output.of(lake + LakeLayout.QUARANTINE + "/"),
            a.quarantineExpirationDays()));
    rules.add(
        expire("expire-tmp", Output.of(lake + LakeLayout.STAGING + "/"), a.tmpExpirationDays()));
    rules.add(
        expire("expire-emr-logs", Output.of(EMR_LOGS_PREFIX), a.operationalLogExpirationDays()));
    rules.add(
        expire(
            "expire-athena-results",
            Output.of(ATHENA_RESULTS_PREFIX),
            a.operationalLogExpirationDays()));
    // The whole bucket, whether versioning is on, suspended or was never enabled: an erasure
    // rewrites or deletes objects, and their replaced versions, which still hold the subject, must
    // not outlive the GDPR's month (LakeSettings checks the days). Noncurrent delete markers are
    // noncurrent versions too; a delete marker left with no version behind it is removed.
    rules.add(
        BucketLifecycleConfigurationV2RuleArgs.builder()
            .id("expire-noncurrent-versions")
            .status("Enabled")
            .filter(BucketLifecycleConfigurationV2RuleFilterArgs.builder().build())
            .expiration(
                BucketLifecycleConfigurationV2RuleExpirationArgs.builder()
                    .expiredObjectDeleteMarker(true)
                    .build())
            .noncurrentVersionExpiration(
                BucketLifecycleConfigurationV2RuleNoncurrentVersionExpirationArgs.builder()
                    .noncurrentDays(a.noncurrentVersionExpirationDays())
                    .build())
            .abortIncompleteMultipartUpload(
                BucketLifecycleConfigurationV2RuleAbortIncompleteMultipartUploadArgs.builder()
                    .daysAfterInitiation(1)
                    .build())
            .build());
    return rules;
  }

  private static BucketLifecycleConfigurationV2RuleArgs expire(
      String id, Output<String> keyPrefix, int days) {
    return BucketLifecycleConfigurationV2RuleArgs.builder()
        .id(id)
        .status("Enabled")
        .filter(BucketLifecycleConfigurationV2RuleFilterArgs.builder().prefix(keyPrefix).build())
        .expiration(BucketLifecycleConfigurationV2RuleExpirationArgs.builder().days(days).build())
        .build();
  }

  private static BucketLifecycleConfigurationV2RuleFilterArgs prefix(String keyPrefix) {
    return BucketLifecycleConfigurationV2RuleFilterArgs.builder().prefix(keyPrefix).build();
  }
}
