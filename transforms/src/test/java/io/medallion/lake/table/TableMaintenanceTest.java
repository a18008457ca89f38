package io.medallion.lake.table;

import static io.medallion.lake.testing.IcebergFixtures.promotion;
import static io.medallion.lake.testing.IcebergFixtures.replacePartitions;
import static io.medallion.lake.testing.IcebergFixtures.silverEvent;
import static io.medallion.lake.testing.IcebergFixtures.writeFile;
import static org.apache.iceberg.types.Types.NestedField.optional;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.medallion.lake.layout.LakeLayout;
import io.medallion.lake.testing.IcebergFixtures;
import io.medallion.lake.testing.ReadersAgree;
import io.medallion.lake.testing.RowDeleteFixtures;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.apache.beam.sdk.io.LocalResources;
import org.apache.beam.sdk.io.fs.MatchResult;
import org.apache.iceberg.AppendFiles;
import org.apache.iceberg.FileScanTask;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.data.GenericRecord;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.types.Types;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TableMaintenanceTest {
  private static final LocalDate DAY = LocalDate.parse("2026-01-02");
  private static final String HOUR_3 = "dt=2026-01-02/hour=3";
  private static final Instant OLD = Instant.now().minus(Duration.ofDays(5));

  @TempDir Path lake;
  private LakeCatalog catalog;
  private Table table;

  @BeforeEach
  void open() {
    catalog = IcebergFixtures.localCatalog(lake);
    table = catalog.table(LakeTable.SILVER_EVENTS);
  }

  @AfterEach
  void close() throws IOException {
    catalog.close();
  }

  private static TableMaintenance.Settings settings(Instant now, int retainLast, boolean dryRun) {
    return new TableMaintenance.Settings(
        now,
        Duration.ofDays(7),
        retainLast,
        Duration.ofDays(3),
        false,
        8,
        128L * 1024 * 1024,
        dryRun,
        "maintain-test");
  }

  @Test
  void expiresSnapshotsOlderThanTheRetentionKeepingTheLastOnesAndDeletesTheirFiles()
      throws Exception {
    Snapshot first = promote("run-1", "a", "b");
    promote("run-2", "c");
    Snapshot third = promote("run-3", "d", "e");
    List<Path> filesBefore = parquetFiles();
    Instant tenDaysLater = Instant.now().plus(Duration.ofDays(10));

    TableMaintenance.Report dryRun =
        TableMaintenance.maintain(LakeTable.SILVER_EVENTS, table, settings(tenDaysLater, 2, true));

    assertThat(dryRun.expiredSnapshots()).containsExactly(first.snapshotId());
    assertThat(dryRun.expiredFiles())
        .extracting(f -> f.location())
        .anyMatch(f -> f.endsWith(".parquet"));
    assertThat(parquetFiles()).isEqualTo(filesBefore);
    assertThat(TableHistory.of(table)).hasSize(3);

    TableMaintenance.Report report =
        TableMaintenance.maintain(LakeTable.SILVER_EVENTS, table, settings(tenDaysLater, 1, false));

    assertThat(report.expiredSnapshots()).hasSize(2).doesNotContain(third.snapshotId());
    assertThat(TableHistory.of(table))
        .extracting(TableHistory.Entry::snapshotId)
        .containsExactly(third.snapshotId());
    assertThat(parquetFiles()).hasSize(1);
    // Iceberg's incremental clean-up deletes run-1's file; run-2's, deleted by the snapshot kept,
    // is left to the orphan step (here old enough at once, ten days on).
    List<TableMaintenance.RemovedFile> removed = new ArrayList<>(report.expiredFiles());
    removed.addAll(report.orphans());
    assertThat(removed)
        .filteredOn(f -> f.location().endsWith(".parquet"))
        .hasSize(2)
        .allSatisfy(f -> assertThat(f.bytes()).isPositive());
    assertThat(report.expiredFiles())
        .filteredOn(f -> f.location().endsWith(".parquet"))
        .isNotEmpty();
    assertThat(uuids()).containsExactlyInAnyOrder("d", "e");
    ReadersAgree.assertReadersAgree(catalog, LakeTable.SILVER_EVENTS);
  }

  /** An orphan whose file system reports no last-modified time (0) is kept, counted as young. */
  @Test
  void anOrphanWithNoLastModifiedTimeIsNeverTakenForOld() throws Exception {
    promote("run-1", "a");
    Path location = lake.resolve(LakeTable.SILVER_EVENTS.relativeLocation());
    ageEverything(location);
    Path partition = parquetFiles().get(0).getParent();
    Path unknown = write(partition.resolve("no-time-00001.parquet"), Instant.EPOCH);
    Path old = write(partition.resolve("dead-run-00001.parquet"), OLD);

    TableMaintenance.Report report =
        TableMaintenance.maintain(
            LakeTable.SILVER_EVENTS, table, settings(Instant.now(), 1, false));

    assertThat(report.orphans())
        .extracting(f -> TableMaintenance.normalise(f.location()))
        .containsExactly(old.toString());
    assertThat(report.youngOrphans()).isEqualTo(1);
    assertThat(unknown).exists();
    assertThat(old).doesNotExist();
  }

  @Test
  void nothingYoungerThanTheRetentionIsExpired() {
    promote("run-1", "a");
    promote("run-2", "b");

    TableMaintenance.Report report =
        TableMaintenance.maintain(
            LakeTable.SILVER_EVENTS, table, settings(Instant.now(), 1, false));

    assertThat(report.expiredSnapshots()).isEmpty();
    assertThat(TableHistory.of(table)).hasSize(2);
  }

  @Test
  void removesAnOldOrphanButNotAReferencedFileNorAYoungOrphanNorAFileOutsideTheTable()
      throws Exception {
    promote("run-1", "a", "b");
    Path location = lake.resolve(LakeTable.SILVER_EVENTS.relativeLocation());
    ageEverything(location);
    Path partition = parquetFiles().get(0).getParent();
    Path oldOrphan = write(partition.resolve("dead-run-00001.parquet"), OLD);
    Path oldMetadataOrphan = write(location.resolve("metadata/snap-dead.avro"), OLD);
    Path youngOrphan = write(partition.resolve("running-promotion-00001.parquet"), Instant.now());
    Path besideTheTable =
        write(lake.resolve(LakeTable.SILVER_EVENTS.relativeLocation() + "_old/x.parquet"), OLD);
    List<Path> referenced = new ArrayList<>(parquetFiles());
    referenced.removeAll(List.of(oldOrphan, youngOrphan));

    TableMaintenance.Report report =
        TableMaintenance.maintain(
            LakeTable.SILVER_EVENTS, table, settings(Instant.now(), 1, false));

    assertThat(report.orphans())
        .extracting(f -> TableMaintenance.normalise(f.location()))
        .containsExactlyInAnyOrder(oldOrphan.toString(), oldMetadataOrphan.toString());
    assertThat(report.youngOrphans()).isEqualTo(1);
    assertThat(report.warnings()).isEmpty();
    assertThat(oldOrphan).doesNotExist();
    assertThat(oldMetadataOrphan).doesNotExist();
    assertThat(youngOrphan).exists();
    assertThat(besideTheTable).exists();
    assertThat(referenced).hasSize(1).allSatisfy(f -> assertThat(f).exists());
    assertThat(uuids()).containsExactlyInAnyOrder("a", "b");
    ReadersAgree.assertReadersAgree(catalog, LakeTable.SILVER_EVENTS);
    try (LakeCatalog again = IcebergFixtures.localCatalog(lake)) {
      assertThat(IcebergFixtures.read(again.table(LakeTable.SILVER_EVENTS))).hasSize(2);
    }
  }

  @Test
  void compactsAPartitionOfSmallFilesIntoOneWithTheSameRowsAndLeavesTheOthers() throws Exception {
    append(
        List.of(
            List.of(event("a", 3), event("b", 3)),
            List.of(event("c", 3)),
            List.of(event("d", 3), event("e", 3))),
        List.of(List.of(event("f", 4))));
    Snapshot before = table.currentSnapshot();
    List<String> rowsBefore = icebergRows();
    ReadersAgree.assertReadersAgree(catalog, LakeTable.SILVER_EVENTS);

    TableMaintenance.Report report =
        TableMaintenance.maintain(
            LakeTable.SILVER_EVENTS, table, settings(Instant.now(), 5, false));

    assertThat(report.compactions()).hasSize(1);
    TableMaintenance.Compaction compaction = report.compactions().get(0);
    assertThat(compaction.partition()).isEqualTo(HOUR_3);
    assertThat(compaction.filesBefore()).isEqualTo(3);
    assertThat(compaction.filesAfter()).isEqualTo(1);
    assertThat(compaction.records()).isEqualTo(5);
    assertThat(compaction.skipped()).isEmpty();
    assertThat(currentTasks())
        .extracting(t -> TableMaintenance.partitionPath(table, t.file()))
        .containsExactlyInAnyOrder(HOUR_3, "dt=2026-01-02/hour=4");
    assertThat(icebergRows()).containsExactlyInAnyOrderElementsOf(rowsBefore);
    assertThat(ReadersAgree.assertReadersAgree(catalog, LakeTable.SILVER_EVENTS)).isEqualTo(6);
    assertThat(
            ReadersAgree.assertReadersAgree(
                catalog, LakeTable.SILVER_EVENTS, Optional.of(before.snapshotId())))
        .isEqualTo(6);
    TableHistory.Entry last = TableHistory.of(table).get(TableHistory.of(table).size() - 1);
    assertThat(last.operation()).isEqualTo("replace");
    assertThat(last.unit()).isEqualTo(HOUR_3);
    assertThat(last.runId()).isEqualTo("maintain-test");

    TableMaintenance.Report again =
        TableMaintenance.maintain(
            LakeTable.SILVER_EVENTS, table, settings(Instant.now(), 5, false));
    assertThat(again.compactions()).isEmpty();
  }

  @Test
  void compactsATypedTablesStructsAndListsAndAColumnItsOlderFilesLack() throws Exception {
    LakeTable definition = TableFamily.TYPED_EVENTS.member("gold_evt_quiz_viewed");
    Table typed = catalog.table(definition);
    typed
        .updateSchema()
        .addColumn("ctx", Types.StructType.of(optional(1, "screen", Types.StringType.get())))
        .addColumn("tags", Types.ListType.ofOptional(2, Types.StringType.get()))
        .commit();
    AppendFiles first = typed.newAppend();
    first.appendFile(writeFile(typed, List.of(typedEvent(typed, "a", "s1", List.of("x")))));
    first.appendFile(writeFile(typed, List.of(typedEvent(typed, "b", null, List.of()))));
    first.commit();
    typed.updateSchema().addColumn("attempts", Types.LongType.get()).commit();
    Record c = typedEvent(typed, "c", "s3", List.of("y", "z"));
    c.setField("attempts", 2L);
    typed.newAppend().appendFile(writeFile(typed, List.of(c))).commit();
    List<String> before =
        ReadersAgree.icebergRows(
            typed, Optional.of(typed.currentSnapshot().snapshotId()), typed.schema());

    TableMaintenance.Report report =
        TableMaintenance.maintain(definition, typed, settings(Instant.now(), 5, false));

    assertThat(report.compactions()).hasSize(1);
    assertThat(report.compactions().get(0).filesBefore()).isEqualTo(3);
    assertThat(report.compactions().get(0).filesAfter()).isEqualTo(1);
    assertThat(report.compactions().get(0).skipped()).isEmpty();
    assertThat(ReadersAgree.assertReadersAgree(catalog, definition)).isEqualTo(3);
    assertThat(
            ReadersAgree.icebergRows(
                typed, Optional.of(typed.currentSnapshot().snapshotId()), typed.schema()))
        .containsExactlyInAnyOrderElementsOf(before)
        .anyMatch(r -> r.contains("ctx={screen=s1}") && r.contains("attempts=NULL"));
  }

  private static Record typedEvent(Table typed, String uuid, String screen, List<String> tags) {
    OffsetDateTime created = DAY.atTime(3, 0).atOffset(ZoneOffset.UTC);
    Record row = GenericRecord.create(typed.schema());
    row.setField("event_uuid", uuid);
    row.setField("event_name", "quiz:viewed");
    row.setField("created_at", created);
    row.setField("created_datetime", created.toInstant().toString());
    row.setField("date", DAY);
    Record ctx = GenericRecord.create(typed.schema().findField("ctx").type().asStructType());
    ctx.setField("screen", screen);
    row.setField("ctx", ctx);
    row.setField("tags", tags);
    return row;
  }

  @Test
  void aCompactionRacingAConcurrentOverwriteOfThePartitionFailsCleanly() throws Exception {
    append(List.of(List.of(event("a", 3)), List.of(event("b", 3)), List.of(event("c", 3))));
    Snapshot start = table.currentSnapshot();
    List<FileScanTask> files = currentTasks();
    try (LakeCatalog other = IcebergFixtures.localCatalog(lake)) {
      Table concurrent = other.table(LakeTable.SILVER_EVENTS);
      replacePartitions(
          concurrent,
          List.of(event("x", 3), event("y", 3)),
          promotion("dt=2026-01-02/hour=03", "run-2", 2, 2, 0, 0));
    }
    long filesOnDisk = parquetFiles().size();

    TableMaintenance.Compaction compaction =
        TableMaintenance.rewrite(
            LakeTable.SILVER_EVENTS,
            table,
            start,
            HOUR_3,
            files,
            0,
            settings(Instant.now(), 5, false));

    assertThat(compaction.skipped())
        .hasValueSatisfying(why -> assertThat(why).startsWith("a concurrent commit changed it"));
    table.refresh();
    assertThat(uuids()).containsExactlyInAnyOrder("x", "y");
    assertThat(parquetFiles()).hasSize((int) filesOnDisk);
    assertThat(TableHistory.of(table).get(TableHistory.of(table).size() - 1).runId())
        .isEqualTo("run-2");
    ReadersAgree.assertReadersAgree(catalog, LakeTable.SILVER_EVENTS);
  }

  @Test
  void aCompactionRacingAConcurrentRowDeleteOfOneOfItsFilesFailsCleanly() throws Exception {
    append(List.of(List.of(event("a", 3)), List.of(event("b", 3))));
    Snapshot start = table.currentSnapshot();
    List<FileScanTask> files = currentTasks();
    // Another engine deletes a row of a file the compaction is rewriting, after it read them.
    RowDeleteFixtures.deletePositions(table, RowDeleteFixtures.find(table, "event_uuid", "a"));
    long filesOnDisk = parquetFiles().size();

    TableMaintenance.Compaction compaction =
        TableMaintenance.rewrite(
            LakeTable.SILVER_EVENTS,
            table,
            start,
            HOUR_3,
            files,
            0,
            settings(Instant.now(), 5, false));

    assertThat(compaction.skipped())
        .hasValueSatisfying(why -> assertThat(why).startsWith("a concurrent commit changed it"));
    table.refresh();
    assertThat(uuids()).containsExactly("b");
    assertThat(parquetFiles()).hasSize((int) filesOnDisk);
  }

  @Test
  void deleteFilesAreReferencedFilesNotOrphans() throws Exception {
    append(List.of(List.of(event("a", 3), event("b", 3))));
    RowDeleteFixtures.deletePositions(table, RowDeleteFixtures.find(table, "event_uuid", "a"));
    RowDeleteFixtures.deleteEqual(
        table, currentTasks().get(0).file().partition(), "event_uuid", List.of("b"));
    long filesOnDisk = parquetFiles().size();
    // Every file counts as old enough to be an orphan.
    TableMaintenance.Settings settings =
        new TableMaintenance.Settings(
            Instant.now().plus(Duration.ofDays(1)),
            Duration.ofDays(7),
            5,
            Duration.ZERO,
            true,
            8,
            128L * 1024 * 1024,
            false,
            "maintain-test");
    List<TableMaintenance.RemovedFile> removed = new ArrayList<>();

    TableMaintenance.removeOrphans(table, settings, removed, new ArrayList<>());

    assertThat(removed).isEmpty();
    assertThat(parquetFiles()).hasSize((int) filesOnDisk).hasSize(3);
    assertThat(uuids()).isEmpty();
  }

  @Test
  void compactsAPartitionWithDeletesEvenASingleFileAndRemovesItsDeleteFiles() throws Exception {
    append(List.of(List.of(event("a", 3), event("b", 3), event("c", 3))));
    RowDeleteFixtures.deletePositions(table, RowDeleteFixtures.find(table, "event_uuid", "a"));
    RowDeleteFixtures.deleteEqual(
        table, currentTasks().get(0).file().partition(), "event_uuid", List.of("c"));
    // Appended after the equality delete: it does not apply to this c.
    append(List.of(List.of(event("c", 3))));

    List<TableMaintenance.Compaction> compactions =
        TableMaintenance.compact(LakeTable.SILVER_EVENTS, table, settings(Instant.now(), 5, false));

    assertThat(compactions)
        .singleElement()
        .satisfies(
            c -> {
              assertThat(c.skipped()).isEmpty();
              assertThat(c.filesBefore()).isEqualTo(2);
              assertThat(c.filesAfter()).isEqualTo(1);
              assertThat(c.deleteFiles()).isEqualTo(2);
              assertThat(c.rowsDeleted()).isEqualTo(2);
              assertThat(c.records()).isEqualTo(2);
            });
    table.refresh();
    assertThat(uuids()).containsExactlyInAnyOrder("b", "c");
    assertThat(currentTasks()).singleElement().satisfies(t -> assertThat(t.deletes()).isEmpty());
    assertThat(table.currentSnapshot().summary().get("total-delete-files")).isEqualTo("0");
    ReadersAgree.assertReadersAgree(catalog, LakeTable.SILVER_EVENTS);
  }

  @Test
  void aDryRunListsWhatItWouldDoAndChangesNothing() throws Exception {
    append(List.of(List.of(event("a", 3)), List.of(event("b", 3))));
    Path location = lake.resolve(LakeTable.SILVER_EVENTS.relativeLocation());
    Path orphan = write(location.resolve("data/dead-run-00001.parquet"), OLD);
    List<Path> filesBefore = allFiles(location);
    long snapshot = table.currentSnapshot().snapshotId();

    TableMaintenance.Report report =
        TableMaintenance.maintain(LakeTable.SILVER_EVENTS, table, settings(Instant.now(), 5, true));

    assertThat(report.compactions())
        .singleElement()
        .satisfies(c -> assertThat(c.filesBefore()).isEqualTo(2))
        .satisfies(c -> assertThat(c.filesAfter()).isEqualTo(1));
    assertThat(report.orphans())
        .extracting(f -> TableMaintenance.normalise(f.location()))
        .containsExactly(orphan.toString());
    assertThat(allFiles(location)).isEqualTo(filesBefore);
    table.refresh();
    assertThat(table.currentSnapshot().snapshotId()).isEqualTo(snapshot);
  }

  @Test
  void removesStagingFoldersOlderThanTheOrphanAgeOnly() throws Exception {
    Path old = write(lake.resolve("_tmp/run-dead/silver/a.parquet"), OLD);
    write(lake.resolve("_tmp/run-dead/b.jsonl"), OLD);
    Path young = write(lake.resolve("_tmp/run-live/a.parquet"), Instant.now());
    write(lake.resolve("_tmp/run-live/b.parquet"), OLD);

    TableMaintenance.StagingReport report =
        TableMaintenance.cleanStaging(
            LakeLayout.at(lake.toString()), settings(Instant.now(), 5, false));

    assertThat(report.folders()).singleElement().asString().endsWith("_tmp/run-dead");
    assertThat(report.files()).hasSize(2);
    assertThat(report.youngFolders()).isEqualTo(1);
    assertThat(old).doesNotExist();
    assertThat(lake.resolve("_tmp/run-dead")).doesNotExist();
    assertThat(young).exists();
    assertThat(lake.resolve("_tmp/run-live/b.parquet")).exists();
  }

  @Test
  void anOrphanAgeBelowAnHourNeedsForceAndOtherSettingsAreChecked() {
    assertThatThrownBy(
            () ->
                new TableMaintenance.Settings(
                    Instant.now(),
                    Duration.ofDays(7),
                    5,
                    Duration.ofMinutes(10),
                    false,
                    8,
                    1,
                    false,
                    "r"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("--orphanAge: PT10M is below PT1H");
    assertThat(
            new TableMaintenance.Settings(
                    Instant.now(),
                    Duration.ofDays(7),
                    5,
                    Duration.ofMinutes(10),
                    true,
                    8,
                    1,
                    false,
                    "r")
                .orphanAge())
        .isEqualTo(Duration.ofMinutes(10));
    assertThatThrownBy(
            () ->
                new TableMaintenance.Settings(
                    Instant.now(),
                    Duration.ofDays(7),
                    0,
                    Duration.ofDays(3),
                    false,
                    8,
                    1,
                    false,
                    "r"))
        .hasMessage("--retainLast: must be at least 1, got 0");
  }

  // ---- helpers ----

  private Record event(String uuid, int hour) {
    return silverEvent(table, uuid, "lesson:started", DAY, hour, uuid.charAt(0) % 60);
  }

  private Snapshot promote(String run, String... uuids) {
    List<Record> rows = new ArrayList<>();
    for (String uuid : uuids) {
      rows.add(event(uuid, 3));
    }
    return replacePartitions(table, rows, promotion("dt=2026-01-02/hour=03", run, 1, 1, 0, 0));
  }

  /** One append of one data file per list of rows. */
  @SafeVarargs
  private void append(List<List<Record>>... partitions) {
    AppendFiles append = table.newAppend();
    for (List<List<Record>> files : partitions) {
      files.forEach(rows -> append.appendFile(writeFile(table, rows)));
    }
    append.commit();
    table.refresh();
  }

  private List<FileScanTask> currentTasks() throws IOException {
    table.refresh();
    List<FileScanTask> files = new ArrayList<>();
    try (CloseableIterable<FileScanTask> tasks = table.newScan().planFiles()) {
      tasks.forEach(files::add);
    }
    return files;
  }

  private List<String> uuids() {
    return IcebergFixtures.read(table).stream()
        .map(r -> (String) r.getField("event_uuid"))
        .toList();
  }

  private List<String> icebergRows() {
    table.refresh();
    return ReadersAgree.icebergRows(
        table, Optional.of(table.currentSnapshot().snapshotId()), table.schema());
  }

  private List<Path> parquetFiles() throws IOException {
    try (Stream<Path> files =
        Files.walk(lake.resolve(LakeTable.SILVER_EVENTS.relativeLocation()))) {
      return files.filter(p -> p.toString().endsWith(".parquet")).sorted().toList();
    }
  }

  private static List<Path> allFiles(Path dir) throws IOException {
    try (Stream<Path> files = Files.walk(dir)) {
      return files.filter(Files::isRegularFile).sorted().toList();
    }
  }

  private static void ageEverything(Path dir) throws IOException {
    for (Path file : allFiles(dir)) {
      Files.setLastModifiedTime(file, FileTime.from(OLD));
    }
  }

  private static Path write(Path file, Instant modified) throws IOException {
    Files.createDirectories(file.getParent());
    Files.writeString(file, "not referenced by any snapshot");
    Files.setLastModifiedTime(file, FileTime.from(modified));
    return file;
  }

  /** A staged file is old only when its file system says when it was last modified, and early. */
  @Test
  void aStagedFileWithNoLastModifiedTimeIsNeverTakenForOld() {
    long cutoff = Instant.parse("2026-01-02T00:00:00Z").toEpochMilli();
    MatchResult.Metadata old = staged("old", cutoff - 1);
    MatchResult.Metadata young = staged("young", cutoff);
    MatchResult.Metadata unknown = staged("unknown", 0);

    assertThat(TableMaintenance.allOlderThan(List.of(old), cutoff)).isTrue();
    assertThat(TableMaintenance.allOlderThan(List.of(old, young), cutoff)).isFalse();
    assertThat(TableMaintenance.allOlderThan(List.of(old, unknown), cutoff)).isFalse();
    assertThat(TableMaintenance.allOlderThan(List.of(unknown), cutoff)).isFalse();
  }

  private MatchResult.Metadata staged(String name, long lastModifiedMillis) {
    return MatchResult.Metadata.builder()
        .setResourceId(LocalResources.fromFile(lake.resolve(name).toFile(), false))
        .setSizeBytes(1)
        .setIsReadSeekEfficient(true)
        .setLastModifiedMillis(lastModifiedMillis)
        .build();
  }
}
