package io.medallion.lake.runners;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.medallion.lake.events.EventEnrichment;
import java.io.IOException;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * Prints rows the way {@code lake query} and {@code lake history} do: an aligned table, CSV (a
 * header, RFC 4180 quoting, lines ending with {@code \n}) or JSON (one object a line). Times print
 * in UTC, whatever the machine's time zone: a query's timestamps are read as DuckDB holds them
 * (microseconds since the epoch, or the wall time of a timestamp without zone), never through the
 * Java objects DuckDB's JDBC driver makes of them in the JVM's time zone, which lose an hour where
 * its clocks go back (01:29 in New York is two instants on 2026-11-01) and shift the wall times its
 * clocks skip.
 */
final class Results {
  private Results() {}

  /** How results print. */
  enum Format {
    TABLE,
    CSV,
    JSON;

    static Format of(String value) {
      try {
        return valueOf(value.strip().toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(
            "--format: '" + value + "' is not one of table, csv, json");
      }
    }

    void print(Rows rows, int maxWidth, PrintStream out) throws SQLException, IOException {
      switch (this) {
        case TABLE -> printTable(rows, maxWidth, out);
        case CSV -> printCsv(rows, out);
        case JSON -> printJson(rows, out);
      }
      out.flush();
    }
  }

  /** Rows to print, read once: the column names, which columns are numbers, then the values. */
  interface Rows {
    List<String> names();

    /** Whether column {@code i} (from 0) holds numbers, right-aligned in a table. */
    boolean numeric(int i);

    boolean next() throws SQLException;

    /** The value of column {@code i} (from 0) of the current row; null for SQL NULL. */
    Object get(int i) throws SQLException;
  }

  /**
   * How a column of a query result is read: timestamps as DuckDB holds them ({@link Instant} for a
   * {@code TIMESTAMP WITH TIME ZONE}, {@link LocalDateTime} for a timestamp without one), anything
   * else as the driver's object.
   */
  enum Read {
    OBJECT,
    INSTANT,
    MICROS_WALL_TIME,
    WALL_TIME;

    /** How to read a column of this DuckDB type (its name as the driver gives it). */
    static Read of(String duckDbType) {
      return switch (duckDbType) {
        case "TIMESTAMP WITH TIME ZONE" -> INSTANT;
        case "TIMESTAMP" -> MICROS_WALL_TIME;
        case "TIMESTAMP_S", "TIMESTAMP_MS", "TIMESTAMP_NS" -> WALL_TIME;
        default -> OBJECT;
      };
    }
  }

  /** DuckDB's {@code infinity} timestamp, in microseconds; {@code -infinity} is its negation. */
  private static final long INFINITY_MICROS = Long.MAX_VALUE;

  /** The value of column {@code column} (from 1) of the current row, read as {@code how} says. */
  static Object read(ResultSet rs, int column, Read how) throws SQLException {
    switch (how) {
      case INSTANT, MICROS_WALL_TIME -> {
        long micros = rs.getLong(column);
        if (rs.wasNull()) {
          return null;
        }
        if (Math.abs(micros) == INFINITY_MICROS) {
          return micros > 0 ? "infinity" : "-infinity";
        }
        Instant instant = EventEnrichment.instantOfMicros(micros);
        return how == Read.INSTANT ? instant : LocalDateTime.ofInstant(instant, ZoneOffset.UTC);
      }
      case WALL_TIME -> {
        return rs.getObject(column, LocalDateTime.class);
      }
      default -> {
        return rs.getObject(column);
      }
    }
  }

  /** The rows of a query result. */
  static Rows of(ResultSet rs) throws SQLException {
    ResultSetMetaData meta = rs.getMetaData();
    List<String> names = new ArrayList<>();
    boolean[] numeric = new boolean[meta.getColumnCount()];
    Read[] reads = new Read[meta.getColumnCount()];
    for (int i = 1; i <= meta.getColumnCount(); i++) {
      names.add(meta.getColumnLabel(i));
      numeric[i - 1] =
          isNumeric(meta.getColumnType(i))
              || meta.getColumnTypeName(i).matches("U?(HUGEINT|BIGINT|INTEGER)");
      reads[i - 1] = Read.of(meta.getColumnTypeName(i));
    }
    return new Rows() {
      @Override
      public List<String> names() {
        return names;
      }

      @Override
      public boolean numeric(int i) {
        return numeric[i];
      }

      @Override
      public boolean next() throws SQLException {
        return rs.next();
      }

      @Override
      public Object get(int i) throws SQLException {
        return read(rs, i + 1, reads[i]);
      }
    };
  }

  /** Rows held in memory; a column is numeric when every value in it is a number or null. */
  static Rows of(List<String> names, List<List<Object>> values) {
    boolean[] numeric = new boolean[names.size()];
    for (int i = 0; i < names.size(); i++) {
      final int column = i;
      numeric[i] =
          !values.isEmpty()
              && values.stream()
                  .allMatch(r -> r.get(column) == null || r.get(column) instanceof Number);
    }
    Iterator<List<Object>> iterator = values.iterator();
    return new Rows() {
      private List<Object> current;

      @Override
      public List<String> names() {
        return names;
      }

      @Override
      public boolean numeric(int i) {
        return numeric[i];
      }

      @Override
      public boolean next() {
        current = iterator.hasNext() ? iterator.next() : null;
        return current != null;
      }

      @Override
      public Object get(int i) {
        return current.get(i);
      }
    };
  }

  private static void printTable(Rows rs, int maxWidth, PrintStream out) throws SQLException {
    List<String> names = rs.names();
    int n = names.size();
    boolean[] numeric = new boolean[n];
    for (int i = 0; i < n; i++) {
      numeric[i] = rs.numeric(i);
    }
    List<String[]> rows = new ArrayList<>();
    while (rs.next()) {
      String[] row = new String[n];
      for (int i = 0; i < n; i++) {
        Object value = rs.get(i);
        String text = value == null ? "NULL" : text(value);
        if (maxWidth > 0 && text.length() > maxWidth) {
          text = text.substring(0, Math.max(1, maxWidth - 1)) + "…";
        }
        row[i] = text.replace('\n', ' ');
      }
      rows.add(row);
    }
    int[] widths = new int[n];
    for (int i = 0; i < n; i++) {
      widths[i] = names.get(i).length();
      for (String[] row : rows) {
        widths[i] = Math.max(widths[i], row[i].length());
      }
    }
    out.println(line(names.toArray(String[]::new), widths, new boolean[n]));
    StringBuilder rule = new StringBuilder();
    for (int i = 0; i < n; i++) {
      rule.append(i == 0 ? "" : "-+-").append("-".repeat(widths[i]));
    }
    out.println(rule);
    for (String[] row : rows) {
      out.println(line(row, widths, numeric));
    }
    out.println("(" + rows.size() + (rows.size() == 1 ? " row)" : " rows)"));
  }

  private static String line(String[] cells, int[] widths, boolean[] rightAligned) {
    StringBuilder line = new StringBuilder();
    for (int i = 0; i < cells.length; i++) {
      String pad = " ".repeat(widths[i] - cells[i].length());
      line.append(i == 0 ? "" : " | ").append(rightAligned[i] ? pad + cells[i] : cells[i] + pad);
    }
    return line.toString().stripTrailing();
  }

  /** A header, then one line per row, each ending with {@code \n} whatever the platform. */
  private static void printCsv(Rows rs, PrintStream out) throws SQLException {
    List<String> names = rs.names();
    out.print(names.stream().map(Results::csvField).collect(Collectors.joining(",")) + "\n");
    while (rs.next()) {
      StringBuilder line = new StringBuilder();
      for (int i = 0; i < names.size(); i++) {
        Object value = rs.get(i);
        line.append(i == 0 ? "" : ",").append(value == null ? "" : csvField(text(value)));
      }
      out.print(line.append('\n'));
    }
  }

  /** RFC 4180: quoted when it holds a comma, a quote or a line break; quotes doubled. */
  static String csvField(String value) {
    if (value.indexOf(',') < 0
        && value.indexOf('"') < 0
        && value.indexOf('\n') < 0
        && value.indexOf('\r') < 0) {
      return value;
    }
    return '"' + value.replace("\"", "\"\"") + '"';
  }

  private static final ObjectMapper JSON = new ObjectMapper();

  private static void printJson(Rows rs, PrintStream out) throws SQLException, IOException {
    List<String> names = rs.names();
    while (rs.next()) {
      ObjectNode row = JSON.createObjectNode();
      for (int i = 0; i < names.size(); i++) {
        Object value = rs.get(i);
        String name = names.get(i);
        if (value == null) {
          row.putNull(name);
        } else if (value instanceof Boolean b) {
          row.put(name, b);
        } else if (value instanceof Integer || value instanceof Long || value instanceof Short) {
          row.put(name, ((Number) value).longValue());
        } else if (value instanceof Float || value instanceof Double) {
          double d = ((Number) value).doubleValue();
          if (Double.isFinite(d)) {
            row.put(name, d);
          } else {
            row.put(name, Double.toString(d));
          }
        } else if (value instanceof BigDecimal d) {
          row.put(name, d);
        } else if (value instanceof BigInteger b) {
          row.put(name, b);
        } else {
          row.put(name, text(value));
        }
      }
      out.print(JSON.writeValueAsString(row) + "\n");
    }
  }

  /**
   * A value as text: an instant in UTC ISO-8601 ({@code 2026-01-01T00:00:01Z}), a timestamp without
   * zone as its wall time ({@code 2026-01-01 00:00:01}), numbers plain.
   */
  static String text(Object value) {
    if (value instanceof Instant t) {
      return DateTimeFormatter.ISO_INSTANT.format(t);
    }
    if (value instanceof LocalDateTime t) {
      return t.toString().replace('T', ' ');
    }
    if (value instanceof BigDecimal d) {
      return d.toPlainString();
    }
    if (value instanceof Double d && d == Math.rint(d) && Math.abs(d) < 1e15) {
      return String.format(Locale.ROOT, "%.1f", d);
    }
    return String.valueOf(value);
  }

  private static boolean isNumeric(int sqlType) {
    return switch (sqlType) {
      case java.sql.Types.TINYINT,
              java.sql.Types.SMALLINT,
              java.sql.Types.INTEGER,
              java.sql.Types.BIGINT,
              java.sql.Types.FLOAT,
              java.sql.Types.REAL,
              java.sql.Types.DOUBLE,
              java.sql.Types.DECIMAL,
              java.sql.Types.NUMERIC ->
          true;
      default -> false;
    };
  }
}
