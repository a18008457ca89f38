package io.medallion.lake.pulumi;

import com.pulumi.core.Output;

/**
 * What starts the batch jobs.
 *
 * @param scheduleGroupName the EventBridge Scheduler group holding the stack's schedules
 * @param schedulesEnabled whether the hourly and daily schedules fire
 * @param silverSchedule when silver runs (hourly), a {@code cron()} or {@code rate()} expression
 * @param silverFilesPerPartition silver's {@code --filesPerPartition}: at most this many groups of
 *     an hour's bronze files, each read and written to one Parquet file by one worker
 * @param goldSchedule when gold runs (daily, after the lateness allowance), likewise
 * @param maintainSchedule when table maintenance runs (daily, after gold), likewise
 * @param forgetSchedule when the day's erasure requests are taken (daily), likewise
 * @param silverStateMachineArn the silver job
 * @param goldStateMachineArn the gold job
 * @param uberStateMachineArn the uber-movements job
 * @param maintainStateMachineArn the maintain job
 * @param forgetStateMachineArn the erasure job ({@code lake forget --requests})
 * @param catalogNamespace the Glue database every run passes as {@code --catalogNamespace}
 * @param bucketName the lake bucket, whose object-created events start uber-movements
 * @param lakePrefix the lake root inside the bucket
 * @param jarKey the bundled {@code lake.jar}'s key in the bucket
 */
public record JobTriggersArgs(
    String scheduleGroupName,
    boolean schedulesEnabled,
    String silverSchedule,
    int silverFilesPerPartition,
    String goldSchedule,
    String maintainSchedule,
    String forgetSchedule,
    Output<String> silverStateMachineArn,
    Output<String> goldStateMachineArn,
    Output<String> uberStateMachineArn,
    Output<String> maintainStateMachineArn,
    Output<String> forgetStateMachineArn,
    String catalogNamespace,
    Output<String> bucketName,
    String lakePrefix,
    Output<String> jarKey) {}
