package io.medallion.lake.uber;

import static org.assertj.core.api.Assertions.assertThat;

import io.medallion.lake.uber.UberRowParser.Reason;
import io.medallion.lake.uber.UberRowParser.Rejection;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashSet;
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
    final List<Long> recordNumbers = new ArrayList<>();
    final List<String> unreadableLines = new ArrayList<>();
    final List<Rejection> fileRejections = new ArrayList<>();
    final List<List<String>> fileHeaders = new ArrayList<>();
    final List<byte[]> rawHeaders = new ArrayList<>();
    UberCsvParser.Summary summary;

    @Override
    public void accepted(GenericRecord row) {
      partitions.add(UberRows.partitionOf(row));
      rows.add(row);
    }

    @Override
    public void rejected(
        Rejection rejection, long recordNumber, List<String> header, List<String> values) {
      rejections.add(rejection);
      rejectedValues.add(values);
      recordNumbers.add(recordNumber);
    }

    @Override
    public void unreadable(Rejection rejection, long recordNumber, byte[] line) {
      rejections.add(rejection);
      rejectedValues.add(null);
      recordNumbers.add(recordNumber);
      unreadableLines.add(new String(line, StandardCharsets.ISO_8859_1));
    }

    @Override
    public void fileRejected(Rejection rejection, List<String> header, byte[] rawHeader) {
      assertThat(rejections).as("the file's rejection comes before its records").isEmpty();
      fileRejections.add(rejection);
      fileHeaders.add(header);
      rawHeaders.add(rawHeader);
    }
  }

  /** A file of {@code src/test/resources/UberCsvParserTest/} (ORIGIN.md there says whence). */
  private static byte[] fixture(String name) throws IOException {
    try (InputStream in =
        UberCsvParserTest.class.getResourceAsStream("/UberCsvParserTest/" + name)) {
      assertThat(in).as(name).isNotNull();
      return in.readAllBytes();
    }
  }

  private static Collected parse(String csv, String fileName, String city) throws IOException {
    return parse(csv.getBytes(StandardCharsets.UTF_8), fileName, city);
  }

  /** Parses {@code csv}, checking that every record read comes out once, numbered 1, 2, ... */
  private static Collected parse(byte[] csv, String fileName, String city) throws IOException {
    Collected collected = new Collected();
    UberCsvParser.Summary summary =
        UberCsvParser.parse(
            new ByteArrayInputStream(csv),
            () -> new ByteArrayInputStream(csv),
            fileName,
            city,
            collected);
    assertThat(summary.read()).isEqualTo(collected.rows.size() + collected.rejections.size());
    assertThat(collected.fileRejections)
        .containsExactlyElementsOf(
            summary.fileRejection() == null ? List.of() : List.of(summary.fileRejection()));
    collected.summary = summary;
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
  void theTimeOfDayExportsEmptyWholeDayRowIsNoRowAndIsCounted() throws IOException {
    Collected c = parse(fixture("Travel_Times_time_of_day.csv"), "x.csv", "bengaluru");

    assertThat(c.summary.read()).isEqualTo(5);
    assertThat(c.summary.emptyTravelTimes()).isEqualTo(1);
    assertThat(c.rejections).isEmpty();
    assertThat(c.rows)
        .extracting(
            r ->
                List.of(
                    r.get("time_of_day"),
                    r.get("mean_travel_time_seconds"),
                    r.get("lower_bound_travel_time_seconds"),
                    r.get("upper_bound_travel_time_seconds")))
        .containsExactly(
            List.of("AM Peak", 3187.0, 2216.0, 4584.0),
            List.of("Midday", 2907.0, 2216.0, 3813.0),
            List.of("PM Peak", 3482.0, 2604.0, 4656.0),
            List.of("Evening", 2574.0, 1810.0, 3661.0),
            List.of("Early Morning", 1682.0, 1238.0, 2284.0));
    assertThat(c.rows.get(0).get("days")).isEqualTo("Every day");
    assertThat(c.rows.get(0).get("aggregation")).isNull();
    assertThat(c.partitions).containsOnly("city=bengaluru/year=2018/month=01/day=01");
  }

  @Test
  void theDailyExportGivesARowPerPeriodOfEachDayAndCountsItsEmptyPeriod() throws IOException {
    Collected c =
        parse(fixture("Travel_Times_Daily-excerpt.csv"), "madhavi1109-Travel_Times_Daily.csv", "b");

    // 3 rows of 6 periods, the PM of 01/25/2018 empty.
    assertThat(c.summary.read()).isEqualTo(17);
    assertThat(c.summary.emptyTravelTimes()).isEqualTo(1);
    assertThat(c.summary.fileRejection()).isNull();
    assertThat(c.summary.ignoredColumns()).isEmpty();
    assertThat(c.rejections).isEmpty();
    assertThat(c.partitions).hasSize(17);
    assertThat(new LinkedHashSet<>(c.partitions))
        .containsExactly(
            "city=b/year=2018/month=01/day=01",
            "city=b/year=2018/month=01/day=25",
            "city=b/year=2018/month=01/day=31");
    assertThat(c.rows.subList(0, 6))
        .extracting(
            r ->
                List.of(
                    r.get("date_range"),
                    r.get("time_of_day"),
                    r.get("mean_travel_time_seconds"),
                    r.get("lower_bound_travel_time_seconds"),
                    r.get("upper_bound_travel_time_seconds")))
        .containsExactly(
            List.of("01/01/2018", "Daily Average", 2289.0, 1660.0, 3157.0),
            List.of("01/01/2018", "AM", 1760.0, 1392.0, 2226.0),
            List.of("01/01/2018", "PM", 2860.0, 2376.0, 3442.0),
            List.of("01/01/2018", "Midday", 2329.0, 1854.0, 2926.0),
            List.of("01/01/2018", "Evening", 2229.0, 1593.0, 3117.0),
            List.of("01/01/2018", "Early Morning", 2116.0, 1483.0, 3019.0));
    assertThat(c.rows.subList(6, 11))
        .extracting(r -> r.get("time_of_day"))
        .containsExactly("Daily Average", "AM", "Midday", "Evening", "Early Morning");
    assertThat(c.rows.get(16).get("date_range")).isEqualTo("01/31/2018");
    assertThat(c.rows.get(16).get("upper_bound_travel_time_seconds")).isEqualTo(2092.0);
    assertThat(c.rows.get(16).get("date_range_start"))
        .isEqualTo(c.rows.get(16).get("date_range_end"))
        .isEqualTo((int) LocalDate.of(2018, 1, 31).toEpochDay());
  }

  @Test
  void aDailyRowComesOutOncePerPeriodUnderItsOwnRecordNumber() throws IOException {
    String[] lines =
        new String(fixture("Travel_Times_Daily-excerpt.csv"), StandardCharsets.UTF_8).split("\n");
    // 01/01/2018 with its AM upper bound cut, then 01/25/2018 with a PM mean and nothing else.
    String csv =
        lines[0]
            + "\n"
            + lines[1].replace(",1760,1392,2226,", ",1760,1392,,")
            + "\n"
            + lines[2].replace(",2000,,,,", ",2000,2500,,,");

    Collected c = parse(csv, "madhavi1109-Travel_Times_Daily.csv", "bengaluru");

    assertThat(c.summary.read()).isEqualTo(12);
    assertThat(c.rows).hasSize(10);
    assertThat(c.rejections)
        .containsExactly(
            new Rejection(
                Reason.PARTIAL_TRAVEL_TIMES,
                "am_range_upper_bound_travel_time_seconds empty while am_mean_travel_time_seconds,"
                    + " am_range_lower_bound_travel_time_seconds are not"),
            new Rejection(
                Reason.PARTIAL_TRAVEL_TIMES,
                "pm_range_lower_bound_travel_time_seconds, pm_range_upper_bound_travel_time_seconds"
                    + " empty while pm_mean_travel_time_seconds is not"));
    assertThat(c.recordNumbers).containsExactly(1L, 2L);
    assertThat(c.rejectedValues.get(1)).hasSize(23).startsWith("01/25/2018");
    assertThat(c.summary.emptyTravelTimes()).isZero();
  }

  @Test
  void anUnreadableLineAfterADailyRowIsNumberedAsTheNextRow() throws IOException {
    String[] lines =
        new String(fixture("Travel_Times_Daily-excerpt.csv"), StandardCharsets.UTF_8).split("\n");
    String csv = lines[0] + "\n" + lines[1] + "\n\"01/02/2018\",\"89\n";

    Collected c = parse(csv, "madhavi1109-Travel_Times_Daily.csv", "bengaluru");

    assertThat(c.summary.read()).isEqualTo(7);
    assertThat(c.rows).hasSize(6);
    assertThat(c.rejections.get(0).detail()).startsWith("unreadable after record 1: ");
    assertThat(c.recordNumbers).containsExactly(2L);
  }

  @Test
  void aDailyFileWithNoCityIsRejectedWholeARecordPerRow() throws IOException {
    Collected c = parse(fixture("Travel_Times_Daily-excerpt.csv"), "madhavi1109-Daily.csv", null);

    assertThat(c.summary.fileRejection().reason()).isEqualTo(Reason.UNKNOWN_CITY);
    assertThat(c.summary.read()).isEqualTo(3);
    assertThat(c.summary.emptyTravelTimes()).isZero();
    assertThat(c.recordNumbers).containsExactly(1L, 2L, 3L);
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

    Collected collected = parse(csv, "Travel_Times - X.csv", null);
    UberCsvParser.Summary summary = collected.summary;

    assertThat(summary.read()).isEqualTo(2);
    assertThat(summary.fileRejection().reason()).isEqualTo(Reason.UNSUPPORTED_FILE_SHAPE);
    assertThat(summary.fileRejection().detail())
        .contains("no destination_movement_id")
        .contains("\"Date\"");
    assertThat(collected.rows).isEmpty();
    assertThat(collected.rejections).containsOnly(summary.fileRejection()).hasSize(2);
    assertThat(collected.rejectedValues.get(1)).containsExactly("01/02/2018", "89", "A");
    assertThat(collected.fileHeaders)
        .containsExactly(List.of("Date", "Origin Movement ID", "Origin Display Name"));
  }

  @Test
  void aFileWithNoCityAnywhereIsRejectedWhole() throws IOException {
    Collected collected = parse(TITLE_HEADER + "\n" + QUOTED_ROW, "Travel_Times.csv", null);
    UberCsvParser.Summary summary = collected.summary;

    assertThat(summary.fileRejection().reason()).isEqualTo(Reason.UNKNOWN_CITY);
    assertThat(collected.rejections).hasSize(1);
  }

  @Test
  void anUnreadableRecordKeepsTheRowsBeforeAndQuarantinesTheRestLineByLine() throws IOException {
    String csv =
        TITLE_HEADER
            + "\n"
            + QUOTED_ROW
            + "\n\"89\",\"B,\"2\"\r\n\"89\",\"C\"\n\n"
            + QUOTED_ROW
            + "\n";

    Collected c = parse(csv, "Travel_Times - Bengaluru.csv", null);

    assertThat(c.summary.read()).isEqualTo(4);
    assertThat(c.rows).hasSize(1);
    assertThat(c.rejections)
        .extracting(Rejection::reason)
        .containsExactly(Reason.MALFORMED_CSV, Reason.MALFORMED_CSV, Reason.MALFORMED_CSV);
    assertThat(c.rejections.get(0).detail()).startsWith("unreadable after record 1: ");
    assertThat(c.recordNumbers).containsExactly(2L, 3L, 4L);
    // The rest, line by line (the empty line is no record), each line's bytes as they were.
    assertThat(c.unreadableLines).containsExactly("\"89\",\"B,\"2\"", "\"89\",\"C\"", QUOTED_ROW);
    assertThat(c.fileRejections).isEmpty();
  }

  @Test
  void bytesThatAreNotUtf8MidFileKeepTheRowsBefore() throws IOException {
    byte[] csv =
        concat(
            TITLE_HEADER + "\r\n" + QUOTED_ROW + "\r\n",
            new byte[] {'"', '9', (byte) 0xE9, '"', '\r', '\n'},
            QUOTED_ROW + "\r\n");

    Collected c = parse(csv, "Travel_Times - Bengaluru.csv", null);

    assertThat(c.summary.read()).isEqualTo(3);
    assertThat(c.rows).hasSize(1);
    assertThat(c.rejections.get(0).detail())
        .isEqualTo("unreadable after record 1: bytes that are not UTF-8");
    assertThat(c.unreadableLines).containsExactly("\"9\u00e9\"", QUOTED_ROW);
  }

  @Test
  void aFileWhoseHeaderCannotBeReadIsRejectedWholeAndItsLinesCounted() throws IOException {
    // Latin-1, not UTF-8: the header's "é" is one byte, 0xE9.
    byte[] latin1 =
        ("\"Origine Movement ID\",\"Nom d'origine\",\"Durée\"\n1,\"A\",3\n\n2,\"B\",4\n")
            .getBytes(StandardCharsets.ISO_8859_1);

    Collected c = parse(latin1, "Travel_Times - Paris.csv", null);

    assertThat(c.summary.read()).isEqualTo(2);
    assertThat(c.summary.fileRejection())
        .isEqualTo(
            new Rejection(Reason.MALFORMED_CSV, "unreadable header: bytes that are not UTF-8"));
    assertThat(new String(c.rawHeaders.get(0), StandardCharsets.ISO_8859_1))
        .isEqualTo("\"Origine Movement ID\",\"Nom d'origine\",\"Durée\"");
    assertThat(c.unreadableLines).containsExactly("1,\"A\",3", "2,\"B\",4");
    assertThat(c.recordNumbers).containsExactly(1L, 2L);
    assertThat(c.rows).isEmpty();
  }

  @Test
  void aHeaderWithAnUnclosedQuoteIsRejectedWholeAndItsLinesCounted() throws IOException {
    Collected c =
        parse("\"Origin Movement ID,Date Range\n1,x\r\n2,y", "Travel_Times - X.csv", null);

    assertThat(c.summary.read()).isEqualTo(2);
    assertThat(c.summary.fileRejection().reason()).isEqualTo(Reason.MALFORMED_CSV);
    assertThat(c.summary.fileRejection().detail()).startsWith("unreadable header: ");
    assertThat(c.unreadableLines).containsExactly("1,x", "2,y");
  }

  @Test
  void aBinaryFileIsRejectedWholeAndItsLinesCounted() throws IOException {
    // The first bytes of a PNG image, then more binary.
    byte[] png = {
      (byte) 0x89,
      'P',
      'N',
      'G',
      '\r',
      '\n',
      0x1A,
      '\n',
      0,
      0,
      0,
      0x0D,
      'I',
      'H',
      'D',
      'R',
      '\n',
      (byte) 0xFF,
      (byte) 0xD8
    };

    Collected c = parse(png, "Travel_Times - X.csv", null);

    // Lines end at \n, \r\n or a lone \r (byte 0x0D of the PNG header too).
    assertThat(c.summary.read()).isEqualTo(4);
    assertThat(c.rejections).extracting(Rejection::reason).containsOnly(Reason.MALFORMED_CSV);
    assertThat(c.unreadableLines)
        .containsExactly("\u001a", "\u0000\u0000\u0000", "IHDR", "\u00ff\u00d8");
  }

  @Test
  void anEmptyFileIsRejectedWhole() throws IOException {
    for (String empty : List.of("", "\uFEFF", "\n\r\n")) {
      Collected c = parse(empty, "Travel_Times - X.csv", null);

      assertThat(c.summary.read()).isZero();
      assertThat(c.summary.fileRejection())
          .isEqualTo(new Rejection(Reason.EMPTY_FILE, "the file is empty"));
      assertThat(c.fileHeaders).containsExactly((List<String>) null);
    }
  }

  @Test
  void aHeaderWithNoRowsIsRejectedWhole() throws IOException {
    Collected c = parse(TITLE_HEADER + "\r\n", "Travel_Times - Bengaluru.csv", null);

    assertThat(c.summary.read()).isZero();
    assertThat(c.summary.fileRejection())
        .isEqualTo(new Rejection(Reason.EMPTY_FILE, "a header and no rows"));
    assertThat(c.fileHeaders.get(0)).hasSize(8).startsWith("Origin Movement ID");
  }

  @Test
  void semicolonAndTabExportsAreReadLikeTheCommaOne() throws IOException {
    // Cells holding the other delimiters, quoted as a spreadsheet exports them.
    String comma =
        TITLE_HEADER
            + ",\"Note\"\r\n"
            + QUOTED_ROW
            + ",\"a;b\tc\"\r\n"
            + "\"90\",\"Koramangala; 5th Block\",\"2\",\"Indiranagar\tEast\","
            + "\"3/1/2020 - 3/31/2020, Every day, Daily Average\",1500.5,1200,1800,\"x\"\r\n";
    String semicolon =
        TITLE_HEADER.replace(',', ';')
            + ";\"Note\"\r\n"
            + "\"89\";\"Bengaluru, Karnataka\";\"1\";\"Unnamed Road, Bengaluru\";"
            + "\"3/1/2020 - 3/31/2020, Every day, Daily Average\";2313;1723;3104;\"a;b\tc\"\r\n"
            + "\"90\";\"Koramangala; 5th Block\";\"2\";\"Indiranagar\tEast\";"
            + "\"3/1/2020 - 3/31/2020, Every day, Daily Average\";1500.5;1200;1800;\"x\"\r\n";
    String tab = outsideQuotes(semicolon, ';', '\t');

    Collected fromComma = parse(comma, "Travel_Times - Bengaluru.csv", null);
    Collected fromSemicolon = parse(semicolon, "Travel_Times - Bengaluru.csv", null);
    Collected fromTab = parse(tab, "Travel_Times - Bengaluru.csv", null);

    assertThat(fromComma.summary.delimiter()).isEqualTo(',');
    assertThat(fromSemicolon.summary.delimiter()).isEqualTo(';');
    assertThat(fromTab.summary.delimiter()).isEqualTo('\t');
    assertThat(fromComma.rows).hasSize(2);
    assertThat(fromComma.rows.get(1).get("origin_display_name"))
        .isEqualTo("Koramangala; 5th Block");
    assertThat(fromComma.rows.get(1).get("destination_display_name"))
        .isEqualTo("Indiranagar\tEast");
    assertThat(fromSemicolon.rows.toString()).isEqualTo(fromComma.rows.toString());
    assertThat(fromTab.rows.toString()).isEqualTo(fromComma.rows.toString());
    assertThat(fromTab.partitions).isEqualTo(fromComma.partitions);
  }

  @Test
  void theDelimiterIsTheOneMostUsedOutsideQuotes() {
    assertThat(UberCsvParser.delimiterOf("a,b,c")).isEqualTo(',');
    assertThat(UberCsvParser.delimiterOf("a;b;c")).isEqualTo(';');
    assertThat(UberCsvParser.delimiterOf("a\tb\tc")).isEqualTo('\t');
    assertThat(UberCsvParser.delimiterOf("\"a,b,c\";\"d,e\"")).isEqualTo(';');
    assertThat(UberCsvParser.delimiterOf("\"a;b\"\t\"c;d\"\t\"e\"")).isEqualTo('\t');
    assertThat(UberCsvParser.delimiterOf("single column")).isEqualTo(',');
    assertThat(UberCsvParser.delimiterOf("a;b,c")).isEqualTo(',');
  }

  /** {@code csv} with {@code from} replaced by {@code to} where it is not inside quotes. */
  private static String outsideQuotes(String csv, char from, char to) {
    StringBuilder out = new StringBuilder();
    boolean quoted = false;
    for (char c : csv.toCharArray()) {
      quoted ^= c == '"';
      out.append(!quoted && c == from ? to : c);
    }
    return out.toString();
  }

  private static byte[] concat(Object... parts) {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    for (Object part : parts) {
      out.writeBytes(
          part instanceof String text ? text.getBytes(StandardCharsets.UTF_8) : (byte[]) part);
    }
    return out.toByteArray();
  }
}
