package io.medallion.lake.pulumi;

import com.pulumi.core.Output;
import io.medallion.lake.pulumi.GlueTables.IcebergTable;
import io.medallion.lake.pulumi.PolicyDocument.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * IAM statements for the Glue Data Catalog calls the lake makes, scoped to the stack's database.
 *
 * <p>The actions are the calls Iceberg 1.12's {@code GlueCatalog} and {@code GlueTableOperations}
 * make on the paths the lake uses: {@code GetDatabase} (namespace checks, and the default location
 * of a table created without one); {@code GetTable} (every load and refresh, and the check before
 * each commit); {@code CreateTable} (the first commit of a missing table); {@code UpdateTable}
 * (every later commit, with Glue's optimistic locking on the table version, so no lock table is
 * needed); and, for a job whose tables include a family made at run time (gold's typed event
 * tables), {@code GetTables} (listing the database to find the family's tables: their names and
 * locations, nothing else, on the database's tables, as Glue checks a listing against them all).
 * Dropping or renaming a table ({@code DeleteTable}) and creating or dropping the database are not
 * granted: the database is Pulumi's, and no job drops a table. A family is granted by its name
 * prefix ({@code table/lake_<stack>/gold_evt_*}), so a table made tomorrow is covered today.
 *
 * <p>Glue checks a table call against the catalog, the database and the table, so each statement
 * names all three levels.
 */
public final class GlueAccess {
  private GlueAccess() {}

  static final List<String> DATABASE_ACTIONS = List.of("glue:GetDatabase");
  static final List<String> READ_TABLE_ACTIONS = List.of("glue:GetTable");
  static final List<String> WRITE_TABLE_ACTIONS =
      List.of("glue:GetTable", "glue:CreateTable", "glue:UpdateTable");

  /** What finding a family's tables needs: listing the database's tables. */
  static final List<String> LIST_TABLE_ACTIONS = List.of("glue:GetTables");

  /** What Athena needs to list and read the tables of the database: no write of any kind. */
  static final List<String> BROWSE_ACTIONS =
      List.of("glue:GetDatabase", "glue:GetTable", "glue:GetTables");

  /**
   * The stack's Glue database, and the ARNs to scope policies with.
   *
   * @param region the stack's region
   * @param accountId the account, whose Data Catalog holds the database
   * @param database the database, {@code lake_<stack>}
   */
  public record Catalog(String region, Output<String> accountId, String database) {
    Output<String> catalogArn() {
      return arn("catalog");
    }

    Output<String> databaseArn() {
      return arn("database/" + database);
    }

    Output<String> tableArn(String table) {
      return arn("table/" + database + "/" + table);
    }

    /** Every table of the database, present and future. */
    Output<String> allTablesArn() {
      return arn("table/" + database + "/*");
    }

    private Output<String> arn(String resource) {
      return accountId.applyValue(a -> "arn:aws:glue:" + region + ":" + a + ":" + resource);
    }
  }

  /**
   * A job's access to Iceberg tables: it may load {@code reads} and load, create and commit to
   * {@code writes}.
   */
  static List<Statement> tables(
      String sid, Catalog catalog, List<IcebergTable> reads, List<IcebergTable> writes) {
    if (reads.isEmpty() && writes.isEmpty()) {
      throw new IllegalArgumentException(sid + ": no table to grant access to");
    }
    List<Statement> out = new ArrayList<>();
    out.add(
        Statement.allow(
            sid + "Database",
            DATABASE_ACTIONS,
            List.of(catalog.catalogArn(), catalog.databaseArn())));
    List<IcebergTable> readOnly = reads.stream().filter(t -> !writes.contains(t)).toList();
    if (!readOnly.isEmpty()) {
      out.add(Statement.allow(sid + "ReadTables", READ_TABLE_ACTIONS, levels(catalog, readOnly)));
    }
    if (!writes.isEmpty()) {
      out.add(Statement.allow(sid + "WriteTables", WRITE_TABLE_ACTIONS, levels(catalog, writes)));
    }
    if (reads.stream().anyMatch(IcebergTable::isFamily)
        || writes.stream().anyMatch(IcebergTable::isFamily)) {
      out.add(
          Statement.allow(
              sid + "ListTables",
              LIST_TABLE_ACTIONS,
              List.of(catalog.catalogArn(), catalog.databaseArn(), catalog.allTablesArn())));
    }
    return out;
  }

  /** Read-only access to every table of the database, for queries. */
  static Statement browse(String sid, Catalog catalog) {
    return Statement.allow(
        sid,
        BROWSE_ACTIONS,
        List.of(catalog.catalogArn(), catalog.databaseArn(), catalog.allTablesArn()));
  }

  private static List<Output<String>> levels(Catalog catalog, List<IcebergTable> tables) {
    List<Output<String>> arns = new ArrayList<>();
    arns.add(catalog.catalogArn());
    arns.add(catalog.databaseArn());
    tables.forEach(t -> arns.add(catalog.tableArn(t.name())));
    return arns;
  }
}
