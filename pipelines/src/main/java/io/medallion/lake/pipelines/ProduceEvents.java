package io.medallion.lake.pipelines;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.medallion.lake.layout.LakeLayout;
import io.medallion.lake.pipelines.options.Args;
import io.medallion.lake.pipelines.options.EventMixOptions;
import io.medallion.lake.pipelines.options.LakeOptions;
import io.medallion.lake.pipelines.options.Lakes;
import io.medallion.lake.producer.EventGenerator;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.channels.Channels;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.ResourceId;
import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.PipelineOptionsFactory;

/**
 * The dummy producer: writes a seeded, realistic event stream ({@link EventGenerator}: learners'
 * events naming them by {@code user_id}, devices' by {@code device_id}) into the bronze layer as a
 * Kinesis Firehose would, JSON lines by arrival hour in {@code bronze/events/YYYY/MM/DD/HH/},
 * several files an hour. Not a Beam pipeline: it only writes files, through Beam's filesystems so
 * that {@code --lake=s3://...} works too.
 *
 * <pre>{@code
 * mvn -pl runners -am test-compile exec:java -Dexec.args="produce --events=100000 --hours=6 --start=2026-01-01T00"
 * java -jar runners/target/lake.jar produce --events=20000 --hours=2 --lake=/tmp/lake
 * }</pre>
 */
public final class ProduceEvents {
  private static final DateTimeFormatter FIREHOSE_TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd-HH-mm-ss", Locale.ROOT).withZone(ZoneOffset.UTC);

  private ProduceEvents() {}

  public interface Options extends LakeOptions, EventMixOptions {
    @Description("Distinct valid events to generate.")
    @Default.Long(100_000)
    long getEvents();

    void setEvents(long value);

    @Description("First arrival hour (UTC), like 2026-01-01T00.")
    @Default.String("2026-01-01T00")
    String getStart();

    void setStart(String value);

    @Description("Arrival hours to spread the events over (so the rate is events / hours).")
    @Default.Integer(6)
    int getHours();

    void setHours(int value);

    @Description("Bronze files per arrival hour (like a Firehose buffer interval of 60/N minutes).")
    @Default.Integer(12)
    int getFilesPerHour();

    void setFilesPerHour(int value);
  }

  public static void main(String[] args) throws IOException {
    Options options = PipelineOptionsFactory.fromArgs(args).withValidation().as(Options.class);
    EventGenerator.Summary summary = run(options);
    System.out.println(describe(summary));
  }

  public static EventGenerator.Settings settings(Options options) {
    return EventMixOptions.settings(
        options, options.getEvents(), Args.hour("--start", options.getStart()), options.getHours());
  }

  public static EventGenerator.Summary run(Options options) throws IOException {
    EventGenerator.Settings settings = settings(options);
    int filesPerHour = Args.positive("--filesPerHour", options.getFilesPerHour());
    if (60 % filesPerHour != 0) {
      throw new IllegalArgumentException("--filesPerHour: must divide 60, got " + filesPerHour);
    }
    LakeLayout lake = Lakes.create(options, options.getLake());
    EventGenerator.Summary summary;
    try (BronzeFileWriter writer = new BronzeFileWriter(lake, filesPerHour, settings.seed())) {
      summary = new EventGenerator(settings).generate(writer::write);
    }
    writeSummary(lake, settings, summary);
    return summary;
  }

  public static String describe(EventGenerator.Summary s) {
    return String.format(
        Locale.ROOT,
        "Produced %,d records over %d hour(s): %,d distinct valid events, %,d duplicates"
            + " (%,d re-stamped, %,d of them across midnight), %,d malformed %s, %,d late",
        s.records,
        s.recordsByArrivalHour.size(),
        s.validEvents,
        s.duplicateRecords,
        s.restampedRecords,
        s.restampedAcrossMidnight,
        s.malformedRecords,
        s.malformedByKind,
        s.lateEvents);
  }

  private static void writeSummary(
      LakeLayout lake, EventGenerator.Settings settings, EventGenerator.Summary s)
      throws IOException {
    Map<String, Object> report = new LinkedHashMap<>();
    report.put("settings", settings.toString());
    report.put("records", s.records);
    report.put("distinct_valid_events", s.validEvents);
    report.put("duplicate_records", s.duplicateRecords);
    report.put("restamped_duplicates", s.restampedRecords);
    report.put("restamped_across_midnight", s.restampedAcrossMidnight);
    report.put("malformed_records", s.malformedRecords);
    report.put("late_events", s.lateEvents);
    report.put("learners", s.learners);
    report.put("valid_events_with_user_id", s.validEventsWithUserId);
    report.put("valid_events_with_device_id", s.validEventsWithDeviceId);
    report.put("malformed_by_kind", s.malformedByKind);
    Map<String, Long> byDate = new LinkedHashMap<>();
    s.validEventsByCreatedDate.forEach((d, n) -> byDate.put(d.toString(), n));
    report.put("valid_events_by_created_date", byDate);
    Map<String, Long> byHour = new LinkedHashMap<>();
    s.recordsByArrivalHour.forEach((h, n) -> byHour.put(h.toString(), n));
    report.put("records_by_arrival_hour", byHour);
    ResourceId target =
        FileSystems.matchNewResource(
            lake.resolve(LakeLayout.REPORTS + "/producer/seed=" + settings.seed() + ".json"),
            false);
    if (lake.isLocal()) {
      java.nio.file.Files.createDirectories(java.nio.file.Paths.get(target.toString()).getParent());
    }
    try (OutputStream out =
        Channels.newOutputStream(FileSystems.create(target, "application/json"))) {
      // Not writeValue(out, ...): Jackson would close the stream, and closing an S3 channel twice
      // completes its multipart upload twice, which S3 rejects.
      out.write(
          new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsBytes(report));
    }
  }

  /** Writes records, which come in arrival order, into one file per slice of an hour. */
  static final class BronzeFileWriter implements AutoCloseable {
    private final LakeLayout lake;
    private final int minutesPerFile;
    private final long seed;
    private Instant currentSlice;
    private OutputStream out;

    BronzeFileWriter(LakeLayout lake, int filesPerHour, long seed) {
      this.lake = lake;
      this.minutesPerFile = 60 / filesPerHour;
      this.seed = seed;
    }

    void write(EventGenerator.Record record) {
      try {
        Instant hour = record.arrival().truncatedTo(ChronoUnit.HOURS);
        long minute = ChronoUnit.MINUTES.between(hour, record.arrival());
        Instant slice = hour.plus((minute / minutesPerFile) * minutesPerFile, ChronoUnit.MINUTES);
        if (!slice.equals(currentSlice)) {
          open(hour, slice);
        }
        out.write(record.bytes());
        out.write('\n');
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    private void open(Instant hour, Instant slice) throws IOException {
      close();
      String name =
          String.format(
              Locale.ROOT,
              "lake-producer-1-%s-%08x.jsonl",
              FIREHOSE_TIME.format(slice),
              (int) (seed * 31 + slice.getEpochSecond()));
      String path = lake.bronzeEventsHour(hour) + "/" + name;
      if (lake.isLocal()) {
        java.nio.file.Files.createDirectories(java.nio.file.Paths.get(path).getParent());
      }
      out =
          new BufferedOutputStream(
              Channels.newOutputStream(
                  FileSystems.create(
                      FileSystems.matchNewResource(path, false), "application/x-ndjson")),
              1 << 16);
      currentSlice = slice;
    }

    @Override
    public void close() throws IOException {
      if (out != null) {
        out.close();
        out = null;
      }
    }
  }
}
