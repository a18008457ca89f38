package io.medallion.lake.layout;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class PartitionValuesTest {

  @ParameterizedTest(name = "''{0}'' → {1}")
  @CsvSource({
    "lesson, lesson",
    "Lesson, lesson",
    "'  Bogotá', bogota",
    "../../etc, etc",
    "A/B, a_b",
    "'a\\b', a_b",
    "..,  x_2e2e",
    "'/', x_2f",
    "São Paulo, sao_paulo",
    "johannesburg_and_pretoria, johannesburg_and_pretoria",
  })
  void normalisesToSafeValues(String raw, String expected) {
    assertThat(PartitionValues.normalise(raw)).isEqualTo(expected);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "../..",
        "a/../../b",
        "%2e%2e",
        "x\u0000y",
        "日本",
        "",
        " ",
        "-_-",
        "UPPER",
        "É",
        "a_",
        // cut at 64 characters right after a separator
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa bc",
      })
  void alwaysGivesAValidPartitionValue(String raw) {
    String value = PartitionValues.normalise(raw);

    assertThat(value)
        .matches("[a-z0-9_]+")
        .doesNotStartWith("_")
        .doesNotEndWith("_")
        .hasSizeLessThanOrEqualTo(64);
    assertThat(PartitionValues.isNormalised(value)).isTrue();
    assertThat(PartitionValues.normalise(value)).as("normalising again").isEqualTo(value);
  }

  @ParameterizedTest
  @ValueSource(strings = {"Lesson", "lesson!", "_lesson", "lesson_", "léçon", "a b", "", "a-b"})
  void tellsValuesThatAreNotPartitionValues(String raw) {
    assertThat(PartitionValues.isNormalised(raw)).isFalse();
  }

  @ParameterizedTest
  @ValueSource(strings = {"lesson", "lesson_started", "a", "x_2e2e", "v2"})
  void tellsPartitionValues(String raw) {
    assertThat(PartitionValues.isNormalised(raw)).isTrue();
  }

  @ParameterizedTest
  @ValueSource(ints = {65, 200, 5000})
  void cutsLongValues(int length) {
    assertThat(PartitionValues.normalise("a".repeat(length))).hasSize(PartitionValues.MAX_LENGTH);
  }

  @Test
  void aCutEndingOnASeparatorDropsIt() {
    String raw = "a".repeat(63) + " bc";

    assertThat(PartitionValues.normalise(raw)).isEqualTo("a".repeat(63));
  }
}
