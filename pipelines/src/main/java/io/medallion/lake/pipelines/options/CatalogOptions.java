package io.medallion.lake.pipelines.options;

import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.PipelineOptions;

/**
 * Which Apache Iceberg catalog holds the lake's tables ({@link
 * io.medallion.lake.table.CatalogSettings}); {@link Lakes#catalog} turns these into settings.
 */
public interface CatalogOptions extends PipelineOptions {
  @Description(
      "Iceberg catalog: local (a SQLite file, <lake>/_catalog/iceberg.db for a local lake; no"
          + " server) or glue (the AWS Glue Data Catalog, database --catalogNamespace).")
  @Default.String("local")
  String getCatalog();

  void setCatalog(String value);

  @Description(
      "JDBC URI of the local catalog, like jdbc:sqlite:/path/catalog.db. Default: the file inside"
          + " a local lake; required for an s3:// lake with --catalog=local.")
  String getCatalogUri();

  void setCatalogUri(String value);

  @Description(
      "Catalog namespace holding the tables: the Glue database in the cloud (lake_<stack>).")
  @Default.String("lake")
  String getCatalogNamespace();

  void setCatalogNamespace(String value);
}
