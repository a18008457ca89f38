package io.medallion.lake.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.file.Path;
import java.nio.file.Paths;
import org.junit.jupiter.api.Test;

/** The lake's runs start from the lake's jar alone, without the bench's classes. */
class BenchClassPathTest {
  private static final String LAKE_JAR = "runners/target/lake.jar";
  private static final String BENCH_CLASSES = "src/bench/target/classes";

  @Test
  void theBenchsOwnEntryIsLeftOutOfTheLakesClassPath() {
    String classPath = LAKE_JAR + File.pathSeparator + "./" + BENCH_CLASSES + "/";

    String lake = Bench.lakeClassPath(classPath, Paths.get(BENCH_CLASSES).toAbsolutePath());

    assertThat(lake).isEqualTo(LAKE_JAR);
  }

  @Test
  void aClassPathWithoutTheBenchsEntryIsKeptWhole() {
    String classPath = "target/surefire/booter.jar" + File.pathSeparator + LAKE_JAR;
    Path benchCode = Paths.get("/elsewhere/bench/classes");

    assertThat(Bench.lakeClassPath(classPath, benchCode)).isEqualTo(classPath);
  }
}
