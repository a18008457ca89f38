package io.medallion.lake.uber;

import java.util.List;
import java.util.Locale;
import org.apache.avro.generic.GenericRecord;

/** Test data of the Uber Movement exports, and what the tests check of a silver row. */
final class UberRows {
  private UberRows() {}

  /** The header of {@code madhavi1109-Travel_Times_Daily.csv} (src/sample-data/uber). */
  static final List<String> DAILY_HEADER =
      List.of(
          "Date",
          "Origin Movement ID",
          "Origin Display Name",
          "Destination Movement ID",
          "Destination Display Name",
          "Daily Mean Travel Time (Seconds)",
          "Daily Range - Lower Bound Travel Time (Seconds)",
          "Daily Range - Upper Bound Travel Time (Seconds)",
          "AM Mean Travel Time (Seconds)",
          "AM Range - Lower Bound Travel Time (Seconds)",
          "AM Range - Upper Bound Travel Time (Seconds)",
          "PM Mean Travel Time (Seconds)",
          "PM Range - Lower Bound Travel Time (Seconds)",
          "PM Range - Upper Bound Travel Time (Seconds)",
          "Midday Mean Travel Time (Seconds)",
          "Midday Range - Lower Bound Travel Time (Seconds)",
          "Midday Range - Upper Bound Travel Time (Seconds)",
          "Evening Mean Travel Time (Seconds)",
          "Evening Range - Lower Bound Travel Time (Seconds)",
          "Evening Range - Upper Bound Travel Time (Seconds)",
          "Early Morning Mean Travel Time (Seconds)",
          "Early Morning Range - Lower Bound Travel Time (Seconds)",
          "Early Morning Range - Upper Bound Travel Time (Seconds)");

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
