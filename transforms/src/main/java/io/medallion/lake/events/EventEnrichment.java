package io.medallion.lake.events;

import io.medallion.lake.layout.LakeLayout;
import io.medallion.lake.layout.PartitionValues;
import io.medallion.lake.table.LakeTable;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;

/**
 * Derives the silver columns of a valid event: {@code created_datetime} (ISO-8601 UTC, fraction
 * kept when present), {@code event_type} (first part of {@code event_name}) and {@code
 * event_subtype} (second part, or null). Type and subtype are normalised partition values ({@link
 * PartitionValues}); the raw name stays in {@code event_name}.
 */
public final class EventEnrichment {
  private EventEnrichment() {}

  public static String createdDatetime(long createdAtMicros) {
    return DateTimeFormatter.ISO_INSTANT.format(instantOfMicros(createdAtMicros));
  }

  public static Instant instantOfMicros(long micros) {
    return Instant.ofEpochSecond(
        Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1_000L);
  }

  public static String eventType(String eventName) {
    int colon = eventName.indexOf(':');
    return PartitionValues.normalise(colon < 0 ? eventName : eventName.substring(0, colon));
  }

  public static String eventSubtype(String eventName) {
    int first = eventName.indexOf(':');
    if (first < 0) {
      return null;
    }
    int second = eventName.indexOf(':', first + 1);
    return PartitionValues.normalise(
        second < 0 ? eventName.substring(first + 1) : eventName.substring(first + 1, second));
  }

  /**
   * The silver row ({@link LakeTable#SILVER_EVENTS}) for a parsed event, with its arrival date and
   * hour as the partition columns {@code dt} and {@code hour}.
   */
  public static GenericRecord toSilver(ParsedEvent e) {
    GenericData.Record r = new GenericData.Record(LakeTable.SILVER_EVENTS.avroSchema());
    r.put("event_uuid", e.eventUuid());
    r.put("event_name", e.eventName());
    r.put("event_type", eventType(e.eventName()));
    r.put("event_subtype", eventSubtype(e.eventName()));
    r.put("created_at", e.createdAtMicros());
    r.put("created_datetime", createdDatetime(e.createdAtMicros()));
    r.put("payload", e.payload());
    r.put(LakeTable.ARRIVAL_DATE, (int) LakeLayout.dateOf(e.arrivalHour()).toEpochDay());
    r.put(LakeTable.ARRIVAL_HOUR, e.arrivalHour().atZone(ZoneOffset.UTC).getHour());
    return r;
  }
}
