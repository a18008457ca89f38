package io.medallion.lake.typed;

import static org.assertj.core.api.Assertions.assertThat;

import io.medallion.lake.testing.TestPipelines;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.beam.sdk.coders.ByteArrayCoder;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.Sum;
import org.apache.beam.sdk.transforms.View;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionView;
import org.junit.jupiter.api.Test;

class WriteGoldEventFilesTest {
  @Test
  void aPartitionGetsAFileGroupForEachQuarterMillionRowsItHolds() {
    assertThat(WriteGoldEventFiles.filesFor(0)).isEqualTo(1);
    assertThat(WriteGoldEventFiles.filesFor(WriteGoldEventFiles.ROWS_PER_GROUP)).isEqualTo(1);
    assertThat(WriteGoldEventFiles.filesFor(WriteGoldEventFiles.ROWS_PER_GROUP + 1)).isEqualTo(2);
    // A partition holding a whole day at the seed's volume (24M events): 96 groups of 250k rows.
    assertThat(WriteGoldEventFiles.filesFor(24_000_000)).isEqualTo(96);
    assertThat(WriteGoldEventFiles.filesFor(Long.MAX_VALUE)).isEqualTo(Integer.MAX_VALUE);
  }

  @Test
  void smallPartitionsAreOneFileWhateverTheirBatchesAndLargeOnesAreDealtOverTheirGroups() {
    dealSixBatchesEach(
        1,
        groups -> {
          // 10 rows in 6 batches: one file. Just over two groups' rows: three groups, each "of 3".
          assertThat(groups.get("event_type=quiz/date=2026-01-01"))
              .containsExactly("00000-of-00001");
          assertThat(groups.get("event_type=lesson/date=2026-01-01"))
              .hasSizeGreaterThan(1)
              .isSubsetOf("00000-of-00003", "00001-of-00003", "00002-of-00003");
          // A partition none of whose rows were counted is one group too.
          assertThat(groups.get("event_type=app/date=2026-01-01"))
              .containsExactly("00000-of-00001");
        });
  }

  @Test
  void filesPerPartitionIsTheFewestGroupsAPartitionGets() {
    dealSixBatchesEach(
        2,
        groups -> {
          assertThat(groups.get("event_type=quiz/date=2026-01-01"))
              .containsExactly("00000-of-00002", "00001-of-00002");
          assertThat(groups.get("event_type=lesson/date=2026-01-01"))
              .hasSizeGreaterThan(1)
              .isSubsetOf("00000-of-00003", "00001-of-00003", "00002-of-00003");
        });
  }

  /**
   * Deals six batches of each of three partitions with {@code ShardFn}, and checks the groups each
   * partition's batches went to (partition → {@code <group>-of-<groups>}) with {@code check}.
   */
  private static void dealSixBatchesEach(
      int minShards, SerializableConsumer<Map<String, Set<String>>> check) {
    TestPipeline p = TestPipelines.create();
    PCollectionView<Map<String, Long>> rows =
        p.apply(
                "Rows",
                Create.of(
                        KV.of("event_type=quiz/date=2026-01-01", 4L),
                        KV.of("event_type=quiz/date=2026-01-01", 6L),
                        KV.of(
                            "event_type=lesson/date=2026-01-01",
                            2 * WriteGoldEventFiles.ROWS_PER_GROUP + 1))
                    .withCoder(KvCoder.of(StringUtf8Coder.of(), VarLongCoder.of())))
            .apply(Sum.longsPerKey())
            .apply(View.asMap());
    List<KV<String, byte[]>> batches = new ArrayList<>();
    for (String type : List.of("quiz", "lesson", "app")) {
      for (int i = 0; i < 6; i++) {
        batches.add(KV.of("event_type=" + type + "/date=2026-01-01", new byte[] {(byte) i}));
      }
    }
    PCollection<KV<String, byte[]>> dealt =
        p.apply(
                "Batches",
                Create.of(batches).withCoder(KvCoder.of(StringUtf8Coder.of(), ByteArrayCoder.of())))
            .apply(ParDo.of(new WriteGoldEventFiles.ShardFn(rows, minShards)).withSideInputs(rows));
    PAssert.that(dealt)
        .satisfies(
            out -> {
              Map<String, Set<String>> groups = new HashMap<>();
              for (KV<String, byte[]> batch : out) {
                int bar = batch.getKey().lastIndexOf('|');
                groups
                    .computeIfAbsent(batch.getKey().substring(0, bar), k -> new TreeSet<>())
                    .add(batch.getKey().substring(bar + 1));
              }
              check.accept(groups);
              return null;
            });
    p.run().waitUntilFinish();
  }

  private interface SerializableConsumer<T> extends java.io.Serializable {
    void accept(T value);
  }
}
