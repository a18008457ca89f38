package io.medallion.lake.pulumi;

import com.pulumi.core.Output;
import java.util.Map;
import java.util.Optional;

/**
 * What is watched, and who hears about it.
 *
 * @param namePrefix the prefix of every alarm name ({@code lake-<stack>})
 * @param streamName the event stream
 * @param applicationName the bronze job's Managed Flink application
 * @param stateMachineArns the batch jobs' state machines, by job name
 * @param scheduleGroupName the schedules' group
 * @param iteratorAgeThresholdMillis how far behind the stream's reader may fall
 * @param email an address subscribed to the alarm topic, if any
 */
public record LakeAlarmsArgs(
    String namePrefix,
    Output<String> streamName,
    Output<String> applicationName,
    Map<String, Output<String>> stateMachineArns,
    Output<String> scheduleGroupName,
    long iteratorAgeThresholdMillis,
    Optional<String> email) {}
