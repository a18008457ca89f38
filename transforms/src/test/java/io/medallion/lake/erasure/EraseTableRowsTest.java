package io.medallion.lake.erasure;

import static org.assertj.core.api.Assertions.assertThat;

import io.medallion.lake.table.LakeCatalog;
import io.medallion.lake.table.LakeTable;
import io.medallion.lake.testing.IcebergFixtures;
import io.medallion.lake.testing.LakeTables;
import io.medallion.lake.testing.TestPipelines;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.KV;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.DeleteFile;
import org.apache.iceberg.FileFormat;
import org.apache.iceberg.FileScanTask;
import org.apache.iceberg.Table;
import org.apache.iceberg.data.GenericFileWriterFactory;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.deletes.EqualityDeleteWriter;
import org.apache.iceberg.deletes.PositionDelete;
import org.apache.iceberg.deletes.PositionDeleteWriter;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.io.OutputFileFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link EraseTableRows} on a {@code silver_events} table that another engine changed with
 * row-level deletes (as Athena's {@code DELETE} and Spark's merge-on-read write them): a position
 * delete hides a row of a file that holds the subject, an equality delete by {@code event_uuid}
 * hides a row of another partition. The erasure applies them: what they deleted stays deleted, the
 * position delete file goes with the file it targeted, and a delete file that itself holds a
 * subject's value makes the files it applies to rewritten and goes too.
 */
class EraseTableRowsTest {
  private static final LocalDate DT = LocalDate.parse("2026-03-01");
  private static final Map<String, Map<String, Long>> COUNTS = new ConcurrentHashMap<>();

  @TempDir Path lake;

  private LakeCatalog catalog;
  private Table table;
  private DataFile hour10;
  private DeleteFile positionDelete;
  private DeleteFile equalityDelete;

  @BeforeEach
  void tableWithRowLevelDeletes() throws IOException {
    catalog = IcebergFixtures.localCatalog(lake);
    table = catalog.table(LakeTable.SILVER_EVENTS);
    List<Record> ten =
        List.of(
            event("e1", 10, 1, "u-42"),
            event("e2", 10, 2, "u-7"),
            event("e3", 10, 3, "u-7"),
            event("e4", 10, 4, "u-9"));
    List<Record> eleven = List.of(event("e5", 11, 5, "u-9"), event("e6", 11, 6, "u-8"));
    List<Record> all = new ArrayList<>(ten);
    all.addAll(eleven);
    IcebergFixtures.replacePartitions(table, all, Map.of());
    hour10 = fileOf(10);
    positionDelete = positionDelete(hour10, 1); // e2
    equalityDelete = equalityDelete(eleven.get(1)); // e6, by event_uuid
    table.newRowDelta().addDeletes(positionDelete).addDeletes(equalityDelete).commit();
    table.refresh();
    assertThat(uuids()).containsExactly("e1", "e3", "e4", "e5");
  }

  @AfterEach
  void close() throws IOException {
    catalog.close();
  }

  @Test
  void appliesTheDeletesItFindsAndDropsThoseOfTheReplacedFile() throws IOException {
    Subjects subjects = new Subjects("user_id", Set.of("u-42"));

    Map<String, Long> dry = erase(subjects, "dry", true);
    Map<String, Long> done = erase(subjects, "erase1", false);

    assertThat(done)
        .containsEntry("silver_events.files_read", 2L)
        .containsEntry("silver_events.files_rewritten", 1L)
        .containsEntry("silver_events.rows_removed", 1L)
        .containsEntry("silver_events.created_on.2026-03-01", 1L)
        .isEqualTo(dry);
    assertThat(uuids()).containsExactly("e3", "e4", "e5");
    List<String> deletes = currentDeleteFiles();
    assertThat(deletes).containsExactly(equalityDelete.location());
    assertThat(currentDataFiles()).doesNotContain(hour10.location());
    assertThat(erase(subjects, "erase2", false))
        .containsEntry("silver_events.files_rewritten", 0L)
        .containsEntry("silver_events.rows_removed", 0L);
  }

  @Test
  void aDeleteFileHoldingTheValueIsAppliedAndDropped() throws IOException {
    // The equality delete holds "e6", the value an erasure by event_uuid names.
    Subjects subjects = new Subjects("event_uuid", Set.of("e6"));

    Map<String, Long> done = erase(subjects, "erase1", false);

    // e6 was already deleted: no live row removed, but its partition's file is rewritten.
    assertThat(done)
        .containsEntry("silver_events.files_rewritten", 1L)
        .containsEntry("silver_events.rows_removed", 0L);
    assertThat(uuids()).containsExactly("e1", "e3", "e4", "e5");
    assertThat(currentDeleteFiles()).containsExactly(positionDelete.location());
    for (String file : currentDataFiles()) {
      assertThat(ParquetValues.holdsSubjects(table.io().newInputFile(file), subjects))
          .as(file)
          .isFalse();
    }
  }

  private Map<String, Long> erase(Subjects subjects, String run, boolean dryRun) {
    TestPipeline p = TestPipelines.create();
    p.apply(
            "Erase",
            EraseTableRows.of(LakeTables.catalog(lake), "silver_events", subjects, run)
                .dryRun(dryRun))
        .apply("Collect", ParDo.of(new CollectFn(run)));
    COUNTS.remove(run);
    TestPipelines.run(p);
    table.refresh();
    return new TreeMap<>(COUNTS.getOrDefault(run, Map.of()));
  }

  static final class CollectFn extends DoFn<KV<String, Long>, Void> {
    private final String run;

    CollectFn(String run) {
      this.run = run;
    }

    @ProcessElement
    public void process(@Element KV<String, Long> count) {
      COUNTS
          .computeIfAbsent(run, r -> new ConcurrentHashMap<>())
          .merge(count.getKey(), count.getValue(), Long::sum);
    }
  }

  private Record event(String uuid, int hour, int minute, String user) {
    Record row = IcebergFixtures.silverEvent(table, uuid, "quiz:completed", DT, hour, minute);
    row.setField("payload", "{\"user_id\":\"" + user + "\",\"n\":" + minute + "}");
    return row;
  }

  private List<String> uuids() {
    return IcebergFixtures.read(table).stream()
        .map(r -> (String) r.getField("event_uuid"))
        .sorted()
        .toList();
  }

  private DataFile fileOf(int hour) throws IOException {
    try (CloseableIterable<FileScanTask> tasks = table.newScan().planFiles()) {
      for (FileScanTask task : tasks) {
        if (task.file().partition().get(1, Integer.class) == hour) {
          return task.file();
        }
      }
    }
    throw new AssertionError("no file of hour " + hour);
  }

  private List<String> currentDataFiles() throws IOException {
    List<String> files = new ArrayList<>();
    try (CloseableIterable<FileScanTask> tasks = table.newScan().planFiles()) {
      tasks.forEach(t -> files.add(t.file().location()));
    }
    return files;
  }

  private List<String> currentDeleteFiles() throws IOException {
    List<String> files = new ArrayList<>();
    try (CloseableIterable<FileScanTask> tasks = table.newScan().planFiles()) {
      tasks.forEach(t -> t.deletes().stream().map(DeleteFile::location).forEach(files::add));
    }
    return files.stream().distinct().sorted().toList();
  }

  private OutputFileFactory outputs() {
    return OutputFileFactory.builderFor(table, 7, System.nanoTime())
        .format(FileFormat.PARQUET)
        .build();
  }

  private DeleteFile positionDelete(DataFile file, long position) {
    GenericFileWriterFactory writers =
        new GenericFileWriterFactory.Builder(table).deleteFileFormat(FileFormat.PARQUET).build();
    PositionDeleteWriter<Record> writer =
        writers.newPositionDeleteWriter(
            outputs().newOutputFile(table.spec(), file.partition()),
            table.spec(),
            file.partition());
    try (writer) {
      writer.write(PositionDelete.<Record>create().set(file.location(), position));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return writer.toDeleteFile();
  }

  private DeleteFile equalityDelete(Record row) throws IOException {
    int uuid = table.schema().findField("event_uuid").fieldId();
    GenericFileWriterFactory writers =
        new GenericFileWriterFactory.Builder(table)
            .deleteFileFormat(FileFormat.PARQUET)
            .equalityFieldIds(new int[] {uuid})
            .equalityDeleteRowSchema(table.schema().select("event_uuid"))
            .build();
    DataFile eleven = fileOf(11);
    EqualityDeleteWriter<Record> writer =
        writers.newEqualityDeleteWriter(
            outputs().newOutputFile(table.spec(), eleven.partition()),
            table.spec(),
            eleven.partition());
    Record key = org.apache.iceberg.data.GenericRecord.create(table.schema().select("event_uuid"));
    key.setField("event_uuid", row.getField("event_uuid"));
    try (writer) {
      writer.write(key);
    }
    return writer.toDeleteFile();
  }
}
