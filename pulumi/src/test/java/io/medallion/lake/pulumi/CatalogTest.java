package io.medallion.lake.pulumi;

import static org.assertj.core.api.Assertions.assertThat;

import io.medallion.lake.pulumi.GlueTables.IcebergTable;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CatalogTest {
  private static final String TABLE = "aws:glue/catalogTable:CatalogTable";
  private static final String DATABASE = "aws:glue/catalogDatabase:CatalogDatabase";

  /** The Iceberg tables of the data contract (DESIGN.md, "Names shared with the cloud"). */
  private static final List<String> ICEBERG_TABLES =
      List.of(
          "silver_events",
          "gold_events",
          "gold_event_stats",
          "silver_uber_movements",
          "gold_evt_*");

  @ParameterizedTest
  @ValueSource(strings = {"dev", "staging", "prod"})
  void pulumiDeclaresTheDatabaseAndOnlyTheBronzeTable(String stack) {
    LakeStack.Run run = LakeStack.run(stack);

    assertThat(run.ofType(DATABASE))
        .singleElement()
        .satisfies(d -> assertThat(d.string("name")).isEqualTo("lake_" + stack));
    // The silver and gold tables belong to the lake's Iceberg catalog, which creates them on first
    // use; a Glue table declared here would be a Hive table the catalog refuses to load.
    assertThat(run.ofType(TABLE))
        .singleElement()
        .satisfies(
            t -> {
              assertThat(t.string("name")).isEqualTo("bronze_events");
              assertThat(t.string("databaseName")).isEqualTo("lake_" + stack);
            });
  }

  @ParameterizedTest
  @ValueSource(strings = {"dev", "staging", "prod"})
  void noResourceUsesAnInjectedProjection(String stack) {
    for (LakeStack.Declared r : LakeStack.run(stack).resources()) {
      assertThat(r.inputs().toString()).as(r.name()).doesNotContain("injected");
    }
  }

  @Test
  void theIcebergTablesAreTheContractsAndLiveInTheirLayersFolders() {
    assertThat(GlueTables.ICEBERG)
        .extracting(IcebergTable::name)
        .containsExactlyElementsOf(ICEBERG_TABLES);
    // <layer>/<dataset> is named <layer>_<dataset>: silver/events is silver_events; a family's
    // folder gold/evt holds gold/evt/<name>, named gold_evt_<name>.
    for (IcebergTable t : GlueTables.ICEBERG) {
      assertThat(t.folder()).matches("(silver|gold)/[a-z_]+");
      assertThat(t.folder().replaceFirst("/", "_") + (t.isFamily() ? "_*" : ""))
          .isEqualTo(t.name());
      assertThat(t.prefix()).isEqualTo(t.folder() + "/");
    }
    assertThat(GlueTables.TYPED_EVENTS.isFamily()).isTrue();
    assertThat(GlueTables.TYPED_EVENTS.prefix()).isEqualTo("gold/evt/");
  }

  @Test
  void bronzeIsProjectedOnTheArrivalHourOfTheFirehoseLayout() {
    LakeStack.Run run = LakeStack.run("prod");
    String root = "s3://" + run.named("lake-prod-storage-bucket").state().get("bucket") + "/lake/";
    LakeStack.Declared bronze = run.named("lake-prod-catalog-bronze_events");

    assertThat(parameters(bronze))
        .containsEntry("projection.enabled", "true")
        .containsEntry("projection.arrival_hour.type", "date")
        .containsEntry("projection.arrival_hour.format", "yyyy/MM/dd/HH")
        .containsEntry("projection.arrival_hour.interval.unit", "HOURS")
        .containsEntry("storage.location.template", root + "bronze/events/${arrival_hour}/");
    assertThat(bronze.map("storageDescriptor").get("location")).isEqualTo(root + "bronze/events/");
    assertThat(partitionKeys(bronze)).containsExactly("arrival_hour");
  }

  @Test
  void bronzeIsJsonReadLeniently() {
    LakeStack.Declared bronze = LakeStack.run("dev").named("lake-dev-catalog-bronze_events");

    @SuppressWarnings("unchecked")
    Map<String, Object> serde =
        (Map<String, Object>) bronze.map("storageDescriptor").get("serDeInfo");
    assertThat(serde.get("serializationLibrary")).isEqualTo("org.openx.data.jsonserde.JsonSerDe");
    assertThat(serde.get("parameters")).isEqualTo(Map.of("ignore.malformed.json", "true"));
    assertThat(columns(bronze))
        .containsExactly(
            Map.entry("event_uuid", "string"),
            Map.entry("event_name", "string"),
            Map.entry("created_at", "string"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"dev", "staging", "prod"})
  void athenaWorkgroupRunsEngine3WithEncryptedResultsAndAScanLimit(String stack) {
    LakeStack.Run run = LakeStack.run(stack);
    LakeStack.Declared wg = run.named("lake-" + stack + "-catalog-workgroup");
    Map<String, Object> config = wg.map("configuration");
    @SuppressWarnings("unchecked")
    Map<String, Object> engine = (Map<String, Object>) config.get("engineVersion");
    @SuppressWarnings("unchecked")
    Map<String, Object> result = (Map<String, Object>) config.get("resultConfiguration");
    @SuppressWarnings("unchecked")
    Map<String, Object> encryption = (Map<String, Object>) result.get("encryptionConfiguration");

    assertThat(engine).containsEntry("selectedEngineVersion", "Athena engine version 3");
    assertThat(config).containsEntry("enforceWorkgroupConfiguration", true);
    assertThat(((Number) config.get("bytesScannedCutoffPerQuery")).longValue())
        .isEqualTo(Long.parseLong(run.config("lake:athenaBytesScannedCutoff")));
    assertThat(encryption)
        .containsEntry("encryptionOption", "SSE_KMS")
        .containsEntry("kmsKeyArn", run.named("lake-" + stack + "-storage-key").state().get("arn"));
    assertThat((String) result.get("outputLocation"))
        .startsWith("s3://")
        .endsWith("/athena-results/");
  }

  @Test
  void theReaderPolicyIsExportedForUsersToAttach() {
    LakeStack.Run run = LakeStack.run("staging");
    LakeStack.Declared reader = run.named("lake-staging-catalog-reader-policy");

    assertThat(reader.type()).isEqualTo("aws:iam/policy:Policy");
    assertThat(reader.string("name")).isEqualTo("lake-staging-reader");
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
  private static List<String> partitionKeys(LakeStack.Declared table) {
    return ((List<Map<String, Object>>) table.inputs().get("partitionKeys"))
        .stream().map(k -> (String) k.get("name")).toList();
  }

  @SuppressWarnings("unchecked")
  private static Map<String, String> parameters(LakeStack.Declared table) {
    return (Map<String, String>) table.inputs().get("parameters");
  }
}
