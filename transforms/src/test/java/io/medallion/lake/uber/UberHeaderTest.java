package io.medallion.lake.uber;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.medallion.lake.uber.UberHeader.Field;
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
    List<String> names = new java.util.ArrayList<>(SNAKE_CASE);
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
    List<String> names = new java.util.ArrayList<>(TITLE_CASE);
    names.add("Notes");

    assertThat(UberHeader.of(names).ignored()).containsExactly("Notes");
  }

  @Test
  void theDailyFileIsOfAnotherShape() {
    List<String> daily =
        List.of(
            "Date",
            "Origin Movement ID",
            "Origin Display Name",
            "Destination Movement ID",
            "Destination Display Name",
            "Daily Mean Travel Time (Seconds)",
            "Daily Range - Lower Bound Travel Time (Seconds)",
            "Daily Range - Upper Bound Travel Time (Seconds)");

    assertThatThrownBy(() -> UberHeader.of(daily))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("no date_range, mean_travel_time_seconds")
        .hasMessageContaining("\"Date\"");
  }

  @Test
  void aFieldNamedTwiceIsAnotherShape() {
    List<String> names = new java.util.ArrayList<>(TITLE_CASE);
    names.add("TravelDistance (meters)");
    names.add("Travel Distance (Meters)");

    assertThatThrownBy(() -> UberHeader.of(names))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("two columns hold travel_distance_meters");
  }
}
