package io.medallion.lake.uber;

import java.util.Locale;
import org.apache.avro.generic.GenericRecord;

/** What the tests check of a silver_uber_movements row's partition columns. */
final class UberRows {
  private UberRows() {}

  /** {@code city=c/year=yyyy/month=mm/day=dd} of a row's partition columns. */
  static String partitionOf(GenericRecord row) {
    return String.format(
        Locale.ROOT,
        "city=%s/year=%04d/month=%02d/day=%02d",
        row.get("city"),
        (Integer) row.get("year"),
        (Integer) row.get("month"),
        (Integer) row.get("day"));
  }
}
