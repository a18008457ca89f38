package io.medallion.lake.pulumi;

import java.util.List;

/**
 * The command lines an EMR step runs: fetch the bundled jar, then {@code flink run} it with the
 * launcher's subcommand. Each is a {@code bash -c} script with its variable parts passed as
 * positional parameters ({@code $1} jar, {@code $2} lake root, {@code $3} time or input), so no
 * value is ever spliced into shell text.
 *
 * <p>The run's time comes from the trigger (EventBridge Scheduler's {@value #SCHEDULED_TIME}), not
 * from the clock when the step starts, so a run that waits for its cluster still promotes the right
 * hour.
 */
public final class LakeCommands {
  private LakeCommands() {}

  /** EventBridge Scheduler replaces this with the invocation's scheduled time (ISO-8601, UTC). */
  public static final String SCHEDULED_TIME = "<aws.scheduler.scheduled-time>";

  private static final String FETCH_AND_RUN =
      "set -euo pipefail; aws s3 cp \"$1\" /home/hadoop/lake.jar; "
          + "flink run -m yarn-cluster /home/hadoop/lake.jar ";

  /** Silver for the hour before the scheduled time: {@code --hour=YYYY-MM-DDTHH:00:00Z}. */
  public static List<String> silver(String jarUri, String lakeUri, String time) {
    return step(
        "silver --runner=FlinkRunner --lake=\"$2\" "
            + "--hour=\"$(date -u -d \"$3 1 hour ago\" +%Y-%m-%dT%H:00:00Z)\"",
        jarUri, lakeUri, time);
  }

  /** Gold for the day before the scheduled time: {@code --date=YYYY-MM-DD}. */
  public static List<String> gold(String jarUri, String lakeUri, String time) {
    return step(
        "gold --runner=FlinkRunner --lake=\"$2\" "
            + "--date=\"$(date -u -d \"$3 1 day ago\" +%Y-%m-%d)\"",
        jarUri, lakeUri, time);
  }

  /** Uber movements for one dropped file: {@code --input=s3://bucket/key}. */
  public static List<String> uberMovements(String jarUri, String lakeUri, String input) {
    return step(
        "uber-movements --runner=FlinkRunner --lake=\"$2\" --input=\"$3\"", jarUri, lakeUri, input);
  }

  private static List<String> step(String launcherArgs, String jarUri, String lakeUri, String v) {
    // "lake" is $0, the script's name in error messages.
    return List.of("bash", "-c", FETCH_AND_RUN + launcherArgs, "lake", jarUri, lakeUri, v);
  }
}
