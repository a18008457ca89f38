package io.medallion.lake.beam;

import static org.assertj.core.api.Assertions.assertThat;

import io.medallion.lake.testing.TestPipelines;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.beam.sdk.io.FileIO;
import org.apache.beam.sdk.io.Read;
import org.apache.beam.sdk.io.fs.MatchResult;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.SourceTestUtils;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MatchedFilesTest {
  private static final PipelineOptions OPTIONS = PipelineOptionsFactory.create();

  @TempDir Path dir;

  private Path file(String relative, String content) throws IOException {
    Path path = dir.resolve(relative);
    Files.createDirectories(path.getParent());
    Files.writeString(path, content, StandardCharsets.UTF_8);
    return path;
  }

  private static List<String> names(List<MatchResult.Metadata> files) {
    return files.stream().map(m -> m.resourceId().getFilename()).sorted().toList();
  }

  @Test
  void splitsIntoOneSourcePerMatchedFileWhateverTheBundleSizeAsked() throws Exception {
    // Arrange: three files under two patterns, one pattern matching nothing.
    file("a/1.jsonl", "one");
    file("a/2.jsonl", "two!");
    file("b/3.jsonl", "three");
    MatchedFiles source = MatchedFiles.of(List.of(dir + "/a/*", dir + "/b/*", dir + "/empty/*"));

    // Act
    List<MatchedFiles> splits = source.split(Long.MAX_VALUE, OPTIONS);

    // Assert: a split per file, each reading its file alone; together what the whole source reads.
    assertThat(splits).hasSize(3);
    for (MatchedFiles split : splits) {
      assertThat(SourceTestUtils.readFromSource(split, OPTIONS)).hasSize(1);
      assertThat(split.split(1, OPTIONS)).containsExactly(split);
    }
    SourceTestUtils.assertSourcesEqualReferenceSource(source, splits, OPTIONS);
    assertThat(names(SourceTestUtils.readFromSource(source, OPTIONS)))
        .containsExactly("1.jsonl", "2.jsonl", "3.jsonl");
    assertThat(source.getEstimatedSizeBytes(OPTIONS)).isEqualTo(3 + 4 + 5);
  }

  @Test
  void listsThePatternsOnceWhetherSizedOrSplit() throws Exception {
    // Arrange: a runner sizes the source, then a file arrives, then it splits the source.
    file("a/1.jsonl", "one");
    MatchedFiles source = MatchedFiles.of(List.of(dir + "/a/*"));
    long bytes = source.getEstimatedSizeBytes(OPTIONS);
    file("a/2.jsonl", "two!");

    // Act
    List<MatchedFiles> splits = source.split(1, OPTIONS);

    // Assert: the split is of what was sized, not of a second listing.
    assertThat(bytes).isEqualTo(3);
    assertThat(splits).hasSize(1);
    assertThat(names(SourceTestUtils.readFromSource(splits.get(0), OPTIONS)))
        .containsExactly("1.jsonl");
  }

  @Test
  void patternsThatMatchNothingReadNothingAndSplitIntoTheSourceItself() throws Exception {
    // Arrange
    MatchedFiles source = MatchedFiles.of(List.of(dir + "/nothing/*"));

    // Act
    List<MatchedFiles> splits = source.split(1, OPTIONS);

    // Assert
    assertThat(splits).containsExactly(source);
    assertThat(SourceTestUtils.readFromSource(source, OPTIONS)).isEmpty();
    assertThat(source.getEstimatedSizeBytes(OPTIONS)).isZero();
  }

  @Test
  void aPipelineReadsEveryMatchedFileOnceThroughFileIo() throws IOException {
    // Arrange
    file("h/x.jsonl", "{\"a\":1}");
    file("h/y.jsonl", "{\"b\":2}");
    TestPipeline p = TestPipelines.create();

    // Act
    PCollection<String> contents =
        p.apply(Read.from(MatchedFiles.of(List.of(dir + "/h/*"))))
            .apply(FileIO.readMatches())
            .apply(
                MapElements.into(TypeDescriptors.strings())
                    .via(
                        f -> {
                          try {
                            return f.readFullyAsUTF8String();
                          } catch (IOException e) {
                            throw new IllegalStateException(e);
                          }
                        }));

    // Assert
    PAssert.that(contents).containsInAnyOrder("{\"a\":1}", "{\"b\":2}");
    p.run().waitUntilFinish();
  }
}
