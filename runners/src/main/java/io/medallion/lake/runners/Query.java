package io.medallion.lake.runners;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.medallion.lake.layout.LakeLayout;
import io.medallion.lake.pipelines.LakeOptions;
import io.medallion.lake.pipelines.Lakes;
import io.medallion.lake.tables.CatalogSettings;
import io.medallion.lake.tables.LakeCatalog;
import io.medallion.lake.tables.LakeTable;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;
import org.apache.iceberg.FileScanTask;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.types.Types;

/**
 * Runs SQL over a local lake with an in-memory DuckDB, through views named like the Glue tables
 * ({@code bronze_events}, {@code silver_events}, {@code gold_events}, {@code gold_event_stats},
 * {@code silver_uber_movements}). A table view reads exactly the data files of the Iceberg table's
 * current snapshot (Iceberg's scan planning lists them), with the columns of its definition in
 * {@link LakeTable}; bronze is read from its raw files.
 *
 * <pre>{@code
 * java -jar runners/target/lake.jar query --sql="select event_type, count(*) from gold_events group by 1"
 * java -jar runners/target/lake.jar query --lake=/tmp/lake --format=csv --sql="select * from gold_event_stats"
 * }</pre>
 *
 * <p>A bad query, or a query of a table that has no files yet, is a user mistake: one line, exit
 * status 2. S3 lakes are for Athena: DuckDB would need its httpfs extension, which it downloads.
 */
public final class Query {
  private Query() {}

  public interface Options extends LakeOptions {
    @Description(
        "The SQL to run, e.g. \"select event_type, count(*) from gold_events group by 1\".")
    String getSql();

    void setSql(String value);

    @Description(
        "Output: table (aligned columns), csv (with a header), or json (one object a line).")
    @Default.String("table")
    String getFormat();

    void setFormat(String value);

    @Description("In table format, cut longer values to this many characters (0: never).")
    @Default.Integer(60)
    int getMaxWidth();

    void setMaxWidth(int value);
  }

  /** A lake table, as the query views expose it. */
  record Table(LakeTable table, String producedBy) {
    String name() {
      return table.tableName();
    }
  }

  static final String BRONZE_EVENTS = "bronze_events";

  static final List<Table> TABLES =
      List.of(
          new Table(LakeTable.SILVER_EVENTS, "silver"),
          new Table(LakeTable.GOLD_EVENTS, "gold"),
          new Table(LakeTable.GOLD_EVENT_STATS, "gold"),
          new Table(LakeTable.SILVER_UBER_MOVEMENTS, "the Uber Movement promotion"));

  private static final Pattern MISSING_TABLE =
      Pattern.compile("Table with name (\\w+) does not exist");

  public static void run(String[] args, PrintStream out) throws Exception {
    Options options = Lake.parse(args, Options.class);
    if (options.getSql() == null || options.getSql().isBlank()) {
      throw new IllegalArgumentException(
          "--sql: which query? e.g. --sql=\"select event_type, count(*) from gold_events group by 1\"");
    }
    Format format = Format.of(options.getFormat());
    LakeLayout lake = LakeLayout.at(options.getLake());
    if (!lake.isLocal()) {
      throw new IllegalArgumentException(
          "--lake: query works on local lakes; for "
              + lake.root()
              + " use Athena (Glue database lake_<stack>, same table names)");
    }
    if (!Files.isDirectory(Paths.get(lake.root()))) {
      throw new IllegalArgumentException(
          "--lake: " + lake.root() + " does not exist. Run make demo, or lake produce, first");
    }
    try (Connection db = open(lake, Lakes.catalog(options, lake))) {
      execute(db, options.getSql(), format, options.getMaxWidth(), out);
    }
  }

  /** An in-memory DuckDB with a view for every table of {@code lake} that has files. */
  static Connection open(LakeLayout lake, CatalogSettings catalog)
      throws SQLException, IOException {
    Connection db = DriverManager.getConnection("jdbc:duckdb:");
    try (Statement s = db.createStatement()) {
      // The lake's times are UTC; show them so whatever the machine's zone.
      s.execute("SET TimeZone = 'UTC'");
      for (String view : views(lake, catalog, db)) {
        s.execute(view);
      }
    } catch (SQLException | IOException | RuntimeException e) {
      db.close();
      throw e;
    }
    return db;
  }

  /** The {@code CREATE VIEW} statements for the tables of {@code lake} that have files. */
  static List<String> views(LakeLayout lake, CatalogSettings catalog, Connection db)
      throws SQLException, IOException {
    List<String> views = new ArrayList<>();
    Path bronze = Paths.get(lake.resolve("bronze/events"));
    if (hasFiles(bronze, "")) {
      views.add(bronzeView(bronze));
    }
    String localCatalog = lake.resolve(CatalogSettings.LOCAL_CATALOG_FILE);
    if (catalog.uri() != null
        && catalog.uri().equals("jdbc:sqlite:" + localCatalog)
        && !Files.exists(Paths.get(localCatalog))) {
      return views; // no table was ever written: do not create an empty catalog
    }
    try (LakeCatalog opened = LakeCatalog.open(catalog)) {
      for (Table table : TABLES) {
        Optional<org.apache.iceberg.Table> loaded = opened.existing(table.table());
        if (loaded.isEmpty()) {
          continue;
        }
        List<String> files = new ArrayList<>();
        try (CloseableIterable<FileScanTask> tasks = loaded.get().newScan().planFiles()) {
          tasks.forEach(t -> files.add(t.file().location()));
        }
        if (!files.isEmpty()) {
          views.add(parquetView(table, files, db));
        }
      }
    }
    return views;
  }

  /**
   * Bronze as received: one row per line, the raw record as JSON ({@code record}), the contract's
   * three fields pulled out of it (null when missing or not JSON; the silver quarantine says why),
   * and the arrival {@code dt} and {@code hour} from the Firehose path {@code YYYY/MM/DD/HH}.
   */
  static String bronzeView(Path dir) {
    String glob = dir + "/*/*/*/*/*";
    return "CREATE VIEW "
        + BRONZE_EVENTS
        + " AS SELECT json ->> 'event_uuid' AS event_uuid,"
        + " json ->> 'event_name' AS event_name,"
        + " TRY_CAST(json ->> 'created_at' AS DOUBLE) AS created_at,"
        + " json AS record,"
        + " CAST(regexp_replace(filename, '^.*/(\\d{4})/(\\d{2})/(\\d{2})/(\\d{2})/[^/]*$',"
        + " '\\1-\\2-\\3') AS DATE) AS dt,"
        + " CAST(regexp_extract(filename, '/(\\d{2})/[^/]*$', 1) AS INTEGER) AS hour"
        + " FROM read_ndjson_objects("
        + literal(glob)
        + ", ignore_errors = true, filename = true)";
  }

  /**
   * A table's columns in schema order (those its files hold; columns the schema does not know
   * follow), over exactly {@code files}. The partition columns are in the files.
   */
  static String parquetView(Table table, List<String> files, Connection db) throws SQLException {
    String source =
        "read_parquet("
            + files.stream().map(Query::literal).collect(Collectors.joining(", ", "[", "]"))
            + ", hive_partitioning = false, union_by_name = true)";
    List<String> inFiles = new ArrayList<>();
    try (Statement s = db.createStatement();
        ResultSet rs = s.executeQuery("DESCRIBE SELECT * FROM " + source)) {
      while (rs.next()) {
        inFiles.add(rs.getString("column_name"));
      }
    }
    List<String> columns = new ArrayList<>();
    for (Types.NestedField field : table.table().schema().columns()) {
      if (inFiles.contains(field.name())) {
        columns.add(field.name());
      }
    }
    for (String column : inFiles) {
      if (!columns.contains(column)) {
        columns.add(column);
      }
    }
    return "CREATE VIEW "
        + table.name()
        + " AS SELECT "
        + columns.stream().map(Query::identifier).collect(Collectors.joining(", "))
        + " FROM "
        + source;
  }

  static void execute(Connection db, String sql, Format format, int maxWidth, PrintStream out)
      throws IOException {
    try (Statement s = db.createStatement()) {
      if (!s.execute(sql)) {
        out.println("OK (" + s.getUpdateCount() + " row(s) changed)");
        return;
      }
      try (ResultSet rs = s.getResultSet()) {
        format.print(rs, maxWidth, out);
      }
    } catch (SQLException e) {
      throw new IllegalArgumentException(explain(e), e);
    }
  }

  /** One line for a failed query; a view that is missing because its table has no files says so. */
  static String explain(SQLException e) {
    String message = String.valueOf(e.getMessage()).strip();
    Matcher m = MISSING_TABLE.matcher(message);
    if (m.find()) {
      String name = m.group(1);
      if (name.equals(BRONZE_EVENTS)) {
        return "table bronze_events is empty: run produce (or make demo) first";
      }
      for (Table table : TABLES) {
        if (table.name().equals(name)) {
          return "table " + name + " is empty: run " + table.producedBy() + " first";
        }
      }
    }
    int newline = message.indexOf('\n');
    return "query failed: " + (newline < 0 ? message : message.substring(0, newline).strip());
  }

  private static boolean hasFiles(Path dir, String suffix) {
    if (!Files.isDirectory(dir)) {
      return false;
    }
    try (Stream<Path> files = Files.walk(dir)) {
      return files.anyMatch(
          p -> {
            String name = p.getFileName().toString();
            return Files.isRegularFile(p)
                && name.endsWith(suffix)
                && !name.startsWith(".")
                && !name.startsWith("_");
          });
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static String literal(String s) {
    return "'" + s.replace("'", "''") + "'";
  }

  static String identifier(String s) {
    return "\"" + s.replace("\"", "\"\"") + "\"";
  }

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

    void print(ResultSet rs, int maxWidth, PrintStream out) throws SQLException, IOException {
      ResultSetMetaData meta = rs.getMetaData();
      List<String> names = new ArrayList<>();
      for (int i = 1; i <= meta.getColumnCount(); i++) {
        names.add(meta.getColumnLabel(i));
      }
      switch (this) {
        case TABLE -> printTable(rs, names, maxWidth, out);
        case CSV -> printCsv(rs, names, out);
        case JSON -> printJson(rs, names, out);
      }
    }
  }

  private static void printTable(ResultSet rs, List<String> names, int maxWidth, PrintStream out)
      throws SQLException {
    int n = names.size();
    boolean[] numeric = new boolean[n];
    for (int i = 0; i < n; i++) {
      numeric[i] =
          isNumeric(rs.getMetaData().getColumnType(i + 1))
              || rs.getMetaData().getColumnTypeName(i + 1).matches("U?(HUGEINT|BIGINT|INTEGER)");
    }
    List<String[]> rows = new ArrayList<>();
    while (rs.next()) {
      String[] row = new String[n];
      for (int i = 0; i < n; i++) {
        Object value = rs.getObject(i + 1);
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

  private static void printCsv(ResultSet rs, List<String> names, PrintStream out)
      throws SQLException {
    out.print(names.stream().map(Query::csvField).collect(Collectors.joining(",")) + "\r\n");
    while (rs.next()) {
      StringBuilder line = new StringBuilder();
      for (int i = 1; i <= names.size(); i++) {
        Object value = rs.getObject(i);
        line.append(i == 1 ? "" : ",").append(value == null ? "" : csvField(text(value)));
      }
      out.print(line.append("\r\n"));
    }
    out.flush();
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

  private static void printJson(ResultSet rs, List<String> names, PrintStream out)
      throws SQLException, IOException {
    while (rs.next()) {
      ObjectNode row = JSON.createObjectNode();
      for (int i = 1; i <= names.size(); i++) {
        Object value = rs.getObject(i);
        String name = names.get(i - 1);
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
        } else if (value instanceof java.math.BigInteger b) {
          row.put(name, b);
        } else {
          row.put(name, text(value));
        }
      }
      out.println(JSON.writeValueAsString(row));
    }
  }

  private static final DateTimeFormatter UTC = DateTimeFormatter.ISO_INSTANT;

  /** A value as text: timestamps in UTC ISO-8601 ({@code 2026-01-01T00:00:01Z}), numbers plain. */
  static String text(Object value) {
    if (value instanceof OffsetDateTime t) {
      return UTC.format(t.withOffsetSameInstant(ZoneOffset.UTC));
    }
    if (value instanceof Timestamp t) {
      return t.toLocalDateTime().toString().replace('T', ' ');
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

  /** For tests and the benchmark: the views this lake would get, by name. */
  static Map<String, String> viewsByName(LakeLayout lake, CatalogSettings catalog)
      throws SQLException, IOException {
    Map<String, String> byName = new LinkedHashMap<>();
    try (Connection db = DriverManager.getConnection("jdbc:duckdb:")) {
      for (String view : views(lake, catalog, db)) {
        byName.put(view.split(" ")[2], view);
      }
    }
    return byName;
  }
}
