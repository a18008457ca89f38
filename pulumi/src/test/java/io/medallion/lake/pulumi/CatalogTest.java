package io.medallion.lake.pulumi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.medallion.lake.tables.LakeTable;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.junit.jupiter.api.Test;

class CatalogTest {
  private static final String TABLE = "aws:glue/catalogTable:CatalogTable";

  @Test
  void databaseAndTablesHaveTheContractsNames() {
    LakeStack.Run run = LakeStack.run("staging");

    assertThat(run.named("lake-staging-catalog-database").string("name")).isEqualTo("lake_staging");
    assertThat(run.ofType(TABLE))
        .allSatisfy(t -> assertThat(t.string("databaseName")).isEqualTo("lake_staging"))
        .extracting(t -> t.string("name"))
        .containsExactlyInAnyOrder(
            "bronze_events",
            "silver_events",
            "gold_events",
            "gold_event_stats",
            "silver_uber_movements");
  }

  @Test
  void parquetColumnsAreTheSchemaConstantsFields() {
    LakeStack.Run run = LakeStack.run("dev");

    assertColumns(run, "silver_events", LakeTables.dataColumns(LakeTable.SILVER_EVENTS));
    assertColumns(run, "gold_events", LakeTables.dataColumns(LakeTable.GOLD_EVENTS));
    assertColumns(run, "gold_event_stats", LakeTables.dataColumns(LakeTable.GOLD_EVENT_STATS));
    assertColumns(
        run, "silver_uber_movements", LakeTables.dataColumns(LakeTable.SILVER_UBER_MOVEMENTS));
    Map<String, String> silver = columns(table(run, "silver_events"));
    assertThat(silver)
        .containsEntry("created_at", "timestamp")
        .containsEntry("event_subtype", "string");
    assertThat(columns(table(run, "gold_event_stats"))).containsEntry("event_count", "bigint");
    assertThat(columns(table(run, "silver_uber_movements")))
        .containsEntry("date_range_start", "date")
        .containsEntry("mean_travel_time_seconds", "double");
  }

  @Test
  void partitionKeysAreThePartitionConstants() {
    LakeStack.Run run = LakeStack.run("dev");

    assertThat(partitionKeys(run, "silver_events"))
        .isEqualTo(LakeTable.SILVER_EVENTS.partitionColumns())
        .containsExactly("dt", "hour");
    assertThat(partitionKeys(run, "gold_events"))
        .isEqualTo(LakeTable.GOLD_EVENTS.partitionColumns());
    assertThat(partitionKeys(run, "gold_event_stats"))
        .isEqualTo(LakeTable.GOLD_EVENT_STATS.partitionColumns());
    assertThat(partitionKeys(run, "silver_uber_movements"))
        .isEqualTo(LakeTable.SILVER_UBER_MOVEMENTS.partitionColumns());
    assertThat(partitionKeys(run, "bronze_events")).containsExactly("arrival_hour");
  }

  @Test
  void projectionTemplatesMatchTheLakeLayout() {
    LakeStack.Run run = LakeStack.run("prod");
    String root = "s3://" + run.named("lake-prod-storage-bucket").state().get("bucket") + "/lake/";

    assertThat(template(run, "bronze_events")).isEqualTo(root + "bronze/events/${arrival_hour}/");
    assertThat(template(run, "silver_events"))
        .isEqualTo(root + "silver/events/dt=${dt}/hour=${hour}/");
    assertThat(template(run, "gold_events"))
        .isEqualTo(root + "gold/events/event_type=${event_type}/date=${date}/");
    assertThat(template(run, "gold_event_stats"))
        .isEqualTo(root + "gold/event_stats/date=${date}/");
    assertThat(template(run, "silver_uber_movements"))
        .isEqualTo(
            root + "silver/uber_movements/city=${city}/year=${year}/month=${month}/day=${day}/");
    assertThat(table(run, "silver_events").map("storageDescriptor").get("location"))
        .isEqualTo(root + "silver/events/");
  }

  @Test
  void projectionTypesFitThePartitionValues() {
    LakeStack.Run run = LakeStack.run("prod");

    assertThat(parameters(run, "bronze_events"))
        .containsEntry("projection.enabled", "true")
        .containsEntry("projection.arrival_hour.type", "date")
        .containsEntry("projection.arrival_hour.format", "yyyy/MM/dd/HH")
        .containsEntry("projection.arrival_hour.interval.unit", "HOURS");
    assertThat(parameters(run, "silver_events"))
        .containsEntry("projection.dt.type", "date")
        .containsEntry("projection.dt.format", "yyyy-MM-dd")
        .containsEntry("projection.hour.type", "integer")
        .containsEntry("projection.hour.range", "0,23")
        .containsEntry("projection.hour.digits", "2");
    assertThat(parameters(run, "gold_events"))
        .containsEntry("projection.event_type.type", "injected")
        .containsEntry("projection.date.format", "yyyy-MM-dd");
    assertThat(parameters(run, "silver_uber_movements"))
        .containsEntry("projection.city.type", "injected")
        .containsEntry("projection.month.digits", "2");
  }

  @Test
  void bronzeIsJsonReadLeniently_andTheRestIsParquet() {
    LakeStack.Run run = LakeStack.run("dev");

    Map<String, Object> bronzeSerde = serde(table(run, "bronze_events"));
    assertThat(bronzeSerde.get("serializationLibrary"))
        .isEqualTo("org.openx.data.jsonserde.JsonSerDe");
    assertThat(bronzeSerde.get("parameters")).isEqualTo(Map.of("ignore.malformed.json", "true"));
    assertThat(columns(table(run, "bronze_events")))
        .containsExactly(
            Map.entry("event_uuid", "string"),
            Map.entry("event_name", "string"),
            Map.entry("created_at", "string"));
    for (String parquet :
        List.of("silver_events", "gold_events", "gold_event_stats", "silver_uber_movements")) {
      assertThat(serde(table(run, parquet)).get("serializationLibrary"))
          .isEqualTo("org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe");
      assertThat(table(run, parquet).map("storageDescriptor").get("inputFormat"))
          .isEqualTo("org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat");
    }
  }

  @Test
  void athenaWorkgroupEnforcesEncryptedResultsAndAScanLimit() {
    for (String stack : List.of("dev", "prod")) {
      LakeStack.Run run = LakeStack.run(stack);
      LakeStack.Declared wg = run.named("lake-" + stack + "-catalog-workgroup");
      Map<String, Object> config = wg.map("configuration");
      @SuppressWarnings("unchecked")
      Map<String, Object> result = (Map<String, Object>) config.get("resultConfiguration");
      @SuppressWarnings("unchecked")
      Map<String, Object> encryption = (Map<String, Object>) result.get("encryptionConfiguration");

      assertThat(config).containsEntry("enforceWorkgroupConfiguration", true);
      assertThat(((Number) config.get("bytesScannedCutoffPerQuery")).longValue())
          .isEqualTo(Long.parseLong(run.config("lake:athenaBytesScannedCutoff")));
      assertThat(encryption)
          .containsEntry("encryptionOption", "SSE_KMS")
          .containsEntry(
              "kmsKeyArn", run.named("lake-" + stack + "-storage-key").state().get("arn"));
      assertThat((String) result.get("outputLocation"))
          .startsWith("s3://")
          .endsWith("/athena-results/");
    }
  }

  @Test
  void avroTypesMapToHiveTypes() {
    Schema s =
        SchemaBuilder.record("R")
            .fields()
            .requiredLong("l")
            .optionalInt("i")
            .name("d")
            .type(org.apache.avro.LogicalTypes.date().addToSchema(Schema.create(Schema.Type.INT)))
            .noDefault()
            .name("t")
            .type(
                org.apache.avro.LogicalTypes.timestampMicros()
                    .addToSchema(Schema.create(Schema.Type.LONG)))
            .noDefault()
            .optionalDouble("x")
            .requiredBoolean("b")
            .name("a")
            .type()
            .array()
            .items()
            .stringType()
            .noDefault()
            .endRecord();

    assertThat(GlueColumns.of(s))
        .extracting(GlueColumns.Column::type)
        .containsExactly(
            "bigint", "int", "date", "timestamp", "double", "boolean", "array<string>");
    Schema notNullable =
        Schema.createUnion(Schema.create(Schema.Type.STRING), Schema.create(Schema.Type.LONG));
    assertThatThrownBy(() -> GlueColumns.hiveType(notNullable))
        .isInstanceOf(IllegalArgumentException.class);
  }

  private static void assertColumns(LakeStack.Run run, String table, Schema schema) {
    assertThat(columns(table(run, table)).keySet())
        .containsExactlyElementsOf(schema.getFields().stream().map(Schema.Field::name).toList());
  }

  private static LakeStack.Declared table(LakeStack.Run run, String name) {
    return run.ofType(TABLE).stream()
        .filter(t -> t.string("name").equals(name))
        .findFirst()
        .orElseThrow();
  }

  @SuppressWarnings("unchecked")
  private static Map<String, String> columns(LakeStack.Declared table) {
    List<Map<String, Object>> cols =
        (List<Map<String, Object>>) table.map("storageDescriptor").get("columns");
    return cols.stream()
        .collect(
            Collectors.toMap(
                c -> (String) c.get("name"),
                c -> (String) c.get("type"),
                (a, b) -> a,
                java.util.LinkedHashMap::new));
  }

  @SuppressWarnings("unchecked")
  private static List<String> partitionKeys(LakeStack.Run run, String name) {
    return ((List<Map<String, Object>>) table(run, name).inputs().get("partitionKeys"))
        .stream().map(k -> (String) k.get("name")).toList();
  }

  @SuppressWarnings("unchecked")
  private static Map<String, String> parameters(LakeStack.Run run, String name) {
    return (Map<String, String>) table(run, name).inputs().get("parameters");
  }

  private static String template(LakeStack.Run run, String name) {
    return parameters(run, name).get("storage.location.template");
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> serde(LakeStack.Declared table) {
    return (Map<String, Object>) table.map("storageDescriptor").get("serDeInfo");
  }
}
