package io.medallion.lake.events;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.medallion.lake.io.BronzeRecord;
import io.medallion.lake.io.Counts;
import io.medallion.lake.layout.LakeLayout;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.TupleTagList;

/**
 * Validates raw bronze records ({@link EventParser}). Valid ones come out as {@link #EVENTS}; every
 * other one becomes a quarantine line ({@link #QUARANTINE}, keyed by its arrival-hour partition)
 * holding the raw record, the reason and the source. Each record read is counted once, as read and,
 * when rejected, as quarantined for its reason ({@link #COUNTS}).
 */
public final class ParseEvents extends PTransform<PCollection<BronzeRecord>, PCollectionTuple> {
  public static final TupleTag<ParsedEvent> EVENTS = new TupleTag<>() {};
  public static final TupleTag<KV<String, String>> QUARANTINE = new TupleTag<>() {};
  public static final TupleTag<KV<String, Long>> COUNTS = new TupleTag<>() {};

  public static ParseEvents create() {
    return new ParseEvents();
  }

  @Override
  public PCollectionTuple expand(PCollection<BronzeRecord> input) {
    PCollectionTuple result =
        input.apply(
            "Validate",
            ParDo.of(new ParseEventFn())
                .withOutputTags(EVENTS, TupleTagList.of(QUARANTINE).and(COUNTS)));
    result.get(EVENTS).setCoder(ParsedEvent.Coder.of());
    result.get(QUARANTINE).setCoder(KvCoder.of(StringUtf8Coder.of(), StringUtf8Coder.of()));
    result.get(COUNTS).setCoder(KvCoder.of(StringUtf8Coder.of(), VarLongCoder.of()));
    return result;
  }

  /**
   * The quarantine line of a rejected record: reason, detail, source ({@code file:line}), byte
   * offset, arrival hour, and the raw record exactly: as {@code raw} text when it is UTF-8, else as
   * {@code raw_base64}.
   */
  public static String quarantineLine(BronzeRecord record, EventParser.Rejection rejection) {
    ObjectNode line = JsonNodeFactory.instance.objectNode();
    line.put("reason", rejection.reason().code());
    line.put("detail", rejection.detail());
    line.put("source", record.source());
    line.put("offset", record.offset());
    line.put("arrival_hour", record.arrivalHour().toString());
    try {
      line.put(
          "raw",
          StandardCharsets.UTF_8
              .newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .decode(ByteBuffer.wrap(record.bytes()))
              .toString());
    } catch (CharacterCodingException e) {
      // Not UTF-8: keep the bytes exactly rather than a lossy decoding.
      line.put("raw_base64", Base64.getEncoder().encodeToString(record.bytes()));
    }
    return line.toString();
  }

  static final class ParseEventFn extends DoFn<BronzeRecord, ParsedEvent> {
    private final Counter valid = Metrics.counter(ParseEvents.class, "events_valid");
    private final Counter rejected = Metrics.counter(ParseEvents.class, "events_quarantined");
    private transient Counts.InBundle counts;

    @StartBundle
    public void startBundle() {
      counts = new Counts.InBundle();
    }

    @ProcessElement
    public void process(@Element BronzeRecord record, MultiOutputReceiver out) {
      String partition = LakeLayout.hourPartition(record.arrivalHour());
      counts.add(partition, Counts.READ, 1);
      EventParser.Outcome outcome =
          record.rejection() != null
              ? new EventParser.Outcome(null, record.rejection())
              : EventParser.parse(record.bytes(), record.arrivalHour());
      if (outcome.isValid()) {
        valid.inc();
        out.get(EVENTS).output(outcome.event());
      } else {
        rejected.inc();
        counts.add(partition, Counts.quarantined(outcome.rejection().reason().code()), 1);
        out.get(QUARANTINE).output(KV.of(partition, quarantineLine(record, outcome.rejection())));
      }
    }

    @FinishBundle
    public void finishBundle(FinishBundleContext context) {
      counts.flush(context, COUNTS);
    }
  }
}
