package io.medallion.lake.bronze;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.medallion.lake.layout.LakeLayout;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BronzeFileGroupTest {
  private static final LakeLayout LAKE = LakeLayout.at("/lake");
  private static final Instant HOUR = Instant.parse("2026-01-02T03:00:00Z");
  private static final Instant NEXT = HOUR.plusSeconds(3600);
  private static final String FOLDER = "/lake/bronze/events/2026/01/02/03/";

  private static BronzeInventory.Hour hour(Map<String, Long> files) {
    return new BronzeInventory.Hour(files, Map.of("_SUCCESS", BronzeInventory.UNDERSCORE));
  }

  @Test
  void spreadsAnHoursFilesOverTheGroupsByBytesLargestFirst() {
    // Arrange: 100 + 10 + 0 against 60 + 50 (a tie goes to the first group).
    BronzeInventory.Hour files =
        hour(Map.of("a", 100L, "b", 60L, "c", 50L, "d", 10L, "_unframed/e", 0L));

    // Act
    List<BronzeFileGroup> groups = BronzeFileGroup.of(LAKE, HOUR, files, 2);

    // Assert
    assertThat(groups)
        .containsExactly(
            new BronzeFileGroup(
                HOUR,
                0,
                2,
                Map.of(FOLDER + "a", 100L, FOLDER + "d", 10L, FOLDER + "_unframed/e", 0L)),
            new BronzeFileGroup(HOUR, 1, 2, Map.of(FOLDER + "b", 60L, FOLDER + "c", 50L)));
    assertThat(groups.get(0).bytes()).isEqualTo(110);
    // In order of path: the reading order.
    assertThat(groups.get(0).files().keySet())
        .containsExactly(FOLDER + "_unframed/e", FOLDER + "a", FOLDER + "d");
  }

  @Test
  void anHourWithFewerFilesThanGroupsHasAGroupPerFileAndOneWithoutFilesNone() {
    assertThat(BronzeFileGroup.of(LAKE, HOUR, hour(Map.of("a", 1L, "b", 2L)), 5))
        .extracting(BronzeFileGroup::count)
        .containsExactly(2, 2);
    assertThat(BronzeFileGroup.of(LAKE, HOUR, hour(Map.of()), 5)).isEmpty();
    assertThatThrownBy(() -> BronzeFileGroup.of(LAKE, HOUR, hour(Map.of("a", 1L)), 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("positive");
  }

  @Test
  void theGroupsOfSeveralHoursComeLargestFirst() {
    List<BronzeFileGroup> groups =
        BronzeFileGroup.ofHours(
            LAKE,
            Map.of(HOUR, hour(Map.of("a", 5L, "b", 7L)), NEXT, hour(Map.of("c", 6L))),
            Integer.MAX_VALUE);

    assertThat(groups).extracting(BronzeFileGroup::bytes).containsExactly(7L, 6L, 5L);
    assertThat(groups).extracting(BronzeFileGroup::hour).containsExactly(HOUR, NEXT, HOUR);
  }
}
