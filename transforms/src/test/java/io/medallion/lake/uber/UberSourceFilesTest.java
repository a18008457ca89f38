package io.medallion.lake.uber;

import static org.assertj.core.api.Assertions.assertThat;

import io.medallion.lake.layout.PartitionValues;
import org.junit.jupiter.api.Test;

class UberSourceFilesTest {

  @Test
  void cityFromUbersDownloadName() {
    assertThat(UberSourceFiles.cityOf("Travel_Times - Bogota.csv")).isEqualTo("bogota");
    assertThat(UberSourceFiles.cityOf("s3://lake/landing/Travel_Times - Bengaluru.csv"))
        .isEqualTo("bengaluru");
  }

  @Test
  void cityFromSnakeCaseName() {
    assertThat(UberSourceFiles.cityOf("travel_times_johannesburg_and_pretoria.csv"))
        .isEqualTo("johannesburg_and_pretoria");
  }

  @Test
  void cityIsNormalisedLeadingSpacesAccentsAndPathCharactersGone() {
    assertThat(UberSourceFiles.cityOf("  Travel_Times - São Paulo.csv")).isEqualTo("sao_paulo");
    assertThat(UberSourceFiles.cityOf("Travel_Times - ..%2F..%2Fetc.csv")).isEqualTo("2f_2fetc");
  }

  @Test
  void noCityInOtherNames() {
    assertThat(UberSourceFiles.cityOf("wfallon-Travel_Times.csv")).isNull();
    assertThat(UberSourceFiles.cityOf("Travel_Times.csv")).isNull();
  }

  @Test
  void sourceIdIsStablePathSafeAndDistinctForLookAlikeNames() {
    String a = PartitionValues.sourceId("/landing/Travel_Times - Paris.csv");

    assertThat(a).matches("travel_times_paris-[0-9a-f]{8}");
    assertThat(PartitionValues.sourceId("s3://other/Travel_Times - Paris.csv")).isEqualTo(a);
    assertThat(PartitionValues.sourceId("travel_times_paris.csv")).isNotEqualTo(a);
  }
}
