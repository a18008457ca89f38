package io.medallion.lake.table;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.util.Utf8;
import org.junit.jupiter.api.Test;

/** A table as a run found it: the partition paths of its rows. */
class TableAtStartTest {
  private static final LakeTable GOLD = LakeTable.GOLD_EVENTS;
  private static final TableAtStart AT_START =
      new TableAtStart(GOLD, GOLD.schema(), GOLD.spec(), "/lake/gold/events", Map.of(), null);

  private static GenericRecord row(CharSequence eventType, Integer date) {
    GenericRecord row = new GenericData.Record(GOLD.avroSchema());
    row.put("event_type", eventType);
    row.put("date", date);
    return row;
  }

  @Test
  void aRowsPathIsItsOwnWhateverTheRowsBeforeItAndWhateverTheirValuesBecameSince() {
    TableAtStart.PartitionPaths paths = AT_START.partitionPaths();
    Utf8 reused = new Utf8("quiz");

    assertThat(paths.of(row(reused, 20454))).isEqualTo("event_type=quiz/date=2026-01-01");
    assertThat(paths.of(row(new Utf8("quiz"), 20454))).isEqualTo("event_type=quiz/date=2026-01-01");
    assertThat(paths.of(row("quiz", 20454)))
        .as("a String, not a Utf8")
        .isEqualTo("event_type=quiz/date=2026-01-01");
    assertThat(paths.of(row("quiz", 20455))).isEqualTo("event_type=quiz/date=2026-01-02");
    // A decoder that reuses its Utf8 changes the value a path was taken from.
    reused.set("lesson");
    assertThat(paths.of(row(reused, 20455))).isEqualTo("event_type=lesson/date=2026-01-02");
    reused.set("payment");
    assertThat(paths.of(row(reused, 20455))).isEqualTo("event_type=payment/date=2026-01-02");
    assertThat(paths.of(row(new Utf8("quiz"), 20454)))
        .isEqualTo(AT_START.partitionPath(row("quiz", 20454)))
        .isEqualTo("event_type=quiz/date=2026-01-01");
  }

  @Test
  void aRowWithoutAPartitionValueIsRefusedEvenAfterRowsWithOne() {
    TableAtStart.PartitionPaths paths = AT_START.partitionPaths();
    paths.of(row("quiz", 20454));

    assertThatThrownBy(() -> paths.of(row("quiz", null)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("no value for its partition column date");
    assertThatThrownBy(() -> paths.of(row(null, 20454)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("no value for its partition column event_type");
  }
}
