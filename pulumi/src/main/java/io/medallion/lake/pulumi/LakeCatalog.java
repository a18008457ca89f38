package io.medallion.lake.pulumi;

import com.pulumi.aws.athena.Workgroup;
import com.pulumi.aws.athena.WorkgroupArgs;
import com.pulumi.aws.athena.inputs.WorkgroupConfigurationArgs;
import com.pulumi.aws.athena.inputs.WorkgroupConfigurationResultConfigurationArgs;
import com.pulumi.aws.athena.inputs.WorkgroupConfigurationResultConfigurationEncryptionConfigurationArgs;
import com.pulumi.aws.glue.CatalogDatabase;
import com.pulumi.aws.glue.CatalogDatabaseArgs;
import com.pulumi.aws.glue.CatalogTable;
import com.pulumi.aws.glue.CatalogTableArgs;
import com.pulumi.aws.glue.inputs.CatalogTablePartitionKeyArgs;
import com.pulumi.aws.glue.inputs.CatalogTableStorageDescriptorArgs;
import com.pulumi.aws.glue.inputs.CatalogTableStorageDescriptorColumnArgs;
import com.pulumi.aws.glue.inputs.CatalogTableStorageDescriptorSerDeInfoArgs;
import com.pulumi.core.Output;
import com.pulumi.resources.ComponentResource;
import com.pulumi.resources.ComponentResourceOptions;
import com.pulumi.resources.CustomResourceOptions;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The Glue database and tables of the lake (see {@link LakeTables}) and the Athena workgroup to
 * query them with: results encrypted with the lake key, a per-query scan limit, and settings
 * enforced so a client cannot opt out of either.
 */
public final class LakeCatalog extends ComponentResource {
  public static final String TYPE = "lake:catalog:LakeCatalog";

  private final Output<String> databaseName;
  private final Output<String> workgroupName;

  public LakeCatalog(String name, LakeCatalogArgs args, ComponentResourceOptions options) {
    super(TYPE, name, options);
    CustomResourceOptions child = CustomResourceOptions.builder().parent(this).build();

    CatalogDatabase database =
        new CatalogDatabase(
            name + "-database",
            CatalogDatabaseArgs.builder()
                .name(args.databaseName())
                .description("The medallion lake: bronze, silver and gold tables")
                .build(),
            child);

    Output<String> root =
        args.bucketName().applyValue(b -> "s3://" + b + "/" + args.lakePrefix() + "/");
    for (LakeTables.Table table : LakeTables.all()) {
      Output<String> location = root.applyValue(r -> r + table.folder() + "/");
      new CatalogTable(
          name + "-" + table.name(),
          CatalogTableArgs.builder()
              .databaseName(database.name())
              .name(table.name())
              .tableType("EXTERNAL_TABLE")
              .parameters(location.applyValue(l -> parameters(table, l + table.partitionPath())))
              .partitionKeys(
                  table.partitionKeys().stream()
                      .map(
                          c ->
                              CatalogTablePartitionKeyArgs.builder()
                                  .name(c.name())
                                  .type(c.type())
                                  .build())
                      .toList())
              .storageDescriptor(storage(table, location))
              .build(),
          child);
    }

    Workgroup workgroup =
        new Workgroup(
            name + "-workgroup",
            WorkgroupArgs.builder()
                .name(args.workgroupName())
                .forceDestroy(args.forceDestroy())
                .configuration(
                    WorkgroupConfigurationArgs.builder()
                        .enforceWorkgroupConfiguration(true)
                        .publishCloudwatchMetricsEnabled(true)
                        .bytesScannedCutoffPerQuery(args.bytesScannedCutoff())
                        .resultConfiguration(
                            WorkgroupConfigurationResultConfigurationArgs.builder()
                                .outputLocation(
                                    args.bucketName()
                                        .applyValue(
                                            b ->
                                                "s3://"
                                                    + b
                                                    + "/"
                                                    + LakeBucket.ATHENA_RESULTS_PREFIX))
                                .encryptionConfiguration(
                                    WorkgroupConfigurationResultConfigurationEncryptionConfigurationArgs
                                        .builder()
                                        .encryptionOption("SSE_KMS")
                                        .kmsKeyArn(args.kmsKeyArn())
                                        .build())
                                .build())
                        .build())
                .build(),
            child);

    this.databaseName = database.name();
    this.workgroupName = workgroup.name();
    registerOutputs(Map.of("databaseName", databaseName, "workgroupName", workgroupName));
  }

  public Output<String> databaseName() {
    return databaseName;
  }

  public Output<String> workgroupName() {
    return workgroupName;
  }

  private static Map<String, String> parameters(LakeTables.Table table, String template) {
    Map<String, String> p = new LinkedHashMap<>();
    p.put("EXTERNAL", "TRUE");
    p.put("classification", table.format() == LakeTables.Format.PARQUET ? "parquet" : "json");
    if (table.format() == LakeTables.Format.PARQUET) {
      p.put("parquet.compression", "SNAPPY");
    }
    p.put("projection.enabled", "true");
    p.putAll(table.projection());
    p.put("storage.location.template", template);
    return p;
  }

  private static CatalogTableStorageDescriptorArgs storage(
      LakeTables.Table table, Output<String> location) {
    boolean parquet = table.format() == LakeTables.Format.PARQUET;
    List<CatalogTableStorageDescriptorColumnArgs> columns =
        table.columns().stream()
            .map(
                c ->
                    CatalogTableStorageDescriptorColumnArgs.builder()
                        .name(c.name())
                        .type(c.type())
                        .build())
            .toList();
    return CatalogTableStorageDescriptorArgs.builder()
        .location(location)
        .columns(columns)
        .inputFormat(
            parquet
                ? "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat"
                : "org.apache.hadoop.mapred.TextInputFormat")
        .outputFormat(
            parquet
                ? "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat"
                : "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat")
        .serDeInfo(
            parquet
                ? CatalogTableStorageDescriptorSerDeInfoArgs.builder()
                    .serializationLibrary(
                        "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe")
                    .parameters(Map.of("serialization.format", "1"))
                    .build()
                : CatalogTableStorageDescriptorSerDeInfoArgs.builder()
                    .serializationLibrary("org.openx.data.jsonserde.JsonSerDe")
                    .parameters(Map.of("ignore.malformed.json", "true"))
                    .build())
        .build();
  }
}
