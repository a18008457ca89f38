package io.medallion.lake.erasure;

import static org.assertj.core.api.Assertions.assertThat;

import io.medallion.lake.table.ErasedHistory;
import io.medallion.lake.table.LakeCatalog;
import io.medallion.lake.table.LakeTable;
import io.medallion.lake.testing.IcebergFixtures;
import io.medallion.lake.testing.LakeTables;
import io.medallion.lake.testing.TestPipelines;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
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
import org.apache.beam.sdk.values.PCollection;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.io.CloseableIterable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link ForgetHistory} expires exactly the snapshots that name a file holding the subject: an
 * older snapshot without the subject is kept and still reads, and so is the current one (after its
 * manifests are rewritten, when the erasure's commit left the removed file's entry in them).
 */
class ForgetHistoryTest {
  private static final LocalDate DT = LocalDate.parse("2026-03-01");
  private static final Subjects SUBJECTS = new Subjects("user_id", Set.of("u-42"));
  private static final Map<String, Map<String, Long>> COUNTS = new ConcurrentHashMap<>();

  @TempDir Path lake;

  private LakeCatalog catalog;
  private Table table;

  @BeforeEach
  void twoHours() {
    catalog = IcebergFixtures.localCatalog(lake);
    table = catalog.table(LakeTable.SILVER_EVENTS);
    IcebergFixtures.replacePartitions(table, List.of(event("e1", 11, "u-7")), Map.of());
    IcebergFixtures.replacePartitions(
        table, List.of(event("e2", 10, "u-42"), event("e3", 10, "u-9")), Map.of());
  }

  @AfterEach
  void close() throws IOException {
    catalog.close();
  }

  @Test
  void expiresOnlyTheSnapshotsThatNameTheSubjectsFiles() throws IOException {
    Snapshot clean = table.snapshots().iterator().next();
    Snapshot held = table.currentSnapshot();

    Map<String, Long> dry = forget("dry", true);
    Map<String, Long> done = forget("real", false);

    // The hour-10 snapshot, and the erasure's own commit once its manifests are rewritten.
    assertThat(done)
        .containsEntry("silver_events.snapshots_expired", 2L)
        .containsEntry("silver_events.files_deleted", 1L)
        .isEqualTo(dry);
    table.refresh();
    List<Long> kept = new ArrayList<>();
    table.snapshots().forEach(s -> kept.add(s.snapshotId()));
    assertThat(kept).contains(clean.snapshotId()).doesNotContain(held.snapshotId()).hasSize(2);
    assertThat(ErasedHistory.expired(table)).containsKey(held.snapshotId()).hasSize(2);
    assertThat(uuidsAt(clean.snapshotId())).containsExactly("e1");
    assertThat(uuidsAt(table.currentSnapshot().snapshotId())).containsExactly("e1", "e3");
    assertThat(forget("again", false))
        .containsEntry("silver_events.snapshots_expired", 0L)
        .containsEntry("silver_events.files_deleted", 0L);
  }

  /** Erases the current snapshot's rows, then the history, in one pipeline. */
  private Map<String, Long> forget(String run, boolean dryRun) {
    TestPipeline p = TestPipelines.create();
    PCollection<KV<String, Long>> rows =
        p.apply(
            "Erase",
            EraseTableRows.of(LakeTables.catalog(lake), "silver_events", SUBJECTS, run)
                .dryRun(dryRun));
    rows.apply(
            "Forget",
            ForgetHistory.of(LakeTables.catalog(lake), "silver_events", SUBJECTS)
                .dryRun(dryRun)
                .unreferencedAge(Duration.ZERO))
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

  private Record event(String uuid, int hour, String user) {
    Record row = IcebergFixtures.silverEvent(table, uuid, "quiz:completed", DT, hour, 5);
    row.setField("payload", "{\"user_id\":\"" + user + "\"}");
    return row;
  }

  private List<String> uuidsAt(long snapshot) throws IOException {
    List<String> uuids = new ArrayList<>();
    try (CloseableIterable<Record> rows =
        IcebergGenerics.read(table).useSnapshot(snapshot).build()) {
      rows.forEach(r -> uuids.add((String) r.getField("event_uuid")));
    }
    uuids.sort(null);
    return uuids;
  }
}
