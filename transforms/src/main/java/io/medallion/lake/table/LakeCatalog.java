package io.medallion.lake.table;

import static java.util.stream.Collectors.joining;

import io.medallion.lake.layout.LakeLayout;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.iceberg.CatalogProperties;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Table;
import org.apache.iceberg.UpdateProperties;
import org.apache.iceberg.aws.glue.GlueCatalog;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.Namespace;
import org.apache.iceberg.catalog.SupportsNamespaces;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.exceptions.AlreadyExistsException;
import org.apache.iceberg.exceptions.NoSuchNamespaceException;
import org.apache.iceberg.exceptions.NoSuchTableException;
import org.apache.iceberg.io.ResolvingFileIO;
import org.apache.iceberg.jdbc.JdbcCatalog;

/**
 * The lake's Iceberg catalog, opened from {@link CatalogSettings}: loads a {@link LakeTable},
 * creating it on first use (one code path locally and in the cloud) and adding the columns its
 * definition gained since (schema evolution), and lists the lake's tables, fixed and made at run
 * time ({@link #tables}). Close it when done; DoFns open one in {@code @Setup} and close it in
 * {@code @Teardown}.
 *
 * <p>Files are read and written through Iceberg's {@code ResolvingFileIO}: {@code S3FileIO} for
 * {@code s3://} paths, Hadoop's raw local filesystem for local paths.
 */
public final class LakeCatalog implements AutoCloseable {
  private static final Object JDBC_INIT = new Object();

  private final CatalogSettings settings;
  private final Catalog catalog;
  // Tables are loaded from several threads at once (PerTable).
  private final Map<LakeTable, Table> loaded = new ConcurrentHashMap<>();

  private LakeCatalog(CatalogSettings settings, Catalog catalog) {
    this.settings = settings;
    this.catalog = catalog;
  }

  /** Opens the catalog {@code settings} names; creates a local catalog's file if it is new. */
  public static LakeCatalog open(CatalogSettings settings) {
    Map<String, String> properties = new HashMap<>(settings.fileIoProperties());
    properties.put(CatalogProperties.WAREHOUSE_LOCATION, settings.warehouse());
    properties.put(CatalogProperties.FILE_IO_IMPL, ResolvingFileIO.class.getName());
    Catalog catalog =
        switch (settings.kind()) {
          case LOCAL -> openJdbc(settings, properties);
          case GLUE -> openGlue(properties);
        };
    return new LakeCatalog(settings, catalog);
  }

  private static Catalog openJdbc(CatalogSettings settings, Map<String, String> properties) {
    String uri = settings.uri();
    createSqliteFolder(uri);
    registerSqliteDriver(uri);
    properties.put(CatalogProperties.URI, uri);
    // V1 also records views; concurrent writers wait for SQLite's lock instead of failing (the
    // driver takes this property over the URI's own busy_timeout, so it is read from there).
    properties.put("jdbc.schema-version", "V1");
    properties.put("jdbc.busy_timeout", Long.toString(settings.lockWait().toMillis()));
    JdbcCatalog jdbc = new JdbcCatalog();
    jdbc.setConf(JavaLocalFileSystem.configuration());
    // Initialising creates or upgrades the catalog's SQL tables when they are missing; two workers
    // of one JVM doing that at once on a new SQLite file collide ("duplicate column name").
    synchronized (JDBC_INIT) {
      jdbc.initialize("lake", properties);
    }
    return jdbc;
  }

  private static Catalog openGlue(Map<String, String> properties) {
    GlueCatalog glue = new GlueCatalog();
    glue.setConf(JavaLocalFileSystem.configuration());
    glue.initialize("lake", properties);
    return glue;
  }

  /**
   * Loads SQLite's JDBC driver through this class's own loader. {@code DriverManager} finds drivers
   * with the JVM's system class loader, which on a Flink TaskManager (or under {@code exec:java})
   * does not see the job's jars: without this, "No suitable driver found for jdbc:sqlite:...".
   */
  private static void registerSqliteDriver(String uri) {
    if (!uri.startsWith("jdbc:sqlite:")) {
      return;
    }
    try {
      Class.forName("org.sqlite.JDBC", true, LakeCatalog.class.getClassLoader());
    } catch (ClassNotFoundException e) {
      throw new IllegalStateException("the SQLite JDBC driver is not on the class path", e);
    }
  }

  private static void createSqliteFolder(String uri) {
    String prefix = "jdbc:sqlite:";
    if (!uri.startsWith(prefix)) {
      return;
    }
    String file = uri.substring(prefix.length());
    int query = file.indexOf('?');
    if (query >= 0) {
      file = file.substring(0, query);
    }
    if (file.startsWith("file:")) {
      file = file.substring("file:".length());
    }
    if (file.isEmpty() || file.equals(":memory:")) {
      return;
    }
    Path parent = Paths.get(file).toAbsolutePath().getParent();
    try {
      Files.createDirectories(parent);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the catalog folder " + parent, e);
    }
  }

  public CatalogSettings settings() {
    return settings;
  }

  /** The Iceberg catalog itself, for what this class does not wrap. */
  public Catalog iceberg() {
    return catalog;
  }

  /**
   * {@code table}, created empty with its definition's schema, partition spec, location and
   * properties if the catalog does not hold it yet, and with any column its definition gained
   * added. A concurrent creation by another run is fine: the loser loads the winner's table.
   */
  public Table table(LakeTable table) {
    Table loaded = this.loaded.get(table);
    if (loaded != null) {
      return loaded;
    }
    Table current = existing(table).orElseGet(() -> create(table));
    current = evolve(table, current);
    this.loaded.put(table, current);
    return current;
  }

  /**
   * The lake's tables: every fixed table ({@link LakeTable#values()}, whether created yet or not),
   * then the members of each dataset's {@link TableFamily} that the catalog holds, by name. A
   * member comes with its family's columns only; {@link #existing} gives its current schema.
   */
  public List<LakeTable> tables() {
    List<LakeTable> tables = new ArrayList<>(LakeTable.values());
    for (Dataset dataset : Dataset.values()) {
      dataset.family().ifPresent(family -> tables.addAll(members(family)));
    }
    return tables;
  }

  /** The members of {@code family} the catalog holds, by name. */
  public List<LakeTable> members(TableFamily family) {
    List<TableIdentifier> listed;
    try {
      listed = catalog.listTables(Namespace.of(settings.namespace()));
    } catch (NoSuchNamespaceException e) {
      return List.of();
    }
    return listed.stream()
        .map(TableIdentifier::name)
        .filter(family::isMember)
        .sorted()
        .map(family::member)
        .toList();
  }

  /**
   * The lake table named {@code name}, fixed or a family member the catalog holds.
   *
   * @throws IllegalArgumentException naming the lake's tables, when there is none
   */
  public LakeTable named(String name) {
    List<LakeTable> tables = tables();
    return tables.stream()
        .filter(t -> t.tableName().equals(name))
        .findFirst()
        .orElseThrow(
            () ->
                new IllegalArgumentException(
                    "no lake table named '"
                        + name
                        + "'; tables: "
                        + tables.stream().map(LakeTable::tableName).collect(joining(", "))));
  }

  /** {@code table} as the catalog holds it now, if it exists; never creates it. */
  public Optional<Table> existing(LakeTable table) {
    try {
      return Optional.of(catalog.loadTable(table.identifier(settings.namespace())));
    } catch (NoSuchTableException e) {
      return Optional.empty();
    }
  }

  private Table create(LakeTable table) {
    createNamespaceIfMissing();
    try {
      return catalog
          .buildTable(table.identifier(settings.namespace()), table.schema())
          .withPartitionSpec(table.spec())
          .withSortOrder(table.sortOrder())
          .withLocation(table.location(LakeLayout.at(settings.warehouse())))
          .withProperties(table.properties())
          .create();
    } catch (AlreadyExistsException e) {
      return catalog.loadTable(table.identifier(settings.namespace()));
    }
  }

  private void createNamespaceIfMissing() {
    if (catalog instanceof SupportsNamespaces namespaces) {
      Namespace namespace = Namespace.of(settings.namespace());
      if (!namespaces.namespaceExists(namespace)) {
        try {
          namespaces.createNamespace(namespace);
        } catch (AlreadyExistsException e) {
          // Another run created it first.
        }
      }
    }
  }

  /**
   * Adds the definition's columns and write properties ({@link LakeTable#writeProperties}) the
   * table lacks; never drops or changes one.
   */
  private static Table evolve(LakeTable table, Table current) {
    Schema schema = current.schema();
    boolean missing =
        table.schema().columns().stream().anyMatch(c -> schema.findField(c.name()) == null);
    if (missing) {
      current.updateSchema().unionByNameWith(table.schema()).commit();
      current.refresh();
    }
    Map<String, String> lacking = new TreeMap<>(table.writeProperties());
    lacking.keySet().removeAll(current.properties().keySet());
    if (!lacking.isEmpty()) {
      UpdateProperties update = current.updateProperties();
      lacking.forEach(update::set);
      update.commit();
      current.refresh();
    }
    return current;
  }

  @Override
  public void close() throws IOException {
    if (catalog instanceof AutoCloseable closeable) {
      try {
        closeable.close();
      } catch (IOException | RuntimeException e) {
        throw e;
      } catch (Exception e) {
        throw new IOException("cannot close the catalog", e);
      }
    }
  }
}
