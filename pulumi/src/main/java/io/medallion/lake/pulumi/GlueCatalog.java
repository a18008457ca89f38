package io.medallion.lake.pulumi;

import com.pulumi.aws.athena.Workgroup;
import com.pulumi.aws.athena.WorkgroupArgs;
import com.pulumi.aws.athena.inputs.WorkgroupConfigurationArgs;
import com.pulumi.aws.athena.inputs.WorkgroupConfigurationEngineVersionArgs;
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
import com.pulumi.aws.iam.Policy;
import com.pulumi.aws.iam.PolicyArgs;
import com.pulumi.core.Output;
import com.pulumi.resources.ComponentResource;
import com.pulumi.resources.ComponentResourceOptions;
import com.pulumi.resources.CustomResourceOptions;
import io.medallion.lake.pulumi.GlueTables.IcebergTable;
import io.medallion.lake.pulumi.GlueTables.JsonTable;
import io.medallion.lake.pulumi.PolicyDocument.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The Glue database of the lake, the bronze table in it, the Athena workgroup to query them with,
 * and a managed policy for the people and tools that query.
 *
 * <p>The silver and gold tables are Iceberg tables that the lake itself creates in this database on
 * first use (see {@link GlueTables}), so they are not declared here. Athena engine version 3 reads
 * them from their Iceberg metadata: any predicate works, and there is no partition projection to
 * keep in step with the data. The workgroup pins that engine version, encrypts results with the
 * lake key, limits the bytes a query may scan, and enforces all three so a client cannot opt out.
 */
public final class GlueCatalog extends ComponentResource {
  /**
   * Kept from the class's first name: a new type token would change every URN of a deployed stack.
   */
  public static final String TYPE = "lake:catalog:LakeCatalog";

  /** The Athena engine that reads Iceberg tables registered by Iceberg's GlueCatalog. */
  public static final String ATHENA_ENGINE = "Athena engine version 3";

  /** What a reader may do in the workgroup: run queries and fetch their results. */
  static final List<String> QUERY_ACTIONS =
      List.of(
          "athena:StartQueryExecution",
          "athena:StopQueryExecution",
          "athena:GetQueryExecution",
          "athena:GetQueryResults",
          "athena:GetQueryResultsStream",
          "athena:BatchGetQueryExecution",
          "athena:ListQueryExecutions",
          "athena:GetWorkGroup");

  /** Athena's own view of the Glue catalog, used by the console and the JDBC/ODBC drivers. */
  static final List<String> CATALOG_METADATA_ACTIONS =
      List.of(
          "athena:GetDataCatalog",
          "athena:ListDatabases",
          "athena:GetDatabase",
          "athena:ListTableMetadata",
          "athena:GetTableMetadata");

  /** Athena writes a query's results with the caller's credentials, so readers may write these. */
  static final List<String> RESULT_ACTIONS =
      List.of(
          "s3:PutObject", "s3:GetObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts");

  private final Output<String> databaseName;
  private final Output<String> workgroupName;
  private final Output<String> readerPolicyArn;

  public GlueCatalog(String name, GlueCatalogArgs args, ComponentResourceOptions options) {
    super(TYPE, name, options);
    CustomResourceOptions child = CustomResourceOptions.builder().parent(this).build();
    GlueAccess.Catalog catalog = args.catalog();

    CatalogDatabase database =
        new CatalogDatabase(
            name + "-database",
            CatalogDatabaseArgs.builder()
                .name(catalog.database())
                .description(
                    "The medallion lake: bronze (Hive, JSON) and the silver and gold Iceberg"
                        + " tables the lake creates")
                .build(),
            child);

    Output<String> root =
        args.bucketName().applyValue(b -> "s3://" + b + "/" + args.lakePrefix() + "/");
    JsonTable bronze = GlueTables.BRONZE_EVENTS;
    Output<String> bronzeLocation = root.applyValue(r -> r + bronze.folder() + "/");
    new CatalogTable(
        name + "-" + bronze.name(),
        CatalogTableArgs.builder()
            .databaseName(database.name())
            .name(bronze.name())
            .tableType("EXTERNAL_TABLE")
            .parameters(bronzeLocation.applyValue(l -> parameters(bronze, l)))
            .partitionKeys(
                CatalogTablePartitionKeyArgs.builder()
                    .name(bronze.partitionKey().name())
                    .type(bronze.partitionKey().type())
                    .build())
            .storageDescriptor(jsonStorage(bronze, bronzeLocation))
            .build(),
        child);

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
                        .engineVersion(
                            WorkgroupConfigurationEngineVersionArgs.builder()
                                .selectedEngineVersion(ATHENA_ENGINE)
                                .build())
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

    Policy reader =
        new Policy(
            name + "-reader-policy",
            PolicyArgs.builder()
                .name(args.workgroupName() + "-reader")
                .description(
                    "Query the lake with Athena in workgroup "
                        + args.workgroupName()
                        + ": read-only on the catalog and the tables")
                .policy(readerPolicy(args, workgroup.arn()).toJson())
                .build(),
            child);

    this.databaseName = database.name();
    this.workgroupName = workgroup.name();
    this.readerPolicyArn = reader.arn();
    registerOutputs(
        Map.of(
            "databaseName", databaseName,
            "workgroupName", workgroupName,
            "readerPolicyArn", readerPolicyArn));
  }

  public Output<String> databaseName() {
    return databaseName;
  }

  public Output<String> workgroupName() {
    return workgroupName;
  }

  /** A managed policy to attach to the users and roles that query the lake with Athena. */
  public Output<String> readerPolicyArn() {
    return readerPolicyArn;
  }

  /**
   * What querying needs, and nothing that changes the lake: run queries in this workgroup only,
   * read the catalog (no Glue write of any kind), read the tables' files (an Iceberg table's data
   * and metadata both live under its folder), and write query results under {@code
   * athena-results/}, which Athena does with the caller's credentials.
   */
  private static PolicyDocument readerPolicy(GlueCatalogArgs args, Output<String> workgroupArn) {
    GlueAccess.Catalog catalog = args.catalog();
    String lake = args.lakePrefix() + "/";
    List<String> tablePrefixes = new ArrayList<>();
    tablePrefixes.add(lake + GlueTables.BRONZE_EVENTS.folder() + "/");
    for (IcebergTable t : GlueTables.ICEBERG) {
      tablePrefixes.add(lake + t.prefix());
    }
    Output<String> dataCatalogArn =
        catalog
            .accountId()
            .applyValue(
                a ->
                    "arn:aws:athena:" + catalog.region() + ":" + a + ":datacatalog/AwsDataCatalog");
    return new PolicyDocument()
        .add(Statement.allow("RunQueries", QUERY_ACTIONS, List.of(workgroupArn)))
        .add(
            Statement.allow("ReadAthenaCatalog", CATALOG_METADATA_ACTIONS, List.of(dataCatalogArn)))
        .add(GlueAccess.browse("ReadGlueCatalog", catalog))
        .addAll(S3Access.read("ReadTables", args.bucketArn(), tablePrefixes))
        .add(
            Statement.allow(
                "WriteResultsObjects",
                RESULT_ACTIONS,
                List.of(
                    args.bucketArn()
                        .applyValue(arn -> arn + "/" + LakeBucket.ATHENA_RESULTS_PREFIX + "*"))))
        .add(
            Statement.allow("WriteResultsList", List.of("s3:ListBucket"), List.of(args.bucketArn()))
                .when("StringLike", "s3:prefix", List.of(LakeBucket.ATHENA_RESULTS_PREFIX + "*")))
        // Athena checks the results bucket's region before it writes there.
        .add(
            Statement.allow(
                "LocateResultsBucket", List.of("s3:GetBucketLocation"), List.of(args.bucketArn())))
        .add(S3Access.kms("UseLakeKey", args.kmsKeyArn()));
  }

  private static Map<String, String> parameters(JsonTable table, String location) {
    Map<String, String> p = new LinkedHashMap<>();
    p.put("EXTERNAL", "TRUE");
    p.put("classification", "json");
    p.put("projection.enabled", "true");
    p.putAll(table.projection());
    p.put("storage.location.template", location + table.partitionPath());
    return p;
  }

  private static CatalogTableStorageDescriptorArgs jsonStorage(
      JsonTable table, Output<String> location) {
    return CatalogTableStorageDescriptorArgs.builder()
        .location(location)
        .columns(
            table.columns().stream()
                .map(
                    c ->
                        CatalogTableStorageDescriptorColumnArgs.builder()
                            .name(c.name())
                            .type(c.type())
                            .build())
                .toList())
        .inputFormat("org.apache.hadoop.mapred.TextInputFormat")
        .outputFormat("org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat")
        .serDeInfo(
            CatalogTableStorageDescriptorSerDeInfoArgs.builder()
                .serializationLibrary("org.openx.data.jsonserde.JsonSerDe")
                .parameters(Map.of("ignore.malformed.json", "true"))
                .build())
        .build();
  }
}
