package io.medallion.lake.uber;

import static org.assertj.core.api.Assertions.assertThat;

import io.medallion.lake.uber.UberRowParser.Reason;
import io.medallion.lake.uber.UberRowParser.Rejection;
import java.io.IOException;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.Test;

class UberCsvParserTest {
  private static final String TITLE_HEADER =
      "\"Origin Movement ID\",\"Origin Display Name\",\"Destination Movement ID\","
          + "\"Destination Display Name\",\"Date Range\",\"Mean Travel Time (Seconds)\","
          + "\"Range - Lower Bound Travel Time (Seconds)\","
          + "\"Range - Upper Bound Travel Time (Seconds)\"";
  private static final String QUOTED_ROW =
      "\"89\",\"Bengaluru, Karnataka\",\"1\",\"Unnamed Road, Bengaluru\","
          + "\"3/1/2020 - 3/31/2020, Every day, Daily Average\",2313,1723,3104";

  /** Collects what the parser hands out. */
  private static final class Collected implements UberCsvParser.Listener {
    final List<String> partitions = new ArrayList<>();
    final List<GenericRecord> rows = new ArrayList<>();
    final List<Rejection> rejections = new ArrayList<>();
    final List<List<String>> rejectedValues = new ArrayList<>();

    @Override
    public void accepted(String partition, GenericRecord row) {
      partitions.add(partition);
      rows.add(row);
    }

    @Override
    public void rejected(
        Rejection rejection, long recordNumber, List<String> header, List<String> values) {
      rejections.add(rejection);
      rejectedValues.add(values);
    }
  }

  private static Collected parse(String csv, String fileName, String city) throws IOException {
    Collected collected = new Collected();
    UberCsvParser.Summary summary =
        UberCsvParser.parse(new StringReader(csv), fileName, city, collected);
    assertThat(summary.read()).isEqualTo(collected.rows.size() + collected.rejections.size());
    return collected;
  }

  @Test
  void quotedIdsAndBareNumbersWithoutFinalNewline() throws IOException {
    Collected c = parse(TITLE_HEADER + "\n" + QUOTED_ROW, "Travel_Times - Bengaluru.csv", null);

    assertThat(c.partitions).containsExactly("city=bengaluru/year=2020/month=03/day=01");
    assertThat(c.rows.get(0).get("origin_movement_id")).isEqualTo("89");
    assertThat(c.rows.get(0).get("origin_display_name")).isEqualTo("Bengaluru, Karnataka");
    assertThat(c.rows.get(0).get("upper_bound_travel_time_seconds")).isEqualTo(3104.0);
  }

  @Test
  void crlfUnquotedHeaderAndTravelDistance() throws IOException {
    String csv =
        "Origin Movement ID,Origin Display Name,Destination Movement ID,Destination Display Name,"
            + "Date Range,Mean Travel Time (Seconds),Range - Lower Bound Travel Time (Seconds),"
            + "Range - Upper Bound Travel Time (Seconds),TravelDistance (meters)\r\n"
            + "1116,\"Harborwalk, Waterfront, Boston\",3,\"0 Flaherty Way, Boston\","
            + "\"07/31/2016 - 08/28/2016, Every day, Daily Average\",616,389,974,4302\r\n"
            + "1116,\"Harborwalk, Waterfront, Boston\",4,\"0 Moulton Street, Lynn\","
            + "\"07/31/2016 - 08/28/2016, Every day, Daily Average\",1437,1149,1796,19160";

    Collected c = parse(csv, "wfallon-Travel_Times.csv", "boston");

    assertThat(c.rows).hasSize(2);
    assertThat(c.partitions).containsOnly("city=boston/year=2016/month=07/day=31");
    assertThat(c.rows.get(1).get("travel_distance_meters")).isEqualTo(19160.0);
    assertThat(c.rows.get(1).get("destination_display_name")).isEqualTo("0 Moulton Street, Lynn");
  }

  @Test
  void snakeCaseWithCityColumnGeometryAndNonAscii() throws IOException {
    String csv =
        "origin_movement_id,origin_display_name,origin_geometry,destination_movement_id,"
            + "destination_display_name,destination_geometry,date_range,mean_travel_time_seconds,"
            + "range_lower_bound_travel_time_seconds,range_upper_bound_travel_time_seconds,city\n"
            + "378,\"1100 Perez Street, Paco, Manila\",\"[[120.98,14.58],[120.99,14.57]]\",5,"
            + "\"Calle Señor, Manila\",\"[[121.0,14.6]]\","
            + "\"07/31/2016 - 08/28/2016, Every day, Daily Average\",4365,2936,6488,manila\n";

    Collected c = parse(csv, "travel_times_manila.csv", null);

    assertThat(c.partitions).containsExactly("city=manila/year=2016/month=07/day=31");
    assertThat(c.rows.get(0).get("origin_geometry")).isEqualTo("[[120.98,14.58],[120.99,14.57]]");
    assertThat(c.rows.get(0).get("destination_display_name")).isEqualTo("Calle Señor, Manila");
  }

  @Test
  void aByteOrderMarkIsSkipped() throws IOException {
    Collected c = parse("\uFEFF" + TITLE_HEADER + "\r\n" + QUOTED_ROW + "\r\n", "x.csv", "b");

    assertThat(c.rows).hasSize(1);
  }

  @Test
  void dayOfWeekAndTimeOfDayColumnsAndEmptyTimes() throws IOException {
    String csv =
        "\"Time Of Day\","
            + TITLE_HEADER
            + "\n\"Daily Average\",\"89\",\"Museum Road\",\"169\",\"Whitefield\","
            + "\"1/1/2018 - 1/31/2018, Every day\",,,";

    Collected c = parse(csv, "Travel_Times - Bengaluru.csv", null);

    assertThat(c.rows).hasSize(1);
    assertThat(c.rows.get(0).get("time_of_day")).isEqualTo("Daily Average");
    assertThat(c.rows.get(0).get("mean_travel_time_seconds")).isNull();
    assertThat(c.rows.get(0).get("days")).isEqualTo("Every day");
    assertThat(c.rows.get(0).get("aggregation")).isNull();
  }

  @Test
  void badRowsAreRejectedAndTheOthersKept() throws IOException {
    String csv =
        TITLE_HEADER
            + "\n"
            + QUOTED_ROW
            + "\n\"89\",\"B\",\"2\",\"C\",\"3/1/2020 - 3/31/2020\",abc,1,2"
            + "\n\"89\",\"B\",\"3\",\"C\",\"3/1/2020 - 3/31/2020\",5,9,2"
            + "\n\"89\",\"B\",\"4\",\"C\",\"March 2020\",5,1,9"
            + "\n\"\",\"B\",\"5\",\"C\",\"3/1/2020 - 3/31/2020\",5,1,9";

    Collected c = parse(csv, "Travel_Times - Bengaluru.csv", null);

    assertThat(c.rows).hasSize(1);
    assertThat(c.rejections)
        .extracting(Rejection::reason)
        .containsExactly(
            Reason.INVALID_TRAVEL_TIME,
            Reason.LOWER_BOUND_ABOVE_UPPER_BOUND,
            Reason.INVALID_DATE_RANGE,
            Reason.MISSING_ORIGIN_MOVEMENT_ID);
  }

  @Test
  void aFileOfAnotherShapeIsRejectedWholeRowByRow() throws IOException {
    String csv =
        "\"Date\",\"Origin Movement ID\",\"Origin Display Name\"\n"
            + "01/01/2018,\"89\",\"A\"\n01/02/2018,\"89\",\"A\"";

    Collected collected = new Collected();
    UberCsvParser.Summary summary =
        UberCsvParser.parse(new StringReader(csv), "Travel_Times - X.csv", null, collected);

    assertThat(summary.read()).isEqualTo(2);
    assertThat(summary.fileRejection().reason()).isEqualTo(Reason.UNSUPPORTED_FILE_SHAPE);
    assertThat(summary.fileRejection().detail()).contains("date_range").contains("\"Date\"");
    assertThat(collected.rows).isEmpty();
    assertThat(collected.rejections).containsOnly(summary.fileRejection()).hasSize(2);
    assertThat(collected.rejectedValues.get(1)).containsExactly("01/02/2018", "89", "A");
  }

  @Test
  void aFileWithNoCityAnywhereIsRejectedWhole() throws IOException {
    Collected collected = new Collected();
    UberCsvParser.Summary summary =
        UberCsvParser.parse(
            new StringReader(TITLE_HEADER + "\n" + QUOTED_ROW),
            "Travel_Times.csv",
            null,
            collected);

    assertThat(summary.fileRejection().reason()).isEqualTo(Reason.UNKNOWN_CITY);
    assertThat(collected.rejections).hasSize(1);
  }

  @Test
  void anUnclosedQuoteKeepsTheRowsBeforeAndCountsTheRestAsOne() throws IOException {
    String csv = TITLE_HEADER + "\n" + QUOTED_ROW + "\n\"89\",\"B,\"2\"\n\"89\",\"C\"";

    Collected c = parse(csv, "Travel_Times - Bengaluru.csv", null);

    assertThat(c.rows).hasSize(1);
    assertThat(c.rejections).extracting(Rejection::reason).containsExactly(Reason.MALFORMED_CSV);
  }

  @Test
  void anEmptyFileReadsNothing() throws IOException {
    Collected collected = new Collected();
    UberCsvParser.Summary summary =
        UberCsvParser.parse(new StringReader(""), "Travel_Times - X.csv", null, collected);

    assertThat(summary.read()).isZero();
    assertThat(summary.fileRejection().detail()).isEqualTo("the file is empty");
  }
}
