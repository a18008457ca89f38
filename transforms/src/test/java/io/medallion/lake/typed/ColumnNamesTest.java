package io.medallion.lake.typed;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.iceberg.types.Types;
import org.apache.iceberg.types.Types.NestedField;
import org.junit.jupiter.api.Test;

class ColumnNamesTest {
  @Test
  void aMemberNameIsFoldedToAGlueColumnName() {
    assertThat(ColumnNames.fold("score")).contains("score");
    assertThat(ColumnNames.fold("Score")).contains("score");
    assertThat(ColumnNames.fold("user-id")).contains("user_id");
    assertThat(ColumnNames.fold("Größe")).contains("gro_e");
    assertThat(ColumnNames.fold("Café au lait")).contains("cafe_au_lait");
    assertThat(ColumnNames.fold("1st place")).contains("_1st_place");
    assertThat(ColumnNames.fold("__id__")).contains("id");
    assertThat(ColumnNames.fold("日本")).isEmpty();
    assertThat(ColumnNames.fold("")).isEmpty();
    assertThat(ColumnNames.fold("x".repeat(200))).contains("x".repeat(119) + "_aa20c23e");
  }

  @Test
  void aTakenNameGetsTheFirstFreeNumber() {
    Set<String> taken = new HashSet<>(Set.of("date", "score", "score_2"));
    assertThat(ColumnNames.columnFor("Score", taken)).contains("score_3");
    assertThat(ColumnNames.columnFor("date", taken)).contains("date_2");
    assertThat(ColumnNames.columnFor("free", taken)).contains("free");
    assertThat(ColumnNames.columnFor("!!", taken)).isEmpty();
    String long128 = "y".repeat(128);
    assertThat(ColumnNames.columnFor(long128, Set.of(long128))).contains("y".repeat(126) + "_2");
  }

  @Test
  void theDocRecordsTheMemberAndGivesItBack() {
    assertThat(ColumnNames.doc("Score")).contains("payload member \"Score\"");
    assertThat(ColumnNames.doc("café \"x\"")).contains("payload member \"caf\\u00e9 \\\"x\\\"\"");
    for (String member : List.of("Score", "café \"x\"", "a\\b", "日本\n")) {
      NestedField column =
          NestedField.optional(7, "c", Types.StringType.get(), ColumnNames.doc(member).get());
      assertThat(ColumnNames.memberOf(column)).isEqualTo(member);
    }
    assertThat(ColumnNames.memberOf(NestedField.optional(7, "by_hand", Types.LongType.get())))
        .isEqualTo("by_hand");
    assertThat(
            ColumnNames.memberOf(
                NestedField.optional(7, "edited", Types.LongType.get(), "payload member oops")))
        .isEqualTo("edited");
  }

  @Test
  void aMemberWhoseDocGlueCannotHoldGetsNoColumn() {
    assertThat(ColumnNames.doc("a".repeat(238)))
        .hasValueSatisfying(d -> assertThat(d).hasSize(255));
    assertThat(ColumnNames.doc("a".repeat(239))).isEmpty();
    assertThat(ColumnNames.columnFor("a".repeat(239), Set.of())).isEmpty();
    // Six ASCII characters for each character outside it.
    assertThat(ColumnNames.doc("é".repeat(40))).isEmpty();
  }

  @Test
  void membersSortInCodePointOrder() {
    List<String> names = new ArrayList<>(List.of("score", "Score", "\uD83D\uDE00", "\uFFFD", "a"));
    names.sort(ColumnNames.CODE_POINT_ORDER);
    assertThat(names).containsExactly("Score", "a", "score", "\uFFFD", "\uD83D\uDE00");
  }
}
