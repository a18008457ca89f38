package io.medallion.lake.runners;

import static io.medallion.lake.runners.FixtureLake.lake;
import static org.assertj.core.api.Assertions.assertThat;

import io.medallion.lake.runners.FixtureLake.Result;
import io.medallion.lake.table.LakeTable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class MaintainTest {
  @TempDir Path temp;

  @Test
  void aDryRunListsWhatItWouldDoThenARunDoesItAndTheRowsStay() throws Exception {
    FixtureLake fixture = FixtureLake.build(temp.resolve("lake"));
    Path lake = fixture.root();
    List<Path> before = files(lake);

    Result dryRun =
        lake(
            "maintain",
            "--lake=" + lake,
            "--table=silver_events",
            "--retainSnapshots=PT0S",
            "--retainLast=1",
            "--dryRun");

    assertThat(dryRun.status()).as(dryRun.err()).isZero();
    assertThat(dryRun.out())
        .contains("silver_events: would expire 2 snapshot(s) and delete ")
        .contains("  expire snapshot " + fixture.hour3First().snapshotId())
        .contains("  expire snapshot " + fixture.hour4().snapshotId())
        .contains("_tmp: would remove 0 staging folder(s)");
    assertThat(dryRun.out()).doesNotContain("gold_events");
    assertThat(files(lake)).isEqualTo(before);

    Result run = lake("maintain", "--lake=" + lake, "--retainSnapshots=PT0S", "--retainLast=1");

    assertThat(run.status()).as(run.err()).isZero();
    assertThat(run.out())
        .contains("silver_events: expire 2 snapshot(s)")
        .contains("gold_events: expire 0 snapshot(s)")
        .contains("gold_evt_lesson_ended: expire 0 snapshot(s)");
    Result history = lake("history", "silver_events", "--lake=" + lake, "--format=csv");
    assertThat(history.lines()).hasSize(2);
    assertThat(history.lines().get(1)).startsWith(fixture.hour3Second().snapshotId() + ",");
    Result rows =
        lake("query", "--lake=" + lake, "select count(*) from silver_events", "--format=csv");
    assertThat(rows.lines()).containsExactly("count_star()", "3");
  }

  @Test
  void aLakeWithoutTablesHasNothingToDo() throws IOException {
    Path lake = temp.resolve("empty");
    Files.createDirectories(lake);

    Result r = lake("maintain", "--lake=" + lake);

    assertThat(r.status()).as(r.err()).isZero();
    for (LakeTable table : LakeTable.values()) {
      assertThat(r.out()).contains(table + ": not created yet, nothing to do");
    }
  }

  @ParameterizedTest(name = "{0} → {1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "--orphanAge=PT10M|lake maintain: --orphanAge: PT10M is below PT1H: a running promotion's"
            + " files could be deleted; add --force if none runs",
        "--retainSnapshots=7d|lake maintain: --retainSnapshots: '7d' is not an ISO-8601 duration"
            + " like P7D or PT12H",
        "--retainLast=0|lake maintain: --retainLast: must be at least 1, got 0",
        "--table=gold|lake maintain: no lake table named 'gold'; tables: silver_events,",
        "gold_events|lake maintain: unexpected argument 'gold_events'; use --table=<table>",
      })
  void aUserMistakeIsOneClearLineAndStatusTwo(String argument, String expected) throws IOException {
    Path lake = temp.resolve("lake");
    Files.createDirectories(lake);

    Result r = lake("maintain", "--lake=" + lake, argument);

    assertThat(r.status()).isEqualTo(2);
    assertThat(r.err().strip()).startsWith(expected).doesNotContain("\n");
  }

  @Test
  void aShortOrphanAgeIsAllowedWithForce() throws IOException {
    Path lake = temp.resolve("lake");
    Files.createDirectories(lake);

    Result r = lake("maintain", "--lake=" + lake, "--orphanAge=PT10M", "--force", "--dryRun");

    assertThat(r.status()).as(r.err()).isZero();
    assertThat(r.out()).contains("younger than PT10M");
  }

  private static List<Path> files(Path dir) throws IOException {
    try (Stream<Path> files = Files.walk(dir)) {
      return files.filter(Files::isRegularFile).sorted().toList();
    }
  }
}
