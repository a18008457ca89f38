package io.medallion.lake.typed;

import io.medallion.lake.table.CatalogConnection;
import io.medallion.lake.table.CatalogSettings;
import io.medallion.lake.table.LakeCatalog;
import io.medallion.lake.table.PerTable;
import io.medallion.lake.table.TableAtStart;
import io.medallion.lake.table.TableFamily;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.beam.sdk.coders.SerializableCoder;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.Sum;
import org.apache.beam.sdk.transforms.View;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionView;
import org.apache.iceberg.Table;

/**
 * The typed tables of a gold run, settled once every kept row has been counted and before any is
 * written: from what the run's payloads hold ({@link PayloadTypes} counts, summed), each table the
 * run's event names name is created if missing (the lake's one code path, {@code
 * LakeCatalog.table}) and its schema evolved ({@link TypedSchema#evolve}: new members become
 * optional columns, widenings Iceberg allows are applied), in one step that runs once. Outputs the
 * settled tables ({@link TypedTables}), the one value the typed writer and the commit read.
 */
public final class SettleTypedTables
    extends PTransform<PCollection<KV<String, Long>>, PCollection<TypedTables>> {
  private final CatalogSettings catalog;
  private final TableFamily family;
  private final Map<String, TableAtStart> atStart;
  private final int columnLimit;
  private final String runId;

  private SettleTypedTables(
      CatalogSettings catalog,
      TableFamily family,
      Map<String, TableAtStart> atStart,
      int columnLimit,
      String runId) {
    this.catalog = catalog;
    this.family = family;
    this.atStart = atStart;
    this.columnLimit = columnLimit;
    this.runId = runId;
  }

  /**
   * @param atStart the family's tables as the run found them when it started, by name: their
   *     snapshots are the ones the commits validate from
   * @param columnLimit the most payload columns a table may have, nested ones counted
   */
  public static SettleTypedTables of(
      CatalogSettings catalog,
      TableFamily family,
      Map<String, TableAtStart> atStart,
      int columnLimit,
      String runId) {
    if (columnLimit < 1) {
      throw new IllegalArgumentException("--typedColumnLimit: at least 1, got " + columnLimit);
    }
    return new SettleTypedTables(catalog, family, new TreeMap<>(atStart), columnLimit, runId);
  }

  @Override
  public PCollection<TypedTables> expand(PCollection<KV<String, Long>> types) {
    PCollectionView<Map<String, Long>> summed =
        types.apply("SumTypes", Sum.longsPerKey()).apply("TypesAsMap", View.asMap());
    return types
        .getPipeline()
        .apply("Once", Create.of(runId))
        .apply(
            "Settle",
            ParDo.of(new SettleFn(catalog, family, atStart, columnLimit, summed))
                .withSideInputs(summed))
        .setCoder(SerializableCoder.of(TypedTables.class));
  }

  static final class SettleFn extends DoFn<String, TypedTables> {
    private final CatalogConnection catalog;
    private final TableFamily family;
    private final Map<String, TableAtStart> atStart;
    private final int columnLimit;
    private final PCollectionView<Map<String, Long>> summed;

    SettleFn(
        CatalogSettings catalog,
        TableFamily family,
        Map<String, TableAtStart> atStart,
        int columnLimit,
        PCollectionView<Map<String, Long>> summed) {
      this.catalog = new CatalogConnection(catalog);
      this.family = family;
      this.atStart = atStart;
      this.columnLimit = columnLimit;
      this.summed = summed;
    }

    @Teardown
    public void teardown() throws IOException {
      catalog.close();
    }

    @ProcessElement
    public void process(ProcessContext c) {
      Set<String> common = new HashSet<>();
      family.columns().columns().forEach(column -> common.add(column.name()));
      Map<String, PayloadTypes.Node> observed =
          new TreeMap<>(PayloadTypes.read(c.sideInput(summed)));
      List<String> names = new ArrayList<>(observed.keySet());
      LakeCatalog opened = catalog.get();
      List<TypedTables.Settled> evolved =
          PerTable.map(names, name -> settle(opened, name, observed.get(name), common));
      Map<String, TypedTables.Settled> settled = new TreeMap<>();
      for (int i = 0; i < names.size(); i++) {
        settled.put(names.get(i), evolved.get(i));
      }
      c.output(new TypedTables(settled));
    }

    /**
     * The table {@code name} settled for {@code observed}: as the run found it when its schema
     * already has every column the data needs (the common case: no catalog call), else loaded (or
     * created) and evolved.
     */
    private TypedTables.Settled settle(
        LakeCatalog opened, String name, PayloadTypes.Node observed, Set<String> common) {
      TableAtStart started = atStart.get(name);
      if (started != null) {
        TypedSchema.Plan plan = TypedSchema.plan(started.schema(), common, observed, columnLimit);
        if (plan.changesNothing()) {
          // Columns are only ever added: the table has these with these ids, whatever came since.
          return new TypedTables.Settled(started, plan.refused());
        }
      }
      Table table = opened.table(family.member(name));
      Set<List<String>> refused = TypedSchema.evolve(table, common, observed, columnLimit);
      table.refresh();
      return new TypedTables.Settled(
          new TableAtStart(
              family.member(name, table.schema()),
              table.schema(),
              table.spec(),
              table.location(),
              table.properties(),
              started == null ? null : started.snapshotId()),
          refused);
    }
  }
}
