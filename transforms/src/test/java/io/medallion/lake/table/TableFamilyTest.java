package io.medallion.lake.table;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.medallion.lake.layout.LakeLayout;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.iceberg.Table;
import org.apache.iceberg.types.Types;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TableFamilyTest {
  private static final TableFamily TYPED = TableFamily.TYPED_EVENTS;

  @TempDir Path dir;

  @Test
  void anEventNameNamesItsTypedTableFoldedToGlueCharacters() {
    assertThat(TYPED.tableNameFor("quiz:completed")).contains("gold_evt_quiz_completed");
    assertThat(TYPED.tableNameFor("payment:order:completed"))
        .contains("gold_evt_payment_order_completed");
    assertThat(TYPED.tableNameFor("heartbeat")).contains("gold_evt_heartbeat");
    assertThat(TYPED.tableNameFor("Café:Bestellt")).contains("gold_evt_cafe_bestellt");
    assertThat(TYPED.tableNameFor("../../x:y")).contains("gold_evt_x_y");
    assertThat(TYPED.tableNameFor("A/B:c")).contains("gold_evt_a_b_c");
    assertThat(TYPED.tableNameFor("3d:viewed")).contains("gold_evt_3d_viewed");
  }

  @Test
  void namesThatFoldAlikeShareATable() {
    assertThat(TYPED.tableNameFor("Quiz:Completed")).contains("gold_evt_quiz_completed");
    assertThat(TYPED.tableNameFor("quiz_completed")).contains("gold_evt_quiz_completed");
    assertThat(TYPED.tableNameFor("quiz completed!")).contains("gold_evt_quiz_completed");
  }

  @Test
  void noEventNameCanNameAFixedTable() {
    assertThat(TYPED.tableNameFor("stats")).contains("gold_evt_stats");
    assertThat(TYPED.tableNameFor("s")).contains("gold_evt_s");
    for (LakeTable fixed : LakeTable.values()) {
      assertThat(TYPED.isMember(fixed.tableName())).as(fixed.tableName()).isFalse();
    }
    assertThat(TYPED.isMember("gold_evt_stats")).isTrue();
    assertThat(TYPED.isMember("gold_evt_")).isFalse();
    assertThat(TYPED.isMember("gold_evt_Quiz")).isFalse();
  }

  @Test
  void aNameWithNoLetterOrDigitHasNoTable() {
    assertThat(TYPED.tableNameFor("事件:开始")).isEmpty();
    assertThat(TYPED.tableNameFor("!!!")).isEmpty();
    assertThat(TYPED.tableNameFor("_:_")).isEmpty();
  }

  @Test
  void aLongNameIsCutToGluesLimitWithAHashOfTheWholeName() {
    String a = TYPED.tableNameFor("a".repeat(300)).orElseThrow();
    assertThat(a).hasSize(255).isEqualTo("gold_evt_" + "a".repeat(237) + "_9835fa6b");
    String b = TYPED.tableNameFor("b".repeat(300)).orElseThrow();
    assertThat(b).isEqualTo("gold_evt_" + "b".repeat(237) + "_dccc1450");
    assertThat(TYPED.isMember(a)).isTrue();
    String fits = TYPED.tableNameFor("c".repeat(246)).orElseThrow();
    assertThat(fits).hasSize(255).isEqualTo("gold_evt_" + "c".repeat(246));
  }

  @Test
  void aMemberIsALakeTableInTheFamilysFolderPartitionedByDate() {
    LakeTable quiz = TYPED.member("gold_evt_quiz_completed");
    assertThat(quiz.tableName()).isEqualTo("gold_evt_quiz_completed");
    assertThat(quiz.relativeLocation()).isEqualTo("gold/evt/quiz_completed");
    assertThat(quiz.location(LakeLayout.at("s3://b/lake")))
        .isEqualTo("s3://b/lake/gold/evt/quiz_completed");
    assertThat(quiz.partitionColumns()).containsExactly("date");
    assertThat(quiz.schema().columns())
        .extracting(Types.NestedField::name)
        .containsExactly(
            "event_uuid", "event_name", "created_at", "created_datetime", "date", "_rescued");
    assertThat(TYPED.folder()).isEqualTo("gold/evt");
    assertThatThrownBy(() -> TYPED.member("gold_events"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not a table of gold_evt_*");
  }

  @Test
  void goldCommitsItsMembersBetweenItsFixedTablesTheLastNamingThemAll() {
    LakeTable b = TYPED.member("gold_evt_b");
    LakeTable a = TYPED.member("gold_evt_a");
    assertThat(Dataset.GOLD_EVENTS.tables(List.of(b, LakeTable.SILVER_EVENTS, a, b)))
        .containsExactly(LakeTable.GOLD_EVENTS, a, b, LakeTable.GOLD_EVENT_STATS);
    assertThat(Dataset.GOLD_EVENTS.tables(List.of()))
        .containsExactly(LakeTable.GOLD_EVENTS, LakeTable.GOLD_EVENT_STATS);
    assertThat(Dataset.GOLD_EVENTS.holds(a)).isTrue();
    assertThat(Dataset.GOLD_EVENTS.holds(LakeTable.SILVER_EVENTS)).isFalse();
    assertThat(Dataset.GOLD_EVENTS.family()).contains(TYPED);
    assertThat(Dataset.SILVER_EVENTS.family()).isEmpty();
    assertThat(Dataset.SILVER_EVENTS.tables(List.of(a))).containsExactly(LakeTable.SILVER_EVENTS);
  }

  @Test
  void theCatalogListsTheFixedTablesThenTheMembersItHolds() throws IOException {
    CatalogSettings settings =
        CatalogSettings.local(
            LakeLayout.at(dir.toString()),
            Optional.empty(),
            CatalogSettings.DEFAULT_NAMESPACE,
            Map.of());
    try (LakeCatalog catalog = LakeCatalog.open(settings)) {
      assertThat(catalog.tables()).containsExactlyElementsOf(LakeTable.values());
      Table created = catalog.table(TYPED.member("gold_evt_quiz_completed"));
      catalog.table(TYPED.member("gold_evt_app_opened"));
      catalog.table(LakeTable.GOLD_EVENTS);
      assertThat(created.location()).isEqualTo(dir + "/gold/evt/quiz_completed");
      assertThat(catalog.tables())
          .extracting(LakeTable::tableName)
          .containsExactly(
              "silver_events",
              "gold_events",
              "gold_event_stats",
              "silver_uber_movements",
              "gold_evt_app_opened",
              "gold_evt_quiz_completed");
      assertThat(catalog.named("gold_evt_app_opened").relativeLocation())
          .isEqualTo("gold/evt/app_opened");
      assertThatThrownBy(() -> catalog.named("gold_evt_nope"))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("no lake table named 'gold_evt_nope'")
          .hasMessageContaining("gold_evt_app_opened, gold_evt_quiz_completed");
    }
  }
}
