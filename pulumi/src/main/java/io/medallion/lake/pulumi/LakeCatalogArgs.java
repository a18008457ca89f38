package io.medallion.lake.pulumi;

import com.pulumi.core.Output;

/**
 * The catalog and query side of a stack.
 *
 * @param databaseName the Glue database, {@code lake_<stack>}
 * @param workgroupName the Athena workgroup
 * @param bucketName the lake bucket
 * @param lakePrefix the lake root inside the bucket
 * @param kmsKeyArn the key Athena encrypts query results with
 * @param bytesScannedCutoff the most a single query may scan, in bytes
 * @param forceDestroy whether the workgroup may be destroyed with saved queries in it
 */
public record LakeCatalogArgs(
    String databaseName,
    String workgroupName,
    Output<String> bucketName,
    String lakePrefix,
    Output<String> kmsKeyArn,
    int bytesScannedCutoff,
    boolean forceDestroy) {}
