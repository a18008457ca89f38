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
import org.apache.iceberg.types.Type;
import org.apache.iceberg.types.Types;
import org.apache.iceberg.types.Types.NestedField;

/**
 * The new columns of a typed table, under its column limit: every member path with no column yet
 * that has a value ({@link #add}), each of the kind of most of its values, taken in order of how
 * many values it has (counted at most as often as the object it is in, so an object before its
 * members), outer before inner, then by path in code point order, while there is room ({@link
 * #choose}); a struct (or list) left with nothing inside it makes no column and gives its place
 * back. Column names are given in the same order ({@link ColumnNames}). {@link TypedSchema} says
 * where the new members are; this decides their columns.
 */
final class NewColumns {
  /** What a path's values are, as a column cares. */
  enum Group {
    BOOLEAN,
    NUMBER,
    STRING,
    OBJECT,
    ARRAY
  }

  /** The new columns to add, and the member paths the limit refused a column. */
  record Chosen(List<TypedSchema.Addition> additions, Set<List<String>> refused) {}

  /** Every member path with no column yet that has a value, and what is under it. */
  private final List<NewPath> paths = new ArrayList<>();

  /**
   * A member path with no column yet: its member's name (null for an array's element), its kind
   * (the kind of most of its values), where it attaches (to an existing struct, or to a new path),
   * whether a column for it counts against the limit (an element's does not), and its rank: how
   * many values it has, at most as many as the path it is in, so a path always comes after the one
   * it is in.
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
  static final class Scope {
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

  /** An existing struct whose column names are {@code names}: its new members share it. */
  static Scope scope(Set<String> names) {
    return new Scope(Set.copyOf(names));
  }

  /**
   * Notes the member {@code member} at {@code path}, with no column, in the struct {@code scope}
   * whose column is {@code parentColumn} (null at the top), and every path under it that has a
   * value.
   */
  void add(List<String> path, String member, Node node, String parentColumn, Scope scope) {
    expand(path, member, node, null, parentColumn, scope, true, Long.MAX_VALUE);
  }

  /** The columns to add with {@code room} left under the limit, in the order they are taken. */
  Chosen choose(int room) {
    paths.sort(
        Comparator.comparingLong((NewPath p) -> -p.rank())
            .thenComparingInt(p -> p.path().size())
            .thenComparing(NewPath::path, NewColumns::comparePaths));
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
      selection = select(excluded, room);
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
    List<TypedSchema.Addition> additions = new ArrayList<>();
    int[] ids = {1};
    for (NewPath p : paths) {
      if (selection.selected(p) && p.parent == null) {
        additions.add(
            new TypedSchema.Addition(
                p.parentColumn,
                selection.names.get(p),
                type(p, selection, ids),
                ColumnNames.doc(p.member).orElseThrow()));
      }
    }
    return new Chosen(List.copyOf(additions), Set.copyOf(selection.refused));
  }

  private Selection select(Set<NewPath> excluded, int room) {
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
        expand(append(path, m.getKey()), m.getKey(), m.getValue(), p, null, members, true, p.rank);
      }
    } else if (group.get() == Group.ARRAY && node.element != null) {
      expand(append(path, null), null, node.element, p, null, null, false, p.rank);
    }
  }

  /**
   * The kind of most of a path's values (ties: boolean, number, string, object, array); empty when
   * it has none a column can hold.
   */
  static Optional<Group> group(Node node) {
    Group best = null;
    for (Group g : Group.values()) {
      if (weight(node, g) > 0 && (best == null || weight(node, g) > weight(node, best))) {
        best = g;
      }
    }
    return Optional.ofNullable(best);
  }

  /** How many values of {@code group}'s kinds {@code node} holds. */
  static long weight(Node node, Group group) {
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

  /** {@code path} and one more segment (null: an array's element). */
  static List<String> append(List<String> path, String segment) {
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
