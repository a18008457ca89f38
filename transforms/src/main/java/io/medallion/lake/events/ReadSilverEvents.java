package io.medallion.lake.events;

import io.medallion.lake.io.Counts;
import io.medallion.lake.io.ParquetFiles;
import io.medallion.lake.layout.LakeLayout;
import io.medallion.lake.schemas.EventSchemas;
import java.io.IOException;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.avro.generic.GenericRecord;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.extensions.avro.coders.AvroCoder;
import org.apache.beam.sdk.io.FileIO;
import org.apache.beam.sdk.io.fs.EmptyMatchTreatment;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.Reshuffle;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PBegin;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.TupleTagList;
import org.apache.parquet.hadoop.ParquetReader;

/**
 * Reads the silver event rows that gold promotes for some dates: the silver hours of each date's
 * {@link GoldWindow}, keeping a row for date D when it was created on D and arrived inside D's
 * window. Outputs {@link #ROWS} keyed by {@code date=YYYY-MM-DD}; counts, per date, the rows
 * scanned in its window and the rows read for it.
 */
public final class ReadSilverEvents extends PTransform<PBegin, PCollectionTuple> {
  public static final TupleTag<KV<String, GenericRecord>> ROWS = new TupleTag<>() {};
  public static final TupleTag<KV<String, Long>> COUNTS = new TupleTag<>() {};
  public static final String SCANNED = "scanned";

  private static final Pattern SILVER_PATH =
      Pattern.compile(".*/dt=(\\d{4}-\\d{2}-\\d{2})/hour=(\\d{2})/[^/]+$");

  private final LakeLayout lake;
  private final List<LocalDate> dates;
  private final GoldWindow window;

  private ReadSilverEvents(LakeLayout lake, List<LocalDate> dates, GoldWindow window) {
    this.lake = lake;
    this.dates = dates;
    this.window = window;
  }

  public static ReadSilverEvents forDates(
      LakeLayout lake, List<LocalDate> dates, GoldWindow window) {
    return new ReadSilverEvents(lake, List.copyOf(dates), window);
  }

  @Override
  public PCollectionTuple expand(PBegin input) {
    List<String> patterns =
        window.hours(dates).stream()
            .map(
                h ->
                    lake.resolve(
                        LakeLayout.SILVER_EVENTS
                            + "/"
                            + LakeLayout.hourPartition(h)
                            + "/*.parquet"))
            .collect(Collectors.toList());
    PCollectionTuple result =
        input
            .apply("HourPatterns", Create.of(patterns))
            .apply(
                "MatchFiles", FileIO.matchAll().withEmptyMatchTreatment(EmptyMatchTreatment.ALLOW))
            .apply("OpenFiles", FileIO.readMatches())
            .apply("SpreadFiles", Reshuffle.viaRandomKey())
            .apply(
                "ReadRows",
                ParDo.of(new ReadSilverFileFn(dates, window))
                    .withOutputTags(ROWS, TupleTagList.of(COUNTS)));
    result
        .get(ROWS)
        .setCoder(KvCoder.of(StringUtf8Coder.of(), AvroCoder.of(EventSchemas.SILVER_EVENT)));
    result.get(COUNTS).setCoder(KvCoder.of(StringUtf8Coder.of(), VarLongCoder.of()));
    return result;
  }

  /** The arrival hour of a silver file, from {@code .../dt=YYYY-MM-DD/hour=HH/name}. */
  static Instant arrivalHourOf(String path) {
    Matcher m = SILVER_PATH.matcher(path);
    if (!m.matches()) {
      throw new IllegalArgumentException("not a silver events file: " + path);
    }
    return Instant.parse(m.group(1) + "T" + m.group(2) + ":00:00Z");
  }

  static final class ReadSilverFileFn extends DoFn<FileIO.ReadableFile, KV<String, GenericRecord>> {
    private final Set<LocalDate> dates;
    private final GoldWindow window;
    private transient Counts.InBundle counts;

    ReadSilverFileFn(List<LocalDate> dates, GoldWindow window) {
      this.dates = new HashSet<>(dates);
      this.window = window;
    }

    @StartBundle
    public void startBundle() {
      counts = new Counts.InBundle();
    }

    @ProcessElement
    public void process(@Element FileIO.ReadableFile file, MultiOutputReceiver out)
        throws IOException {
      Instant hour = arrivalHourOf(file.getMetadata().resourceId().toString());
      List<LocalDate> windowsHere = new ArrayList<>();
      for (LocalDate d : dates) {
        if (window.contains(d, hour)) {
          windowsHere.add(d);
        }
      }
      long scanned = 0;
      try (ParquetReader<GenericRecord> reader =
          ParquetFiles.open(file, EventSchemas.SILVER_EVENT)) {
        GenericRecord row;
        while ((row = reader.read()) != null) {
          scanned++;
          LocalDate created =
              LakeLayout.dateOf(EventEnrichment.instantOfMicros((Long) row.get("created_at")));
          if (windowsHere.contains(created)) {
            String partition = LakeLayout.datePartition(created);
            counts.add(partition, Counts.READ, 1);
            out.get(ROWS).output(KV.of(partition, row));
          }
        }
      }
      for (LocalDate d : windowsHere) {
        counts.add(LakeLayout.datePartition(d), SCANNED, scanned);
      }
    }

    @FinishBundle
    public void finishBundle(FinishBundleContext context) {
      counts.flush(context, COUNTS);
    }
  }
}
