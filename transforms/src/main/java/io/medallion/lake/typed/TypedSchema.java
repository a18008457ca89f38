package io.medallion.lake.typed;

import io.medallion.lake.typed.PayloadTypes.Node;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
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
 * type is decided by the kinds of its values, the kind with the most values winning (ties: boolean,
 * number, string, object, array, in that order), among those that can make a column: booleans
 * {@code boolean}; integers that fit {@code bigint}; numbers with a fraction or an exponent {@code
 * double} (integers with them: a member that holds both is {@code double}); strings {@code string};
 * objects {@code struct} of their members' columns (none when no member has a value); arrays {@code
 * list} of their elements' type (none when every array is empty). Integers beyond {@code bigint}
 * and numbers beyond {@code double} decide nothing.
 *
 * <p>An existing column is widened where Iceberg allows it and the values need it: {@code int} to
 * {@code bigint} for an integer beyond {@code int}, {@code float} to {@code double} for any number
 * (the lake makes neither type itself; a table whose columns were declared by hand gets them).
 *
 * <p>A table holds at most {@code columnLimit} payload columns, nested ones counted (a runaway map
 * of ids as member names would add one per id): new members are taken in order of how many values
 * they have, then by path in code point order, and those past the limit are refused, their values
 * rescued ({@link TypedRows}).
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

  private enum Group {
    BOOLEAN,
    NUMBER,
    STRING,
    OBJECT,
    ARRAY
  }

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
    private final List<Addition> additions = new ArrayList<>();
    private final List<Widening> widenings = new ArrayList<>();
    private final Set<List<String>> refused = new LinkedHashSet<>();
    private final List<Candidate> candidates = new ArrayList<>();
    private int budget;
    private int ids = 1;

    /** A member with no column yet, in a struct whose column names are {@code taken}. */
    private record Candidate(
        String parent, Set<String> taken, String member, Node node, List<String> path) {}

    Planner(Schema schema, Set<String> commonColumns, int columnLimit) {
      for (NestedField column : schema.columns()) {
        topNames.add(column.name());
        if (!commonColumns.contains(column.name())) {
          payload.add(column);
        }
      }
      budget = Math.max(0, columnLimit - countFields(payload));
    }

    Plan plan(Node observed) {
      existingStruct(payload, null, observed, List.of(), topNames);
      candidates.sort(
          Comparator.comparingLong((Candidate c) -> -c.node().nonNull())
              .thenComparing(Candidate::path, TypedSchema::comparePaths));
      for (Candidate c : candidates) {
        Optional<String> name = ColumnNames.columnFor(c.member(), c.taken());
        if (name.isEmpty()) {
          continue; // no letter or digit, or too long a name: its values are rescued
        }
        Optional<Type> type = decide(c.node(), c.path(), true);
        if (type.isPresent()) {
          additions.add(
              new Addition(
                  c.parent(), name.get(), type.get(), ColumnNames.doc(c.member()).orElseThrow()));
          c.taken().add(name.get());
        }
      }
      return new Plan(List.copyOf(additions), List.copyOf(widenings), Set.copyOf(refused));
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
      for (Map.Entry<String, Node> member : node.members().entrySet()) {
        List<String> memberPath = append(path, member.getKey());
        NestedField field = byMember.get(member.getKey());
        if (field != null) {
          existingType(
              field.type(),
              parent == null ? field.name() : parent + "." + field.name(),
              member.getValue(),
              memberPath);
        } else if (member.getValue().nonNull() > 0) {
          candidates.add(
              new Candidate(parent, names, member.getKey(), member.getValue(), memberPath));
        }
      }
    }

    private void existingType(Type type, String column, Node node, List<String> path) {
      if (type.isStructType()) {
        existingStruct(type.asStructType().fields(), column, node, path, new HashSet<>());
      } else if (type.isListType()) {
        if (node.element != null) {
          existingType(
              type.asListType().elementType(),
              column + ".element",
              node.element,
              append(path, null));
        }
      } else if (type.typeId() == Type.TypeID.INTEGER
          && node.count(ValueKind.INT53) + node.count(ValueKind.INT64) > 0) {
        widenings.add(new Widening(column, Types.LongType.get()));
      } else if (type.typeId() == Type.TypeID.FLOAT && weight(node, Group.NUMBER) > 0) {
        widenings.add(new Widening(column, Types.DoubleType.get()));
      }
    }

    /**
     * The type of a new column for {@code node}'s values, its nested columns counted against the
     * limit; empty when no kind makes one (or the limit is reached: the path is then refused).
     *
     * @param costs whether the column itself counts (a list's element does not: it has no name)
     */
    private Optional<Type> decide(Node node, List<String> path, boolean costs) {
      if (costs && budget == 0) {
        refused.add(path);
        return Optional.empty();
      }
      List<Group> groups = new ArrayList<>(List.of(Group.values()));
      groups.removeIf(g -> weight(node, g) == 0);
      groups.sort(Comparator.comparingLong(g -> -weight(node, g)));
      int refusedBefore = refused.size();
      for (Group group : groups) {
        if (costs) {
          budget--;
        }
        Optional<Type> type =
            switch (group) {
              case BOOLEAN -> Optional.of(Types.BooleanType.get());
              case NUMBER ->
                  Optional.of(
                      node.count(ValueKind.DOUBLE) > 0
                          ? Types.DoubleType.get()
                          : Types.LongType.get());
              case STRING -> Optional.of(Types.StringType.get());
              case OBJECT -> struct(node, path);
              case ARRAY ->
                  node.element == null
                      ? Optional.<Type>empty()
                      : decide(node.element, append(path, null), false)
                          .map(e -> Types.ListType.ofOptional(ids++, e));
            };
        if (type.isPresent()) {
          return type;
        }
        if (costs) {
          budget++;
        }
      }
      if (refused.size() > refusedBefore) {
        refused.add(path); // its members were refused: it has none to make a column of
      }
      return Optional.empty();
    }

    private Optional<Type> struct(Node node, List<String> path) {
      List<Map.Entry<String, Node>> members = new ArrayList<>(node.members().entrySet());
      members.removeIf(m -> m.getValue().nonNull() == 0);
      members.sort(
          Comparator.comparingLong((Map.Entry<String, Node> m) -> -m.getValue().nonNull())
              .thenComparing(Map.Entry::getKey, ColumnNames.CODE_POINT_ORDER));
      Set<String> taken = new HashSet<>();
      List<NestedField> fields = new ArrayList<>();
      for (Map.Entry<String, Node> member : members) {
        Optional<String> name = ColumnNames.columnFor(member.getKey(), taken);
        if (name.isEmpty()) {
          continue;
        }
        Optional<Type> type = decide(member.getValue(), append(path, member.getKey()), true);
        if (type.isPresent()) {
          fields.add(
              NestedField.optional(
                  ids++, name.get(), type.get(), ColumnNames.doc(member.getKey()).orElseThrow()));
          taken.add(name.get());
        }
      }
      return fields.isEmpty() ? Optional.empty() : Optional.of(Types.StructType.of(fields));
    }
  }

  private static long weight(Node node, Group group) {
    return switch (group) {
      case BOOLEAN -> node.count(ValueKind.BOOLEAN);
      case NUMBER ->
          node.count(ValueKind.INT32)
              + node.count(ValueKind.INT53)
              + node.count(ValueKind.INT64)
              + node.count(ValueKind.DOUBLE);
      case STRING -> node.count(ValueKind.STRING);
      case OBJECT -> node.count(ValueKind.OBJECT);
      case ARRAY -> node.count(ValueKind.ARRAY);
    };
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

  private static List<String> append(List<String> path, String segment) {
    List<String> longer = new ArrayList<>(path.size() + 1);
    longer.addAll(path);
    longer.add(segment);
    return longer;
  }

  /** Paths segment by segment, a member in code point order, an array's element (null) first. */
  static int comparePaths(List<String> a, List<String> b) {
    for (int i = 0; i < Math.min(a.size(), b.size()); i++) {
      String x = a.get(i);
      String y = b.get(i);
      int c =
          x == null
              ? (y == null ? 0 : -1)
              : (y == null ? 1 : ColumnNames.CODE_POINT_ORDER.compare(x, y));
      if (c != 0) {
        return c;
      }
    }
    return Integer.compare(a.size(), b.size());
  }
}
