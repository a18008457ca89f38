package io.medallion.lake.uber;

import static org.assertj.core.api.Assertions.assertThat;

import io.medallion.lake.uber.UberRowParser.CityRule;
import io.medallion.lake.uber.UberRowParser.Outcome;
import io.medallion.lake.uber.UberRowParser.Reason;
import java.time.LocalDate;
import java.util.ArrayList;
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

  private static List<String> with(int column, String value) {
    List<String> values = new ArrayList<>(GOOD);
    values.set(column, value);
    return values;
  }

  private static Outcome parse(List<String> values) {
    return UberRowParser.parse(HEADER, values, NO_CITY, "travel_times_paris.csv");
  }

  @Test
  void aGoodRowWithAnEmptyDestinationNameKeepsANull() {
    Outcome outcome = parse(GOOD);

    assertThat(outcome.isValid()).isTrue();
    assertThat(outcome.partition()).isEqualTo("city=paris/year=2016/month=09/day=03");
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
  void emptyTravelTimesAreNulls() {
    Outcome outcome = parse(with(5, "").subList(0, 9));
    List<String> allEmpty = with(5, "");
    allEmpty.set(6, "");
    allEmpty.set(7, " ");

    assertThat(outcome.row().get("mean_travel_time_seconds")).isNull();
    assertThat(parse(allEmpty).row().get("upper_bound_travel_time_seconds")).isNull();
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
  void cityOptionWinsThenTheColumnThenTheFileName() {
    assertThat(
            UberRowParser.parse(HEADER, GOOD, new CityRule("lyon", "marseille"), "f").partition())
        .startsWith("city=lyon/");
    assertThat(UberRowParser.parse(HEADER, GOOD, new CityRule(null, "marseille"), "f").partition())
        .startsWith("city=paris/");
    assertThat(
            UberRowParser.parse(HEADER, with(8, ""), new CityRule(null, "marseille"), "f")
                .partition())
        .startsWith("city=marseille/");
    assertThat(parse(with(8, "")).rejection().reason()).isEqualTo(Reason.MISSING_CITY);
  }

  @Test
  void aCityColumnCannotEscapeTheTable() {
    assertThat(parse(with(8, "../../etc/Bogotá")).partition())
        .isEqualTo("city=etc_bogota/year=2016/month=09/day=03");
  }
}
