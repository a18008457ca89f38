package io.medallion.lake.typed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class PayloadTypesTest {
  private static final String T = "gold_evt_quiz_completed";

  static void observe(PayloadTypes types, String table, String payload) {
    byte[] bytes = payload.getBytes(StandardCharsets.UTF_8);
    types.observe(table, bytes, bytes.length);
  }

  static Map<String, Long> drain(PayloadTypes types) {
    Map<String, Long> counts = new TreeMap<>();
    types.drain((key, n) -> counts.merge(key, n, Long::sum));
    return counts;
  }

  @Test
  void countsEveryMemberPathByKind() {
    PayloadTypes types = new PayloadTypes();
    observe(
        types,
        T,
        "{\"score\":85,\"tags\":[\"a\",\"b\"],\"ctx\":{\"screen\":\"s1\"},\"n\":null,"
            + "\"caf\\u00e9\":true}");
    observe(
        types,
        T,
        "{\"score\":92.5,\"tags\":[],\"big\":123456789012345678901234567890,\"inf\":-1e400,"
            + "\"l\":9007199254740993,\"m\":-4294967296,\"five\":5.0,\"z\":-0,\"ctx\":{}}");
    observe(types, "gold_evt_other", "{}");
    assertThat(types.size()).isEqualTo(15);

    Map<String, Long> counts = drain(types);

    assertThat(counts)
        .containsExactlyInAnyOrderEntriesOf(
            Map.ofEntries(
                Map.entry("[\"gold_evt_quiz_completed\",\"OBJECT\"]", 2L),
                Map.entry("[\"gold_evt_quiz_completed\",\"INT32\",\"score\"]", 1L),
                Map.entry("[\"gold_evt_quiz_completed\",\"DOUBLE\",\"score\"]", 1L),
                Map.entry("[\"gold_evt_quiz_completed\",\"ARRAY\",\"tags\"]", 2L),
                Map.entry("[\"gold_evt_quiz_completed\",\"STRING\",\"tags\",null]", 2L),
                Map.entry("[\"gold_evt_quiz_completed\",\"OBJECT\",\"ctx\"]", 2L),
                Map.entry("[\"gold_evt_quiz_completed\",\"STRING\",\"ctx\",\"screen\"]", 1L),
                Map.entry("[\"gold_evt_quiz_completed\",\"NULL\",\"n\"]", 1L),
                Map.entry("[\"gold_evt_quiz_completed\",\"BOOLEAN\",\"café\"]", 1L),
                Map.entry("[\"gold_evt_quiz_completed\",\"BIG_INTEGER\",\"big\"]", 1L),
                Map.entry("[\"gold_evt_quiz_completed\",\"DOUBLE_OUT_OF_RANGE\",\"inf\"]", 1L),
                Map.entry("[\"gold_evt_quiz_completed\",\"INT64\",\"l\"]", 1L),
                Map.entry("[\"gold_evt_quiz_completed\",\"INT53\",\"m\"]", 1L),
                Map.entry("[\"gold_evt_quiz_completed\",\"DOUBLE\",\"five\"]", 1L),
                Map.entry("[\"gold_evt_quiz_completed\",\"INT32\",\"z\"]", 1L),
                Map.entry("[\"gold_evt_other\",\"OBJECT\"]", 1L)));
    assertThat(types.size()).isZero();
    assertThat(drain(types)).isEmpty();
  }

  @Test
  void theSummedCountsReadBackAsTheTreeTheyCameFrom() {
    PayloadTypes first = new PayloadTypes();
    observe(first, T, "{\"items\":[{\"id\":1},{\"id\":\"x\",\"note\":null}],\"a\\\"b\":1}");
    PayloadTypes second = new PayloadTypes();
    observe(second, T, "{\"items\":[{\"id\":2}]}");
    Map<String, Long> summed = drain(first);
    drain(second).forEach((key, n) -> summed.merge(key, n, Long::sum));

    PayloadTypes.Node root = PayloadTypes.read(summed).get(T);

    assertThat(root.count(ValueKind.OBJECT)).isEqualTo(2);
    PayloadTypes.Node items = root.members().get("items");
    assertThat(items.count(ValueKind.ARRAY)).isEqualTo(2);
    assertThat(items.element.count(ValueKind.OBJECT)).isEqualTo(3);
    assertThat(items.element.members().get("id").count(ValueKind.INT32)).isEqualTo(2);
    assertThat(items.element.members().get("id").count(ValueKind.STRING)).isEqualTo(1);
    assertThat(items.element.members().get("note").nonNull()).isZero();
    assertThat(items.element.members().get("note").count(ValueKind.NULL)).isEqualTo(1);
    assertThat(root.members().get("a\"b").count(ValueKind.INT32)).isEqualTo(1);
  }

  @Test
  void aPayloadThatIsNoJsonObjectIsRefused() {
    PayloadTypes types = new PayloadTypes();
    assertThatThrownBy(() -> observe(types, T, "[1]"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("JSON object");
    assertThatThrownBy(() -> observe(types, T, "{\"a\":"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not a JSON payload");
  }

  @Test
  void aThousandDigitIntegerIsBigWithoutBeingParsed() {
    PayloadTypes types = new PayloadTypes();
    observe(types, T, "{\"n\":" + "9".repeat(100_000) + ",\"m\":-" + "9".repeat(19) + "}");
    assertThat(drain(types))
        .containsEntry("[\"gold_evt_quiz_completed\",\"BIG_INTEGER\",\"n\"]", 1L)
        .containsEntry("[\"gold_evt_quiz_completed\",\"BIG_INTEGER\",\"m\"]", 1L);
  }
}
