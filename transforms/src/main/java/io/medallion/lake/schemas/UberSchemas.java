package io.medallion.lake.schemas;

import java.util.List;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;

/**
 * The Uber Movement travel-times table's columns (DESIGN.md, "Uber Movement travel times"), defined
 * once for the Parquet writer, the query tool and the Glue table.
 */
public final class UberSchemas {
  private UberSchemas() {}

  private static Schema date() {
    return LogicalTypes.date().addToSchema(Schema.create(Schema.Type.INT));
  }

  /**
   * Silver {@code uber_movements}. Movement ids are text, as in Uber's boundary files ({@code
   * MOVEMENT_ID}); travel times are seconds as doubles; extras a file may carry (travel distance,
   * geometry, day of week, time of day) are null when it does not.
   */
  public static final Schema SILVER_UBER_MOVEMENT =
      SchemaBuilder.record("SilverUberMovement")
          .namespace("io.medallion.lake")
          .fields()
          .requiredString("origin_movement_id")
          .requiredString("origin_display_name")
          .requiredString("destination_movement_id")
          .optionalString("destination_display_name")
          .requiredString("date_range")
          .name("date_range_start")
          .type(date())
          .noDefault()
          .name("date_range_end")
          .type(date())
          .noDefault()
          .optionalString("days")
          .optionalString("aggregation")
          .optionalDouble("mean_travel_time_seconds")
          .optionalDouble("lower_bound_travel_time_seconds")
          .optionalDouble("upper_bound_travel_time_seconds")
          .optionalDouble("travel_distance_meters")
          .optionalString("origin_geometry")
          .optionalString("destination_geometry")
          .optionalString("day_of_week")
          .optionalString("time_of_day")
          .requiredString("source_file")
          .endRecord();

  public static final List<String> SILVER_UBER_MOVEMENT_PARTITIONS =
      List.of("city", "year", "month", "day");
}
