package io.medallion.lake.events;

import io.medallion.lake.layout.LakeLayout;
import io.medallion.lake.schemas.EventSchemas;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.extensions.avro.coders.AvroCoder;
import org.apache.beam.sdk.extensions.sql.SqlTransform;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TupleTag;

/**
 * Gold {@code event_stats} with Beam SQL ({@code daily_event_stats.sql} beside this class): per
 * creation date, event type and subtype, the silver rows created on the date ({@code event_count}),
 * the rows kept in gold ({@code distinct_events}), the rows removed as duplicates, and the first
 * and last {@code created_at} of those silver rows. Input: partial counts ({@link
 * EventSchemas#EVENT_STATS_ROW}, as {@link DeduplicateEvents#STATS} emits them), which the SQL adds
 * up. Output rows ({@link EventSchemas#GOLD_EVENT_STATS}) are keyed by their partition {@code
 * date=YYYY-MM-DD}.
 */
public final class DailyEventStats
    extends PTransform<PCollection<Row>, PCollection<KV<String, GenericRecord>>> {
  /** The SQL's table name. */
  public static final TupleTag<Row> EVENTS = new TupleTag<>("events");

  public static final String SQL_RESOURCE = "daily_event_stats.sql";

  public static DailyEventStats create() {
    return new DailyEventStats();
  }

  public static String sql() {
    try (InputStream in = DailyEventStats.class.getResourceAsStream(SQL_RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException("missing resource " + SQL_RESOURCE);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public PCollection<KV<String, GenericRecord>> expand(PCollection<Row> partialCounts) {
    return PCollectionTuple.of(EVENTS, partialCounts)
        .apply("AggregateWithSql", SqlTransform.query(sql()))
        .apply("ToStatsRecord", ParDo.of(new ToStatsRecordFn()))
        .setCoder(KvCoder.of(StringUtf8Coder.of(), AvroCoder.of(EventSchemas.GOLD_EVENT_STATS)));
  }

  static final class ToStatsRecordFn extends DoFn<Row, KV<String, GenericRecord>> {
    @ProcessElement
    public void process(@Element Row row, OutputReceiver<KV<String, GenericRecord>> out) {
      GenericData.Record r = new GenericData.Record(EventSchemas.GOLD_EVENT_STATS);
      r.put("event_type", row.getString("event_type"));
      r.put("event_subtype", row.getString("event_subtype"));
      r.put("event_count", row.getInt64("event_count"));
      r.put("distinct_events", row.getInt64("distinct_events"));
      r.put("duplicates_removed", row.getInt64("duplicates_removed"));
      r.put("first_created_at", row.getInt64("first_created_at_micros"));
      r.put("last_created_at", row.getInt64("last_created_at_micros"));
      out.output(KV.of(LakeLayout.datePartition(LocalDate.parse(row.getString("event_date"))), r));
    }
  }
}
