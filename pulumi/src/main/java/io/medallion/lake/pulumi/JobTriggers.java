package io.medallion.lake.pulumi;

import com.pulumi.aws.cloudwatch.EventRule;
import com.pulumi.aws.cloudwatch.EventRuleArgs;
import com.pulumi.aws.cloudwatch.EventTarget;
import com.pulumi.aws.cloudwatch.EventTargetArgs;
import com.pulumi.aws.cloudwatch.inputs.EventTargetInputTransformerArgs;
import com.pulumi.aws.iam.Role;
import com.pulumi.aws.iam.RoleArgs;
import com.pulumi.aws.iam.RolePolicy;
import com.pulumi.aws.iam.RolePolicyArgs;
import com.pulumi.aws.s3.BucketNotification;
import com.pulumi.aws.s3.BucketNotificationArgs;
import com.pulumi.aws.scheduler.Schedule;
import com.pulumi.aws.scheduler.ScheduleArgs;
import com.pulumi.aws.scheduler.ScheduleGroup;
import com.pulumi.aws.scheduler.ScheduleGroupArgs;
import com.pulumi.aws.scheduler.inputs.ScheduleFlexibleTimeWindowArgs;
import com.pulumi.aws.scheduler.inputs.ScheduleTargetArgs;
import com.pulumi.aws.scheduler.inputs.ScheduleTargetRetryPolicyArgs;
import com.pulumi.core.Output;
import com.pulumi.resources.ComponentResource;
import com.pulumi.resources.ComponentResourceOptions;
import com.pulumi.resources.CustomResourceOptions;
import io.medallion.lake.layout.LakeLayout;
import io.medallion.lake.pulumi.PolicyDocument.Statement;
import io.medallion.lake.table.Dataset;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;

/**
 * Starts the batch jobs: EventBridge Scheduler runs silver hourly, gold daily, table maintenance
 * daily after gold, and the erasure of the day's GDPR requests daily; an EventBridge rule on the
 * bucket's object-created events runs uber-movements for each file dropped under {@code
 * landing/uber_movements/}. Each trigger hands its job's state machine the step's command line (see
 * {@link LakeCommands}), with the stack's Glue catalog.
 */
public final class JobTriggers extends ComponentResource {
  public static final String TYPE = "lake:compute:JobTriggers";

  private final Output<String> scheduleGroupName;

  public JobTriggers(String name, JobTriggersArgs args, ComponentResourceOptions options) {
    super(TYPE, name, options);
    CustomResourceOptions child = CustomResourceOptions.builder().parent(this).build();
    Output<String> jarUri =
        Output.tuple(args.bucketName(), args.jarKey()).applyValue(t -> "s3://" + t.t1 + "/" + t.t2);
    Output<String> lakeUri =
        args.bucketName().applyValue(b -> "s3://" + b + "/" + args.lakePrefix());
    String namespace = args.catalogNamespace();

    ScheduleGroup group =
        new ScheduleGroup(
            name + "-schedule-group",
            ScheduleGroupArgs.builder().name(args.scheduleGroupName()).build(),
            child);
    Role schedulerRole =
        new Role(
            name + "-scheduler-role",
            RoleArgs.builder()
                .description(
                    "Lets EventBridge Scheduler start the silver, gold, maintain and forget runs")
                .assumeRolePolicy(PolicyDocument.trust("scheduler.amazonaws.com"))
                .build(),
            child);
    new RolePolicy(
        name + "-scheduler-role-policy",
        RolePolicyArgs.builder()
            .role(schedulerRole.id())
            .policy(
                new PolicyDocument()
                    .add(
                        Statement.allow(
                            "StartBatchRuns",
                            List.of("states:StartExecution"),
                            List.of(
                                args.silverStateMachineArn(),
                                args.goldStateMachineArn(),
                                args.maintainStateMachineArn(),
                                args.forgetStateMachineArn())))
                    .toJson())
            .build(),
        child);
    schedule(
        name + "-silver-hourly",
        args.scheduleGroupName() + "-silver-hourly",
        "Promote the previous arrival hour from bronze to silver",
        args.silverSchedule(),
        args,
        group,
        schedulerRole,
        args.silverStateMachineArn(),
        Output.tuple(jarUri, lakeUri)
            .applyValue(
                t ->
                    LakeCommands.silver(
                        t.t1,
                        t.t2,
                        namespace,
                        LakeCommands.SCHEDULED_TIME,
                        args.silverFilesPerPartition())),
        child);
    schedule(
        name + "-gold-daily",
        args.scheduleGroupName() + "-gold-daily",
        "Promote yesterday's events from silver to gold",
        args.goldSchedule(),
        args,
        group,
        schedulerRole,
        args.goldStateMachineArn(),
        Output.tuple(jarUri, lakeUri)
            .applyValue(t -> LakeCommands.gold(t.t1, t.t2, namespace, LakeCommands.SCHEDULED_TIME)),
        child);
    schedule(
        name + "-maintain-daily",
        args.scheduleGroupName() + "-maintain-daily",
        "Expire old snapshots, remove orphan files and compact small files of the Iceberg tables",
        args.maintainSchedule(),
        args,
        group,
        schedulerRole,
        args.maintainStateMachineArn(),
        Output.tuple(jarUri, lakeUri).applyValue(t -> LakeCommands.maintain(t.t1, t.t2, namespace)),
        child);
    schedule(
        name + "-forget-daily",
        args.scheduleGroupName() + "-forget-daily",
        "Erase the data subjects of the GDPR erasure requests dropped under "
            + args.lakePrefix()
            + "/"
            + LakeLayout.ERASURE_REQUESTS
            + "/ from every layer",
        args.forgetSchedule(),
        args,
        group,
        schedulerRole,
        args.forgetStateMachineArn(),
        Output.tuple(jarUri, lakeUri).applyValue(t -> LakeCommands.forget(t.t1, t.t2, namespace)),
        child);

    // S3 sends every event of the bucket to EventBridge; the rule picks the landing prefix.
    new BucketNotification(
        name + "-bucket-events",
        BucketNotificationArgs.builder().bucket(args.bucketName()).eventbridge(true).build(),
        child);
    String landing =
        args.lakePrefix() + "/" + Dataset.SILVER_UBER_MOVEMENTS.landing().orElseThrow() + "/";
    EventRule rule =
        new EventRule(
            name + "-uber-landing",
            EventRuleArgs.builder()
                .description("A file dropped under " + landing)
                .eventPattern(args.bucketName().applyValue(b -> objectCreatedPattern(b, landing)))
                .build(),
            child);
    Role eventsRole =
        new Role(
            name + "-events-role",
            RoleArgs.builder()
                .description("Lets EventBridge start the uber-movements run")
                .assumeRolePolicy(PolicyDocument.trust("events.amazonaws.com"))
                .build(),
            child);
    new RolePolicy(
        name + "-events-role-policy",
        RolePolicyArgs.builder()
            .role(eventsRole.id())
            .policy(
                new PolicyDocument()
                    .add(
                        Statement.allow(
                            "StartUberMovementsRuns",
                            List.of("states:StartExecution"),
                            List.of(args.uberStateMachineArn())))
                    .toJson())
            .build(),
        child);
    BiFunction<String, String, String> template =
        (jar, root) ->
            PolicyDocument.toJson(
                Map.of(
                    "args",
                    LakeCommands.uberMovements(jar, root, namespace, "s3://<bucket>/<key>")));
    new EventTarget(
        name + "-uber-landing-target",
        EventTargetArgs.builder()
            .rule(rule.name())
            .arn(args.uberStateMachineArn())
            .roleArn(eventsRole.arn())
            .inputTransformer(
                EventTargetInputTransformerArgs.builder()
                    .inputPaths(
                        Map.of("bucket", "$.detail.bucket.name", "key", "$.detail.object.key"))
                    .inputTemplate(
                        Output.tuple(jarUri, lakeUri).applyValue(t -> template.apply(t.t1, t.t2)))
                    .build())
            .build(),
        child);

    this.scheduleGroupName = group.name();
    registerOutputs(Map.of("scheduleGroupName", scheduleGroupName));
  }

  public Output<String> scheduleGroupName() {
    return scheduleGroupName;
  }

  /** The EventBridge pattern for objects created in {@code bucket} under {@code keyPrefix}. */
  static String objectCreatedPattern(String bucket, String keyPrefix) {
    return PolicyDocument.toJson(
        Map.of(
            "source", List.of("aws.s3"),
            "detail-type", List.of("Object Created"),
            "detail",
                Map.of(
                    "bucket", Map.of("name", List.of(bucket)),
                    "object", Map.of("key", List.of(Map.of("prefix", keyPrefix))))));
  }

  private void schedule(
      String resourceName,
      String scheduleName,
      String description,
      String expression,
      JobTriggersArgs args,
      ScheduleGroup group,
      Role role,
      Output<String> stateMachineArn,
      Output<List<String>> command,
      CustomResourceOptions child) {
    new Schedule(
        resourceName,
        ScheduleArgs.builder()
            .name(scheduleName)
            .groupName(group.name())
            .description(description)
            .scheduleExpression(expression)
            .scheduleExpressionTimezone("UTC")
            .state(args.schedulesEnabled() ? "ENABLED" : "DISABLED")
            .flexibleTimeWindow(ScheduleFlexibleTimeWindowArgs.builder().mode("OFF").build())
            .target(
                ScheduleTargetArgs.builder()
                    .arn(stateMachineArn)
                    .roleArn(role.arn())
                    .input(command.applyValue(c -> PolicyDocument.toJson(Map.of("args", c))))
                    .retryPolicy(
                        ScheduleTargetRetryPolicyArgs.builder()
                            .maximumRetryAttempts(3)
                            .maximumEventAgeInSeconds(3600)
                            .build())
                    .build())
            .build(),
        child);
  }
}
