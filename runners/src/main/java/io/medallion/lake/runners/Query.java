package io.medallion.lake.runners;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.medallion.lake.layout.LakeLayout;
import io.medallion.lake.pipelines.options.LakeOptions;
import io.medallion.lake.pipelines.options.Lakes;
import io.medallion.lake.table.AsOf;
import io.medallion.lake.table.CatalogSettings;
import io.medallion.lake.table.LakeCatalog;
import io.medallion.lake.table.LakeTable;
import io.medallion.lake.table.PerTable;
import io.medallion.lake.table.SnapshotViews;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.beam.sdk.options.Description;
import org.apache.iceberg.Table;

/**
 * Runs SQL over a local lake with an in-memory DuckDB, through views named like the Glue tables.
 * {@code silver_events}, {@code gold_events}, {@code gold_event_stats}, {@code
 * silver_uber_movements} and the typed event tables ({@code gold_evt_<event name>}, as many as the
 * catalog holds; {@code lake tables} lists them) read exactly the data files of each Iceberg
 * table's current snapshot, or of the snapshot {@code --as-of} names ({@link SnapshotViews});
 * {@code bronze_events} reads the raw bronze files.
 *
 * <pre>{@code
 * java -jar runners/target/lake.jar query "select event_type, count(*) from gold_events group by 1"
 * java -jar runners/target/lake.jar query --lake=/tmp/lake --format=csv --sql="select * from gold_event_stats"
 * java -jar runners/target/lake.jar query --as-of=2026-01-02T03:00:00Z "select count(*) from silver_events"
 * }</pre>
 *
 * <p>A table that does not exist yet, or has no rows, is an empty view with its columns. A bad
 * query, a bad {@code --as-of}, or both SQL forms at once, is a user mistake: one line, exit status
 * 2. DuckDB reads local files only here (its httpfs extension cannot be loaded): for a lake on S3,
 * Athena reads the same tables.
 */
public final class Query {
  private Query() {}

  public interface Options extends LakeOptions, ResultsOptions {
    @Description(
        "The SQL to run, e.g. \"select event_type, count(*) from gold_events group by 1\"; or give"
            + " it as the argument: lake query \"select ...\".")
    String getSql();

    void setSql(String value);

    @Description(
        "Time travel (also spelled --as-of): read the tables as of a time (2026-01-02T03:04:05Z;"
            + " UTC when no offset), a date (00:00 UTC), or a snapshot id from lake history (that"
            + " table at it, the others at its commit time). Default: the current snapshots.")
    String getAsOf();

    void setAsOf(String value);
  }

  static final String BRONZE_EVENTS = "bronze_events";

  /** {@code --as-of} is how users spell it; Beam needs the bean name. */
  static final Map<String, String> ALIASES = Map.of("--as-of", "--asOf");

  private static final Pattern MISSING_TABLE =
      Pattern.compile("Table with name (\\w+) does not exist");

  public static void run(String[] args, PrintStream out) throws Exception {
    CommandLine command = CommandLine.of(args, ALIASES);
    Options options = Lake.parse(command.options(), Options.class);
    String sql = sql(command.positional(), options.getSql());
    Results.Format format = Results.Format.of(options.getFormat());
    AsOf asOf = AsOf.parse(options.getAsOf());
    LakeLayout lake = LakeLayout.at(options.getLake());
    if (!lake.isLocal()) {
      throw new IllegalArgumentException(
          "--lake: query needs a local lake: DuckDB cannot load its httpfs extension here to read "
              + lake.root()
              + "; use Athena (Glue database lake_<stack>, same table names)");
    }
    if (!Files.isDirectory(Paths.get(lake.root()))) {
      throw new IllegalArgumentException(
          "--lake: " + lake.root() + " does not exist. Run make demo, or lake produce, first");
    }
    try (Connection db = open(lake, Lakes.catalog(options, lake), asOf)) {
      execute(db, sql, format, options.getMaxWidth(), out);
    }
  }

  /** The SQL, given once: as the one argument or as {@code --sql}. */
  static String sql(List<String> positional, String option) {
    boolean hasOption = option != null && !option.isBlank();
    if (positional.size() > 1) {
      throw new IllegalArgumentException(
          "give the SQL as one quoted argument, e.g. lake query \"select 1\" (got "
              + positional.size()
              + " arguments)");
    }
    if (!positional.isEmpty() && hasOption) {
      throw new IllegalArgumentException(
          "the SQL is given twice, as the argument and as --sql: give one");
    }
    if (positional.isEmpty() && !hasOption) {
      throw new IllegalArgumentException(
          "which query? e.g. lake query \"select event_type, count(*) from gold_events group by 1\"");
    }
    return positional.isEmpty() ? option : positional.get(0);
  }

  /**
   * An in-memory DuckDB with a view for every lake table at {@code asOf} (the fixed ones, and every
   * typed table the catalog holds), and {@code bronze_events} when bronze has files.
   */
  static Connection open(LakeLayout lake, CatalogSettings settings, AsOf asOf) throws SQLException {
    Connection db = DriverManager.getConnection("jdbc:duckdb:");
    try (Statement s = db.createStatement()) {
      // The lake's times are UTC; show them so whatever the machine's zone.
      s.execute("SET TimeZone = 'UTC'");
      Path bronze = Paths.get(lake.resolve(LakeLayout.BRONZE_EVENTS));
      if (hasFiles(bronze)) {
        s.execute(bronzeView(bronze));
      }
      try (LakeCatalog catalog = LakeCatalog.open(settings)) {
        List<LakeTable> lakeTables = catalog.tables();
        // A lake has a typed table per event name: loaded several at a time.
        List<Optional<Table>> loaded = PerTable.map(lakeTables, catalog::existing);
        Map<LakeTable, Table> tables = new LinkedHashMap<>();
        for (int i = 0; i < lakeTables.size(); i++) {
          LakeTable table = lakeTables.get(i);
          loaded.get(i).ifPresent(t -> tables.put(table, t));
        }
        Map<LakeTable, Optional<Long>> snapshots = asOf.resolve(tables);
        for (LakeTable table : lakeTables) {
          SnapshotViews.create(
              db,
              table,
              Optional.ofNullable(tables.get(table)),
              snapshots.getOrDefault(table, Optional.empty()));
        }
      }
    } catch (IOException e) {
      db.close();
      throw new UncheckedIOException("cannot close the catalog", e);
    } catch (SQLException | RuntimeException e) {
      db.close();
      throw e;
    }
    return db;
  }

  /**
   * Bronze as received: one row per line, the raw record as JSON ({@code record}), the contract's
   * three fields pulled out of it (null when missing or not JSON; the silver quarantine says why),
   * and the arrival {@code dt} and {@code hour} from the Firehose path {@code YYYY/MM/DD/HH}. The
   * files silver reads, no others: an hour folder's files whose name starts with {@code _} or
   * {@code .} are skipped ({@code BronzeInventory}), and files in its sub-folders are not matched.
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
        + SnapshotViews.literal(glob)
        + ", ignore_errors = true, filename = true)"
        + " WHERE NOT regexp_matches(filename, '/[._][^/]*$')";
  }

  static void execute(
      Connection db, String sql, Results.Format format, int maxWidth, PrintStream out)
      throws IOException {
    try (Statement s = db.createStatement()) {
      if (!s.execute(sql)) {
        out.println("OK (" + s.getUpdateCount() + " row(s) changed)");
        return;
      }
      try (ResultSet rs = s.getResultSet()) {
        Optional<String> rewritten = nestedTimesAsText(db, sql, rs.getMetaData());
        if (rewritten.isPresent()) {
          try (Statement again = db.createStatement();
              ResultSet text = again.executeQuery(rewritten.get())) {
            format.print(Results.of(text), maxWidth, out);
            return;
          } catch (SQLException e) {
            // Not a query DuckDB takes as a subquery after all: print it as it came.
          }
        }
        format.print(Results.of(rs), maxWidth, out);
      }
    } catch (SQLException e) {
      throw new IllegalArgumentException(explain(e), e);
    }
  }

  /**
   * The query to print instead of {@code sql}, whose result has the columns {@code columns}, when a
   * column nests a timestamp (a list, struct, map or union holding one): {@code sql} with those
   * columns cast to text by DuckDB itself, in the session's UTC. DuckDB's JDBC driver makes the
   * Java values of nested timestamps through the JVM's time zone, so their text would depend on the
   * machine; {@link Results} reads top-level ones exactly. Only a single query is run again (DuckDB
   * parses {@code sql} first, {@code json_serialize_sql}), never a statement that changes anything.
   */
  static Optional<String> nestedTimesAsText(Connection db, String sql, ResultSetMetaData columns)
      throws SQLException {
    List<String> names = new ArrayList<>();
    List<String> nested = new ArrayList<>();
    for (int i = 1; i <= columns.getColumnCount(); i++) {
      names.add(columns.getColumnLabel(i));
      if (nestsTimestamp(columns.getColumnTypeName(i))) {
        nested.add(columns.getColumnLabel(i));
      }
    }
    if (nested.isEmpty() || new HashSet<>(names).size() != names.size() || !isOneQuery(db, sql)) {
      return Optional.empty();
    }
    return Optional.of(
        "SELECT * REPLACE ("
            + nested.stream()
                .map(c -> "CAST(" + identifier(c) + " AS VARCHAR) AS " + identifier(c))
                .collect(Collectors.joining(", "))
            + ") FROM (\n"
            + sql.strip().replaceFirst(";+$", "")
            + "\n)");
  }

  private static final ObjectMapper JSON = new ObjectMapper();

  /** Whether DuckDB parses {@code sql} as exactly one query (one SELECT statement). */
  private static boolean isOneQuery(Connection db, String sql) throws SQLException {
    try (PreparedStatement s = db.prepareStatement("SELECT json_serialize_sql(?::VARCHAR)")) {
      s.setString(1, sql);
      try (ResultSet rs = s.executeQuery()) {
        if (!rs.next()) {
          return false;
        }
        JsonNode parsed = JSON.readTree(rs.getString(1));
        return !parsed.path("error").asBoolean(true) && parsed.path("statements").size() == 1;
      }
    } catch (IOException e) {
      return false;
    }
  }

  /** Whether a DuckDB type holds a timestamp below its top level. */
  private static boolean nestsTimestamp(String type) {
    return type.contains("TIMESTAMP") && Results.Read.of(type) == Results.Read.OBJECT;
  }

  private static String identifier(String name) {
    return '"' + name.replace("\"", "\"\"") + '"';
  }

  /** One line for a failed query; bronze with no files yet says so. */
  static String explain(SQLException e) {
    String message = String.valueOf(e.getMessage()).strip();
    Matcher m = MISSING_TABLE.matcher(message);
    if (m.find() && m.group(1).equals(BRONZE_EVENTS)) {
      return "table bronze_events is empty: run produce (or make demo) first";
    }
    int newline = message.indexOf('\n');
    return "query failed: " + (newline < 0 ? message : message.substring(0, newline).strip());
  }

  private static boolean hasFiles(Path dir) {
    if (!Files.isDirectory(dir)) {
      return false;
    }
    try (Stream<Path> files = Files.walk(dir)) {
      return files.anyMatch(
          p -> {
            String name = p.getFileName().toString();
            return Files.isRegularFile(p) && !name.startsWith(".") && !name.startsWith("_");
          });
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
