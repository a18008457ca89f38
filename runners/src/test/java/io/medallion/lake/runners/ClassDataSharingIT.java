package io.medallion.lake.runners;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code src/scripts/cds-archive.sh} on the packaged {@code lake.jar}: the archive it writes is
 * mapped by a JVM started the way the Makefile starts the launcher (the launcher's own classes come
 * from it), and a JVM started with another build of the jar ignores it without a word.
 */
class ClassDataSharingIT {
  private static final Path MODULE = Path.of("").toAbsolutePath();
  private static final Path ROOT = MODULE.getParent();
  private static final Path JAR = MODULE.resolve("target/lake.jar");
  private static final Path SCRIPT = ROOT.resolve("src/scripts/cds-archive.sh");
  private static final Duration TIMEOUT = Duration.ofMinutes(10);

  private static ChildProcess run(Path logs, List<String> command) throws Exception {
    return ChildProcess.run(
        command, Map.of("DEMO_JAVA_OPTS", ChildProcess.jvmOptionsLine()), ROOT, logs, TIMEOUT);
  }

  /** The launcher as the Makefile starts it, logging where each class comes from. */
  private static List<String> launcher(Path jar, Path archive) {
    return ChildProcess.java(
        "-XX:SharedArchiveFile=" + archive,
        "-Xlog:cds=off",
        "-Xlog:class+load=info",
        "-jar",
        jar.toString(),
        "query",
        "--help");
  }

  @Test
  void theArchiveHoldsTheLaunchersClassesAndAnotherJarIgnoresIt(@TempDir Path temp)
      throws Exception {
    Path archive = temp.resolve("lake.jsa");

    ChildProcess made =
        run(temp, List.of("bash", SCRIPT.toString(), JAR.toString(), archive.toString()));

    assertThat(made.exit()).as(made.tail()).isZero();
    assertThat(made.output()).contains("cds-archive: " + archive);
    assertThat(archive).isNotEmptyFile();

    ChildProcess shared = run(temp, launcher(JAR, archive));
    assertThat(shared.exit()).as(shared.tail()).isZero();
    assertThat(shared.output())
        .contains("lake query:")
        .contains("io.medallion.lake.runners.Lake source: shared objects file")
        .contains("org.apache.beam.sdk.options.PipelineOptionsFactory source: shared objects file");

    Path otherBuild = copyWithNewTime(JAR, temp.resolve("other/lake.jar"));
    ChildProcess ignored = run(temp, launcher(otherBuild, archive));
    assertThat(ignored.exit()).as(ignored.tail()).isZero();
    assertThat(ignored.output())
        .contains("lake query:")
        .doesNotContain("io.medallion.lake.runners.Lake source: shared objects file")
        .doesNotContain("][warning]");
  }

  private static Path copyWithNewTime(Path jar, Path copy) throws IOException {
    Files.createDirectories(copy.getParent());
    Files.copy(jar, copy);
    return copy;
  }
}
