package io.medallion.lake.typed;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.medallion.lake.table.LakeTable;
import io.medallion.lake.table.TableFamily;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.generic.IndexedRecord;
import org.apache.avro.util.Utf8;
import org.apache.iceberg.Schema;
import org.apache.iceberg.avro.AvroSchemaUtil;
import org.apache.iceberg.types.Type;
import org.apache.iceberg.types.Types.NestedField;

/**
 * Turns a kept {@code gold_events} row into a row of its typed table: the common columns copied,
 * and each payload member, read once with a streaming parser, into its column when its value fits
 * the column's type, else into {@code _rescued}, never coerced:
 *
 * <ul>
 *   <li>{@code boolean} holds {@code true}/{@code false}; {@code bigint} integers written as
 *       integers that fit it; {@code int} those that fit it; {@code double} numbers with a fraction
 *       or an exponent that it holds (not {@code 1e400}) and integers up to 2^53 (held exactly);
 *       {@code string} strings; {@code struct} objects, member by member; {@code list} arrays whose
 *       every element fits its element type (an object element: every member that has a value has a
 *       column and fits it).
 *   <li>A member whose value does not fit, or that has no column (its name has no letter or digit,
 *       the table's column limit refused it, or none of its values ever made one: only nulls, only
 *       empty objects or arrays), goes into {@code _rescued} under its name, its value as written
 *       in the payload ({@code {"score":"85"}}); a member of a struct member under the struct's
 *       name ({@code {"context":{"screen":5}}}); an array that does not fit is rescued whole.
 *       {@code _rescued} is null when nothing was rescued.
 *   <li>A null member is a null column, or no column at all.
 * </ul>
 *
 * So every member of every payload is in a typed column or in {@code _rescued}. Rows are Avro
 * records of the table's schema as the run settled it ({@link TypedSchema}), for {@code
 * ParquetFiles#writer}. Not thread-safe: one per DoFn instance and table.
 */
final class TypedRows {
  /** Told of each value rescued: its member path (dotted), and whether the limit refused it. */
  interface Rescues {
    void rescued(String path, boolean refusedByLimit);
  }

  private static final Object MISFIT = new Object();
  private static final org.apache.avro.Schema GOLD = LakeTable.GOLD_EVENTS.avroSchema();
  private static final int GOLD_PAYLOAD = GOLD.getField("payload").pos();
  private static final List<String> COPIED =
      List.of("event_uuid", "event_name", "created_at", "created_datetime", "date");

  /** A struct of the table (the row itself at the top): its members' columns. */
  private static final class Scope {
    final org.apache.avro.Schema record;
    final Map<String, Column> columns = new HashMap<>();
    final Set<String> refused = new HashSet<>();

    Scope(org.apache.avro.Schema record) {
      this.record = record;
    }
  }

  /** A column: its position in its record, its type, and what is inside it. */
  private record Column(int pos, Type.TypeID type, Scope struct, Column element) {}

  private final org.apache.avro.Schema avro;
  private final Scope top;
  private final int[] copiedTo = new int[COPIED.size()];
  private final int[] copiedFrom = new int[COPIED.size()];
  private final int rescuedPos;

  /**
   * @param schema the typed table's columns, as its files are written ({@code writeSchema})
   * @param refused the member paths the column limit refused in this run
   */
  TypedRows(Schema schema, Set<List<String>> refused) {
    this.avro = AvroSchemaUtil.convert(schema, "typed_event");
    this.top = new Scope(avro);
    Set<String> common = new HashSet<>();
    TableFamily.TYPED_EVENTS.columns().columns().forEach(c -> common.add(c.name()));
    List<NestedField> payload = new ArrayList<>();
    for (NestedField column : schema.columns()) {
      if (!common.contains(column.name())) {
        payload.add(column);
      }
    }
    fill(top, schema.columns(), payload, List.of(), refused);
    for (int i = 0; i < COPIED.size(); i++) {
      copiedTo[i] = avro.getField(COPIED.get(i)).pos();
      copiedFrom[i] = GOLD.getField(COPIED.get(i)).pos();
    }
    this.rescuedPos = avro.getField(TableFamily.RESCUED).pos();
  }

  /**
   * @param all the struct's columns, in record order
   * @param members those that hold payload members
   */
  private static void fill(
      Scope scope,
      List<NestedField> all,
      List<NestedField> members,
      List<String> path,
      Set<List<String>> refused) {
    for (List<String> r : refused) {
      if (r.size() == path.size() + 1 && r.subList(0, path.size()).equals(path)) {
        scope.refused.add(r.get(path.size()));
      }
    }
    for (NestedField field : members) {
      String member = ColumnNames.memberOf(field);
      List<String> memberPath = new ArrayList<>(path);
      memberPath.add(member);
      org.apache.avro.Schema fieldSchema =
          nonNull(scope.record.getFields().get(all.indexOf(field)));
      scope.columns.put(
          member, column(all.indexOf(field), field.type(), fieldSchema, memberPath, refused));
    }
  }

  private static Column column(
      int pos,
      Type type,
      org.apache.avro.Schema avro,
      List<String> path,
      Set<List<String>> refused) {
    if (type.isStructType()) {
      Scope struct = new Scope(avro);
      List<NestedField> fields = type.asStructType().fields();
      fill(struct, fields, fields, path, refused);
      return new Column(pos, type.typeId(), struct, null);
    }
    if (type.isListType()) {
      org.apache.avro.Schema element = nonNull(avro.getElementType());
      // Arrays are taken whole or rescued whole: nothing inside one is refused on its own.
      Column inside = column(-1, type.asListType().elementType(), element, List.of(), Set.of());
      return new Column(pos, type.typeId(), null, inside);
    }
    return new Column(pos, type.typeId(), null, null);
  }

  private static org.apache.avro.Schema nonNull(org.apache.avro.Schema.Field field) {
    return nonNull(field.schema());
  }

  private static org.apache.avro.Schema nonNull(org.apache.avro.Schema schema) {
    if (schema.getType() == org.apache.avro.Schema.Type.UNION) {
      for (org.apache.avro.Schema branch : schema.getTypes()) {
        if (branch.getType() != org.apache.avro.Schema.Type.NULL) {
          return branch;
        }
      }
    }
    return schema;
  }

  /** The Avro record schema of the rows. */
  org.apache.avro.Schema avroSchema() {
    return avro;
  }

  /** The typed row of {@code gold}, a {@code gold_events} row; rescues are told to {@code out}. */
  GenericRecord of(GenericRecord gold, Rescues out) {
    GenericData.Record row = new GenericData.Record(avro);
    for (int i = 0; i < copiedTo.length; i++) {
      row.put(copiedTo[i], gold.get(copiedFrom[i]));
    }
    Object payload = gold.get(GOLD_PAYLOAD);
    byte[] bytes;
    int length;
    if (payload instanceof Utf8 utf8) {
      bytes = utf8.getBytes();
      length = utf8.getByteLength();
    } else {
      bytes = payload.toString().getBytes(StandardCharsets.UTF_8);
      length = bytes.length;
    }
    Payload read = new Payload(bytes);
    try (JsonParser parser = ValueKind.JSON.createParser(bytes, 0, length)) {
      if (parser.nextToken() != JsonToken.START_OBJECT) {
        throw new IllegalArgumentException("a payload is a JSON object");
      }
      members(parser, top, row, false, null, read, out);
    } catch (IOException e) {
      throw new IllegalArgumentException(
          "event " + gold.get(copiedFrom[0]) + ": not a JSON payload: " + e.getMessage(), e);
    }
    row.put(rescuedPos, read.rescuedJson());
    return row;
  }

  /**
   * Fills {@code record} with the members of the object the parser is in, up to its end.
   *
   * @param strict inside an array: any member that does not fit makes the whole value not fit
   * @return whether every member fit (always, unless strict)
   */
  private boolean members(
      JsonParser parser,
      Scope scope,
      IndexedRecord record,
      boolean strict,
      Where where,
      Payload read,
      Rescues out)
      throws IOException {
    boolean fits = true;
    while (parser.nextToken() == JsonToken.FIELD_NAME) {
      String name = parser.currentName();
      JsonToken token = parser.nextToken();
      if (token == JsonToken.VALUE_NULL) {
        continue;
      }
      if (!fits) {
        skip(parser, token);
        continue;
      }
      Column column = scope.columns.get(name);
      long start = parser.currentTokenLocation().getByteOffset();
      Object value;
      if (column == null) {
        skip(parser, token);
        value = MISFIT;
      } else {
        value = value(parser, token, column, strict, where, name, read, out);
      }
      if (value != MISFIT) {
        record.put(column.pos(), value);
      } else if (strict) {
        fits = false;
      } else {
        long end = parser.currentLocation().getByteOffset();
        read.rescue(where, name, (int) start, (int) end);
        out.rescued(Where.path(where, name), column == null && scope.refused.contains(name));
      }
    }
    return fits;
  }

  /** The value of {@code column} the parser's value gives, or {@link #MISFIT}; consumes it. */
  private Object value(
      JsonParser parser,
      JsonToken token,
      Column column,
      boolean strict,
      Where where,
      String name,
      Payload read,
      Rescues out)
      throws IOException {
    switch (column.type()) {
      case BOOLEAN:
        if (token == JsonToken.VALUE_TRUE || token == JsonToken.VALUE_FALSE) {
          return token == JsonToken.VALUE_TRUE;
        }
        break;
      case LONG:
        if (token == JsonToken.VALUE_NUMBER_INT) {
          ValueKind kind = ValueKind.of(parser, token);
          if (kind == ValueKind.INT32 || kind == ValueKind.INT53 || kind == ValueKind.INT64) {
            return parser.getLongValue();
          }
        }
        break;
      case INTEGER:
        if (token == JsonToken.VALUE_NUMBER_INT && ValueKind.of(parser, token) == ValueKind.INT32) {
          return parser.getIntValue();
        }
        break;
      case DOUBLE:
        if (token == JsonToken.VALUE_NUMBER_FLOAT || token == JsonToken.VALUE_NUMBER_INT) {
          ValueKind kind = ValueKind.of(parser, token);
          if (kind == ValueKind.DOUBLE) {
            return parser.getDoubleValue();
          }
          if (kind == ValueKind.INT32 || kind == ValueKind.INT53) {
            return (double) parser.getLongValue();
          }
        }
        break;
      case STRING:
        if (token == JsonToken.VALUE_STRING) {
          return read.text(parser);
        }
        break;
      case STRUCT:
        if (token == JsonToken.START_OBJECT) {
          GenericData.Record struct = new GenericData.Record(column.struct().record);
          boolean fits =
              members(
                  parser,
                  column.struct(),
                  struct,
                  strict,
                  strict ? null : new Where(where, name),
                  read,
                  out);
          return fits ? struct : MISFIT;
        }
        break;
      case LIST:
        if (token == JsonToken.START_ARRAY) {
          return elements(parser, column.element(), read, out);
        }
        break;
      default:
        break;
    }
    skip(parser, token);
    return MISFIT;
  }

  /** The elements of the array the parser is in, each fitting {@code element}, or a misfit. */
  private Object elements(JsonParser parser, Column element, Payload read, Rescues out)
      throws IOException {
    List<Object> values = new ArrayList<>();
    boolean fits = true;
    JsonToken token;
    while ((token = parser.nextToken()) != JsonToken.END_ARRAY) {
      if (!fits) {
        skip(parser, token);
      } else if (token == JsonToken.VALUE_NULL) {
        values.add(null);
      } else {
        Object value = value(parser, token, element, true, null, null, read, out);
        if (value == MISFIT) {
          fits = false;
        } else {
          values.add(value);
        }
      }
    }
    return fits ? values : MISFIT;
  }

  /** Consumes the rest of the value {@code token} starts. */
  private static void skip(JsonParser parser, JsonToken token) throws IOException {
    if (token == JsonToken.START_OBJECT || token == JsonToken.START_ARRAY) {
      parser.skipChildren();
    } else if (token == JsonToken.VALUE_STRING) {
      parser.finishToken();
    }
  }

  /** Where a struct is among the payload's members: its member name, inside its parent's. */
  private record Where(Where parent, String member) {
    static String path(Where where, String name) {
      return where == null ? name : path(where.parent(), where.member()) + "." + name;
    }
  }

  /**
   * One payload being read: its bytes, and its members rescued so far, as written (a JSON object,
   * nested as the structs are).
   */
  private static final class Payload {
    private final byte[] payload;
    private Map<String, Object> root;

    Payload(byte[] payload) {
      this.payload = payload;
    }

    /**
     * The string value the parser is on: its bytes as written in the payload when it has no escape
     * (already UTF-8, which the parser checked), so it is neither decoded nor encoded again; else
     * the parser's text.
     */
    CharSequence text(JsonParser parser) throws IOException {
      int start = (int) parser.currentTokenLocation().getByteOffset() + 1;
      parser.finishToken();
      int end = (int) parser.currentLocation().getByteOffset() - 1;
      for (int i = start; i < end; i++) {
        if (payload[i] == '\\') {
          return parser.getText();
        }
      }
      return new Utf8(Arrays.copyOfRange(payload, start, end));
    }

    void rescue(Where where, String name, int start, int end) {
      if (root == null) {
        root = new LinkedHashMap<>();
      }
      at(where).put(name, new String(payload, start, end - start, StandardCharsets.UTF_8));
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> at(Where where) {
      if (where == null) {
        return root;
      }
      return (Map<String, Object>)
          at(where.parent()).computeIfAbsent(where.member(), m -> new LinkedHashMap<>());
    }

    /** The rescued members as a JSON object; null when none was. */
    String rescuedJson() {
      if (root == null) {
        return null;
      }
      StringBuilder json = new StringBuilder();
      write(root, json);
      return json.toString();
    }

    @SuppressWarnings("unchecked")
    private static void write(Map<String, Object> object, StringBuilder json) {
      json.append('{');
      boolean first = true;
      for (Map.Entry<String, Object> e : object.entrySet()) {
        if (!first) {
          json.append(',');
        }
        first = false;
        json.append(ColumnNames.quote(e.getKey(), false)).append(':');
        if (e.getValue() instanceof Map<?, ?> nested) {
          write((Map<String, Object>) nested, json);
        } else {
          json.append(e.getValue());
        }
      }
      json.append('}');
    }
  }
}
