package io.medallion.lake.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The bench finds the Spark peer through its script, or says why it cannot. */
class SparkPeerTest {
  @TempDir Path dir;

  private final PrintStream out =
      new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);

  private Path script(String body) throws Exception {
    Path script = dir.resolve("spark-peer.sh");
    Files.writeString(script, "#!/bin/sh\n" + body + "\n");
    Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
    return script;
  }

  @Test
  void theArgFileTheScriptPrintsIsThePeers() throws Exception {
    Path argFile = Files.writeString(dir.resolve("java.args"), "-cp\nclasses\n");
    Path script = script("echo " + argFile);

    SparkPeer peer = SparkPeer.resolve(script, false, out);

    assertThat(peer.problem()).isNull();
    assertThat(peer.classPath()).containsExactly("@" + argFile);
  }

  @Test
  void aFailedOfflineBuildSaysWhyWithMavensErrorLine() throws Exception {
    Path script =
        script(
            "[ \"$2\" = --offline ] || exit 3\n"
                + "echo '\033[1;31m[ERROR]\033[m Cannot access central in offline mode' >&2\n"
                + "exit 1");

    SparkPeer peer = SparkPeer.resolve(script, true, out);

    assertThat(peer.argFile()).isNull();
    assertThat(peer.problem())
        .isEqualTo(
            "could not build it offline (exit 1): [ERROR] Cannot access central in offline mode");
  }

  @Test
  void aMissingScriptIsNamed() throws Exception {
    SparkPeer peer = SparkPeer.resolve(dir.resolve("nowhere.sh"), false, out);

    assertThat(peer.argFile()).isNull();
    assertThat(peer.problem())
        .endsWith("nowhere.sh not found (run from the project root, or --sparkPeer)");
  }
}
