package io.medallion.lake.layout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Paths;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class LakeLayoutTest {

  @Test
  void makesLocalRootsAbsoluteAndKeepsUris() {
    assertThat(LakeLayout.at("./lake/").root())
        .isEqualTo(Paths.get("lake").toAbsolutePath().toString());
    assertThat(LakeLayout.at("s3://bucket/prefix/").root()).isEqualTo("s3://bucket/prefix");
    assertThat(LakeLayout.at("s3://bucket/prefix").isLocal()).isFalse();
    assertThat(LakeLayout.at("file:/tmp/x").root()).isEqualTo("/tmp/x");
    assertThatThrownBy(() -> LakeLayout.at("  ")).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void spellsTheContractsPaths() {
    LakeLayout lake = LakeLayout.at("s3://b/p");
    Instant hour = Instant.parse("2026-01-02T03:00:00Z");

    assertThat(lake.bronzeEventsHour(hour)).isEqualTo("s3://b/p/bronze/events/2026/01/02/03");
    assertThat(lake.staging("run-1")).isEqualTo("s3://b/p/_tmp/run-1");
    assertThat(lake.state("bronze")).isEqualTo("s3://b/p/_state/bronze");
  }

  @Test
  void readsTheArrivalHourOfABronzeFile() {
    assertThat(LakeLayout.bronzeHourOf("/l/bronze/events/2026/01/02/03/f.jsonl.gz"))
        .isEqualTo(Instant.parse("2026-01-02T03:00:00Z"));
    assertThatThrownBy(() -> LakeLayout.bronzeHourOf("/l/bronze/events/2026/01/02/f.jsonl"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(
      strings = {
        "1970-01-01T00:00:00Z",
        "1969-12-31T23:59:59Z",
        "1969-12-31T00:00:00Z",
        "2026-01-01T23:59:59.999999999Z",
        "2026-01-02T00:00:00Z",
        "2024-02-29T13:00:00Z",
        "0000-01-01T00:00:00Z",
        "-0001-12-31T23:59:59Z",
        "+10000-01-01T05:00:00Z"
      })
  void dateAndHourOfAnInstantAreItsUtcOnes(String text) {
    Instant t = Instant.parse(text);
    ZonedDateTime utc = t.atZone(ZoneOffset.UTC);

    assertThat(LakeLayout.dateOf(t)).isEqualTo(utc.toLocalDate());
    assertThat(LakeLayout.hourOf(t)).isEqualTo(utc.getHour());
    assertThat(LakeLayout.dateOfMicros(t.getEpochSecond() * 1_000_000L + t.getNano() / 1_000))
        .isEqualTo(utc.toLocalDate());
    assertThat(LakeLayout.startOf(utc.toLocalDate()))
        .isEqualTo(utc.toLocalDate().atStartOfDay(ZoneOffset.UTC).toInstant());
  }
}
