package io.medallion.lake.pulumi;

import com.pulumi.core.Output;
import io.medallion.lake.pulumi.GlueTables.IcebergTable;
import java.util.List;
import java.util.Optional;

/**
 * One batch promotion run on a transient EMR cluster with Flink.
 *
 * @param job the job's short name, as in {@code lake-job} tags and log paths ({@code silver})
 * @param stateMachineName the physical Step Functions state machine name
 * @param logGroupName the log group for the state machine's failed executions
 * @param logRetentionDays how long those logs are kept
 * @param bucketName the lake bucket
 * @param bucketArn the lake bucket's ARN
 * @param lakePrefix the lake root inside the bucket
 * @param readPrefixes other folders the job reads as plain files, relative to the lake root, ending
 *     in {@code /}
 * @param writePrefixes other folders the job writes as plain files (quarantine, reports, staging),
 *     relative to the lake root, ending in {@code /}
 * @param catalog the Glue database the job's Iceberg tables are registered in
 * @param readTables the Iceberg tables the job reads
 * @param writeTables the Iceberg tables the job creates when missing and commits to; the job may
 *     read and write their whole folders (Iceberg's {@code data/} and {@code metadata/})
 * @param inputFolder a folder (relative to the lake root, ending in {@code /}) whose objects are
 *     the run's input, if the job has nothing to do without them: a run then lists it first and
 *     starts no cluster when it is empty
 * @param jarKey the bundled {@code lake.jar}'s key in the bucket
 * @param kmsKeyArn the lake key
 * @param accountId the AWS account the stack deploys to
 * @param region the stack's region
 * @param emr the cluster each run gets
 * @param timeoutSeconds how long a run may take before it is failed and its cluster terminated
 */
public record BatchJobArgs(
    String job,
    String stateMachineName,
    String logGroupName,
    int logRetentionDays,
    Output<String> bucketName,
    Output<String> bucketArn,
    String lakePrefix,
    List<String> readPrefixes,
    List<String> writePrefixes,
    GlueAccess.Catalog catalog,
    List<IcebergTable> readTables,
    List<IcebergTable> writeTables,
    Optional<String> inputFolder,
    Output<String> jarKey,
    Output<String> kmsKeyArn,
    Output<String> accountId,
    String region,
    EmrCluster emr,
    int timeoutSeconds) {

  /** The EMR cluster a run starts: release (which fixes the Flink version) and instances. */
  public record EmrCluster(
      String releaseLabel,
      String primaryInstanceType,
      String coreInstanceType,
      int coreInstanceCount,
      Optional<String> subnetId) {}
}
