package io.medallion.lake.typed;

import io.medallion.lake.table.TableAtStart;
import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The typed tables a gold run writes, as it settled them before writing any file ({@link
 * SettleTypedTables}): by name, each table with the schema its files are written with and the
 * snapshot its commits validate from (the one current when the run started; none for a table the
 * run created), and the member paths its column limit refused in this run. Or, for a run with
 * {@code --typedTables=false}, {@link #off()}: no table, and no row written to one.
 *
 * @param written whether the run writes typed rows at all
 */
public record TypedTables(Map<String, Settled> tables, boolean written) implements Serializable {
  private static final long serialVersionUID = 1L;

  /**
   * @param table the table, its schema as settled
   * @param refused member paths refused a column (a path segment null for an array's element)
   */
  public record Settled(TableAtStart table, Set<List<String>> refused) implements Serializable {
    private static final long serialVersionUID = 1L;
  }

  public TypedTables {
    tables = new TreeMap<>(tables);
  }

  /** The tables a run writes typed rows to. */
  public TypedTables(Map<String, Settled> tables) {
    this(tables, true);
  }

  /**
   * A run that writes no typed row ({@code --typedTables=false}): each kept row is counted as kept
   * out of the typed tables ({@code typed.quarantined.typed_tables_off}), and the commit leaves the
   * tables with no rows of the run's units.
   */
  public static TypedTables off() {
    return new TypedTables(Map.of(), false);
  }

  /** Each table as the commit takes it, by name. */
  public Map<String, TableAtStart> members() {
    Map<String, TableAtStart> members = new LinkedHashMap<>();
    tables.forEach((name, settled) -> members.put(name, settled.table()));
    return members;
  }
}
