package io.medallion.lake.beam;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.medallion.lake.testing.TestPipelines;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.extensions.avro.coders.AvroCoder;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.GroupByKey;
import org.apache.beam.sdk.transforms.windowing.FixedWindows;
import org.apache.beam.sdk.transforms.windowing.Window;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.joda.time.Duration;
import org.junit.jupiter.api.Test;

class EncodedBatchesTest {
  @Test
  void everyValueCrossesTheShuffleOnceUnderItsKeyAndBigKeysSpanSeveralBatches() {
    // Arrange: key "big" holds more than two batches' worth, "small" a few values.
    TestPipeline p = TestPipelines.create();
    String value = "x".repeat(10_000);
    int big = 2 * EncodedBatches.BATCH_BYTES / value.length() + 7;
    List<KV<String, String>> input = new ArrayList<>();
    for (int i = 0; i < big; i++) {
      input.add(KV.of("big", i + ":" + value));
    }
    for (int i = 0; i < 3; i++) {
      input.add(KV.of("small", i + ":s"));
    }

    // Act
    PCollection<KV<String, Iterable<byte[]>>> grouped =
        p.apply(Create.of(input).withCoder(KvCoder.of(StringUtf8Coder.of(), StringUtf8Coder.of())))
            .apply(EncodedBatches.of(StringUtf8Coder.of()))
            .apply(GroupByKey.create());

    // Assert
    PAssert.that(grouped)
        .satisfies(
            groups -> {
              Map<String, List<String>> values = new HashMap<>();
              Map<String, Integer> batches = new HashMap<>();
              for (KV<String, Iterable<byte[]>> group : groups) {
                for (byte[] batch : group.getValue()) {
                  batches.merge(group.getKey(), 1, Integer::sum);
                  for (String v : EncodedBatches.values(StringUtf8Coder.of(), batch)) {
                    values.computeIfAbsent(group.getKey(), k -> new ArrayList<>()).add(v);
                  }
                }
              }
              assertThat(values.get("big")).hasSize(big).doesNotHaveDuplicates();
              assertThat(values.get("big")).allMatch(v -> v.endsWith(":" + value));
              assertThat(values.get("small")).containsExactlyInAnyOrder("0:s", "1:s", "2:s");
              assertThat(batches.get("big")).isGreaterThanOrEqualTo(3);
              return null;
            });
    TestPipelines.run(p);
  }

  @Test
  void aBatchReadsTheSameValuesEveryTime() throws Exception {
    // Arrange
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    for (int i = 0; i < 5; i++) {
      VarIntCoder.of().encode(i * 1000, out);
    }
    Iterable<Integer> values = EncodedBatches.values(VarIntCoder.of(), out.toByteArray());

    // Act, Assert
    assertThat(values).containsExactly(0, 1000, 2000, 3000, 4000);
    assertThat(values).containsExactly(0, 1000, 2000, 3000, 4000);
  }

  @Test
  void avroRowsAreBatchedInTheCodersOwnBytesAndReadBackEqual() throws Exception {
    // Arrange: rows with nulls, unicode and a long string, the shape of a lake row.
    Schema schema =
        SchemaBuilder.record("row")
            .fields()
            .requiredString("id")
            .optionalString("note")
            .requiredLong("at")
            .endRecord();
    AvroCoder<GenericRecord> coder = AvroCoder.of(schema);
    List<GenericRecord> rows = new ArrayList<>();
    java.io.ByteArrayOutputStream expected = new java.io.ByteArrayOutputStream();
    for (int i = 0; i < 50; i++) {
      GenericRecord row = new GenericData.Record(schema);
      row.put("id", "é-" + i);
      row.put("note", i % 3 == 0 ? null : "n".repeat(i * 40));
      row.put("at", -1L * i * 1_000_000_007L);
      rows.add(row);
      coder.encode(row, expected);
    }
    EncodedBatches.Buffer<String, GenericRecord> buffer = new EncodedBatches.Buffer<>(coder);
    List<byte[]> batches = new ArrayList<>();

    // Act
    for (GenericRecord row : rows) {
      buffer.add("k", row, (k, batch) -> batches.add(batch));
    }
    buffer.flush((k, batch) -> batches.add(batch));

    // Assert: one batch, byte for byte what the coder writes, decoding to equal rows.
    assertThat(batches).hasSize(1);
    assertThat(batches.get(0)).isEqualTo(expected.toByteArray());
    assertThat(EncodedBatches.values(coder, batches.get(0))).containsExactlyElementsOf(rows);
  }

  @Test
  void refusesWindowedInput() {
    TestPipeline p = TestPipeline.create().enableAbandonedNodeEnforcement(false);
    PCollection<KV<String, String>> windowed =
        p.apply(Create.of(KV.of("k", "v")))
            .apply(Window.into(FixedWindows.of(Duration.standardMinutes(1))));

    assertThatThrownBy(() -> windowed.apply(EncodedBatches.of(StringUtf8Coder.of())))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("globally windowed");
  }
}
