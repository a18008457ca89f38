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
 * run created), and the member paths its column limit refused in this run.
 */
public record TypedTables(Map<String, Settled> tables) implements Serializable {
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

  /** Each table as the commit takes it, by name. */
  public Map<String, TableAtStart> members() {
    Map<String, TableAtStart> members = new LinkedHashMap<>();
    tables.forEach((name, settled) -> members.put(name, settled.table()));
    return members;
  }
}
