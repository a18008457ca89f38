package io.medallion.lake.producer;

import io.medallion.lake.layout.LakeLayout;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Random;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.Consumer;

/**
 * Generates a realistic, seeded event stream: {@code events} distinct valid events spread evenly
 * over {@code hours} arrival hours from {@code start}, of {@link EventCatalog} types, each about
 * one data subject, with
 *
 * <ul>
 *   <li>subjects: most events carry a {@code user_id}, a learner of a population of {@link
 *       #learners()} (one per {@value #EVENTS_PER_LEARNER} events) written {@code "u-0001234"};
 *       device-level events ({@code heartbeat}, {@code device:*}) carry a {@code device_id}
 *       instead, one of as many devices, written {@code "d-9f3a61c2"}. Activity is skewed, as in a
 *       real product: the most active 1% of learners (or devices) send about a tenth of the events,
 *       the most active 10% about a third; which ids are the active ones depends on the seed
 *       ({@link #learnerId(long)} names them by rank). Malformed records that still look like an
 *       object or an array carry a subject too, as a broken client's events do;
 *   <li>duplicates: a share of events is sent again up to 15 minutes later (as a Kinesis producer's
 *       retry does), sometimes in the next hour: byte for byte, or, for a share of them, with
 *       {@code created_at} re-stamped up to {@code restampMaxSeconds} later (as a client that
 *       rebuilds the event on retry does), which can move the copy past midnight;
 *   <li>out-of-order and late {@code created_at}: events are created up to 90 s before they arrive,
 *       and a share up to 3 hours before (never before {@code start});
 *   <li>malformed records: a share of extra records that break the contract in one way each.
 * </ul>
 *
 * Records come out in arrival order. The same settings give the same bytes.
 */
public final class EventGenerator {
  /**
   * What to generate.
   *
   * @param restampRate the share of duplicates whose {@code created_at} is re-stamped (0 to 1)
   * @param restampMaxSeconds how much later a re-stamped copy can be created, at least 1 second
   */
  public record Settings(
      long events,
      Instant start,
      int hours,
      double duplicateRate,
      double malformedRate,
      double lateRate,
      int eventTypes,
      long seed,
      double restampRate,
      int restampMaxSeconds) {
    public Settings {
      if (events < 0) {
        throw new IllegalArgumentException("--events: must not be negative, got " + events);
      }
      if (hours < 1) {
        throw new IllegalArgumentException("--hours: must be at least 1, got " + hours);
      }
      for (double rate : new double[] {duplicateRate, malformedRate, lateRate, restampRate}) {
        if (rate < 0 || rate > 1) {
          throw new IllegalArgumentException("rates are shares between 0 and 1, got " + rate);
        }
      }
      if (restampMaxSeconds < 1) {
        throw new IllegalArgumentException(
            "--restampMaxSeconds: must be at least 1, got " + restampMaxSeconds);
      }
    }

    /** Duplicates byte for byte only, none re-stamped. */
    public Settings(
        long events,
        Instant start,
        int hours,
        double duplicateRate,
        double malformedRate,
        double lateRate,
        int eventTypes,
        long seed) {
      this(
          events,
          start,
          hours,
          duplicateRate,
          malformedRate,
          lateRate,
          eventTypes,
          seed,
          0,
          DEFAULT_RESTAMP_MAX_SECONDS);
    }
  }

  public static final int DEFAULT_RESTAMP_MAX_SECONDS = 600;

  /** On average, how many distinct valid events one learner (or one device) sends. */
  public static final int EVENTS_PER_LEARNER = 20;

  /**
   * An event's subject takes one bounded int draw of the stream, {@code nextInt(SUBJECT_DRAWS)}, as
   * a numeric id of that range would: the rest of the stream (types, timings, duplicates, payload
   * values) is the same whichever way subjects are named. Its resolution reaches every rank of a
   * population up to about 2.5 million learners (50 million events); past that, some of the least
   * active ids are never drawn.
   */
  private static final int SUBJECT_DRAWS = 4_999_999;

  /** One record as it arrives. */
  public record Record(Instant arrival, byte[] bytes) {}

  /** The ways a malformed record breaks the contract. */
  public enum Malformation {
    TRUNCATED_JSON,
    NOT_JSON,
    NOT_AN_OBJECT,
    MISSING_EVENT_UUID,
    EVENT_UUID_BOOLEAN,
    MISSING_EVENT_NAME,
    EMPTY_NAME_PART,
    MISSING_CREATED_AT,
    CREATED_AT_STRING,
    CREATED_AT_OUT_OF_RANGE
  }

  /** What was generated, for checking the lake against. */
  public static final class Summary {
    public long records;
    public long validEvents;
    public long duplicateRecords;

    /** Of the duplicates, those sent with a later {@code created_at}. */
    public long restampedRecords;

    /** Of the re-stamped duplicates, those whose {@code created_at} fell on a later date. */
    public long restampedAcrossMidnight;

    public long malformedRecords;
    public long lateEvents;

    /** How many learners (and as many devices) the events were spread over. */
    public long learners;

    /** Of the distinct valid events, those naming a learner ({@code user_id}). */
    public long validEventsWithUserId;

    /** Of the distinct valid events, those naming a device ({@code device_id}). */
    public long validEventsWithDeviceId;

    public final Map<String, Long> malformedByKind = new TreeMap<>();
    public final Map<LocalDate, Long> validEventsByCreatedDate = new TreeMap<>();
    public final Map<Instant, Long> recordsByArrivalHour = new TreeMap<>();
  }

  private static final String[] PLATFORMS = {"ios", "android", "web"};
  private static final String[] CURRENCIES = {"EUR", "USD", "GBP", "BRL"};
  private static final String[] LANGUAGES = {"de", "en", "es", "fr", "it", "pt", "pl", "sv"};
  private static final Duration MAX_DUPLICATE_DELAY = Duration.ofMinutes(15);

  private final Settings settings;
  private final List<EventCatalog.EventType> types;
  private final Population learners;
  private final int deviceSalt;

  public EventGenerator(Settings settings) {
    this.settings = settings;
    this.types = EventCatalog.of(settings.eventTypes());
    long size = Math.max(1, (settings.events() + EVENTS_PER_LEARNER - 1) / EVENTS_PER_LEARNER);
    if (size > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("--events: at most 2^31 learners, got " + size);
    }
    this.learners = new Population((int) size, settings.seed());
    this.deviceSalt = (int) mix64(settings.seed() ^ 0xD1B54A32D192ED03L);
  }

  /** How many learners (and devices) the events are spread over. */
  public long learners() {
    return learners.size;
  }

  /**
   * The id of the learner of activity rank {@code rank} (0 the most active, {@link #learners()} - 1
   * the least), {@code "u-0001234"}: every id from {@code u-0000001} to the population's size is
   * one learner's.
   *
   * @throws IllegalArgumentException for a rank outside the population
   */
  public String learnerId(long rank) {
    return learners.append(new StringBuilder(16), rank).toString();
  }

  /**
   * The id of the device of activity rank {@code rank}, {@code "d-9f3a61c2"}, as {@link
   * #learnerId}.
   */
  public String deviceId(long rank) {
    learners.check(rank);
    return appendDevice(new StringBuilder(16), rank).toString();
  }

  public Summary generate(Consumer<Record> sink) {
    Summary summary = new Summary();
    summary.learners = learners.size;
    SplittableRandom random = new SplittableRandom(settings.seed());
    Random uuids = new Random(settings.seed() ^ 0x5DEECE66DL);
    // Malformed records draw their subjects from a stream of their own: the main stream stays the
    // same whichever records carry a subject.
    SplittableRandom subjects = new SplittableRandom(settings.seed() ^ 0x2545F4914F6CDD1DL);
    PriorityQueue<Record> resends =
        new PriorityQueue<>((a, b) -> a.arrival().compareTo(b.arrival()));
    long spanMillis = Duration.ofHours(settings.hours()).toMillis();
    long startMillis = settings.start().toEpochMilli();
    long endMillis = startMillis + spanMillis;
    double step = settings.events() == 0 ? 0 : (double) spanMillis / settings.events();

    for (long i = 0; i < settings.events(); i++) {
      Instant arrival =
          Instant.ofEpochMilli(startMillis + (long) ((i + random.nextDouble()) * step));
      while (!resends.isEmpty() && !resends.peek().arrival().isAfter(arrival)) {
        emit(resends.poll(), sink, summary);
      }
      if (random.nextDouble() < settings.malformedRate()) {
        Malformation kind = Malformation.values()[random.nextInt(Malformation.values().length)];
        summary.malformedRecords++;
        summary.malformedByKind.merge(kind.name().toLowerCase(Locale.ROOT), 1L, Long::sum);
        emit(new Record(arrival, malformed(kind, random, uuids, subjects, arrival)), sink, summary);
      }
      boolean late = random.nextDouble() < settings.lateRate();
      long delayMicros =
          late
              ? 600_000_000L + (long) (random.nextDouble() * 10_200_000_000L)
              : (long) (random.nextDouble() * 90_000_000L);
      long createdMicros =
          Math.max(startMillis * 1000, arrival.toEpochMilli() * 1000 - delayMicros);
      ValidEvent event = validEvent(random, uuids);
      byte[] bytes = event.bytes(createdMicros);
      summary.validEvents++;
      if (event.byDevice()) {
        summary.validEventsWithDeviceId++;
      } else {
        summary.validEventsWithUserId++;
      }
      if (late) {
        summary.lateEvents++;
      }
      summary.validEventsByCreatedDate.merge(LakeLayout.dateOfMicros(createdMicros), 1L, Long::sum);
      emit(new Record(arrival, bytes), sink, summary);
      if (random.nextDouble() < settings.duplicateRate()) {
        long resendAt =
            Math.min(
                endMillis - 1,
                arrival.toEpochMilli()
                    + 1000
                    + (long) (random.nextDouble() * MAX_DUPLICATE_DELAY.toMillis()));
        byte[] copy = bytes;
        if (settings.restampRate() > 0 && random.nextDouble() < settings.restampRate()) {
          // A client that rebuilds the event on retry stamps it anew: 1 s to the maximum later,
          // but not after the copy arrives.
          long shift =
              1_000_000L
                  + (long) (random.nextDouble() * (settings.restampMaxSeconds() - 1) * 1_000_000L);
          long restamped = Math.min(createdMicros + shift, resendAt * 1000);
          copy = event.bytes(restamped);
          if (!Arrays.equals(copy, bytes)) {
            summary.restampedRecords++;
            if (!LakeLayout.dateOfMicros(restamped)
                .equals(LakeLayout.dateOfMicros(createdMicros))) {
              summary.restampedAcrossMidnight++;
            }
          }
        }
        resends.add(new Record(Instant.ofEpochMilli(resendAt), copy));
        summary.duplicateRecords++;
      }
    }
    while (!resends.isEmpty()) {
      emit(resends.poll(), sink, summary);
    }
    return summary;
  }

  private static void emit(Record record, Consumer<Record> sink, Summary summary) {
    summary.records++;
    summary.recordsByArrivalHour.merge(
        record.arrival().truncatedTo(java.time.temporal.ChronoUnit.HOURS), 1L, Long::sum);
    sink.accept(record);
  }

  /** A valid event but for its {@code created_at}, so that a retry can stamp it anew. */
  private record ValidEvent(String head, boolean fractional, String payload, boolean byDevice) {
    byte[] bytes(long createdMicros) {
      return (head + createdAt(fractional, createdMicros) + payload)
          .getBytes(StandardCharsets.UTF_8);
    }
  }

  private ValidEvent validEvent(SplittableRandom random, Random uuids) {
    EventCatalog.EventType type = types.get(skewedType(random));
    StringBuilder head = new StringBuilder(96);
    head.append("{\"event_uuid\":\"").append(uuid(uuids)).append('"');
    head.append(",\"event_name\":\"").append(type.name()).append('"');
    head.append(",\"created_at\":");
    // Seven in ten as integer seconds, the rest with microseconds, like the two seed producers.
    boolean fractional = random.nextInt(10) >= 7;
    StringBuilder payload = new StringBuilder(160);
    for (EventCatalog.Field field : type.payload()) {
      payload.append(",\"").append(field.name()).append("\":");
      appendValue(payload, field, random);
    }
    return new ValidEvent(
        head.toString(),
        fractional,
        payload.append('}').toString(),
        type.payload().get(0).kind() == EventCatalog.FieldKind.DEVICE);
  }

  /** A few types are far more common than the rest, as in real product analytics. */
  private int skewedType(SplittableRandom random) {
    double u = random.nextDouble();
    return (int) Math.min(types.size() - 1, Math.floor(types.size() * u * u));
  }

  private static String createdAt(boolean fractional, long micros) {
    if (!fractional) {
      return Long.toString(micros / 1_000_000L);
    }
    return String.format(Locale.ROOT, "%d.%06d", micros / 1_000_000L, micros % 1_000_000L);
  }

  private static String uuid(Random uuids) {
    long hi = (uuids.nextLong() & ~0xF000L) | 0x4000L;
    long lo = (uuids.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
    return new UUID(hi, lo).toString();
  }

  private void appendValue(StringBuilder json, EventCatalog.Field field, SplittableRandom random) {
    switch (field.kind()) {
      case LEARNER -> learners.append(json.append('"'), learners.draw(random)).append('"');
      case DEVICE -> appendDevice(json.append('"'), learners.draw(random)).append('"');
      case INT -> json.append(random.nextInt(1, 5_000_000));
      case DOUBLE -> json.append(String.format(Locale.ROOT, "%.3f", random.nextDouble() * 100));
      case MONEY ->
          json.append(String.format(Locale.ROOT, "%.2f", random.nextInt(99, 19_999) / 100.0));
      case TEXT -> json.append('"').append(text(field.name(), random)).append('"');
      case BOOL -> json.append(random.nextBoolean());
      case TAGS ->
          json.append("[\"a")
              .append(random.nextInt(10))
              .append("\",\"b")
              .append(random.nextInt(10))
              .append("\"]");
      case OBJECT ->
          json.append("{\"screen\":\"s")
              .append(random.nextInt(40))
              .append("\",\"ab_group\":\"")
              .append(random.nextBoolean() ? "control" : "variant")
              .append("\"}");
    }
  }

  private static String text(String name, SplittableRandom random) {
    return switch (name) {
      case "platform" -> PLATFORMS[random.nextInt(PLATFORMS.length)];
      case "currency" -> CURRENCIES[random.nextInt(CURRENCIES.length)];
      default -> LANGUAGES[random.nextInt(LANGUAGES.length)];
    };
  }

  private byte[] malformed(
      Malformation kind,
      SplittableRandom random,
      Random uuids,
      SplittableRandom subjects,
      Instant arrival) {
    long created = arrival.getEpochSecond();
    String uuid = uuid(uuids);
    EventCatalog.EventType type = types.get(random.nextInt(types.size()));
    String name = type.name();
    StringBuilder id = new StringBuilder(16).append('"');
    if (type.payload().get(0).kind() == EventCatalog.FieldKind.DEVICE) {
      appendDevice(id, learners.draw(subjects));
    } else {
      learners.append(id, learners.draw(subjects));
    }
    String subjectId = id.append('"').toString();
    // The subject's member, where a client puts it: after the uuid, or first when there is none.
    String subject = "\"" + type.subjectField() + "\":" + subjectId;
    String json =
        switch (kind) {
          case TRUNCATED_JSON ->
              "{\"event_uuid\":\"" + uuid + "\"," + subject + ",\"event_name\":\"" + name;
          case NOT_JSON -> "event_uuid=" + uuid + ";event_name=" + name;
          case NOT_AN_OBJECT ->
              "[\"" + uuid + "\",\"" + name + "\"," + created + "," + subjectId + "]";
          case MISSING_EVENT_UUID ->
              "{" + subject + ",\"event_name\":\"" + name + "\",\"created_at\":" + created + "}";
          case EVENT_UUID_BOOLEAN ->
              "{\"event_uuid\":true,"
                  + subject
                  + ",\"event_name\":\""
                  + name
                  + "\",\"created_at\":"
                  + created
                  + "}";
          case MISSING_EVENT_NAME ->
              "{\"event_uuid\":\"" + uuid + "\"," + subject + ",\"created_at\":" + created + "}";
          case EMPTY_NAME_PART ->
              "{\"event_uuid\":\""
                  + uuid
                  + "\","
                  + subject
                  + ",\"event_name\":\""
                  + name
                  + ":\",\"created_at\":"
                  + created
                  + "}";
          case MISSING_CREATED_AT ->
              "{\"event_uuid\":\"" + uuid + "\"," + subject + ",\"event_name\":\"" + name + "\"}";
          case CREATED_AT_STRING ->
              "{\"event_uuid\":\""
                  + uuid
                  + "\","
                  + subject
                  + ",\"event_name\":\""
                  + name
                  + "\",\"created_at\":\""
                  + created
                  + "\"}";
          case CREATED_AT_OUT_OF_RANGE ->
              "{\"event_uuid\":\""
                  + uuid
                  + "\","
                  + subject
                  + ",\"event_name\":\""
                  + name
                  + "\",\"created_at\":"
                  + (created * 1000)
                  + "}";
        };
    return json.getBytes(StandardCharsets.UTF_8);
  }

  /** {@code d-} and 8 hex digits: a bijection of the rank, so every rank is its own device. */
  private StringBuilder appendDevice(StringBuilder out, long rank) {
    String hex = Integer.toHexString(mix32((int) rank ^ deviceSalt));
    out.append("d-");
    for (int i = hex.length(); i < 8; i++) {
      out.append('0');
    }
    return out.append(hex);
  }

  /** MurmurHash3's 32-bit finaliser: a bijection of ints, so distinct ranks stay distinct. */
  private static int mix32(int h) {
    h = (h ^ (h >>> 16)) * 0x85EBCA6B;
    h = (h ^ (h >>> 13)) * 0xC2B2AE35;
    return h ^ (h >>> 16);
  }

  /** SplitMix64's finaliser: a bijection of 64-bit values that spreads every input bit. */
  private static long mix64(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  /**
   * A population of {@code size} learners with skewed activity: an event's learner has rank {@code
   * floor(size * u^2)} for a uniform {@code u} (so ranks below {@code k} send a share {@code
   * sqrt(k/size)} of the events; the most active about sqrt(size) times the average), and rank r is
   * learner {@code (r * stride + offset) mod size}, a permutation that depends on the seed.
   */
  private static final class Population {
    private final int size;
    private final long stride;
    private final long offset;

    Population(int size, long seed) {
      this.size = size;
      long s = Math.floorMod(0x9E3779B97F4A7C15L, (long) size);
      while (gcd(s, size) != 1) {
        s++;
      }
      this.stride = s;
      this.offset = Math.floorMod(mix64(seed), (long) size);
    }

    long draw(SplittableRandom random) {
      double u = random.nextInt(SUBJECT_DRAWS) / (double) SUBJECT_DRAWS;
      return Math.min(size - 1, (long) (size * u * u));
    }

    void check(long rank) {
      if (rank < 0 || rank >= size) {
        throw new IllegalArgumentException(
            "a rank within the " + size + " learners, from 0, got " + rank);
      }
    }

    /** Appends {@code u-} and the learner's number (1 to size), zero-padded to 7 digits. */
    StringBuilder append(StringBuilder out, long rank) {
      check(rank);
      String number = Long.toString((rank * stride + offset) % size + 1);
      out.append("u-");
      for (int i = number.length(); i < 7; i++) {
        out.append('0');
      }
      return out.append(number);
    }

    private static long gcd(long a, long b) {
      return b == 0 ? a : gcd(b, a % b);
    }
  }
}
