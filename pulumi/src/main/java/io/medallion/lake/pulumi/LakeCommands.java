package io.medallion.lake.pulumi;

import io.medallion.lake.layout.LakeLayout;
import io.medallion.lake.producer.EventCatalog;
import java.util.ArrayList;
import java.util.List;

/**
 * The command lines an EMR step runs: fetch the bundled jar, then run the launcher's subcommand
 * against the lake and its Glue catalog ({@code --catalog=glue --catalogNamespace=lake_<stack>}).
 * Each is a {@code bash -c} script with its variable parts passed as positional parameters ({@code
 * $1} jar, {@code $2} lake root, {@code $3} Glue database, {@code $4} time or input), so no value
 * is ever spliced into shell text.
 *
 * <p>The run's time comes from the trigger (EventBridge Scheduler's {@value #SCHEDULED_TIME}), not
 * from the clock when the step starts, so a run that waits for its cluster still promotes the right
 * hour.
 */
public final class LakeCommands {
  private LakeCommands() {}

  /** EventBridge Scheduler replaces this with the invocation's scheduled time (ISO-8601, UTC). */
  public static final String SCHEDULED_TIME = "<aws.scheduler.scheduled-time>";

  /** The launcher's catalog in the cloud: Iceberg's GlueCatalog. */
  public static final String CATALOG = "glue";

  private static final String FETCH = "set -euo pipefail; aws s3 cp \"$1\" /home/hadoop/lake.jar; ";
  private static final String FLINK_RUN =
      FETCH + "flink run -m yarn-cluster /home/hadoop/lake.jar ";
  private static final String LAKE_AND_CATALOG =
      " --lake=\"$2\" --catalog=" + CATALOG + " --catalogNamespace=\"$3\"";

  /**
   * Silver for the pending hours up to the hour before the scheduled time ({@code --pending
   * --to=YYYY-MM-DDTHH:00:00Z}): that hour, and any hour of the last two days whose bronze files
   * changed after it was promoted (Firehose's late last file of an hour); each hour's files in at
   * most {@code filesPerPartition} groups, one Parquet file each ({@code --filesPerPartition}).
   */
  public static List<String> silver(
      String jarUri, String lakeUri, String namespace, String time, int filesPerPartition) {
    return step(
        FLINK_RUN
            + "silver --runner=FlinkRunner"
            + LAKE_AND_CATALOG
            + " --filesPerPartition="
            + filesPerPartition
            + " --pending --to=\"$(date -u -d \"$4 1 hour ago\" +%Y-%m-%dT%H:00:00Z)\"",
        jarUri,
        lakeUri,
        namespace,
        time);
  }

  /**
   * Gold for the day before the scheduled time ({@code --date=YYYY-MM-DD}), then every earlier date
   * that late data has marked as pending since it was promoted ({@code --pending}).
   */
  public static List<String> gold(String jarUri, String lakeUri, String namespace, String time) {
    return step(
        FLINK_RUN
            + "gold --runner=FlinkRunner"
            + LAKE_AND_CATALOG
            + " --date=\"$(date -u -d \"$4 1 day ago\" +%Y-%m-%d)\"; "
            + FLINK_RUN.substring(FETCH.length())
            + "gold --runner=FlinkRunner"
            + LAKE_AND_CATALOG
            + " --pending",
        jarUri,
        lakeUri,
        namespace,
        time);
  }

  /** Uber movements for one dropped file: {@code --input=s3://bucket/key}. */
  public static List<String> uberMovements(
      String jarUri, String lakeUri, String namespace, String input) {
    return step(
        FLINK_RUN + "uber-movements --runner=FlinkRunner" + LAKE_AND_CATALOG + " --input=\"$4\"",
        jarUri,
        lakeUri,
        namespace,
        input);
  }

  /**
   * Table maintenance of every Iceberg table with the launcher's defaults: expire old snapshots,
   * remove orphan files, compact small files. It runs in one JVM on the cluster's primary node
   * ({@code java -jar} with the release's Java 17) rather than through {@code flink run}, which
   * expects the program to submit a Flink job; if compaction grows into a Beam pipeline that should
   * use the cluster, run it like the promotions instead.
   */
  public static List<String> maintain(String jarUri, String lakeUri, String namespace) {
    return step(
        FETCH + "java -jar /home/hadoop/lake.jar maintain" + LAKE_AND_CATALOG,
        jarUri,
        lakeUri,
        namespace);
  }

  /** The event field the scheduled erasure matches the request files' values against. */
  public static final String ERASURE_FIELD = EventCatalog.USER_ID;

  /**
   * The day's GDPR erasure requests: {@code lake forget --field=user_id --requests} takes every
   * {@code *.txt} file under {@code <lake>/}{@value LakeLayout#ERASURE_REQUESTS}{@code /} (one
   * {@code user_id} per line) in one run over every layer, writes its receipt under {@code <lake>/}
   * {@value LakeLayout#ERASURE_REPORTS}{@code /}, then deletes the request files. The values never
   * appear on the command line, so neither the schedule nor EMR's step logs hold them.
   */
  public static List<String> forget(String jarUri, String lakeUri, String namespace) {
    return step(
        FLINK_RUN
            + "forget --runner=FlinkRunner"
            + LAKE_AND_CATALOG
            + " --field="
            + ERASURE_FIELD
            + " --requests",
        jarUri,
        lakeUri,
        namespace);
  }

  private static List<String> step(String script, String... values) {
    // "lake" is $0, the script's name in error messages.
    List<String> command = new ArrayList<>(List.of("bash", "-c", script, "lake"));
    command.addAll(List.of(values));
    return List.copyOf(command);
  }
}
