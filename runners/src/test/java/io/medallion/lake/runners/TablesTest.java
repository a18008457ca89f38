package io.medallion.lake.runners;

import static io.medallion.lake.runners.FixtureLake.lake;
import static org.assertj.core.api.Assertions.assertThat;

import io.medallion.lake.runners.FixtureLake.Result;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TablesTest {
  @TempDir Path temp;

  @Test
  void listsTheFixedTablesThenTheTypedOnesWithTheirColumnsAndRows() throws Exception {
    Path lake = temp.resolve("lake");
    FixtureLake.build(lake);

    Result r = lake("tables", "--lake=" + lake, "--format=csv");

    assertThat(r.status()).as(r.err()).isZero();
    assertThat(r.lines())
        .containsExactly(
            "table,columns,rows,location",
            "silver_events,9,3," + lake + "/silver/events",
            "gold_events,8,3," + lake + "/gold/events",
            "gold_event_stats,8,2," + lake + "/gold/event_stats",
            "silver_uber_movements,22,1," + lake + "/silver/uber_movements",
            "gold_evt_lesson_ended,9,2," + lake + "/gold/evt/lesson_ended");
  }

  @Test
  void aLakeWithoutTablesListsTheFixedOnesEmpty() throws Exception {
    Path lake = temp.resolve("empty");
    Files.createDirectories(lake);

    Result r = lake("tables", "--lake=" + lake, "--format=csv");

    assertThat(r.status()).as(r.err()).isZero();
    assertThat(r.lines())
        .containsExactly(
            "table,columns,rows,location",
            "silver_events,9,0,",
            "gold_events,8,0,",
            "gold_event_stats,8,0,",
            "silver_uber_movements,22,0,");
  }
}
