package io.medallion.lake.pulumi;

/**
 * How the lake bucket is kept: where the lake lives in it, and how long each kind of object stays.
 *
 * @param lakePrefix the lake root inside the bucket ({@code s3://bucket/<lakePrefix>})
 * @param forceDestroy whether {@code pulumi destroy} may delete a bucket that still holds objects
 * @param accessLogging whether S3 server access logs go to a separate log bucket
 * @param bronzeTransitionDays after how many days bronze objects move to {@code bronzeStorageClass}
 * @param quarantineExpirationDays how long rejected records are kept
 * @param tmpExpirationDays how long abandoned staging files of a crashed promotion are kept
 * @param noncurrentVersionExpirationDays how long an overwritten or deleted version is kept, 1 to
 *     {@link LakeSettings#MAX_NONCURRENT_VERSION_DAYS}
 * @param operationalLogExpirationDays how long EMR logs, Athena results and access logs are kept
 */
public record LakeBucketArgs(
    String lakePrefix,
    boolean forceDestroy,
    boolean accessLogging,
    int bronzeTransitionDays,
    String bronzeStorageClass,
    int quarantineExpirationDays,
    int tmpExpirationDays,
    int noncurrentVersionExpirationDays,
    int operationalLogExpirationDays) {

  static LakeBucketArgs from(LakeSettings s) {
    return new LakeBucketArgs(
        s.lakePrefix(),
        s.forceDestroy(),
        s.accessLogging(),
        s.bronzeTransitionDays(),
        s.bronzeStorageClass(),
        s.quarantineExpirationDays(),
        s.tmpExpirationDays(),
        s.noncurrentVersionExpirationDays(),
        s.operationalLogExpirationDays());
  }
}
