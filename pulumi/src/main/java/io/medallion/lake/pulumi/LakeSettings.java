package io.medallion.lake.pulumi;

import com.pulumi.Config;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Everything a stack may set, read once from {@code Pulumi.<stack>.yaml} and checked before any
 * resource is declared, so a bad value fails the preview with a message instead of a half-applied
 * update. Components never read config; they take {@code …Args} built from this record.
 *
 * <p>Keys live in the {@code lake:} namespace except the region ({@code aws:region}).
 */
public record LakeSettings(
    String stack,
    String region,
    String lakePrefix,
    boolean forceDestroy,
    boolean accessLogging,
    int bronzeTransitionDays,
    String bronzeStorageClass,
    int quarantineExpirationDays,
    int tmpExpirationDays,
    int noncurrentVersionExpirationDays,
    int operationalLogExpirationDays,
    boolean streamOnDemand,
    int streamShardCount,
    int streamRetentionHours,
    int athenaBytesScannedCutoff,
    String jarPath,
    int flinkParallelism,
    int flinkParallelismPerKpu,
    boolean flinkAutoScaling,
    boolean flinkStartApplication,
    String emrReleaseLabel,
    String emrPrimaryInstanceType,
    String emrCoreInstanceType,
    int emrCoreInstanceCount,
    int silverFilesPerPartition,
    Optional<String> subnetId,
    int jobTimeoutSeconds,
    boolean schedulesEnabled,
    String silverSchedule,
    String goldSchedule,
    String maintainSchedule,
    String forgetSchedule,
    int logRetentionDays,
    long iteratorAgeAlarmMillis,
    Optional<String> alarmEmail) {

  /** The values CloudWatch Logs accepts for a log group's retention. */
  static final Set<Integer> LOG_RETENTION_DAYS =
      Set.of(
          1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557,
          2922, 3288, 3653);

  /**
   * The longest a replaced or deleted object version may be kept, in days. An erasure rewrites
   * objects; in a versioned bucket their old versions, which still hold the erased subject, stay
   * until the lifecycle expires them, and the GDPR gives a month to honour a request (Art. 12(3),
   * Art. 17).
   */
  static final int MAX_NONCURRENT_VERSION_DAYS = 30;

  static final Set<String> BRONZE_STORAGE_CLASSES =
      Set.of("STANDARD_IA", "INTELLIGENT_TIERING", "GLACIER_IR");

  /** A schedule that fires once a day at a fixed UTC minute: {@code cron(M H * * ? *)}. */
  private static final Pattern DAILY_CRON =
      Pattern.compile("cron\\(([0-5]?[0-9]) (1?[0-9]|2[0-3]) \\* \\* \\? \\*\\)");

  /** Reads and validates the stack's configuration. */
  public static LakeSettings from(Config lake, Config aws, String stack) {
    LakeSettings s =
        new LakeSettings(
            stack,
            aws.require("region"),
            lake.get("lakePrefix").orElse("lake"),
            lake.getBoolean("forceDestroy").orElse(false),
            lake.getBoolean("accessLogging").orElse(true),
            lake.getInteger("bronzeTransitionDays").orElse(30),
            lake.get("bronzeStorageClass").orElse("STANDARD_IA"),
            lake.getInteger("quarantineExpirationDays").orElse(30),
            lake.getInteger("tmpExpirationDays").orElse(2),
            lake.getInteger("noncurrentVersionExpirationDays").orElse(30),
            lake.getInteger("operationalLogExpirationDays").orElse(30),
            streamMode(lake.get("streamMode").orElse("provisioned")),
            lake.getInteger("streamShardCount").orElse(1),
            lake.getInteger("streamRetentionHours").orElse(24),
            lake.getInteger("athenaBytesScannedCutoff").orElse(1_000_000_000),
            lake.get("jarPath").orElse("../runners/target/lake.jar"),
            lake.getInteger("flinkParallelism").orElse(1),
            lake.getInteger("flinkParallelismPerKpu").orElse(1),
            lake.getBoolean("flinkAutoScaling").orElse(false),
            lake.getBoolean("flinkStartApplication").orElse(false),
            lake.get("emrReleaseLabel").orElse("emr-7.5.0"),
            lake.get("emrPrimaryInstanceType").orElse("m5.xlarge"),
            lake.get("emrCoreInstanceType").orElse("m5.xlarge"),
            lake.getInteger("emrCoreInstanceCount").orElse(1),
            lake.getInteger("silverFilesPerPartition").orElse(1),
            lake.get("subnetId"),
            lake.getInteger("jobTimeoutSeconds").orElse(3 * 3600),
            lake.getBoolean("schedulesEnabled").orElse(false),
            lake.get("silverSchedule").orElse("cron(15 * * * ? *)"),
            lake.get("goldSchedule").orElse("cron(0 7 * * ? *)"),
            // Three hours after gold starts: past a typical gold run, so compaction and gold's
            // commit rarely meet (Iceberg rejects one of two conflicting commits if they do).
            lake.get("maintainSchedule").orElse("cron(0 10 * * ? *)"),
            // Daily, so a request dropped on any day is erased by the next morning; at an hour
            // when neither gold nor maintenance commits (only silver's hourly run may meet it).
            lake.get("forgetSchedule").orElse("cron(0 4 * * ? *)"),
            lake.getInteger("logRetentionDays").orElse(30),
            Long.parseLong(lake.get("iteratorAgeAlarmMillis").orElse("900000")),
            lake.get("alarmEmail"));
    s.validate();
    return s;
  }

  private static boolean streamMode(String mode) {
    return switch (mode) {
      case "on-demand" -> true;
      case "provisioned" -> false;
      default ->
          throw new IllegalArgumentException(
              "invalid lake config: streamMode must be on-demand or provisioned, not " + mode);
    };
  }

  /**
   * The Glue database, {@code lake_<stack>} (DESIGN.md, "Names shared with the cloud"): the
   * namespace of the lake's Iceberg catalog in this stack ({@code --catalogNamespace}).
   */
  public String databaseName() {
    return "lake_" + stack.replace('-', '_');
  }

  /** The prefix every physical name of this stack starts with. */
  public String namePrefix() {
    return "lake-" + stack;
  }

  private void validate() {
    require(lakePrefix.matches("[a-z0-9][a-z0-9_-]*"), "lakePrefix must be one lower-case segment");
    require(streamShardCount >= 1, "streamShardCount must be at least 1");
    // Kinesis accepts 24 hours to 365 days.
    require(
        streamRetentionHours >= 24 && streamRetentionHours <= 8760,
        "streamRetentionHours must be within 24..8760");
    require(
        BRONZE_STORAGE_CLASSES.contains(bronzeStorageClass),
        "bronzeStorageClass must be one of " + BRONZE_STORAGE_CLASSES);
    // S3 refuses transitions to STANDARD_IA (and bills GLACIER_IR as 90 days) before 30 days.
    require(bronzeTransitionDays >= 30, "bronzeTransitionDays must be at least 30");
    require(quarantineExpirationDays >= 1, "quarantineExpirationDays must be at least 1");
    require(tmpExpirationDays >= 1, "tmpExpirationDays must be at least 1");
    require(
        noncurrentVersionExpirationDays >= 1
            && noncurrentVersionExpirationDays <= MAX_NONCURRENT_VERSION_DAYS,
        "noncurrentVersionExpirationDays must be within 1.."
            + MAX_NONCURRENT_VERSION_DAYS
            + ", got "
            + noncurrentVersionExpirationDays
            + ": an erased object's replaced versions still hold the data subject, and must be"
            + " gone within the GDPR's month");
    require(operationalLogExpirationDays >= 1, "operationalLogExpirationDays must be >= 1");
    // Athena's floor is 10 MB; the provider's Java SDK types the cutoff as an int, so about 2.1 GB
    // is the ceiling here.
    require(athenaBytesScannedCutoff >= 10_000_000, "athenaBytesScannedCutoff must be >= 10 MB");
    require(flinkParallelism >= 1 && flinkParallelismPerKpu >= 1, "Flink parallelism must be >= 1");
    require(emrCoreInstanceCount >= 1, "emrCoreInstanceCount must be at least 1");
    require(silverFilesPerPartition >= 1, "silverFilesPerPartition must be at least 1");
    require(jobTimeoutSeconds >= 600, "jobTimeoutSeconds must be at least 600");
    require(
        LOG_RETENTION_DAYS.contains(logRetentionDays),
        "logRetentionDays must be one of CloudWatch's values " + LOG_RETENTION_DAYS);
    require(iteratorAgeAlarmMillis >= 1000, "iteratorAgeAlarmMillis must be at least 1000");
    require(
        isScheduleExpression(silverSchedule)
            && isScheduleExpression(goldSchedule)
            && isScheduleExpression(maintainSchedule)
            && isScheduleExpression(forgetSchedule),
        "schedules must be cron(...) or rate(...) expressions");
    require(
        minuteOfDay(maintainSchedule) > minuteOfDay(goldSchedule),
        "maintainSchedule must be a daily cron(M H * * ? *) later in the day than goldSchedule");
    require(
        minuteOfDay(forgetSchedule) >= 0,
        "forgetSchedule must be a daily cron(M H * * ? *): erasure requests are taken once a day,"
            + " got "
            + forgetSchedule);
  }

  private static boolean isScheduleExpression(String e) {
    return e.matches("(cron|rate)\\(.+\\)");
  }

  /** The minute of the day a daily {@code cron(M H * * ? *)} fires at, or -1 for anything else. */
  static int minuteOfDay(String e) {
    Matcher m = DAILY_CRON.matcher(e);
    return m.matches() ? Integer.parseInt(m.group(2)) * 60 + Integer.parseInt(m.group(1)) : -1;
  }

  private static void require(boolean condition, String message) {
    if (!condition) {
      throw new IllegalArgumentException("invalid lake config: " + message);
    }
  }
}
