package io.medallion.lake.table;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.medallion.lake.layout.LakeLayout;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.DataFiles;
import org.apache.iceberg.HasTableOperations;
import org.apache.iceberg.Metrics;
import org.apache.iceberg.PartitionKey;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Table;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.io.FileAppender;
import org.apache.iceberg.io.OutputFile;
import org.apache.iceberg.parquet.Parquet;
import org.apache.iceberg.parquet.ParquetAvroWriter;
import org.apache.iceberg.types.Types;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LakeCatalogTest {
  @TempDir Path dir;

  private CatalogSettings localSettings() {
    return CatalogSettings.local(
        LakeLayout.at(dir.toString()),
        Optional.empty(),
        CatalogSettings.DEFAULT_NAMESPACE,
        Map.of());
  }

  @Test
  void createsEachTableOnFirstUseWhereTheDefinitionSaysAndLoadsItAfterwards() throws IOException {
    String uuid;
    try (LakeCatalog catalog = LakeCatalog.open(localSettings())) {
      for (LakeTable definition : LakeTable.values()) {
        Table table = catalog.table(definition);
        assertThat(table.location()).isEqualTo(dir + "/" + definition.relativeLocation());
        assertThat(table.spec().fields())
            .extracting(f -> table.schema().findColumnName(f.sourceId()))
            .containsExactlyElementsOf(definition.partitionColumns());
        assertThat(table.schema().columns())
            .extracting(Types.NestedField::name)
            .containsExactlyElementsOf(
                definition.schema().columns().stream().map(Types.NestedField::name).toList());
        assertThat(((HasTableOperations) table).operations().current().formatVersion())
            .isEqualTo(2);
        assertThat(table.properties()).containsEntry("write.parquet.compression-codec", "snappy");
      }
      uuid = catalog.table(LakeTable.SILVER_EVENTS).uuid().toString();
    }
    assertThat(dir.resolve(CatalogSettings.LOCAL_CATALOG_FILE)).isRegularFile();
    try (LakeCatalog again = LakeCatalog.open(localSettings())) {
      assertThat(again.table(LakeTable.SILVER_EVENTS).uuid().toString()).isEqualTo(uuid);
    }
  }

  @Test
  void namesAndPartitionsAreTheDataContract() {
    assertThat(LakeTable.values())
        .extracting(LakeTable::tableName)
        .containsExactly(
            "silver_events", "gold_events", "gold_event_stats", "silver_uber_movements");
    assertThat(LakeTable.GOLD_EVENTS.partitionColumns()).containsExactly("event_type", "date");
    assertThat(LakeTable.SILVER_UBER_MOVEMENTS.partitionColumns())
        .containsExactly("city", "year", "month", "day");
    assertThat(LakeTable.named("gold_event_stats")).isEqualTo(LakeTable.GOLD_EVENT_STATS);
    assertThatThrownBy(() -> LakeTable.named("gold_evnts"))
        .hasMessageContaining("no lake table named gold_evnts");
  }

  @Test
  void aTableMissingAColumnOfItsDefinitionGainsItAndOldFilesReadItAsNull() throws IOException {
    LakeTable definition = LakeTable.GOLD_EVENT_STATS;
    Schema older =
        new Schema(
            definition.schema().columns().stream()
                .filter(c -> !c.name().equals("duplicates_removed"))
                .toList());
    try (LakeCatalog catalog = LakeCatalog.open(localSettings())) {
      Table old =
          catalog
              .iceberg()
              .buildTable(definition.identifier(CatalogSettings.DEFAULT_NAMESPACE), older)
              .withPartitionSpec(
                  org.apache.iceberg.PartitionSpec.builderFor(older).identity("date").build())
              .withLocation(definition.location(LakeLayout.at(dir.toString())))
              .create();
      GenericRecord row = new GenericData.Record(LakeTable.avroSchema(definition, old.schema()));
      row.put("date", (int) LocalDate.parse("2026-01-02").toEpochDay());
      row.put("event_type", "lesson");
      row.put("event_subtype", null);
      row.put("event_count", 3L);
      row.put("distinct_events", 3L);
      row.put("first_created_at", 1_767_312_000_000_000L);
      row.put("last_created_at", 1_767_312_060_000_000L);
      old.newAppend().appendFile(writeAvro(old, List.of(row))).commit();

      Table evolved = catalog.table(definition);

      assertThat(evolved.schema().findField("duplicates_removed")).isNotNull();
      List<Record> rows = new ArrayList<>();
      try (CloseableIterable<Record> read = IcebergGenerics.read(evolved).build()) {
        read.forEach(rows::add);
      }
      assertThat(rows).hasSize(1);
      assertThat(rows.get(0).getField("event_count")).isEqualTo(3L);
      assertThat(rows.get(0).getField("duplicates_removed")).isNull();
    }
  }

  @Test
  void aTableLackingAColumnWritePropertyOfItsDefinitionGainsItAndKeepsTheOnesItHas()
      throws IOException {
    LakeTable definition = LakeTable.GOLD_EVENTS;
    String uuidDictionary = "write.parquet.dict-encoding-enabled.column.event_uuid";
    String createdAtDictionary = "write.parquet.dict-encoding-enabled.column.created_at";
    assertThat(definition.writeProperties())
        .containsEntry(uuidDictionary, "false")
        .containsEntry(createdAtDictionary, "false");
    try (LakeCatalog catalog = LakeCatalog.open(localSettings())) {
      // As an older lake created it: without the created_at property, and with the uuid's
      // dictionary switched back on by its owner.
      catalog
          .iceberg()
          .buildTable(definition.identifier(CatalogSettings.DEFAULT_NAMESPACE), definition.schema())
          .withPartitionSpec(definition.spec())
          .withLocation(definition.location(LakeLayout.at(dir.toString())))
          .withProperties(Map.of(uuidDictionary, "true"))
          .create();

      Table opened = catalog.table(definition);

      assertThat(opened.properties())
          .containsEntry(createdAtDictionary, "false")
          .containsEntry(uuidDictionary, "true");
    }
    try (LakeCatalog again = LakeCatalog.open(localSettings())) {
      assertThat(again.existing(definition).orElseThrow().properties())
          .containsEntry(createdAtDictionary, "false")
          .containsEntry(uuidDictionary, "true");
    }
  }

  @Test
  void anS3LakeNeedsAnExplicitLocalCatalogUri() {
    assertThatThrownBy(
            () ->
                CatalogSettings.local(
                    LakeLayout.at("s3://bucket/lake"), Optional.empty(), "lake", Map.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("--catalogUri");
    assertThatThrownBy(() -> CatalogSettings.glue(LakeLayout.at(dir.toString()), "lake", Map.of()))
        .hasMessageContaining("s3://");
    assertThatThrownBy(() -> CatalogSettings.Kind.parse("hive"))
        .hasMessageContaining("expected local or glue");
  }

  /** Writes Avro rows with Iceberg's Parquet writer (field ids) and returns the data file. */
  private static DataFile writeAvro(Table table, List<GenericRecord> rows) throws IOException {
    Path file = Files.createTempFile("rows", ".parquet");
    Files.delete(file);
    OutputFile out = table.io().newOutputFile(file.toString());
    FileAppender<GenericRecord> appender =
        Parquet.write(out)
            .schema(table.schema())
            .createWriterFunc(ParquetAvroWriter::buildWriter)
            .build();
    try (appender) {
      appender.addAll(rows);
    }
    Metrics metrics = appender.metrics();
    PartitionKey key = new PartitionKey(table.spec(), table.schema());
    key.set(0, rows.get(0).get("date"));
    return DataFiles.builder(table.spec())
        .withPath(file.toString())
        .withFormat("parquet")
        .withFileSizeInBytes(Files.size(file))
        .withMetrics(metrics)
        .withPartition(key)
        .build();
  }
}
