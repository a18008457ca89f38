package io.medallion.lake.pulumi;

import com.pulumi.aws.cloudwatch.LogGroup;
import com.pulumi.aws.cloudwatch.LogGroupArgs;
import com.pulumi.aws.cloudwatch.LogStream;
import com.pulumi.aws.cloudwatch.LogStreamArgs;
import com.pulumi.aws.iam.Role;
import com.pulumi.aws.iam.RoleArgs;
import com.pulumi.aws.iam.RolePolicy;
import com.pulumi.aws.iam.RolePolicyArgs;
import com.pulumi.aws.kinesisanalyticsv2.Application;
import com.pulumi.aws.kinesisanalyticsv2.ApplicationArgs;
import com.pulumi.aws.kinesisanalyticsv2.inputs.ApplicationApplicationConfigurationApplicationCodeConfigurationArgs;
import com.pulumi.aws.kinesisanalyticsv2.inputs.ApplicationApplicationConfigurationApplicationCodeConfigurationCodeContentArgs;
import com.pulumi.aws.kinesisanalyticsv2.inputs.ApplicationApplicationConfigurationApplicationCodeConfigurationCodeContentS3ContentLocationArgs;
import com.pulumi.aws.kinesisanalyticsv2.inputs.ApplicationApplicationConfigurationArgs;
import com.pulumi.aws.kinesisanalyticsv2.inputs.ApplicationApplicationConfigurationEnvironmentPropertiesArgs;
import com.pulumi.aws.kinesisanalyticsv2.inputs.ApplicationApplicationConfigurationEnvironmentPropertiesPropertyGroupArgs;
import com.pulumi.aws.kinesisanalyticsv2.inputs.ApplicationApplicationConfigurationFlinkApplicationConfigurationArgs;
import com.pulumi.aws.kinesisanalyticsv2.inputs.ApplicationApplicationConfigurationFlinkApplicationConfigurationCheckpointConfigurationArgs;
import com.pulumi.aws.kinesisanalyticsv2.inputs.ApplicationApplicationConfigurationFlinkApplicationConfigurationMonitoringConfigurationArgs;
import com.pulumi.aws.kinesisanalyticsv2.inputs.ApplicationApplicationConfigurationFlinkApplicationConfigurationParallelismConfigurationArgs;
import com.pulumi.aws.kinesisanalyticsv2.inputs.ApplicationCloudwatchLoggingOptionsArgs;
import com.pulumi.core.Output;
import com.pulumi.resources.ComponentResource;
import com.pulumi.resources.ComponentResourceOptions;
import com.pulumi.resources.CustomResourceOptions;
import io.medallion.lake.layout.ApplicationProperties;
import io.medallion.lake.pulumi.PolicyDocument.Statement;
import java.util.List;
import java.util.Map;

/**
 * The streaming bronze job: {@code lake.jar bronze} on Amazon Managed Service for Apache Flink
 * (runtime {@value #RUNTIME}, the Flink the runner is built against), reading the event stream and
 * writing {@code bronze/events/}, with a role that can do exactly that. Bronze is raw files, not an
 * Iceberg table: the job gets the catalog arguments every lake job gets, but no Glue access.
 *
 * <p>Managed Flink starts the jar's main class without command-line arguments; the launcher's
 * arguments are handed over as the property group the launcher reads ({@link
 * ApplicationProperties}: one property per {@code --option}, plus the subcommand).
 */
public final class StreamingJob extends ComponentResource {
  public static final String TYPE = "lake:compute:StreamingJob";
  public static final String RUNTIME = "FLINK-1_19";

  private final Output<String> applicationName;
  private final Output<String> roleArn;

  public StreamingJob(String name, StreamingJobArgs args, ComponentResourceOptions options) {
    super(TYPE, name, options);
    CustomResourceOptions child = CustomResourceOptions.builder().parent(this).build();

    LogGroup logGroup =
        new LogGroup(
            name + "-logs",
            LogGroupArgs.builder()
                .name(args.logGroupName())
                .retentionInDays(args.logRetentionDays())
                .build(),
            child);
    LogStream logStream =
        new LogStream(
            name + "-log-stream",
            LogStreamArgs.builder().logGroupName(logGroup.name()).name("flink").build(),
            child);

    Role role =
        new Role(
            name + "-role",
            RoleArgs.builder()
                .description("Runs the bronze job: reads the event stream, writes bronze/events/")
                .assumeRolePolicy(PolicyDocument.trust("kinesisanalytics.amazonaws.com"))
                .build(),
            child);
    String bronze = args.lakePrefix() + "/bronze/events/";
    PolicyDocument policy =
        new PolicyDocument()
            .add(
                Statement.allow(
                    "ReadEventStream",
                    List.of(
                        "kinesis:DescribeStream",
                        "kinesis:DescribeStreamSummary",
                        "kinesis:GetRecords",
                        "kinesis:GetShardIterator",
                        "kinesis:ListShards"),
                    List.of(args.streamArn())))
            .addAll(S3Access.write("WriteBronze", args.bucketArn(), List.of(bronze)))
            .add(
                Statement.allow(
                    "ReadApplicationCode",
                    List.of("s3:GetObject", "s3:GetObjectVersion"),
                    List.of(
                        Output.tuple(args.bucketArn(), args.jarKey())
                            .applyValue(t -> t.t1 + "/" + t.t2))))
            .add(S3Access.kms("UseLakeKey", args.kmsKeyArn()))
            .add(
                Statement.allow(
                    "WriteLogs",
                    List.of("logs:DescribeLogStreams", "logs:PutLogEvents"),
                    List.of(logGroup.arn().applyValue(arn -> arn + ":log-stream:*"))));
    new RolePolicy(
        name + "-role-policy",
        RolePolicyArgs.builder().role(role.id()).policy(policy.toJson()).build(),
        child);

    Output<String> lakeUri =
        args.bucketName().applyValue(b -> "s3://" + b + "/" + args.lakePrefix());
    Application app =
        new Application(
            name + "-application",
            ApplicationArgs.builder()
                .name(args.applicationName())
                .description("lake.jar bronze: Kinesis events to bronze/events/")
                .runtimeEnvironment(RUNTIME)
                .serviceExecutionRole(role.arn())
                .startApplication(args.startApplication())
                .cloudwatchLoggingOptions(
                    ApplicationCloudwatchLoggingOptionsArgs.builder()
                        .logStreamArn(logStream.arn())
                        .build())
                .applicationConfiguration(
                    ApplicationApplicationConfigurationArgs.builder()
                        .applicationCodeConfiguration(
                            ApplicationApplicationConfigurationApplicationCodeConfigurationArgs
                                .builder()
                                // A jar is uploaded as ZIPFILE: Managed Flink's name for "a file".
                                .codeContentType("ZIPFILE")
                                .codeContent(
                                    ApplicationApplicationConfigurationApplicationCodeConfigurationCodeContentArgs
                                        .builder()
                                        .s3ContentLocation(
                                            ApplicationApplicationConfigurationApplicationCodeConfigurationCodeContentS3ContentLocationArgs
                                                .builder()
                                                .bucketArn(args.bucketArn())
                                                .fileKey(args.jarKey())
                                                .build())
                                        .build())
                                .build())
                        .environmentProperties(
                            ApplicationApplicationConfigurationEnvironmentPropertiesArgs.builder()
                                .propertyGroups(
                                    ApplicationApplicationConfigurationEnvironmentPropertiesPropertyGroupArgs
                                        .builder()
                                        .propertyGroupId(ApplicationProperties.GROUP)
                                        .propertyMap(
                                            Output.tuple(lakeUri, args.streamName())
                                                .applyValue(
                                                    t ->
                                                        ApplicationProperties.of(
                                                            "bronze",
                                                            Map.of(
                                                                "runner",
                                                                "FlinkRunner",
                                                                "lake",
                                                                t.t1,
                                                                "catalog",
                                                                LakeCommands.CATALOG,
                                                                "catalogNamespace",
                                                                args.catalogNamespace(),
                                                                "stream",
                                                                t.t2,
                                                                "awsRegion",
                                                                args.region()))))
                                        .build())
                                .build())
                        .flinkApplicationConfiguration(
                            ApplicationApplicationConfigurationFlinkApplicationConfigurationArgs
                                .builder()
                                // Bronze files are committed on checkpoints, so the service's
                                // default (every minute) bounds how late a bronze hour closes.
                                .checkpointConfiguration(
                                    ApplicationApplicationConfigurationFlinkApplicationConfigurationCheckpointConfigurationArgs
                                        .builder()
                                        .configurationType("DEFAULT")
                                        .build())
                                .monitoringConfiguration(
                                    ApplicationApplicationConfigurationFlinkApplicationConfigurationMonitoringConfigurationArgs
                                        .builder()
                                        .configurationType("CUSTOM")
                                        .logLevel("INFO")
                                        .metricsLevel("APPLICATION")
                                        .build())
                                .parallelismConfiguration(
                                    ApplicationApplicationConfigurationFlinkApplicationConfigurationParallelismConfigurationArgs
                                        .builder()
                                        .configurationType("CUSTOM")
                                        .parallelism(args.parallelism())
                                        .parallelismPerKpu(args.parallelismPerKpu())
                                        .autoScalingEnabled(args.autoScaling())
                                        .build())
                                .build())
                        .build())
                .build(),
            child);

    this.applicationName = app.name();
    this.roleArn = role.arn();
    registerOutputs(
        Map.of(
            "applicationName", applicationName,
            "roleArn", roleArn,
            "logGroupName", logGroup.name()));
  }

  public Output<String> applicationName() {
    return applicationName;
  }

  public Output<String> roleArn() {
    return roleArn;
  }
}
