package io.medallion.lake.testing;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An independent reader for the lake's Parquet: DuckDB, not the code that wrote the files. Each
 * call opens a fresh in-memory database.
 */
public final class DuckDb {
  private DuckDb() {}

  /** Every row of {@code sql}, as column name → value, in the query's order. */
  public static List<Map<String, Object>> query(String sql) {
    try (Connection c = DriverManager.getConnection("jdbc:duckdb:");
        Statement s = c.createStatement()) {
      s.execute("SET TimeZone = 'UTC'");
      try (ResultSet rs = s.executeQuery(sql)) {
        ResultSetMetaData meta = rs.getMetaData();
        List<Map<String, Object>> rows = new ArrayList<>();
        while (rs.next()) {
          Map<String, Object> row = new LinkedHashMap<>();
          for (int i = 1; i <= meta.getColumnCount(); i++) {
            row.put(meta.getColumnName(i), rs.getObject(i));
          }
          rows.add(row);
        }
        return rows;
      }
    } catch (SQLException e) {
      throw new AssertionError("DuckDB query failed: " + sql, e);
    }
  }

  /** Every row of {@code sql}, as its values in column order. */
  public static List<List<Object>> rows(String sql) {
    List<List<Object>> rows = new ArrayList<>();
    for (Map<String, Object> row : query(sql)) {
      rows.add(new ArrayList<>(row.values()));
    }
    return rows;
  }

  public static long count(String sql) {
    return ((Number) query(sql).get(0).values().iterator().next()).longValue();
  }

  /** {@code column → DuckDB type} of a query's result, via DESCRIBE. */
  public static Map<String, String> columnTypes(String sql) {
    Map<String, String> types = new LinkedHashMap<>();
    for (Map<String, Object> row : query("DESCRIBE " + sql)) {
      types.put((String) row.get("column_name"), (String) row.get("column_type"));
    }
    return types;
  }
}
