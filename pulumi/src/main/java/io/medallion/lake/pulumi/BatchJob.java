package io.medallion.lake.pulumi;

import com.pulumi.aws.cloudwatch.LogGroup;
import com.pulumi.aws.cloudwatch.LogGroupArgs;
import com.pulumi.aws.iam.InstanceProfile;
import com.pulumi.aws.iam.InstanceProfileArgs;
import com.pulumi.aws.iam.Role;
import com.pulumi.aws.iam.RoleArgs;
import com.pulumi.aws.iam.RolePolicy;
import com.pulumi.aws.iam.RolePolicyArgs;
import com.pulumi.aws.iam.RolePolicyAttachment;
import com.pulumi.aws.iam.RolePolicyAttachmentArgs;
import com.pulumi.aws.sfn.StateMachine;
import com.pulumi.aws.sfn.StateMachineArgs;
import com.pulumi.aws.sfn.inputs.StateMachineLoggingConfigurationArgs;
import com.pulumi.core.Output;
import com.pulumi.resources.ComponentResource;
import com.pulumi.resources.ComponentResourceOptions;
import com.pulumi.resources.CustomResourceOptions;
import io.medallion.lake.pulumi.PolicyDocument.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One batch job (silver, gold, uber-movements, maintain or forget) as a Step Functions state
 * machine that starts a transient EMR cluster with Flink, runs one step, and terminates the cluster
 * whatever happened.
 *
 * <p>Why EMR on EC2 and a cluster per run: EMR Serverless runs Spark and Hive, not Flink, and the
 * pipelines run on FlinkRunner. A cluster per run costs only while a run lasts, and gives each job
 * an instance profile of its own, so the silver run cannot touch gold's folders or commit to gold's
 * Iceberg tables (a shared cluster would run every step under one instance role). Step Functions
 * supplies the wait-for-completion, the guaranteed termination and a failure metric ({@code
 * ExecutionsFailed}) to alarm on.
 *
 * <p>The state machine is generic over the step's command line: its input is {@code {"args":
 * [...]}} for EMR's {@code command-runner.jar}; the triggers (see {@link JobTriggers}) build it. A
 * job with an input folder ({@link BatchJobArgs#inputFolder}) first lists it (one key at most) and
 * ends at once, successfully and without a cluster, when it is empty.
 */
public final class BatchJob extends ComponentResource {
  public static final String TYPE = "lake:compute:BatchJob";
  public static final String JOB_TAG = "lake-job";
  static final String EMR_SERVICE_POLICY =
      "arn:aws:iam::aws:policy/service-role/AmazonEMRServicePolicy_v2";

  private final Output<String> stateMachineArn;
  private final Output<String> stateMachineName;
  private final Output<String> instanceRoleArn;

  public BatchJob(String name, BatchJobArgs args, ComponentResourceOptions options) {
    super(TYPE, name, options);
    CustomResourceOptions child = CustomResourceOptions.builder().parent(this).build();
    String lake = args.lakePrefix() + "/";

    LogGroup logGroup =
        new LogGroup(
            name + "-logs",
            LogGroupArgs.builder()
                .name(args.logGroupName())
                .retentionInDays(args.logRetentionDays())
                .build(),
            child);

    // What the job's code may do: the EMR instances run it, so this is the instance profile's role.
    Role instanceRole =
        new Role(
            name + "-instance-role",
            RoleArgs.builder()
                .description("EMR instances of the " + args.job() + " job")
                .assumeRolePolicy(PolicyDocument.trust("ec2.amazonaws.com"))
                .build(),
            child);
    List<String> reads = new ArrayList<>(args.readPrefixes());
    args.readTables().stream()
        .filter(t -> !args.writeTables().contains(t))
        .forEach(t -> reads.add(t.prefix()));
    List<String> writes = new ArrayList<>(args.writePrefixes());
    args.writeTables().forEach(t -> writes.add(t.prefix()));
    PolicyDocument jobPolicy = new PolicyDocument();
    if (!reads.isEmpty()) {
      jobPolicy.addAll(
          S3Access.read("Read", args.bucketArn(), reads.stream().map(p -> lake + p).toList()));
    }
    jobPolicy
        .addAll(
            S3Access.write("Write", args.bucketArn(), writes.stream().map(p -> lake + p).toList()))
        .addAll(GlueAccess.tables("Catalog", args.catalog(), args.readTables(), args.writeTables()))
        .add(
            Statement.allow(
                "ReadJar",
                List.of("s3:GetObject"),
                List.of(
                    Output.tuple(args.bucketArn(), args.jarKey())
                        .applyValue(t -> t.t1 + "/" + t.t2))))
        .addAll(
            S3Access.write(
                "WriteEmrLogs",
                args.bucketArn(),
                List.of(LakeBucket.EMR_LOGS_PREFIX + args.job() + "/")))
        .add(S3Access.kms("UseLakeKey", args.kmsKeyArn()));
    new RolePolicy(
        name + "-instance-role-policy",
        RolePolicyArgs.builder().role(instanceRole.id()).policy(jobPolicy.toJson()).build(),
        child);
    InstanceProfile profile =
        new InstanceProfile(
            name + "-instance-profile",
            InstanceProfileArgs.builder().role(instanceRole.name()).build(),
            child);

    // What EMR itself needs to start and stop the instances: AWS's managed v2 service policy,
    // which only acts on resources tagged for-use-with-amazon-emr-managed-policies=true.
    Role serviceRole =
        new Role(
            name + "-emr-service-role",
            RoleArgs.builder()
                .description("EMR service role for " + args.job() + " clusters")
                .assumeRolePolicy(
                    PolicyDocument.trust("elasticmapreduce.amazonaws.com", args.accountId()))
                .build(),
            child);
    new RolePolicyAttachment(
        name + "-emr-service-policy",
        RolePolicyAttachmentArgs.builder()
            .role(serviceRole.name())
            .policyArn(EMR_SERVICE_POLICY)
            .build(),
        child);

    Role machineRole =
        new Role(
            name + "-state-machine-role",
            RoleArgs.builder()
                .description("Runs " + args.job() + " on a transient EMR cluster")
                .assumeRolePolicy(PolicyDocument.trust("states.amazonaws.com", args.accountId()))
                .build(),
            child);
    new RolePolicy(
        name + "-state-machine-role-policy",
        RolePolicyArgs.builder()
            .role(machineRole.id())
            .policy(stateMachinePolicy(args, instanceRole, serviceRole).toJson())
            .build(),
        child);

    StateMachine machine =
        new StateMachine(
            name + "-state-machine",
            StateMachineArgs.builder()
                .name(args.stateMachineName())
                .type("STANDARD")
                .roleArn(machineRole.arn())
                .definition(
                    Output.tuple(profile.name(), serviceRole.name(), args.bucketName())
                        .applyValue(t -> definition(args, t.t1, t.t2, t.t3)))
                .loggingConfiguration(
                    StateMachineLoggingConfigurationArgs.builder()
                        .level("ERROR")
                        .includeExecutionData(false)
                        .logDestination(logGroup.arn().applyValue(arn -> arn + ":*"))
                        .build())
                .build(),
            child);

    this.stateMachineArn = machine.arn();
    this.stateMachineName = machine.name();
    this.instanceRoleArn = instanceRole.arn();
    registerOutputs(
        Map.of(
            "stateMachineArn", stateMachineArn,
            "instanceRoleArn", instanceRoleArn,
            "logGroupName", logGroup.name()));
  }

  public Output<String> stateMachineArn() {
    return stateMachineArn;
  }

  public Output<String> stateMachineName() {
    return stateMachineName;
  }

  public Output<String> instanceRoleArn() {
    return instanceRoleArn;
  }

  private static PolicyDocument stateMachinePolicy(
      BatchJobArgs args, Role instanceRole, Role serviceRole) {
    String region = args.region();
    Output<String> clusters =
        args.accountId()
            .applyValue(a -> "arn:aws:elasticmapreduce:" + region + ":" + a + ":cluster/*");
    List<Output<String>> syncRules =
        List.of(
                "StepFunctionsGetEventsForEMRRunJobFlowRule",
                "StepFunctionsGetEventsForEMRAddJobFlowStepsRule",
                "StepFunctionsGetEventsForEMRTerminateJobFlowsRule")
            .stream()
            .map(
                rule ->
                    args.accountId()
                        .applyValue(a -> "arn:aws:events:" + region + ":" + a + ":rule/" + rule))
            .toList();
    PolicyDocument policy = new PolicyDocument();
    args.inputFolder()
        .ifPresent(
            folder ->
                policy.add(
                    Statement.allow(
                            "ListInput", List.of("s3:ListBucket"), List.of(args.bucketArn()))
                        .when(
                            "StringLike",
                            "s3:prefix",
                            List.of(args.lakePrefix() + "/" + folder + "*"))));
    return policy
        // RunJobFlow has no resource-level permissions; the request must carry this job's tag.
        .add(
            Statement.allow(
                    "StartClusterForThisJob",
                    List.of("elasticmapreduce:RunJobFlow", "elasticmapreduce:AddTags"),
                    List.of(Output.of("*")))
                .when("StringEquals", "aws:RequestTag/" + JOB_TAG, List.of(args.job())))
        .add(
            Statement.allow(
                    "DriveThisJobsClusters",
                    List.of(
                        "elasticmapreduce:DescribeCluster",
                        "elasticmapreduce:TerminateJobFlows",
                        "elasticmapreduce:AddJobFlowSteps",
                        "elasticmapreduce:DescribeStep",
                        "elasticmapreduce:CancelSteps"),
                    List.of(clusters))
                .when(
                    "StringEquals", "elasticmapreduce:ResourceTag/" + JOB_TAG, List.of(args.job())))
        .add(
            Statement.allow(
                    "PassClusterRoles",
                    List.of("iam:PassRole"),
                    List.of(instanceRole.arn(), serviceRole.arn()))
                .when(
                    "StringEquals",
                    "iam:PassedToService",
                    List.of("elasticmapreduce.amazonaws.com", "ec2.amazonaws.com")))
        .add(
            Statement.allow(
                "WaitForClusterEvents",
                List.of("events:PutTargets", "events:PutRule", "events:DescribeRule"),
                syncRules))
        // CloudWatch Logs delivery for Step Functions supports no resource-level permissions
        // (AWS documents Resource "*" for exactly these actions).
        .add(
            Statement.allow(
                "DeliverExecutionLogs",
                List.of(
                    "logs:CreateLogDelivery",
                    "logs:GetLogDelivery",
                    "logs:UpdateLogDelivery",
                    "logs:DeleteLogDelivery",
                    "logs:ListLogDeliveries",
                    "logs:PutResourcePolicy",
                    "logs:DescribeResourcePolicies",
                    "logs:DescribeLogGroups"),
                List.of(Output.of("*"))));
  }

  /** The Amazon States Language definition: create cluster, run the step, always terminate. */
  static String definition(
      BatchJobArgs args, String instanceProfile, String serviceRole, String bucket) {
    BatchJobArgs.EmrCluster emr = args.emr();
    Map<String, Object> instances = new LinkedHashMap<>();
    instances.put("KeepJobFlowAliveWhenNoSteps", true);
    instances.put(
        "InstanceGroups",
        List.of(
            Map.of(
                "Name",
                "primary",
                "InstanceRole",
                "MASTER",
                "InstanceType",
                emr.primaryInstanceType(),
                "InstanceCount",
                1),
            Map.of(
                "Name",
                "core",
                "InstanceRole",
                "CORE",
                "InstanceType",
                emr.coreInstanceType(),
                "InstanceCount",
                emr.coreInstanceCount())));
    emr.subnetId().ifPresent(s -> instances.put("Ec2SubnetId", s));

    Map<String, Object> cluster = new LinkedHashMap<>();
    cluster.put("Name", args.stateMachineName());
    cluster.put("ReleaseLabel", emr.releaseLabel());
    cluster.put("Applications", List.of(Map.of("Name", "Flink")));
    cluster.put("ServiceRole", serviceRole);
    cluster.put("JobFlowRole", instanceProfile);
    cluster.put("LogUri", "s3://" + bucket + "/" + LakeBucket.EMR_LOGS_PREFIX + args.job() + "/");
    cluster.put("VisibleToAllUsers", true);
    // A safety net for a run that times out between its steps: Step Functions then never reaches
    // Terminate, and an idle cluster shuts itself down instead of billing until someone looks.
    cluster.put("AutoTerminationPolicy", Map.of("IdleTimeout", 3600));
    cluster.put("Instances", instances);
    cluster.put(
        "Tags",
        List.of(
            Map.of("Key", JOB_TAG, "Value", args.job()),
            Map.of("Key", "for-use-with-amazon-emr-managed-policies", "Value", "true")));

    Map<String, Object> states = new LinkedHashMap<>();
    args.inputFolder()
        .ifPresent(
            folder -> {
              states.put(
                  "ListInput",
                  Map.of(
                      "Type", "Task",
                      "Resource", "arn:aws:states:::aws-sdk:s3:listObjectsV2",
                      "Parameters",
                          Map.of(
                              "Bucket",
                              bucket,
                              "Prefix",
                              args.lakePrefix() + "/" + folder,
                              "MaxKeys",
                              1),
                      "ResultSelector", Map.of("KeyCount.$", "$.KeyCount"),
                      "ResultPath", "$.input",
                      "Next", "AnyInput"));
              states.put(
                  "AnyInput",
                  Map.of(
                      "Type", "Choice",
                      "Choices",
                          List.of(
                              Map.of(
                                  "Variable", "$.input.KeyCount",
                                  "NumericGreaterThan", 0,
                                  "Next", "CreateCluster")),
                      "Default", "NothingToDo"));
              states.put(
                  "NothingToDo",
                  Map.of(
                      "Type",
                      "Succeed",
                      "Comment",
                      "nothing under " + args.lakePrefix() + "/" + folder));
            });
    states.put(
        "CreateCluster",
        Map.of(
            "Type", "Task",
            "Resource", "arn:aws:states:::elasticmapreduce:createCluster.sync",
            "Parameters", cluster,
            "ResultSelector", Map.of("ClusterId.$", "$.ClusterId"),
            "ResultPath", "$.cluster",
            "Next", "RunStep"));
    states.put(
        "RunStep",
        Map.of(
            "Type", "Task",
            "Resource", "arn:aws:states:::elasticmapreduce:addStep.sync",
            "Parameters",
                Map.of(
                    "ClusterId.$",
                    "$.cluster.ClusterId",
                    "Step",
                    Map.of(
                        "Name", args.job(),
                        "ActionOnFailure", "CONTINUE",
                        "HadoopJarStep", Map.of("Jar", "command-runner.jar", "Args.$", "$.args"))),
            "ResultPath", "$.step",
            "Catch",
                List.of(
                    Map.of(
                        "ErrorEquals", List.of("States.ALL"),
                        "ResultPath", "$.error",
                        "Next", "TerminateAfterFailure")),
            "Next", "Terminate"));
    states.put("Terminate", terminate(true, null));
    states.put("TerminateAfterFailure", terminate(false, "Failed"));
    states.put(
        "Failed",
        Map.of(
            "Type", "Fail",
            "Error", "LakeJobFailed",
            "Cause",
                "the " + args.job() + " step failed; its logs are under the cluster's LogUri"));

    Map<String, Object> machine = new LinkedHashMap<>();
    machine.put("Comment", "lake.jar " + args.job() + " on a transient EMR cluster with Flink");
    machine.put("TimeoutSeconds", args.timeoutSeconds());
    machine.put("StartAt", args.inputFolder().isPresent() ? "ListInput" : "CreateCluster");
    machine.put("States", states);
    return PolicyDocument.toJson(machine);
  }

  private static Map<String, Object> terminate(boolean end, String next) {
    Map<String, Object> s = new LinkedHashMap<>();
    s.put("Type", "Task");
    s.put("Resource", "arn:aws:states:::elasticmapreduce:terminateCluster.sync");
    s.put("Parameters", Map.of("ClusterId.$", "$.cluster.ClusterId"));
    s.put("ResultPath", null);
    if (end) {
      s.put("End", true);
    } else {
      s.put("Next", next);
    }
    return s;
  }
}
