package io.medallion.lake.typed;

import io.medallion.lake.typed.PayloadTypes.Node;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Table;
import org.apache.iceberg.UpdateSchema;
import org.apache.iceberg.exceptions.CommitFailedException;
import org.apache.iceberg.types.Type;
import org.apache.iceberg.types.Types;
import org.apache.iceberg.types.Types.NestedField;

/**
 * The schema of a typed table follows its data: from what a run's payloads hold ({@link
 * PayloadTypes}), the columns to add and to widen, committed with Iceberg's {@code UpdateSchema}
 * before the run writes a file ({@link #evolve}). Existing columns are never dropped, renamed or
 * narrowed; every column added is optional, so the files written before read it as null.
 *
 * <p>A member with no column yet gets one when it has a value other than null ({@link #plan}): its
 * type is the kind of most of its values (ties: boolean, number, string, object, array): booleans
 * {@code boolean}; integers that fit {@code bigint}; numbers with a fraction or an exponent {@code
 * double} (integers with them: a member that holds both is {@code double}); strings {@code string};
 * objects {@code struct} of their members' columns; arrays {@code list} of their elements' type. An
 * object none of whose members makes a column (only nulls, only empty objects) makes none, nor an
 * array whose elements make none. Integers beyond {@code bigint} and numbers beyond {@code double}
 * decide nothing.
 *
 * <p>An existing column is widened where Iceberg allows it and the values need it: {@code int} to
 * {@code bigint} for an integer beyond {@code int}, {@code float} to {@code double} for any number
 * (the lake makes neither type itself; a table whose columns were declared by hand gets them).
 *
 * <p>A table holds at most {@code columnLimit} payload columns, nested ones counted: new members
 * are taken in order of how many values they have (a member counted at most as often as the object
 * it is in, so an object comes before its members), outer before inner, then by path in code point
 * order; those past the limit are refused, their values rescued ({@link TypedRows}). A struct left
 * with no member gives its place back. A map of ids as member names (each id with few values)
 * neither adds a column per id nor takes the columns of the members around it.
 */
final class TypedSchema {
  /** A column to add, to the top ({@code parent} null) or into a struct. */
  record Addition(String parent, String name, Type type, String doc) {}

  /** A column to widen ({@code tags.element} for a list's elements). */
  record Widening(String column, Type.PrimitiveType to) {}

  /**
   * What a run changes in a typed table's schema, and the member paths it refuses a column for
   * because of the column limit.
   */
  record Plan(List<Addition> additions, List<Widening> widenings, Set<List<String>> refused) {
    boolean changesNothing() {
      return additions.isEmpty() && widenings.isEmpty();
    }
  }

  /** Concurrent runs adding columns to one table: each retries on the other's schema. */
  static final int COMMIT_ATTEMPTS = 10;

  private TypedSchema() {}

  /**
   * Adds and widens the columns {@code observed} needs in {@code table}, in one schema commit,
   * retried from the table's new schema when another run committed one meanwhile. Returns the
   * member paths refused a column by the limit.
   */
  static Set<List<String>> evolve(
      Table table, Set<String> commonColumns, Node observed, int columnLimit) {
    for (int attempt = 1; ; attempt++) {
      table.refresh();
      Plan plan = plan(table.schema(), commonColumns, observed, columnLimit);
      if (plan.changesNothing()) {
        return plan.refused();
      }
      UpdateSchema update = table.updateSchema();
      plan.widenings().forEach(w -> update.updateColumn(w.column(), w.to()));
      for (Addition a : plan.additions()) {
        if (a.parent() == null) {
          update.addColumn(a.name(), a.type(), a.doc());
        } else {
          update.addColumn(a.parent(), a.name(), a.type(), a.doc());
        }
      }
      try {
        update.commit();
      } catch (CommitFailedException e) {
        if (attempt >= COMMIT_ATTEMPTS) {
          throw e;
        }
      }
    }
  }

  /**
   * What {@code observed} needs of a table with {@code schema}, whose first columns are {@code
   * commonColumns} (not payload members; their names are taken at the top).
   */
  static Plan plan(Schema schema, Set<String> commonColumns, Node observed, int columnLimit) {
    return new Planner(schema, commonColumns, columnLimit).plan(observed);
  }

  private static final class Planner {
    private final List<NestedField> payload = new ArrayList<>();
    private final Set<String> topNames = new HashSet<>();
    private final List<Widening> widenings = new ArrayList<>();

    private final NewColumns columns = new NewColumns();

    private final int room;

    Planner(Schema schema, Set<String> commonColumns, int columnLimit) {
      for (NestedField column : schema.columns()) {
        topNames.add(column.name());
        if (!commonColumns.contains(column.name())) {
          payload.add(column);
        }
      }
      room = Math.max(0, columnLimit - countFields(payload));
    }

    Plan plan(Node observed) {
      existingStruct(payload, null, observed, List.of(), topNames);
      NewColumns.Chosen chosen = columns.choose(room);
      return new Plan(chosen.additions(), List.copyOf(widenings), chosen.refused());
    }

    /** The members of an existing struct: widen what has a column, note what has none. */
    private void existingStruct(
        List<NestedField> fields, String parent, Node node, List<String> path, Set<String> taken) {
      Map<String, NestedField> byMember = new HashMap<>();
      for (NestedField field : fields) {
        byMember.put(ColumnNames.memberOf(field), field);
      }
      Set<String> names = new HashSet<>(taken);
      fields.forEach(f -> names.add(f.name()));
      NewColumns.Scope scope = NewColumns.scope(names);
      for (Map.Entry<String, Node> member : node.members().entrySet()) {
        List<String> memberPath = NewColumns.append(path, member.getKey());
        NestedField field = byMember.get(member.getKey());
        if (field != null) {
          existingType(
              field.type(),
              parent == null ? field.name() : parent + "." + field.name(),
              member.getValue(),
              memberPath);
        } else {
          columns.add(memberPath, member.getKey(), member.getValue(), parent, scope);
        }
      }
    }

    private void existingType(Type type, String column, Node node, List<String> path) {
      if (type.isStructType()) {
        existingStruct(type.asStructType().fields(), column, node, path, Set.of());
      } else if (type.isListType()) {
        if (node.element != null) {
          existingType(
              type.asListType().elementType(),
              column + ".element",
              node.element,
              NewColumns.append(path, null));
        }
      } else if (type.typeId() == Type.TypeID.INTEGER
          && node.count(ValueKind.INT53) + node.count(ValueKind.INT64) > 0) {
        widenings.add(new Widening(column, Types.LongType.get()));
      } else if (type.typeId() == Type.TypeID.FLOAT
          && NewColumns.weight(node, NewColumns.Group.NUMBER) > 0) {
        widenings.add(new Widening(column, Types.DoubleType.get()));
      }
    }
  }

  /** How many named columns {@code fields} hold, nested ones included. */
  static int countFields(List<NestedField> fields) {
    int n = 0;
    for (NestedField field : fields) {
      n += 1 + countNested(field.type());
    }
    return n;
  }

  private static int countNested(Type type) {
    if (type.isStructType()) {
      return countFields(type.asStructType().fields());
    }
    if (type.isListType()) {
      return countNested(type.asListType().elementType());
    }
    if (type.isMapType()) {
      return countNested(type.asMapType().valueType());
    }
    return 0;
  }
}
