package io.medallion.lake.layout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Paths;
import java.time.Instant;
import java.time.LocalDate;
import org.junit.jupiter.api.Test;

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
    assertThat(LakeLayout.hourPartition(hour)).isEqualTo("dt=2026-01-02/hour=03");
    assertThat(LakeLayout.eventTypeDatePartition("lesson", LocalDate.parse("2026-01-02")))
        .isEqualTo("event_type=lesson/date=2026-01-02");
    assertThat(lake.report("silver", "events", "dt=2026-01-02/hour=03"))
        .isEqualTo("s3://b/p/_reports/silver/events/dt=2026-01-02/hour=03.json");
  }

  @Test
  void readsTheArrivalHourOfABronzeFile() {
    assertThat(LakeLayout.bronzeHourOf("/l/bronze/events/2026/01/02/03/f.jsonl.gz"))
        .isEqualTo(Instant.parse("2026-01-02T03:00:00Z"));
    assertThatThrownBy(() -> LakeLayout.bronzeHourOf("/l/bronze/events/2026/01/02/f.jsonl"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void refusesAnEventTypeThatIsNotAPartitionValue() {
    assertThatThrownBy(() -> LakeLayout.eventTypeDatePartition("../x", LocalDate.EPOCH))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
