package io.medallion.lake.layout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Paths;
import java.time.Instant;
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
}
