package io.medallion.lake.uber;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.LocalDate;
import org.junit.jupiter.api.Test;

class DateRangeTest {

  @Test
  void threePartsUnpaddedGiveDaysAndAggregation() {
    DateRange r = DateRange.parse("3/1/2020 - 3/31/2020, Every day, Daily Average");

    assertThat(r)
        .isEqualTo(
            new DateRange(
                LocalDate.of(2020, 3, 1), LocalDate.of(2020, 3, 31), "Every day", "Daily Average"));
  }

  @Test
  void zeroPaddedDates() {
    DateRange r = DateRange.parse("07/31/2016 - 08/28/2016, Every day, Daily Average");

    assertThat(r.start()).isEqualTo(LocalDate.of(2016, 7, 31));
    assertThat(r.end()).isEqualTo(LocalDate.of(2016, 8, 28));
  }

  @Test
  void twoPartsWithAggregationOnly() {
    DateRange r = DateRange.parse("1/1/2018 - 1/31/2018, Daily Average");

    assertThat(r.days()).isNull();
    assertThat(r.aggregation()).isEqualTo("Daily Average");
  }

  @Test
  void twoPartsWithDaysOnly() {
    DateRange r = DateRange.parse("1/1/2018 - 1/31/2018, Every day");

    assertThat(r.days()).isEqualTo("Every day");
    assertThat(r.aggregation()).isNull();
  }

  @Test
  void onePartIsJustTheDates() {
    DateRange r = DateRange.parse("1/1/2018 - 1/31/2018");

    assertThat(r.start()).isEqualTo(LocalDate.of(2018, 1, 1));
    assertThat(r.days()).isNull();
    assertThat(r.aggregation()).isNull();
  }

  @Test
  void spacingAroundTheDashAndCommasVaries() {
    DateRange r = DateRange.parse(" 1/1/2018-1/31/2018 ,Weekdays only,  AM Peak ");

    assertThat(r)
        .isEqualTo(
            new DateRange(
                LocalDate.of(2018, 1, 1), LocalDate.of(2018, 1, 31), "Weekdays only", "AM Peak"));
  }

  @Test
  void aTimeOfDayAloneIsAnAggregation() {
    assertThat(DateRange.parse("1/1/2018 - 1/31/2018, Midday").aggregation()).isEqualTo("Midday");
  }

  @Test
  void rejectsWhatIsNotADateRange() {
    assertThatThrownBy(() -> DateRange.parse("01/01/2018"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not a date range");
    assertThatThrownBy(() -> DateRange.parse("2020-03-01 - 2020-03-31"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> DateRange.parse(""))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("empty");
    assertThatThrownBy(() -> DateRange.parse("1/1/2018 - 1/31/2018, Every day, Daily Average, x"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void rejectsImpossibleDatesAndBackwardRanges() {
    assertThatThrownBy(() -> DateRange.parse("2/30/2020 - 3/31/2020"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("2/30/2020");
    assertThatThrownBy(() -> DateRange.parse("13/1/2020 - 3/31/2020"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> DateRange.parse("3/31/2020 - 3/1/2020, Every day"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("ends before it starts");
  }

  @Test
  void aSingleDayIsTheRangeOfThatDay() {
    assertThat(DateRange.day("01/25/2018"))
        .isEqualTo(new DateRange(LocalDate.of(2018, 1, 25), LocalDate.of(2018, 1, 25), null, null));
    assertThat(DateRange.day(" 1/5/2018 ").start()).isEqualTo(LocalDate.of(2018, 1, 5));
  }

  @Test
  void aSingleDayThatIsNotOneDateIsRefused() {
    assertThatThrownBy(() -> DateRange.day("2018-01-25"))
        .hasMessage("not a date like '01/25/2018' (M/D/YYYY): 2018-01-25");
    assertThatThrownBy(() -> DateRange.day("02/30/2018"))
        .hasMessage("not a date (M/D/YYYY): 02/30/2018");
    assertThatThrownBy(() -> DateRange.day("1/1/2018 - 1/31/2018"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> DateRange.day("")).hasMessage("empty date");
  }
}
