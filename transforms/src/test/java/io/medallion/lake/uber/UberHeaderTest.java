package io.medallion.lake.uber;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.medallion.lake.uber.UberHeader.Field;
import io.medallion.lake.uber.UberHeader.TravelTimes;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class UberHeaderTest {
  private static final List<String> TITLE_CASE =
      List.of(
          "Origin Movement ID",
          "Origin Display Name",
          "Destination Movement ID",
          "Destination Display Name",
          "Date Range",
          "Mean Travel Time (Seconds)",
          "Range - Lower Bound Travel Time (Seconds)",
          "Range - Upper Bound Travel Time (Seconds)");

  private static final List<String> SNAKE_CASE =
      List.of(
          "origin_movement_id",
          "origin_display_name",
          "destination_movement_id",
          "destination_display_name",
          "date_range",
          "mean_travel_time_seconds",
          "range_lower_bound_travel_time_seconds",
          "range_upper_bound_travel_time_seconds");

  @Test
  void titleCaseHeaderNamesTheFields() {
    UberHeader header = UberHeader.of(TITLE_CASE);

    assertThat(header.indexOf(Field.ORIGIN_MOVEMENT_ID)).isZero();
    assertThat(header.indexOf(Field.DATE_RANGE)).isEqualTo(4);
    assertThat(header.indexOf(Field.MEAN_TRAVEL_TIME_SECONDS)).isEqualTo(5);
    assertThat(header.indexOf(Field.LOWER_BOUND_TRAVEL_TIME_SECONDS)).isEqualTo(6);
    assertThat(header.indexOf(Field.UPPER_BOUND_TRAVEL_TIME_SECONDS)).isEqualTo(7);
    assertThat(header.has(Field.CITY)).isFalse();
    assertThat(header.ignored()).isEmpty();
  }

  @Test
  void snakeCaseHeaderWithCityColumn() {
    List<String> names = new ArrayList<>(SNAKE_CASE);
    names.add("city");

    UberHeader header = UberHeader.of(names);

    assertThat(header.indexOf(Field.LOWER_BOUND_TRAVEL_TIME_SECONDS)).isEqualTo(6);
    assertThat(header.indexOf(Field.CITY)).isEqualTo(8);
  }

  @Test
  void travelDistanceInEverySpelling() {
    assertThat(UberHeader.fieldOf("TravelDistance (meters)"))
        .isEqualTo(Field.TRAVEL_DISTANCE_METERS);
    assertThat(UberHeader.fieldOf("TravelDistance (Meters)"))
        .isEqualTo(Field.TRAVEL_DISTANCE_METERS);
    assertThat(UberHeader.fieldOf("Travel Distance (Meters)"))
        .isEqualTo(Field.TRAVEL_DISTANCE_METERS);
    assertThat(UberHeader.fieldOf("travel_distance_meters"))
        .isEqualTo(Field.TRAVEL_DISTANCE_METERS);
  }

  @Test
  void dayOfWeekTimeOfDayAndGeometryInEitherCase() {
    assertThat(UberHeader.fieldOf("Day Of Week")).isEqualTo(Field.DAY_OF_WEEK);
    assertThat(UberHeader.fieldOf("Time Of Day")).isEqualTo(Field.TIME_OF_DAY);
    assertThat(UberHeader.fieldOf("Origin Geometry")).isEqualTo(Field.ORIGIN_GEOMETRY);
    assertThat(UberHeader.fieldOf("origin_geometry")).isEqualTo(Field.ORIGIN_GEOMETRY);
    assertThat(UberHeader.fieldOf("Destination Geometry")).isEqualTo(Field.DESTINATION_GEOMETRY);
  }

  @Test
  void aByteOrderMarkOrPaddingDoesNotHideAName() {
    assertThat(UberHeader.fieldOf("\uFEFFOrigin Movement ID")).isEqualTo(Field.ORIGIN_MOVEMENT_ID);
    assertThat(UberHeader.fieldOf("  Date Range ")).isEqualTo(Field.DATE_RANGE);
  }

  @Test
  void unknownColumnsAreIgnoredAndListed() {
    List<String> names = new ArrayList<>(TITLE_CASE);
    names.add("Notes");

    assertThat(UberHeader.of(names).ignored()).containsExactly("Notes");
  }

  private static final List<String> DAILY = UberRows.DAILY_HEADER;

  @Test
  void theOtherExportsHaveOnePlainGroup() {
    assertThat(UberHeader.of(TITLE_CASE).travelTimes())
        .containsExactly(new TravelTimes(null, 5, 6, 7));
    assertThat(UberHeader.of(SNAKE_CASE).travelTimes())
        .containsExactly(new TravelTimes(null, 5, 6, 7));
  }

  @Test
  void theDailyExportHasAGroupPerPeriodAndADate() {
    UberHeader header = UberHeader.of(DAILY);

    assertThat(header.indexOf(Field.DATE)).isZero();
    assertThat(header.has(Field.DATE_RANGE)).isFalse();
    assertThat(header.travelTimes())
        .containsExactly(
            new TravelTimes("Daily Average", 5, 6, 7),
            new TravelTimes("AM", 8, 9, 10),
            new TravelTimes("PM", 11, 12, 13),
            new TravelTimes("Midday", 14, 15, 16),
            new TravelTimes("Evening", 17, 18, 19),
            new TravelTimes("Early Morning", 20, 21, 22));
    assertThat(header.ignored()).isEmpty();
  }

  @Test
  void theDailyExportInSnakeCaseToo() {
    List<String> snake = DAILY.stream().map(UberHeader::snakeCase).toList();

    assertThat(UberHeader.of(snake).travelTimes()).isEqualTo(UberHeader.of(DAILY).travelTimes());
  }

  @Test
  void aPeriodGroupWithoutOneOfItsColumnsIsAnotherShape() {
    List<String> names = new ArrayList<>(DAILY);
    names.remove("PM Range - Upper Bound Travel Time (Seconds)");

    assertThatThrownBy(() -> UberHeader.of(names))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(
            "no pm_range_upper_bound_travel_time_seconds column beside the other pm travel times")
        .hasMessageContaining("\"Date\"");
  }

  @Test
  void aPlainGroupWithoutOneOfItsColumnsIsAnotherShape() {
    List<String> names = new ArrayList<>(TITLE_CASE);
    names.remove("Range - Lower Bound Travel Time (Seconds)");

    assertThatThrownBy(() -> UberHeader.of(names))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith(
            "not an Uber Movement travel-times file: no lower_bound_travel_time_seconds column;");
  }

  @Test
  void theHourlyAggregateExportIsAnotherShape() {
    // Uber Movement's other bulk download: zone ids and the hour of day, no names, no dates.
    List<String> hourly =
        List.of(
            "sourceid",
            "dstid",
            "hod",
            "mean_travel_time",
            "standard_deviation_travel_time",
            "geometric_mean_travel_time",
            "geometric_standard_deviation_travel_time");

    assertThatThrownBy(() -> UberHeader.of(hourly))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(
            "no origin_movement_id, origin_display_name, destination_movement_id,"
                + " destination_display_name, date_range, mean_travel_time_seconds,"
                + " lower_bound_travel_time_seconds, upper_bound_travel_time_seconds column")
        .hasMessageContaining("\"sourceid\"");
  }

  @Test
  void aDateAndADateRangeOrATimeOfDayAndPeriodsAreAnotherShape() {
    List<String> bothDates = new ArrayList<>(TITLE_CASE);
    bothDates.add("Date");
    List<String> timeOfDayAndPeriods = new ArrayList<>(DAILY);
    timeOfDayAndPeriods.add("Time Of Day");

    assertThatThrownBy(() -> UberHeader.of(bothDates))
        .hasMessageContaining("both a date_range and a date column");
    assertThatThrownBy(() -> UberHeader.of(timeOfDayAndPeriods))
        .hasMessageContaining("both a time_of_day column and travel times per period");
  }

  @Test
  void anotherPrefixedMeasureIsAnIgnoredColumn() {
    List<String> names = new ArrayList<>(TITLE_CASE);
    names.add("Geometric Mean Travel Time (Seconds)");

    UberHeader header = UberHeader.of(names);

    assertThat(header.ignored()).containsExactly("Geometric Mean Travel Time (Seconds)");
    assertThat(header.travelTimes()).hasSize(1);
  }

  @Test
  void aFieldNamedTwiceIsAnotherShape() {
    List<String> names = new ArrayList<>(TITLE_CASE);
    names.add("TravelDistance (meters)");
    names.add("Travel Distance (Meters)");

    assertThatThrownBy(() -> UberHeader.of(names))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("two columns hold travel_distance_meters");
  }
}
