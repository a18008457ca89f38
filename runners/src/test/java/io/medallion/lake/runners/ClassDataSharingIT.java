package io.medallion.lake.runners;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
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
  private static final String JAVA =
      Paths.get(System.getProperty("java.home"), "bin", "java").toString();

  private record Result(int exit, String output) {}

  private static Result run(Path dir, List<String> command) throws Exception {
    Path log = Files.createTempFile(dir, "run", ".log");
    Process p =
        new ProcessBuilder(command)
            .directory(dir.toFile())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    assertThat(p.waitFor(10, TimeUnit.MINUTES)).as("finished: %s", command).isTrue();
    return new Result(p.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
  }

  private static List<String> launcher(Path jar, Path archive) {
    List<String> command = new ArrayList<>();
    command.add(JAVA);
    command.add("-XX:SharedArchiveFile=" + archive);
    command.add("-Xlog:cds=off");
    command.add("-Xlog:class+load=info");
    command.add("-jar");
    command.add(jar.toString());
    command.add("query");
    command.add("--help");
    return command;
  }

  @Test
  void theArchiveHoldsTheLaunchersClassesAndAnotherJarIgnoresIt(@TempDir Path temp)
      throws Exception {
    Path archive = temp.resolve("lake.jsa");

    Result made = run(ROOT, List.of("bash", SCRIPT.toString(), JAR.toString(), archive.toString()));

    assertThat(made.exit()).as(made.output()).isZero();
    assertThat(made.output()).contains("cds-archive: " + archive);
    assertThat(archive).isNotEmptyFile();

    Result shared = run(ROOT, launcher(JAR, archive));
    assertThat(shared.exit()).as(shared.output()).isZero();
    assertThat(shared.output())
        .contains("lake query:")
        .contains("io.medallion.lake.runners.Lake source: shared objects file")
        .contains("org.apache.beam.sdk.options.PipelineOptionsFactory source: shared objects file");

    Path otherBuild = copyWithNewTime(JAR, temp.resolve("other/lake.jar"));
    Result ignored = run(ROOT, launcher(otherBuild, archive));
    assertThat(ignored.exit()).as(ignored.output()).isZero();
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
