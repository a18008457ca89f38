package io.medallion.lake.uber;

import static org.assertj.core.api.Assertions.assertThat;

import io.medallion.lake.uber.UberRowParser.CityRule;
import io.medallion.lake.uber.UberRowParser.Outcome;
import io.medallion.lake.uber.UberRowParser.Outcomes;
import io.medallion.lake.uber.UberRowParser.Reason;
import io.medallion.lake.uber.UberRowParser.Rejection;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

class UberRowParserTest {
  private static final UberHeader HEADER =
      UberHeader.of(
          List.of(
              "origin_movement_id",
              "origin_display_name",
              "destination_movement_id",
              "destination_display_name",
              "date_range",
              "mean_travel_time_seconds",
              "range_lower_bound_travel_time_seconds",
              "range_upper_bound_travel_time_seconds",
              "city"));
  private static final List<String> GOOD =
      List.of(
          "9",
          "Arc de triomphe du Carrousel, Paris",
          "438",
          "",
          "09/03/2016 - 10/01/2016, Every day, Daily Average",
          "446",
          "229",
          "866",
          "paris");
  private static final CityRule NO_CITY = new CityRule(null, null);

  private static final UberHeader DAILY_HEADER = UberHeader.of(UberRows.DAILY_HEADER);

  /** Its row of 01/25/2018, whose PM group is empty. */
  private static final List<String> DAILY_0125 =
      List.of(
          "01/25/2018",
          "89",
          "0 Museum Road, Shanthala Nagar, Ashok Nagar, Bengaluru",
          "169",
          "Whitefield, Bengaluru, Karnataka",
          "1768",
          "1345",
          "2324",
          "1683",
          "1415",
          "2000",
          "",
          "",
          "",
          "1875",
          "1467",
          "2397",
          "1976",
          "1533",
          "2547",
          "1454",
          "1180",
          "1792");

  private static List<String> with(int column, String value) {
    List<String> values = new ArrayList<>(GOOD);
    values.set(column, value);
    return values;
  }

  private static List<String> daily(int column, String value) {
    List<String> values = new ArrayList<>(DAILY_0125);
    values.set(column, value);
    return values;
  }

  /** The one outcome of a row of the one-group {@link #HEADER}. */
  private static Outcome parse(List<String> values) {
    Outcomes outcomes = UberRowParser.parse(HEADER, values, NO_CITY, "travel_times_paris.csv");
    assertThat(outcomes.outcomes()).hasSize(1);
    assertThat(outcomes.emptyTravelTimes()).isZero();
    return outcomes.outcomes().get(0);
  }

  private static Outcomes parseDaily(List<String> values) {
    return UberRowParser.parse(
        DAILY_HEADER,
        values,
        new CityRule("bengaluru", null),
        "madhavi1109-Travel_Times_Daily.csv");
  }

  @Test
  void aGoodRowWithAnEmptyDestinationNameKeepsANull() {
    Outcome outcome = parse(GOOD);

    assertThat(outcome.isValid()).isTrue();
    assertThat(UberRows.partitionOf(outcome.row()))
        .isEqualTo("city=paris/year=2016/month=09/day=03");
    assertThat(outcome.row().get("destination_display_name")).isNull();
    assertThat(outcome.row().get("date_range_start"))
        .isEqualTo((int) LocalDate.of(2016, 9, 3).toEpochDay());
    assertThat(outcome.row().get("date_range_end"))
        .isEqualTo((int) LocalDate.of(2016, 10, 1).toEpochDay());
    assertThat(outcome.row().get("days")).isEqualTo("Every day");
    assertThat(outcome.row().get("aggregation")).isEqualTo("Daily Average");
    assertThat(outcome.row().get("mean_travel_time_seconds")).isEqualTo(446.0);
    assertThat(outcome.row().get("travel_distance_meters")).isNull();
    assertThat(outcome.row().get("source_file")).isEqualTo("travel_times_paris.csv");
  }

  @Test
  void threeEmptyTravelTimesAreNoRowAndCounted() {
    List<String> allEmpty = with(5, "");
    allEmpty.set(6, "");
    allEmpty.set(7, " ");

    Outcomes outcomes = UberRowParser.parse(HEADER, allEmpty, NO_CITY, "travel_times_paris.csv");

    assertThat(outcomes.outcomes()).isEmpty();
    assertThat(outcomes.emptyTravelTimes()).isEqualTo(1);
  }

  @Test
  void partlyEmptyTravelTimesAreQuarantined() {
    List<String> twoEmpty = with(6, "");
    twoEmpty.set(7, "");

    assertThat(parse(with(5, "")).rejection())
        .isEqualTo(
            new Rejection(
                Reason.PARTIAL_TRAVEL_TIMES,
                "mean_travel_time_seconds empty while range_lower_bound_travel_time_seconds,"
                    + " range_upper_bound_travel_time_seconds are not"));
    assertThat(parse(twoEmpty).rejection())
        .isEqualTo(
            new Rejection(
                Reason.PARTIAL_TRAVEL_TIMES,
                "range_lower_bound_travel_time_seconds, range_upper_bound_travel_time_seconds"
                    + " empty while mean_travel_time_seconds is not"));
  }

  @Test
  void nonNumericTimeIsQuarantined() {
    assertThat(parse(with(5, "abc")).rejection().reason()).isEqualTo(Reason.INVALID_TRAVEL_TIME);
    assertThat(parse(with(6, "NaN")).rejection().reason()).isEqualTo(Reason.INVALID_TRAVEL_TIME);
    assertThat(parse(with(7, "-5")).rejection().reason()).isEqualTo(Reason.INVALID_TRAVEL_TIME);
    assertThat(parse(with(7, "12d")).rejection().reason()).isEqualTo(Reason.INVALID_TRAVEL_TIME);
    assertThat(parse(with(5, "abc")).rejection().detail())
        .contains("mean_travel_time_seconds")
        .contains("'abc'");
  }

  @Test
  void lowerBoundAboveUpperIsQuarantined() {
    Outcome outcome = parse(with(6, "900"));

    assertThat(outcome.isValid()).isFalse();
    assertThat(outcome.rejection().reason()).isEqualTo(Reason.LOWER_BOUND_ABOVE_UPPER_BOUND);
  }

  @Test
  void unparseableRangeIsQuarantined() {
    assertThat(parse(with(4, "September 2016")).rejection().reason())
        .isEqualTo(Reason.INVALID_DATE_RANGE);
    assertThat(parse(with(4, "")).rejection().reason()).isEqualTo(Reason.MISSING_DATE_RANGE);
  }

  @Test
  void missingIdsAreQuarantined() {
    assertThat(parse(with(0, " ")).rejection().reason())
        .isEqualTo(Reason.MISSING_ORIGIN_MOVEMENT_ID);
    assertThat(parse(with(2, "")).rejection().reason())
        .isEqualTo(Reason.MISSING_DESTINATION_MOVEMENT_ID);
    assertThat(parse(with(1, "")).rejection().reason())
        .isEqualTo(Reason.MISSING_ORIGIN_DISPLAY_NAME);
  }

  @Test
  void aRowOfTheWrongLengthIsQuarantined() {
    assertThat(parse(GOOD.subList(0, 8)).rejection().reason()).isEqualTo(Reason.WRONG_FIELD_COUNT);
  }

  @Test
  void aDailyRowIsARowPerPeriodWithValuesAndItsEmptyPeriodIsCounted() {
    Outcomes outcomes = parseDaily(DAILY_0125);

    assertThat(outcomes.emptyTravelTimes()).isEqualTo(1);
    assertThat(outcomes.outcomes())
        .extracting(o -> UberRows.partitionOf(o.row()))
        .containsOnly("city=bengaluru/year=2018/month=01/day=25");
    assertThat(outcomes.outcomes())
        .extracting(
            o ->
                List.of(
                    o.row().get("time_of_day"),
                    o.row().get("mean_travel_time_seconds"),
                    o.row().get("lower_bound_travel_time_seconds"),
                    o.row().get("upper_bound_travel_time_seconds")))
        .containsExactly(
            List.of("Daily Average", 1768.0, 1345.0, 2324.0),
            List.of("AM", 1683.0, 1415.0, 2000.0),
            List.of("Midday", 1875.0, 1467.0, 2397.0),
            List.of("Evening", 1976.0, 1533.0, 2547.0),
            List.of("Early Morning", 1454.0, 1180.0, 1792.0));
    int day = (int) LocalDate.of(2018, 1, 25).toEpochDay();
    for (Outcome outcome : outcomes.outcomes()) {
      assertThat(outcome.row().get("date_range")).isEqualTo("01/25/2018");
      assertThat(outcome.row().get("date_range_start")).isEqualTo(day);
      assertThat(outcome.row().get("date_range_end")).isEqualTo(day);
      assertThat(outcome.row().get("days")).isNull();
      assertThat(outcome.row().get("aggregation")).isNull();
      assertThat(outcome.row().get("origin_movement_id")).isEqualTo("89");
      assertThat(outcome.row().get("destination_movement_id")).isEqualTo("169");
      assertThat(outcome.row().get("destination_display_name"))
          .isEqualTo("Whitefield, Bengaluru, Karnataka");
      assertThat(List.of(outcome.row().get("year"), outcome.row().get("month")))
          .isEqualTo(List.of(2018, 1));
      assertThat(outcome.row().get("day")).isEqualTo(25);
    }
  }

  @Test
  void aDailyPeriodsFaultRejectsThatPeriodOnly() {
    List<String> values = daily(9, ""); // AM lower bound
    values.set(14, "12d"); // Midday mean
    values.set(19, "1000"); // Evening upper bound, under its lower bound 1533

    Outcomes outcomes = parseDaily(values);

    assertThat(outcomes.emptyTravelTimes()).isEqualTo(1);
    assertThat(outcomes.outcomes())
        .extracting(o -> o.isValid() ? o.row().get("time_of_day") : o.rejection())
        .containsExactly(
            "Daily Average",
            new Rejection(
                Reason.PARTIAL_TRAVEL_TIMES,
                "am_range_lower_bound_travel_time_seconds empty while am_mean_travel_time_seconds,"
                    + " am_range_upper_bound_travel_time_seconds are not"),
            new Rejection(
                Reason.INVALID_TRAVEL_TIME,
                "midday_mean_travel_time_seconds is not a non-negative number: '12d'"),
            new Rejection(
                Reason.LOWER_BOUND_ABOVE_UPPER_BOUND,
                "evening_range_lower_bound_travel_time_seconds 1533.0 s is above"
                    + " evening_range_upper_bound_travel_time_seconds 1000.0 s"),
            "Early Morning");
  }

  @Test
  void aDailyRowsOwnFaultRejectsItOnce() {
    assertThat(parseDaily(daily(0, "2018-01-25")).outcomes())
        .extracting(Outcome::rejection)
        .containsExactly(
            new Rejection(
                Reason.INVALID_DATE, "not a date like '01/25/2018' (M/D/YYYY): 2018-01-25"));
    assertThat(parseDaily(daily(0, "02/30/2018")).outcomes())
        .extracting(Outcome::rejection)
        .containsExactly(new Rejection(Reason.INVALID_DATE, "not a date (M/D/YYYY): 02/30/2018"));
    assertThat(parseDaily(daily(0, " ")).outcomes())
        .extracting(Outcome::rejection)
        .containsExactly(new Rejection(Reason.MISSING_DATE, "empty date"));
    assertThat(parseDaily(daily(1, "")).outcomes())
        .extracting(o -> o.rejection().reason())
        .containsExactly(Reason.MISSING_ORIGIN_MOVEMENT_ID);
    Outcomes shortRow = parseDaily(DAILY_0125.subList(0, 22));
    assertThat(shortRow.outcomes())
        .extracting(o -> o.rejection().reason())
        .containsExactly(Reason.WRONG_FIELD_COUNT);
    assertThat(shortRow.emptyTravelTimes()).isZero();
  }

  @Test
  void aDailyRowWithNoValueIsNoRowAtAll() {
    List<String> values = new ArrayList<>(DAILY_0125.subList(0, 5));
    values.addAll(Collections.nCopies(18, ""));

    Outcomes outcomes = parseDaily(values);

    assertThat(outcomes.outcomes()).isEmpty();
    assertThat(outcomes.emptyTravelTimes()).isEqualTo(6);
  }

  @Test
  void cityOptionWinsThenTheColumnThenTheFileName() {
    assertThat(partition(GOOD, new CityRule("lyon", "marseille"))).startsWith("city=lyon/");
    assertThat(partition(GOOD, new CityRule(null, "marseille"))).startsWith("city=paris/");
    assertThat(partition(with(8, ""), new CityRule(null, "marseille")))
        .startsWith("city=marseille/");
    assertThat(parse(with(8, "")).rejection().reason()).isEqualTo(Reason.MISSING_CITY);
  }

  private static String partition(List<String> values, CityRule cities) {
    return UberRows.partitionOf(
        UberRowParser.parse(HEADER, values, cities, "f").outcomes().get(0).row());
  }

  @Test
  void aCityColumnCannotEscapeTheTable() {
    assertThat(UberRows.partitionOf(parse(with(8, "../../etc/Bogotá")).row()))
        .isEqualTo("city=etc_bogota/year=2016/month=09/day=03");
  }
}
