package io.medallion.lake.pipelines;

import static org.assertj.core.api.Assertions.assertThat;

import io.medallion.lake.commit.LakeCommitter;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A promotion run in a child JVM ({@code java -cp <the test class path> <main> <args>}) with the
 * commit engine's test hook {@link LakeCommitter#TEST_STOP_AT} set, killed with SIGKILL once it
 * says it stopped there: what the crash tests do at each step of a commit.
 */
final class KilledPromotion {
  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(120);

  private KilledPromotion() {}

  /**
   * Runs {@code main} with {@code args}, waits until it stops at {@code stopAt}, kills it and waits
   * for it; its output goes to a log in {@code work}.
   *
   * @throws AssertionError when it ends or does not stop in time, with the log's tail
   */
  static void at(Path work, Class<?> main, String stopAt, List<String> args)
      throws IOException, InterruptedException {
    Path log =
        work.resolve(main.getSimpleName() + "-" + stopAt.replaceAll("[^a-zA-Z0-9]+", "-") + ".log");
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xmx1g");
    // The test JVM's compiler settings (the parent POM's lake.test.jvm).
    ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
        .filter(
            option ->
                option.startsWith("-XX:TieredStopAtLevel=")
                    || option.startsWith("-XX:ReservedCodeCacheSize="))
        .forEach(command::add);
    command.addAll(
        List.of(
            "-D" + LakeCommitter.TEST_STOP_AT + "=" + stopAt,
            "-cp",
            System.getProperty("java.class.path"),
            main.getName()));
    command.addAll(args);
    Process child =
        new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    try {
      String stopped = LakeCommitter.TEST_STOP_AT + ": stopped at " + stopAt;
      long deadline = System.nanoTime() + STOP_TIMEOUT.toNanos();
      while (!Files.readString(log).contains(stopped)) {
        if (!child.isAlive()) {
          throw new AssertionError(
              main.getSimpleName()
                  + " ended (exit "
                  + child.exitValue()
                  + ") before "
                  + stopped
                  + ":\n"
                  + tail(log));
        }
        if (System.nanoTime() > deadline) {
          throw new AssertionError("no '" + stopped + "' in " + STOP_TIMEOUT + ":\n" + tail(log));
        }
        Thread.sleep(20);
      }
    } finally {
      child.destroyForcibly();
    }
    assertThat(child.waitFor()).as("exit status of a JVM killed by SIGKILL").isEqualTo(137);
  }

  private static String tail(Path log) throws IOException {
    String text = Files.readString(log);
    return text.length() <= 6000 ? text : text.substring(text.length() - 6000);
  }
}
