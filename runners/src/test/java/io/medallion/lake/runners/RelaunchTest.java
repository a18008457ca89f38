package io.medallion.lake.runners;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** When the launcher re-executes itself (mvn exec:java), and the command line it uses. */
class RelaunchTest {
  @TempDir Path dir;

  @Test
  void onTheJvmsClassPathTheLauncherRunsInPlace() {
    assertThat(Relaunch.isolatedClassPath(ClassLoader.getSystemClassLoader())).isEmpty();
    assertThat(Relaunch.isolatedClassPath(Lake.class.getClassLoader()))
        .as("surefire puts the module on the JVM's class path")
        .isEmpty();
  }

  @Test
  void inAnExecJavaStyleClassLoaderItsFilesBecomeTheClassPath() throws Exception {
    Path classes = dir.resolve("classes");
    Path jar = dir.resolve("with space.jar");
    try (URLClassLoader execJava =
        new URLClassLoader(
            new URL[] {classes.toUri().toURL(), jar.toUri().toURL()},
            ClassLoader.getSystemClassLoader())) {
      assertThat(Relaunch.isolatedClassPath(execJava)).contains(List.of(classes, jar));
    }
  }

  @Test
  void aClassPathThatIsNotFilesIsLeftAlone() throws Exception {
    try (URLClassLoader remote =
        new URLClassLoader(
            new URL[] {new URL("https://example.com/lib.jar")},
            ClassLoader.getSystemClassLoader())) {
      assertThat(Relaunch.isolatedClassPath(remote)).isEmpty();
    }
  }

  @Test
  void onlyExecJavaAsksForIt() {
    assertThat(Relaunch.requested()).as("not set outside exec:java").isFalse();
  }

  @Test
  void theChildGetsTheLauncherTheArgumentsAndTheRunnerProfile() {
    String previous = System.getProperty(Lake.DEFAULT_RUNNER_PROPERTY);
    try {
      System.setProperty(Lake.DEFAULT_RUNNER_PROPERTY, "FlinkRunner");
      System.setProperty(Relaunch.PROPERTY, "true");

      List<String> command =
          Relaunch.command(dir.resolve("cp.args"), new String[] {"silver", "--hour=2026-01-02T03"});

      assertThat(command.get(0)).endsWith("java");
      assertThat(command)
          .containsSubsequence(
              "-Dlake.runner=FlinkRunner",
              "@" + dir.resolve("cp.args"),
              Lake.class.getName(),
              "silver",
              "--hour=2026-01-02T03");
      assertThat(command).endsWith("silver", "--hour=2026-01-02T03");
      assertThat(command)
          .as("the child runs in place")
          .noneMatch(a -> a.contains(Relaunch.PROPERTY));
    } finally {
      System.clearProperty(Relaunch.PROPERTY);
      if (previous == null) {
        System.clearProperty(Lake.DEFAULT_RUNNER_PROPERTY);
      } else {
        System.setProperty(Lake.DEFAULT_RUNNER_PROPERTY, previous);
      }
    }
  }

  @Test
  void theChildGetsTheHeapCollectorAndCompilerOfMavensJvmAndNoOtherJvmArgument() {
    List<String> command =
        Relaunch.command(
            dir.resolve("cp.args"),
            new String[] {"gold"},
            List.of(
                "-Xmx8g",
                "-Xms1g",
                "-XX:+UseParallelGC",
                "-XX:+HeapDumpOnOutOfMemoryError",
                "-XX:TieredStopAtLevel=1",
                "-XX:ReservedCodeCacheSize=240m",
                "-Dmaven.home=/usr/share/maven",
                "-javaagent:/x.jar"));

    assertThat(command.subList(1, 6))
        .containsExactly(
            "-Xmx8g",
            "-Xms1g",
            "-XX:+UseParallelGC",
            "-XX:TieredStopAtLevel=1",
            "-XX:ReservedCodeCacheSize=240m");
    assertThat(command)
        .noneMatch(
            a -> a.startsWith("-XX:+Heap") || a.startsWith("-Dmaven") || a.startsWith("-java"));
  }

  @Test
  void theArgumentFileQuotesTheClassPath() {
    String file = Relaunch.argFile(List.of(Path.of("/a b/classes"), Path.of("/c\\d/x.jar")));

    assertThat(file).isEqualTo("-cp\n\"/a b/classes" + File.pathSeparator + "/c\\\\d/x.jar\"\n");
  }
}
