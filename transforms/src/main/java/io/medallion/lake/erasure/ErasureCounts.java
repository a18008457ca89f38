package io.medallion.lake.erasure;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.util.Map;
import java.util.TreeMap;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.CoderRegistry;
import org.apache.beam.sdk.coders.MapCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.ResourceId;
import org.apache.beam.sdk.transforms.Combine;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.Sum;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PDone;

/**
 * Hands an erasure pipeline's counts ({@code <layer>.<metric>} to a number) back to the program
 * that ran it: sums them and writes them, once the pipeline has them all, as one JSON object to a
 * file ({@link #to}), which the program reads when the pipeline is done ({@link #read}). The counts
 * name layers and metrics, never a subject.
 */
public final class ErasureCounts extends PTransform<PCollection<KV<String, Long>>, PDone> {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final String path;

  private ErasureCounts(String path) {
    this.path = path;
  }

  /** Writes the summed counts to {@code path} (a local path or a Beam file system URI). */
  public static ErasureCounts to(String path) {
    return new ErasureCounts(path);
  }

  @Override
  public PDone expand(PCollection<KV<String, Long>> counts) {
    counts
        .apply("SumByKey", Sum.longsPerKey())
        .apply("AllCounts", Combine.globally(new ToMapFn()))
        .apply("WriteCounts", ParDo.of(new WriteFn(path)));
    return PDone.in(counts.getPipeline());
  }

  /** The counts {@link #to} wrote to {@code path}. */
  public static Map<String, Long> read(String path) throws IOException {
    ResourceId file = FileSystems.matchSingleFileSpec(path).resourceId();
    try (InputStream in = Channels.newInputStream(FileSystems.open(file))) {
      return new TreeMap<>(JSON.readValue(in, new TypeReference<Map<String, Long>>() {}));
    }
  }

  /** All counts in one map; an empty map when there are none. */
  static final class ToMapFn
      extends Combine.CombineFn<KV<String, Long>, Map<String, Long>, Map<String, Long>> {
    @Override
    public Map<String, Long> createAccumulator() {
      return new TreeMap<>();
    }

    @Override
    public Map<String, Long> addInput(Map<String, Long> map, KV<String, Long> count) {
      map.merge(count.getKey(), count.getValue(), Long::sum);
      return map;
    }

    @Override
    public Map<String, Long> mergeAccumulators(Iterable<Map<String, Long>> maps) {
      Map<String, Long> all = new TreeMap<>();
      maps.forEach(m -> m.forEach((k, v) -> all.merge(k, v, Long::sum)));
      return all;
    }

    @Override
    public Map<String, Long> extractOutput(Map<String, Long> map) {
      return map;
    }

    @Override
    public Coder<Map<String, Long>> getAccumulatorCoder(
        CoderRegistry registry, Coder<KV<String, Long>> inputCoder) {
      return MapCoder.of(StringUtf8Coder.of(), VarLongCoder.of());
    }

    @Override
    public Coder<Map<String, Long>> getDefaultOutputCoder(
        CoderRegistry registry, Coder<KV<String, Long>> inputCoder) {
      return MapCoder.of(StringUtf8Coder.of(), VarLongCoder.of());
    }
  }

  static final class WriteFn extends DoFn<Map<String, Long>, Void> {
    private final String path;

    WriteFn(String path) {
      this.path = path;
    }

    @ProcessElement
    public void process(@Element Map<String, Long> counts) throws IOException {
      ResourceId target = FileSystems.matchNewResource(path, false);
      try (OutputStream out =
          Channels.newOutputStream(FileSystems.create(target, "application/json"))) {
        out.write(JSON.writeValueAsBytes(new TreeMap<>(counts)));
      }
    }
  }
}
