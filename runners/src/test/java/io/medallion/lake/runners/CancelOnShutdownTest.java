package io.medallion.lake.runners;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the launcher reads about how it can be stopped (the cancel itself: BronzeRestartIT). */
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
}
