package io.medallion.lake.table;

import io.medallion.lake.layout.LakeLayout;
import java.io.Serializable;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which Iceberg catalog holds the lake's tables, as plain serializable values: DoFns receive these
 * and open the catalog in {@code @Setup} ({@link LakeCatalog#open}).
 *
 * <ul>
 *   <li>{@link Kind#LOCAL} (the default): Iceberg's {@code JdbcCatalog} on an embedded SQLite file,
 *       {@code <lake>/_catalog/iceberg.db} for a local lake. No server. The same catalog works over
 *       an {@code s3://} lake on an S3 emulator, with the SQLite file given as {@code
 *       --catalogUri}.
 *   <li>{@link Kind#GLUE}: the AWS Glue Data Catalog (Iceberg's {@code GlueCatalog}); the namespace
 *       is the Glue database ({@code lake_<stack>}), and Athena reads the tables as Iceberg tables.
 * </ul>
 *
 * @param kind the catalog implementation
 * @param namespace the namespace (Glue database) holding the tables
 * @param warehouse the lake root: tables live at {@link LakeTable#location}
 * @param uri the JDBC URI of a {@link Kind#LOCAL} catalog; null for Glue
 * @param fileIoProperties Iceberg FileIO properties, e.g. {@code s3.endpoint} and {@code
 *     s3.path-style-access} for an S3 emulator; empty on AWS (default credentials and region)
 */
public record CatalogSettings(
    Kind kind, String namespace, String warehouse, String uri, Map<String, String> fileIoProperties)
    implements Serializable {
  private static final long serialVersionUID = 1L;

  /** The namespace used when none is given. */
  public static final String DEFAULT_NAMESPACE = "lake";

  /** Where the local catalog of a local lake lives, relative to the lake root. */
  public static final String LOCAL_CATALOG_FILE = "_catalog/iceberg.db";

  /**
   * How long a local catalog waits for a lock another process holds (another run's commit, a SQLite
   * shell) before it fails, unless its URI says otherwise ({@link #lockWait()}).
   */
  public static final Duration DEFAULT_LOCK_WAIT = Duration.ofSeconds(60);

  private static final Pattern BUSY_TIMEOUT = Pattern.compile("[?&]busy_timeout=(\\d{1,9})(&|$)");

  /** The catalog implementations the lake supports. */
  public enum Kind {
    LOCAL,
    GLUE;

    /** {@code local} or {@code glue}, as given on the command line. */
    public static Kind parse(String value) {
      for (Kind kind : values()) {
        if (kind.name().equalsIgnoreCase(value.strip())) {
          return kind;
        }
      }
      throw new IllegalArgumentException("--catalog: expected local or glue, got '" + value + "'");
    }
  }

  public CatalogSettings {
    if (namespace == null || !namespace.matches("[a-z0-9_]+")) {
      throw new IllegalArgumentException(
          "--catalogNamespace: expected lower-case letters, digits and _, got '" + namespace + "'");
    }
    fileIoProperties = Map.copyOf(fileIoProperties);
  }

  /**
   * How long the local catalog waits for a lock another process holds before it fails: the {@code
   * busy_timeout} (milliseconds) of a {@code jdbc:sqlite:} URI's query, like {@code
   * jdbc:sqlite:/path/catalog.db?busy_timeout=120000}, else {@link #DEFAULT_LOCK_WAIT}.
   */
  public Duration lockWait() {
    Matcher m = BUSY_TIMEOUT.matcher(uri == null ? "" : uri);
    return m.find() ? Duration.ofMillis(Long.parseLong(m.group(1))) : DEFAULT_LOCK_WAIT;
  }

  /**
   * The local catalog of {@code lake}: {@code uri} when given, else the SQLite file inside a local
   * lake. An {@code s3://} lake needs an explicit {@code uri}: the SQLite file must be on a local
   * disk.
   */
  public static CatalogSettings local(
      LakeLayout lake, Optional<String> uri, String namespace, Map<String, String> fileIo) {
    String jdbcUri =
        uri.filter(u -> !u.isBlank())
            .orElseGet(
                () -> {
                  if (!lake.isLocal()) {
                    throw new IllegalArgumentException(
                        "--catalogUri: the local catalog of an "
                            + lake.root()
                            + " lake is a SQLite file on this machine; give one, like"
                            + " --catalogUri=jdbc:sqlite:/path/to/catalog.db, or use"
                            + " --catalog=glue");
                  }
                  return "jdbc:sqlite:" + lake.resolve(LOCAL_CATALOG_FILE);
                });
    if (!jdbcUri.startsWith("jdbc:")) {
      throw new IllegalArgumentException(
          "--catalogUri: expected a JDBC URI like jdbc:sqlite:/path/catalog.db, got '"
              + jdbcUri
              + "'");
    }
    return new CatalogSettings(Kind.LOCAL, namespace, lake.root(), jdbcUri, fileIo);
  }

  /** The AWS Glue Data Catalog, database {@code namespace}, for a lake on S3. */
  public static CatalogSettings glue(
      LakeLayout lake, String namespace, Map<String, String> fileIo) {
    if (lake.isLocal()) {
      throw new IllegalArgumentException(
          "--catalog=glue: the Glue catalog holds tables on S3; --lake must be s3://bucket/prefix");
    }
    return new CatalogSettings(Kind.GLUE, namespace, lake.root(), null, fileIo);
  }

  /**
   * FileIO properties for an S3 emulator at {@code endpoint}: path-style addressing and static
   * credentials, as the lake's Beam S3 filesystem uses for the same emulator.
   */
  public static Map<String, String> s3Emulator(
      String endpoint, String accessKey, String secretKey, String region) {
    Map<String, String> properties = new LinkedHashMap<>();
    properties.put("s3.endpoint", endpoint);
    properties.put("s3.path-style-access", "true");
    properties.put("s3.access-key-id", accessKey);
    properties.put("s3.secret-access-key", secretKey);
    properties.put("client.region", region);
    return properties;
  }
}
