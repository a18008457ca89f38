package io.medallion.lake.typed;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class WriteGoldEventFilesTest {
  @Test
  void aDateGetsAFilePerPartitionForEachMillionRowsItHolds() {
    assertThat(WriteGoldEventFiles.filesFor(0)).isEqualTo(1);
    assertThat(WriteGoldEventFiles.filesFor(WriteGoldEventFiles.ROWS_PER_GROUP)).isEqualTo(1);
    assertThat(WriteGoldEventFiles.filesFor(WriteGoldEventFiles.ROWS_PER_GROUP + 1)).isEqualTo(2);
    // A day at the seed's volume (24M events and their copies): 26 groups of at most 1M rows.
    assertThat(WriteGoldEventFiles.filesFor(25_198_096)).isEqualTo(26);
    assertThat(WriteGoldEventFiles.filesFor(Long.MAX_VALUE)).isEqualTo(Integer.MAX_VALUE);
  }
}
