package io.medallion.lake.pulumi;

import com.pulumi.Context;
import com.pulumi.Pulumi;
import com.pulumi.asset.FileAsset;
import com.pulumi.aws.AwsFunctions;
import com.pulumi.aws.outputs.GetCallerIdentityResult;
import com.pulumi.aws.s3.BucketObjectv2;
import com.pulumi.aws.s3.BucketObjectv2Args;
import com.pulumi.core.Output;
import com.pulumi.resources.ComponentResourceOptions;
import com.pulumi.resources.CustomResourceOptions;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * The lake on AWS, one stack per environment: the bucket and its key, the event stream, the Glue
 * catalog and Athena workgroup, the bronze job on Managed Flink, the batch jobs on transient EMR
 * clusters with their triggers, and the alarms.
 *
 * <pre>{@code
 * mvn -B -pl runners -am package -DskipTests   # builds runners/target/lake.jar
 * mvn -B -pl pulumi -am install -DskipTests
 * cd pulumi && pulumi stack select dev && pulumi up
 * }</pre>
 *
 * See {@code docs/pulumi.md}.
 */
public final class App {
  private App() {}

  public static void main(String[] args) {
    Pulumi.run(App::stack);
  }

  /** Declares the stack; config is read once, into {@link LakeSettings}. */
  public static void stack(Context ctx) {
    LakeSettings s = LakeSettings.from(ctx.config(), ctx.config("aws"), ctx.stackName());
    String prefix = s.namePrefix();
    Output<String> accountId =
        AwsFunctions.getCallerIdentity().applyValue(GetCallerIdentityResult::accountId);

    LakeBucket storage =
        new LakeBucket(prefix + "-storage", LakeBucketArgs.from(s), ComponentResourceOptions.Empty);
    Output<String> jarKey = uploadJar(ctx, s, storage, prefix + "-storage-lake-jar");

    EventStream stream =
        new EventStream(
            prefix + "-stream",
            new EventStreamArgs(
                prefix + "-events",
                s.streamOnDemand(),
                s.streamShardCount(),
                s.streamRetentionHours(),
                storage.kmsKeyArn()),
            ComponentResourceOptions.Empty);

    LakeCatalog catalog =
        new LakeCatalog(
            prefix + "-catalog",
            new LakeCatalogArgs(
                s.databaseName(),
                prefix,
                storage.bucketName(),
                s.lakePrefix(),
                storage.kmsKeyArn(),
                s.athenaBytesScannedCutoff(),
                s.forceDestroy()),
            ComponentResourceOptions.Empty);

    StreamingJob bronze =
        new StreamingJob(
            prefix + "-bronze",
            new StreamingJobArgs(
                prefix + "-bronze",
                "/lake/" + s.stack() + "/bronze",
                s.logRetentionDays(),
                storage.bucketName(),
                storage.bucketArn(),
                s.lakePrefix(),
                jarKey,
                stream.streamName(),
                stream.streamArn(),
                storage.kmsKeyArn(),
                s.region(),
                s.flinkParallelism(),
                s.flinkParallelismPerKpu(),
                s.flinkAutoScaling(),
                s.flinkStartApplication()),
            ComponentResourceOptions.Empty);

    BatchJob silver =
        batchJob(
            s,
            "silver",
            List.of("bronze/events/"),
            List.of("silver/events/", "quarantine/events/", "_reports/silver/events/", "_tmp/"),
            storage,
            jarKey,
            accountId);
    BatchJob gold =
        batchJob(
            s,
            "gold",
            List.of("silver/events/"),
            List.of("gold/", "_reports/gold/", "_tmp/"),
            storage,
            jarKey,
            accountId);
    BatchJob uber =
        batchJob(
            s,
            "uber-movements",
            List.of("landing/uber_movements/"),
            List.of(
                "silver/uber_movements/",
                "quarantine/uber_movements/",
                "_reports/silver/uber_movements/",
                "_tmp/"),
            storage,
            jarKey,
            accountId);

    JobTriggers triggers =
        new JobTriggers(
            prefix + "-triggers",
            new JobTriggersArgs(
                prefix,
                s.schedulesEnabled(),
                s.silverSchedule(),
                s.goldSchedule(),
                silver.stateMachineArn(),
                gold.stateMachineArn(),
                uber.stateMachineArn(),
                storage.bucketName(),
                s.lakePrefix(),
                jarKey),
            ComponentResourceOptions.Empty);

    LakeAlarms alarms =
        new LakeAlarms(
            prefix + "-alarms",
            new LakeAlarmsArgs(
                prefix,
                stream.streamName(),
                bronze.applicationName(),
                Map.of(
                    "silver", silver.stateMachineArn(),
                    "gold", gold.stateMachineArn(),
                    "uber-movements", uber.stateMachineArn()),
                triggers.scheduleGroupName(),
                s.iteratorAgeAlarmMillis(),
                s.alarmEmail()),
            ComponentResourceOptions.Empty);

    ctx.export("bucketName", storage.bucketName());
    ctx.export(
        "lakeRoot", storage.bucketName().applyValue(b -> "s3://" + b + "/" + s.lakePrefix()));
    ctx.export("kmsKeyArn", storage.kmsKeyArn());
    ctx.export("streamName", stream.streamName());
    ctx.export("glueDatabase", catalog.databaseName());
    ctx.export("athenaWorkgroup", catalog.workgroupName());
    ctx.export("bronzeApplication", bronze.applicationName());
    ctx.export("silverStateMachine", silver.stateMachineArn());
    ctx.export("goldStateMachine", gold.stateMachineArn());
    ctx.export("uberMovementsStateMachine", uber.stateMachineArn());
    ctx.export("alarmTopicArn", alarms.topicArn());
    ctx.export("jarKey", jarKey);
  }

  private static BatchJob batchJob(
      LakeSettings s,
      String job,
      List<String> reads,
      List<String> writes,
      LakeBucket storage,
      Output<String> jarKey,
      Output<String> accountId) {
    return new BatchJob(
        s.namePrefix() + "-" + job,
        new BatchJobArgs(
            job,
            s.namePrefix() + "-" + job,
            "/lake/" + s.stack() + "/" + job,
            s.logRetentionDays(),
            storage.bucketName(),
            storage.bucketArn(),
            s.lakePrefix(),
            reads,
            writes,
            jarKey,
            storage.kmsKeyArn(),
            accountId,
            s.region(),
            new BatchJobArgs.EmrCluster(
                s.emrReleaseLabel(),
                s.emrPrimaryInstanceType(),
                s.emrCoreInstanceType(),
                s.emrCoreInstanceCount(),
                s.subnetId()),
            s.jobTimeoutSeconds()),
        ComponentResourceOptions.Empty);
  }

  /**
   * Uploads the bundled jar, if it has been built, under a key named after its content: the Managed
   * Flink application only picks up new code when its file key changes, and a run that started
   * before an update keeps the jar it started with. Without a jar (a fresh checkout, or a test)
   * nothing is uploaded and {@code artifacts/lake.jar} is assumed to be put there by hand; the
   * preview says so.
   */
  static Output<String> uploadJar(Context ctx, LakeSettings s, LakeBucket storage, String name) {
    Path jar = Path.of(s.jarPath());
    if (!Files.isRegularFile(jar)) {
      ctx.log()
          .warn(
              "no jar at "
                  + jar.toAbsolutePath()
                  + "; build it with `mvn -B -pl runners -am package -DskipTests`, or upload it to "
                  + LakeBucket.ARTIFACTS_PREFIX
                  + "lake.jar yourself");
      return Output.of(LakeBucket.ARTIFACTS_PREFIX + "lake.jar");
    }
    String key = LakeBucket.ARTIFACTS_PREFIX + "lake-" + sha256(jar).substring(0, 16) + ".jar";
    BucketObjectv2 object =
        new BucketObjectv2(
            name,
            BucketObjectv2Args.builder()
                .bucket(storage.bucketName())
                .key(key)
                .source(new FileAsset(jar.toString()))
                .contentType("application/java-archive")
                .build(),
            CustomResourceOptions.builder().parent(storage).build());
    return object.key();
  }

  static String sha256(Path file) {
    try (DigestInputStream in =
        new DigestInputStream(Files.newInputStream(file), MessageDigest.getInstance("SHA-256"))) {
      in.transferTo(OutputStream.nullOutputStream());
      return HexFormat.of().formatHex(in.getMessageDigest().digest());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
