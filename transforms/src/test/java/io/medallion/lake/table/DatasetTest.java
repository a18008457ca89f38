package io.medallion.lake.table;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.medallion.lake.commit.Reports;
import io.medallion.lake.layout.LakeLayout;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import org.apache.iceberg.Schema;
import org.apache.iceberg.types.Types;
import org.apache.iceberg.types.Types.NestedField;
import org.junit.jupiter.api.Test;

class DatasetTest {
  @Test
  void namesUnitsAsTheirReportsAndCountsAreNamed() {
    Instant hour = Instant.parse("2026-01-02T03:00:00Z");
    assertThat(Dataset.SILVER_EVENTS.hourUnit(hour).name()).isEqualTo("dt=2026-01-02/hour=03");
    assertThat(Dataset.GOLD_EVENTS.dateUnit(LocalDate.parse("2026-01-02")).name())
        .isEqualTo("date=2026-01-02");
    assertThat(Dataset.SILVER_UBER_MOVEMENTS.fileUnit("s3://b/l/Travel_Times - Paris.csv").name())
        .isEqualTo(
            Dataset.SILVER_UBER_MOVEMENTS.fileUnit("/elsewhere/Travel_Times - Paris.csv").name())
        .startsWith("travel_times_paris-");
  }

  @Test
  void aUnitsRowsAreItsColumnValuesInTheTablesTypes() {
    Dataset.Unit hour = Dataset.SILVER_EVENTS.hourUnit(Instant.parse("2026-01-02T03:00:00Z"));
    assertThat(hour.rows().toString())
        .isEqualTo("(ref(name=\"dt\") == \"2026-01-02\" and ref(name=\"hour\") == 3)");
    assertThat(Dataset.SILVER_UBER_MOVEMENTS.fileUnit("/l/x.csv").rows().toString())
        .isEqualTo("ref(name=\"source_file\") == \"/l/x.csv\"");
  }

  @Test
  void holdsEveryFolderOfTheDataset() {
    LakeLayout lake = LakeLayout.at("s3://b/p");
    assertThat(Reports.path(lake, Dataset.SILVER_EVENTS, "dt=2026-01-02/hour=03"))
        .isEqualTo("s3://b/p/_reports/silver/events/dt=2026-01-02/hour=03.json");
    assertThat(Dataset.GOLD_EVENTS.pending()).isEqualTo("_pending/gold/events");
    assertThat(Dataset.SILVER_EVENTS.quarantineOf("dt=2026-01-02/hour=03"))
        .isEqualTo("quarantine/events/dt=2026-01-02/hour=03");
    assertThat(Dataset.GOLD_EVENTS.quarantine()).isEmpty();
    assertThat(Dataset.SILVER_UBER_MOVEMENTS.landing()).contains("landing/uber_movements");
    assertThat(Dataset.GOLD_EVENTS.tables())
        .containsExactly(LakeTable.GOLD_EVENTS, LakeTable.GOLD_EVENT_STATS);
  }

  @Test
  void aDatasetMadeAtRunTimeIsCheckedLikeTheFixedOnes() {
    Schema schema =
        new Schema(
            NestedField.required(1, "event_uuid", Types.StringType.get()),
            NestedField.required(2, "date", Types.DateType.get()));
    LakeTable table =
        LakeTable.builder("gold", "quiz_completed", schema).partitionedBy("date").build();
    Dataset typed =
        new Dataset("gold", "quiz_completed", List.of(table), List.of("date"), null, null);
    assertThat(typed.dateUnit(LocalDate.parse("2026-01-02")).name()).isEqualTo("date=2026-01-02");
    assertThat(table.tableName()).isEqualTo("gold_quiz_completed");
    assertThat(table.partitionColumns()).containsExactly("date");

    assertThatThrownBy(() -> new Dataset("gold", "x", List.of(table), List.of("hour"), null, null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("no unit column hour");
    assertThatThrownBy(() -> LakeTable.builder("gold", "../x", schema))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> typed.unit())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("named by [date]");
  }
}
