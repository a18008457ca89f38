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
    private final List<Widening> widenings = new ArrayList<>();

    /** Every member path with no column yet that has a value, and what is under it. */
    private final List<NewPath> paths = new ArrayList<>();

    private final int room;

    /**
     * A member path with no column yet: its kind (the kind of most of its values), where it
     * attaches (to an existing struct, or to a new path), and the key it is taken in order by.
     *
     * @param member its name; null for an array's element
     * @param costs whether a column for it counts against the limit (an element's does not)
     * @param rank how many values it has, at most as many as the path it is in (so a path always
     *     comes after the one it is in)
     */
    private static final class NewPath {
      final List<String> path;
      final String member;
      final Node node;
      final Group group;
      final NewPath parent;
      final String parentColumn;
      final Scope scope;
      final boolean costs;
      final long rank;
      final List<NewPath> children = new ArrayList<>();

      NewPath(
          List<String> path,
          String member,
          Node node,
          Group group,
          NewPath parent,
          String parentColumn,
          Scope scope,
          boolean costs,
          long rank) {
        this.path = path;
        this.member = member;
        this.node = node;
        this.group = group;
        this.parent = parent;
        this.parentColumn = parentColumn;
        this.scope = scope;
        this.costs = costs;
        this.rank = rank;
      }

      List<String> path() {
        return path;
      }

      long rank() {
        return rank;
      }
    }

    /** A struct's column names (an existing struct's, or none yet for a new one). */
    private static final class Scope {
      final Set<String> names;

      Scope(Set<String> names) {
        this.names = names;
      }
    }

    /** One selection: the paths that get a column, with their column names. */
    private static final class Selection {
      final Map<NewPath, String> names = new HashMap<>();
      final Set<List<String>> refused = new LinkedHashSet<>();
      final Map<Scope, Set<String>> taken = new HashMap<>();

      boolean selected(NewPath p) {
        return names.containsKey(p);
      }
    }

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
      paths.sort(
          Comparator.comparingLong((NewPath p) -> -p.rank())
              .thenComparingInt(p -> p.path().size())
              .thenComparing(NewPath::path, TypedSchema::comparePaths));
      for (NewPath p : paths) {
        if (p.parent != null) {
          p.parent.children.add(p); // in the order paths are taken
        }
      }
      // Take paths in order while there is room; a struct (or list) left with nothing inside it
      // makes no column and gives its place back, so select again without it.
      Set<NewPath> excluded = new HashSet<>();
      Set<List<String>> limited = new LinkedHashSet<>();
      Selection selection;
      while (true) {
        selection = select(excluded);
        List<NewPath> empty = new ArrayList<>();
        for (NewPath p : selection.names.keySet()) {
          if (!hasContent(p, selection)) {
            empty.add(p);
            if (p.costs && refusedInside(p, selection)) {
              limited.add(p.path); // its members were refused: it has none to hold
            }
          }
        }
        if (empty.isEmpty()) {
          break;
        }
        excluded.addAll(empty);
      }
      selection.refused.addAll(limited);
      List<Addition> additions = new ArrayList<>();
      int[] ids = {1};
      for (NewPath p : paths) {
        if (selection.selected(p) && p.parent == null) {
          additions.add(
              new Addition(
                  p.parentColumn,
                  selection.names.get(p),
                  type(p, selection, ids),
                  ColumnNames.doc(p.member).orElseThrow()));
        }
      }
      return new Plan(
          List.copyOf(additions), List.copyOf(widenings), Set.copyOf(selection.refused));
    }

    private Selection select(Set<NewPath> excluded) {
      Selection selection = new Selection();
      int budget = room;
      for (NewPath p : paths) {
        if (excluded.contains(p) || (p.parent != null && !selection.selected(p.parent))) {
          continue;
        }
        if (p.member == null) {
          selection.names.put(p, ""); // an element: its list's column holds it
          continue;
        }
        Set<String> taken = selection.taken.computeIfAbsent(p.scope, s -> new HashSet<>(s.names));
        Optional<String> name = ColumnNames.columnFor(p.member, taken);
        if (name.isEmpty()) {
          continue; // no letter or digit, or too long a name: its values are rescued
        }
        if (budget == 0) {
          selection.refused.add(p.path());
          continue;
        }
        budget--;
        taken.add(name.get());
        selection.names.put(p, name.get());
      }
      return selection;
    }

    private static boolean hasContent(NewPath p, Selection selection) {
      if (p.group != Group.OBJECT && p.group != Group.ARRAY) {
        return true;
      }
      for (NewPath q : p.children) {
        if (selection.selected(q) && hasContent(q, selection)) {
          return true;
        }
      }
      return false;
    }

    private boolean refusedInside(NewPath p, Selection selection) {
      for (List<String> r : selection.refused) {
        if (r.size() > p.path.size() && r.subList(0, p.path.size()).equals(p.path)) {
          return true;
        }
      }
      return false;
    }

    private static Type type(NewPath p, Selection selection, int[] ids) {
      switch (p.group) {
        case BOOLEAN:
          return Types.BooleanType.get();
        case NUMBER:
          return p.node.count(ValueKind.DOUBLE) > 0 ? Types.DoubleType.get() : Types.LongType.get();
        case STRING:
          return Types.StringType.get();
        case OBJECT:
          List<NestedField> fields = new ArrayList<>();
          for (NewPath q : p.children) {
            if (selection.selected(q)) {
              fields.add(
                  NestedField.optional(
                      ids[0]++,
                      selection.names.get(q),
                      type(q, selection, ids),
                      ColumnNames.doc(q.member).orElseThrow()));
            }
          }
          return Types.StructType.of(fields);
        case ARRAY:
          for (NewPath q : p.children) {
            if (selection.selected(q)) {
              return Types.ListType.ofOptional(ids[0]++, type(q, selection, ids));
            }
          }
          throw new IllegalStateException("a list without its element: " + p.path);
        default:
          throw new IllegalStateException("no type for " + p.group);
      }
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
      Scope scope = new Scope(Set.copyOf(names));
      for (Map.Entry<String, Node> member : node.members().entrySet()) {
        List<String> memberPath = append(path, member.getKey());
        NestedField field = byMember.get(member.getKey());
        if (field != null) {
          existingType(
              field.type(),
              parent == null ? field.name() : parent + "." + field.name(),
              member.getValue(),
              memberPath);
        } else {
          expand(
              memberPath,
              member.getKey(),
              member.getValue(),
              null,
              parent,
              scope,
              true,
              Long.MAX_VALUE);
        }
      }
    }

    /** Notes a new path and everything under it that has a value. */
    private void expand(
        List<String> path,
        String member,
        Node node,
        NewPath parent,
        String parentColumn,
        Scope scope,
        boolean costs,
        long parentRank) {
      Optional<Group> group = group(node);
      if (group.isEmpty()) {
        return; // only nulls (or values no type holds): no column until it has a value
      }
      NewPath p =
          new NewPath(
              path,
              member,
              node,
              group.get(),
              parent,
              parentColumn,
              scope,
              costs,
              Math.min(node.nonNull(), parentRank));
      paths.add(p);
      if (group.get() == Group.OBJECT) {
        Scope members = new Scope(Set.of()); // a new struct: no column name taken in it yet
        for (Map.Entry<String, Node> m : node.members().entrySet()) {
          expand(
              append(path, m.getKey()), m.getKey(), m.getValue(), p, null, members, true, p.rank);
        }
      } else if (group.get() == Group.ARRAY && node.element != null) {
        expand(append(path, null), null, node.element, p, null, null, false, p.rank);
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
              append(path, null));
        }
      } else if (type.typeId() == Type.TypeID.INTEGER
          && node.count(ValueKind.INT53) + node.count(ValueKind.INT64) > 0) {
        widenings.add(new Widening(column, Types.LongType.get()));
      } else if (type.typeId() == Type.TypeID.FLOAT && weight(node, Group.NUMBER) > 0) {
        widenings.add(new Widening(column, Types.DoubleType.get()));
      }
    }
  }

  /**
   * The kind of most of a path's values (ties: boolean, number, string, object, array); empty when
   * it has none a column can hold.
   */
  private static Optional<Group> group(Node node) {
    Group best = null;
    for (Group g : Group.values()) {
      if (weight(node, g) > 0 && (best == null || weight(node, g) > weight(node, best))) {
        best = g;
      }
    }
    return Optional.ofNullable(best);
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
