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
import io.medallion.lake.layout.LakeLayout;
import io.medallion.lake.table.Dataset;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The lake on AWS, one stack per environment: the bucket and its key, the event stream, the Glue
 * database (where the lake registers its Iceberg tables) and the Athena workgroup, the bronze job
 * on Managed Flink, the batch jobs (promotions, table maintenance and the daily GDPR erasure) on
 * transient EMR clusters with their triggers, and the alarms.
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
    GlueAccess.Catalog glue = new GlueAccess.Catalog(s.region(), accountId, s.databaseName());

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

    GlueCatalog catalog =
        new GlueCatalog(
            prefix + "-catalog",
            new GlueCatalogArgs(
                glue,
                prefix,
                storage.bucketName(),
                storage.bucketArn(),
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
                s.databaseName(),
                s.flinkParallelism(),
                s.flinkParallelismPerKpu(),
                s.flinkAutoScaling(),
                s.flinkStartApplication()),
            ComponentResourceOptions.Empty);

    // Each job's access: the plain folders it reads and writes, and the Iceberg tables it reads
    // and commits to (whose folders, data and metadata, come with them).
    BatchJob silver =
        batchJob(
            s,
            "silver",
            new Access(
                List.of(LakeLayout.BRONZE_EVENTS + "/"),
                // Silver marks the gold dates it adds rows to as pending.
                writes(Dataset.SILVER_EVENTS, folder(Dataset.GOLD_EVENTS.pending())),
                List.of(),
                tables(Dataset.SILVER_EVENTS)),
            storage,
            jarKey,
            accountId,
            glue);
    BatchJob gold =
        batchJob(
            s,
            "gold",
            new Access(
                List.of(),
                // Gold clears the pending marks of the dates it promotes.
                writes(Dataset.GOLD_EVENTS),
                tables(Dataset.SILVER_EVENTS),
                tables(Dataset.GOLD_EVENTS)),
            storage,
            jarKey,
            accountId,
            glue);
    BatchJob uber =
        batchJob(
            s,
            "uber-movements",
            new Access(
                List.of(folder(Dataset.SILVER_UBER_MOVEMENTS.landing().orElseThrow())),
                writes(Dataset.SILVER_UBER_MOVEMENTS),
                List.of(),
                tables(Dataset.SILVER_UBER_MOVEMENTS)),
            storage,
            jarKey,
            accountId,
            glue);
    BatchJob maintain =
        batchJob(
            s,
            "maintain",
            // Also the staging folders that runs which died left behind: maintain removes them.
            new Access(List.of(), List.of(TMP_PREFIX), List.of(), GlueTables.ICEBERG),
            storage,
            jarKey,
            accountId,
            glue);

    BatchJob forget =
        batchJob(
            s,
            "forget",
            new Access(List.of(), erasureWrites(), List.of(), GlueTables.ICEBERG),
            // Most days nobody asks: no cluster is started then.
            Optional.of(folder(LakeLayout.ERASURE_REQUESTS)),
            storage,
            jarKey,
            accountId,
            glue);

    JobTriggers triggers =
        new JobTriggers(
            prefix + "-triggers",
            new JobTriggersArgs(
                prefix,
                s.schedulesEnabled(),
                s.silverSchedule(),
                s.silverFilesPerPartition(),
                s.goldSchedule(),
                s.maintainSchedule(),
                s.forgetSchedule(),
                silver.stateMachineArn(),
                gold.stateMachineArn(),
                uber.stateMachineArn(),
                maintain.stateMachineArn(),
                forget.stateMachineArn(),
                s.databaseName(),
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
                    "uber-movements", uber.stateMachineArn(),
                    "maintain", maintain.stateMachineArn(),
                    "forget", forget.stateMachineArn()),
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
    ctx.export("athenaReaderPolicyArn", catalog.readerPolicyArn());
    ctx.export("bronzeApplication", bronze.applicationName());
    ctx.export("silverStateMachine", silver.stateMachineArn());
    ctx.export("goldStateMachine", gold.stateMachineArn());
    ctx.export("uberMovementsStateMachine", uber.stateMachineArn());
    ctx.export("maintainStateMachine", maintain.stateMachineArn());
    ctx.export("forgetStateMachine", forget.stateMachineArn());
    ctx.export(
        "erasureRequests",
        storage
            .bucketName()
            .applyValue(
                b ->
                    "s3://"
                        + b
                        + "/"
                        + s.lakePrefix()
                        + "/"
                        + folder(LakeLayout.ERASURE_REQUESTS)));
    ctx.export("alarmTopicArn", alarms.topicArn());
    ctx.export("jarKey", jarKey);
  }

  /** Staging for a run's files until it commits; expired by the bucket's lifecycle rules. */
  private static final String TMP_PREFIX = folder(LakeLayout.STAGING);

  /** A lake-relative folder as an S3 key prefix: {@code quarantine/events/}. */
  private static String folder(String relative) {
    return relative + "/";
  }

  /**
   * The plain folders a promotion of {@code dataset} writes: its own (reports, pending and
   * in-flight marks, quarantine), the staging folder, and {@code others} (a downstream dataset's
   * marks).
   */
  private static List<String> writes(Dataset dataset, String... others) {
    List<String> folders = new ArrayList<>();
    dataset.folders().forEach(f -> folders.add(folder(f)));
    folders.addAll(List.of(others));
    folders.add(TMP_PREFIX);
    return folders;
  }

  /** The Glue/Iceberg tables a dataset commits to, its family's as one prefix. */
  private static List<GlueTables.IcebergTable> tables(Dataset dataset) {
    return GlueTables.of(dataset);
  }

  /**
   * The plain folders the erasure ({@code lake forget}) rewrites, reads or deletes in: bronze's
   * files and every dataset's quarantine (which can hold the subject's records), the pending marks
   * (the dates whose aggregates it changes), the request files it takes and deletes, its receipts,
   * and the staging folder. Its Iceberg tables are all of them.
   */
  private static List<String> erasureWrites() {
    List<String> folders = new ArrayList<>();
    folders.add(folder(LakeLayout.BRONZE_EVENTS));
    Dataset.values().forEach(d -> d.quarantine().ifPresent(q -> folders.add(folder(q))));
    folders.add(folder(LakeLayout.PENDING));
    folders.add(folder(LakeLayout.ERASURE_REQUESTS));
    folders.add(folder(LakeLayout.ERASURE_REPORTS));
    folders.add(TMP_PREFIX);
    return folders;
  }

  /**
   * What one batch job may touch: plain folders (relative to the lake root, ending in {@code /})
   * and Iceberg tables.
   */
  private record Access(
      List<String> readPrefixes,
      List<String> writePrefixes,
      List<GlueTables.IcebergTable> readTables,
      List<GlueTables.IcebergTable> writeTables) {}

  private static BatchJob batchJob(
      LakeSettings s,
      String job,
      Access access,
      LakeBucket storage,
      Output<String> jarKey,
      Output<String> accountId,
      GlueAccess.Catalog glue) {
    return batchJob(s, job, access, Optional.empty(), storage, jarKey, accountId, glue);
  }

  /**
   * A batch job; with {@code inputFolder} (lake-relative, ending in {@code /}), a run starts its
   * cluster only when that folder holds an object.
   */
  private static BatchJob batchJob(
      LakeSettings s,
      String job,
      Access access,
      Optional<String> inputFolder,
      LakeBucket storage,
      Output<String> jarKey,
      Output<String> accountId,
      GlueAccess.Catalog glue) {
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
            access.readPrefixes(),
            access.writePrefixes(),
            glue,
            access.readTables(),
            access.writeTables(),
            inputFolder,
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
