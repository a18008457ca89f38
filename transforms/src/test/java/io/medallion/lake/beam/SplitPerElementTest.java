package io.medallion.lake.beam;

import static org.assertj.core.api.Assertions.assertThat;

import io.medallion.lake.testing.TestPipelines;
import java.util.List;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.io.Read;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.SourceTestUtils;
import org.apache.beam.sdk.testing.TestPipeline;
import org.junit.jupiter.api.Test;

class SplitPerElementTest {
  private static final PipelineOptions OPTIONS = PipelineOptionsFactory.create();

  private static SplitPerElement<String> source(List<String> elements) {
    return SplitPerElement.of(elements, StringUtf8Coder.of(), s -> (long) s.length());
  }

  @Test
  void splitsIntoOneSourcePerElementInOrderWhateverTheBundleSizeAsked() throws Exception {
    // Arrange
    SplitPerElement<String> source = source(List.of("three", "two!", "one"));

    // Act
    List<SplitPerElement<String>> splits = source.split(Long.MAX_VALUE, OPTIONS);

    // Assert: a split per element, in order, each reading its element alone.
    assertThat(splits).hasSize(3);
    assertThat(SourceTestUtils.readFromSource(splits.get(0), OPTIONS)).containsExactly("three");
    assertThat(SourceTestUtils.readFromSource(splits.get(2), OPTIONS)).containsExactly("one");
    for (SplitPerElement<String> split : splits) {
      assertThat(split.split(1, OPTIONS)).containsExactly(split);
    }
    SourceTestUtils.assertSourcesEqualReferenceSource(source, splits, OPTIONS);
    assertThat(source.getEstimatedSizeBytes(OPTIONS)).isEqualTo(5 + 4 + 3);
    assertThat(splits.get(1).getEstimatedSizeBytes(OPTIONS)).isEqualTo(4);
  }

  @Test
  void noElementsReadNothingAndSplitIntoTheSourceItself() throws Exception {
    SplitPerElement<String> source = source(List.of());

    assertThat(source.split(1, OPTIONS)).containsExactly(source);
    assertThat(SourceTestUtils.readFromSource(source, OPTIONS)).isEmpty();
    assertThat(source.getEstimatedSizeBytes(OPTIONS)).isZero();
  }

  @Test
  void aPipelineReadsEveryElementOnce() {
    TestPipeline p = TestPipelines.create();

    PAssert.that(p.apply(Read.from(source(List.of("a", "b", "c")))))
        .containsInAnyOrder("a", "b", "c");

    p.run().waitUntilFinish();
  }
}
