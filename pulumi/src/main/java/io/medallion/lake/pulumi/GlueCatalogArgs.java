package io.medallion.lake.pulumi;

import com.pulumi.core.Output;

/**
 * The catalog and query side of a stack.
 *
 * @param catalog the Glue database, {@code lake_<stack>}, with the region and account it lives in
 * @param workgroupName the Athena workgroup
 * @param bucketName the lake bucket
 * @param bucketArn the lake bucket's ARN
 * @param lakePrefix the lake root inside the bucket
 * @param kmsKeyArn the lake key: the data is encrypted with it, and Athena encrypts results with it
 * @param bytesScannedCutoff the most a single query may scan, in bytes
 * @param forceDestroy whether the workgroup may be destroyed with saved queries in it
 */
public record GlueCatalogArgs(
    GlueAccess.Catalog catalog,
    String workgroupName,
    Output<String> bucketName,
    Output<String> bucketArn,
    String lakePrefix,
    Output<String> kmsKeyArn,
    int bytesScannedCutoff,
    boolean forceDestroy) {}
