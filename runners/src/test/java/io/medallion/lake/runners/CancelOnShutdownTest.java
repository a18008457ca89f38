package io.medallion.lake.runners;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the launcher reads about how it can be stopped, and how its stopping JVM waits for the
 * command's last line (the cancel itself: BronzeRestartIT).
 */
class CancelOnShutdownTest {
  @TempDir Path dir;

  @Test
  void readsWhetherTheProcessIgnoresSigint() throws Exception {
    Path status = dir.resolve("status");

    Files.writeString(status, "Name:\tjava\nSigIgn:\t0000000000000006\nSigCgt:\t0\n");
    assertThat(CancelOnShutdown.interruptIgnored(status)).as("SIGINT and SIGQUIT").isTrue();
    Files.writeString(status, "Name:\tjava\nSigIgn:\t0000000180000004\n");
    assertThat(CancelOnShutdown.interruptIgnored(status)).as("SIGQUIT and the JVM's").isFalse();
    assertThat(CancelOnShutdown.interruptIgnored(dir.resolve("none"))).as("no /proc").isFalse();
  }

  @Test
  void aStoppingJvmWaitsForTheCommandToEndAndNoLongerThanItsBound() throws Exception {
    CancelOnShutdown.commandStarted();
    CompletableFuture<Boolean> hook =
        CompletableFuture.supplyAsync(() -> await(Duration.ofSeconds(30)));
    Thread.sleep(300);
    assertThat(hook).as("the hook, before the command ended").isNotDone();
    CancelOnShutdown.commandEnded();
    assertThat(hook.get(10, TimeUnit.SECONDS)).as("the command's end came").isTrue();
    assertThat(await(Duration.ZERO)).as("once ended, nothing to wait for").isTrue();

    CancelOnShutdown.commandStarted();
    assertThat(await(Duration.ofMillis(50))).as("a command that never ends").isFalse();
    CancelOnShutdown.commandEnded();
  }

  private static boolean await(Duration wait) {
    try {
      return CancelOnShutdown.awaitCommandEnd(wait);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }
}
