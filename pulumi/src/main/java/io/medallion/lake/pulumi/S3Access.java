package io.medallion.lake.pulumi;

import com.pulumi.core.Output;
import io.medallion.lake.pulumi.PolicyDocument.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * IAM statements for reading and writing key prefixes of one bucket. Object actions are scoped to
 * {@code arn:aws:s3:::bucket/prefix*}; {@code s3:ListBucket} can only name the bucket, so it is
 * narrowed with an {@code s3:prefix} condition instead.
 */
final class S3Access {
  private S3Access() {}

  static final List<String> READ_ACTIONS = List.of("s3:GetObject");

  /**
   * What a promotion needs on the prefixes it writes: Beam's file sinks and the commit step write,
   * read back, copy (a GET plus a PUT) and delete staged files, and abort multipart uploads of a
   * failed attempt.
   */
  static final List<String> WRITE_ACTIONS =
      List.of(
          "s3:PutObject",
          "s3:GetObject",
          "s3:DeleteObject",
          "s3:AbortMultipartUpload",
          "s3:ListMultipartUploadParts");

  /** Read access to the given key prefixes (each ending in {@code /}). */
  static List<Statement> read(String sid, Output<String> bucketArn, List<String> prefixes) {
    return access(sid, READ_ACTIONS, bucketArn, prefixes);
  }

  /** Read-write access to the given key prefixes (each ending in {@code /}). */
  static List<Statement> write(String sid, Output<String> bucketArn, List<String> prefixes) {
    return access(sid, WRITE_ACTIONS, bucketArn, prefixes);
  }

  private static List<Statement> access(
      String sid, List<String> actions, Output<String> bucketArn, List<String> prefixes) {
    List<Output<String>> objects = new ArrayList<>();
    List<String> listPrefixes = new ArrayList<>();
    for (String prefix : prefixes) {
      if (!prefix.endsWith("/") || prefix.startsWith("/")) {
        throw new IllegalArgumentException("a key prefix must end with / : " + prefix);
      }
      objects.add(bucketArn.applyValue(arn -> arn + "/" + prefix + "*"));
      listPrefixes.add(prefix + "*");
    }
    return List.of(
        Statement.allow(sid + "Objects", actions, objects),
        Statement.allow(sid + "List", List.of("s3:ListBucket"), List.of(bucketArn))
            .when("StringLike", "s3:prefix", listPrefixes));
  }

  /** Use of the lake's KMS key for reading and writing objects (and stream records) under it. */
  static Statement kms(String sid, Output<String> keyArn) {
    return Statement.allow(sid, List.of("kms:Decrypt", "kms:GenerateDataKey"), List.of(keyArn));
  }
}
