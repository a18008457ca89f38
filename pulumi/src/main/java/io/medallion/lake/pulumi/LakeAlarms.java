package io.medallion.lake.pulumi;

import com.pulumi.aws.cloudwatch.MetricAlarm;
import com.pulumi.aws.cloudwatch.MetricAlarmArgs;
import com.pulumi.aws.sns.Topic;
import com.pulumi.aws.sns.TopicArgs;
import com.pulumi.aws.sns.TopicSubscription;
import com.pulumi.aws.sns.TopicSubscriptionArgs;
import com.pulumi.core.Output;
import com.pulumi.resources.ComponentResource;
import com.pulumi.resources.ComponentResourceOptions;
import com.pulumi.resources.CustomResourceOptions;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The alarms that say the lake is not keeping up or not running, all to one SNS topic: the stream
 * reader falling behind (iterator age), the bronze application down, a batch run failed or timed
 * out, a scheduled start that could not reach its target.
 */
public final class LakeAlarms extends ComponentResource {
  public static final String TYPE = "lake:observability:LakeAlarms";

  private final Output<String> topicArn;

  public LakeAlarms(String name, LakeAlarmsArgs args, ComponentResourceOptions options) {
    super(TYPE, name, options);
    CustomResourceOptions child = CustomResourceOptions.builder().parent(this).build();

    Topic topic =
        new Topic(
            name + "-topic",
            TopicArgs.builder().name(args.namePrefix() + "-alarms").build(),
            child);
    args.email()
        .ifPresent(
            address ->
                new TopicSubscription(
                    name + "-email",
                    TopicSubscriptionArgs.builder()
                        .topic(topic.arn())
                        .protocol("email")
                        .endpoint(address)
                        .build(),
                    child));
    List<Output<String>> notify = List.of(topic.arn());

    new MetricAlarm(
        name + "-iterator-age",
        MetricAlarmArgs.builder()
            .name(args.namePrefix() + "-stream-iterator-age")
            .alarmDescription("The bronze job is falling behind the event stream")
            .namespace("AWS/Kinesis")
            .metricName("GetRecords.IteratorAgeMilliseconds")
            .dimensions(args.streamName().applyValue(s -> Map.of("StreamName", s)))
            .statistic("Maximum")
            .period(300)
            .evaluationPeriods(3)
            .comparisonOperator("GreaterThanThreshold")
            .threshold((double) args.iteratorAgeThresholdMillis())
            .treatMissingData("notBreaching")
            .alarmActions(Output.all(notify))
            .okActions(Output.all(notify))
            .build(),
        child);
    new MetricAlarm(
        name + "-bronze-downtime",
        MetricAlarmArgs.builder()
            .name(args.namePrefix() + "-bronze-downtime")
            .alarmDescription("The bronze Flink application is restarting or down")
            .namespace("AWS/KinesisAnalytics")
            .metricName("downtime")
            .dimensions(args.applicationName().applyValue(a -> Map.of("Application", a)))
            .statistic("Maximum")
            .period(60)
            .evaluationPeriods(5)
            .comparisonOperator("GreaterThanThreshold")
            .threshold(0.0)
            .treatMissingData("notBreaching")
            .alarmActions(Output.all(notify))
            .okActions(Output.all(notify))
            .build(),
        child);
    args.stateMachineArns()
        .forEach(
            (job, arn) -> {
              for (String metric : List.of("ExecutionsFailed", "ExecutionsTimedOut")) {
                new MetricAlarm(
                    name + "-" + job + "-" + metric.toLowerCase(Locale.ROOT),
                    MetricAlarmArgs.builder()
                        .name(args.namePrefix() + "-" + job + "-" + metric)
                        .alarmDescription("A " + job + " run: " + metric)
                        .namespace("AWS/States")
                        .metricName(metric)
                        .dimensions(arn.applyValue(a -> Map.of("StateMachineArn", a)))
                        .statistic("Sum")
                        .period(300)
                        .evaluationPeriods(1)
                        .comparisonOperator("GreaterThanOrEqualToThreshold")
                        .threshold(1.0)
                        .treatMissingData("notBreaching")
                        .alarmActions(Output.all(notify))
                        .build(),
                    child);
              }
            });
    new MetricAlarm(
        name + "-schedule-target-errors",
        MetricAlarmArgs.builder()
            .name(args.namePrefix() + "-schedule-target-errors")
            .alarmDescription("A scheduled run could not be started")
            .namespace("AWS/Scheduler")
            .metricName("TargetErrorCount")
            .dimensions(args.scheduleGroupName().applyValue(g -> Map.of("ScheduleGroup", g)))
            .statistic("Sum")
            .period(300)
            .evaluationPeriods(1)
            .comparisonOperator("GreaterThanOrEqualToThreshold")
            .threshold(1.0)
            .treatMissingData("notBreaching")
            .alarmActions(Output.all(notify))
            .build(),
        child);

    this.topicArn = topic.arn();
    registerOutputs(Map.of("alarmTopicArn", topicArn));
  }

  public Output<String> topicArn() {
    return topicArn;
  }
}
