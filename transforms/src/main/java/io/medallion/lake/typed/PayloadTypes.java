package io.medallion.lake.typed;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import org.apache.avro.util.Utf8;

/**
 * What the payloads of a run's kept rows hold, per typed table: for every member path (members of
 * objects, elements of arrays, at any depth), how many values of each {@link ValueKind}. {@link
 * TypedSchema} decides the tables' columns from it. One streaming pass over each payload (Jackson's
 * parser; strings are skipped, not decoded), counted in a tree per table.
 *
 * <p>The counts leave a bundle as {@code KV<path key, count>} ({@link #drain}), summed per key by
 * the pipeline and read back whole by {@link #read}: sums, so the result is the same however the
 * runner splits the rows. A path key is a JSON array: the table, the kind, then the path, a member
 * by its name and an array's element by {@code null} ({@code ["gold_evt_x","STRING","tags",null]}).
 */
public final class PayloadTypes {
  /** One member path: its kinds, and the paths under it. */
  static final class Node {
    final long[] kinds = new long[ValueKind.COUNT];
    Map<String, Node> members;
    Node element;

    /** The values of every kind but {@link ValueKind#NULL}. */
    long nonNull() {
      long n = 0;
      for (int k = 1; k < kinds.length; k++) {
        n += kinds[k];
      }
      return n;
    }

    long count(ValueKind kind) {
      return kinds[kind.ordinal()];
    }

    Map<String, Node> members() {
      return members == null ? Map.of() : members;
    }

    Node member(String name) {
      if (members == null) {
        members = new HashMap<>();
      }
      return members.computeIfAbsent(name, n -> new Node());
    }

    Node element() {
      if (element == null) {
        element = new Node();
      }
      return element;
    }
  }

  private static final ObjectMapper JSON = new ObjectMapper();

  private final Map<String, Node> tables = new HashMap<>();
  private int nodes;

  /**
   * Counts the members of {@code payload} (a JSON object: Avro's {@code Utf8}, read as its bytes,
   * or any other text) as values of {@code table}.
   *
   * @throws IllegalArgumentException if the payload is not a JSON object
   */
  public void observe(String table, CharSequence payload) {
    if (payload instanceof Utf8 utf8) {
      observe(table, utf8.getBytes(), utf8.getByteLength());
    } else {
      byte[] bytes = payload.toString().getBytes(StandardCharsets.UTF_8);
      observe(table, bytes, bytes.length);
    }
  }

  /**
   * Counts the members of {@code payload} (a JSON object, UTF-8, the first {@code length} bytes) as
   * values of {@code table}.
   *
   * @throws IllegalArgumentException if the payload is not a JSON object
   */
  public void observe(String table, byte[] payload, int length) {
    Node root = tables.computeIfAbsent(table, t -> newNode());
    try (JsonParser parser = ValueKind.JSON.createParser(payload, 0, length)) {
      if (parser.nextToken() != JsonToken.START_OBJECT) {
        throw new IllegalArgumentException("a payload is a JSON object");
      }
      root.kinds[ValueKind.OBJECT.ordinal()]++; // the table's rows
      members(parser, root);
    } catch (IOException e) {
      throw new IllegalArgumentException("not a JSON payload: " + e.getMessage(), e);
    }
  }

  private void members(JsonParser parser, Node object) throws IOException {
    while (parser.nextToken() == JsonToken.FIELD_NAME) {
      String name = parser.currentName();
      Node member = object.members == null ? null : object.members.get(name);
      if (member == null) {
        member = object.member(name);
        nodes++;
      }
      value(parser, parser.nextToken(), member);
    }
  }

  private void value(JsonParser parser, JsonToken token, Node node) throws IOException {
    ValueKind kind = ValueKind.of(parser, token);
    node.kinds[kind.ordinal()]++;
    if (kind == ValueKind.OBJECT) {
      members(parser, node);
    } else if (kind == ValueKind.ARRAY) {
      JsonToken next;
      while ((next = parser.nextToken()) != JsonToken.END_ARRAY) {
        if (node.element == null) {
          nodes++;
        }
        value(parser, next, node.element());
      }
    }
  }

  private Node newNode() {
    nodes++;
    return new Node();
  }

  /** How many paths are counted: a bundle drains them once there are many. */
  public int size() {
    return nodes;
  }

  /** Passes every non-zero count to {@code out} by its path key, and starts over. */
  public void drain(BiConsumer<String, Long> out) {
    for (Map.Entry<String, Node> table : tables.entrySet()) {
      emit(table.getKey(), new ArrayList<>(), table.getValue(), out);
    }
    tables.clear();
    nodes = 0;
  }

  private static void emit(
      String table, List<String> path, Node node, BiConsumer<String, Long> out) {
    for (int k = 0; k < node.kinds.length; k++) {
      if (node.kinds[k] > 0) {
        out.accept(key(table, ValueKind.of(k), path), node.kinds[k]);
      }
    }
    for (Map.Entry<String, Node> member : node.members().entrySet()) {
      path.add(member.getKey());
      emit(table, path, member.getValue(), out);
      path.remove(path.size() - 1);
    }
    if (node.element != null) {
      path.add(null);
      emit(table, path, node.element, out);
      path.remove(path.size() - 1);
    }
  }

  /**
   * The path key of {@code kind} at {@code path} (null for an array's element) of {@code table}.
   */
  static String key(String table, ValueKind kind, List<String> path) {
    StringBuilder key = new StringBuilder("[");
    key.append(ColumnNames.quote(table, false)).append(',').append('"').append(kind).append('"');
    for (String segment : path) {
      key.append(',').append(segment == null ? "null" : ColumnNames.quote(segment, false));
    }
    return key.append(']').toString();
  }

  /** The trees of {@code counts} (path key → summed count), by table. */
  static Map<String, Node> read(Map<String, Long> counts) {
    Map<String, Node> tables = new HashMap<>();
    for (Map.Entry<String, Long> e : counts.entrySet()) {
      JsonNode key;
      try {
        key = JSON.readTree(e.getKey());
      } catch (IOException ex) {
        throw new UncheckedIOException("not a path key: " + e.getKey(), ex);
      }
      Node node = tables.computeIfAbsent(key.get(0).asText(), t -> new Node());
      for (int i = 2; i < key.size(); i++) {
        node = key.get(i).isNull() ? node.element() : node.member(key.get(i).asText());
      }
      node.kinds[ValueKind.valueOf(key.get(1).asText()).ordinal()] += e.getValue();
    }
    return tables;
  }
}
