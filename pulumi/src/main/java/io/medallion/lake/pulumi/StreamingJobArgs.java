package io.medallion.lake.pulumi;

import com.pulumi.core.Output;

/**
 * The streaming bronze job on Amazon Managed Service for Apache Flink.
 *
 * @param applicationName the physical application name
 * @param logGroupName the CloudWatch log group the application logs to
 * @param logRetentionDays how long its logs are kept
 * @param bucketName the lake bucket
 * @param bucketArn the lake bucket's ARN
 * @param lakePrefix the lake root inside the bucket
 * @param jarKey the bundled {@code lake.jar}'s key in the bucket
 * @param streamName the event stream
 * @param streamArn the event stream's ARN
 * @param kmsKeyArn the key the stream and the bucket are encrypted with
 * @param region the stack's region, handed to the job for its Kinesis client
 * @param catalogNamespace the Glue database, handed to the job like every other lake job's (bronze
 *     writes plain files and makes no catalog call, so its role has no Glue access)
 * @param parallelism the job's parallelism
 * @param parallelismPerKpu parallel tasks per KPU (1 vCPU, 4 GB)
 * @param autoScaling whether the service may raise parallelism under load
 * @param startApplication whether the application runs after {@code pulumi up}
 */
public record StreamingJobArgs(
    String applicationName,
    String logGroupName,
    int logRetentionDays,
    Output<String> bucketName,
    Output<String> bucketArn,
    String lakePrefix,
    Output<String> jarKey,
    Output<String> streamName,
    Output<String> streamArn,
    Output<String> kmsKeyArn,
    String region,
    String catalogNamespace,
    int parallelism,
    int parallelismPerKpu,
    boolean autoScaling,
    boolean startApplication) {}
