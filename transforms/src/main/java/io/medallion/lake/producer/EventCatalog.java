package io.medallion.lake.producer;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * A fixed catalogue of realistic event names (one to three parts, like {@code heartbeat}, {@code
 * lesson:started}, {@code payment:order:completed}) and the payload fields each carries. It does
 * not depend on the seed, so the same type always has the same name.
 *
 * <p>Every type names its data subject in its first payload field: a learner's {@link #USER_ID} for
 * what a learner does, or, for what a device reports on its own ({@code heartbeat}, {@code
 * device:*}: the {@link #DEVICE_DOMAINS}), a {@link #DEVICE_ID}.
 */
public final class EventCatalog {
  /** The payload field naming the learner an event is about ({@code "u-0001234"}). */
  public static final String USER_ID = "user_id";

  /** The payload field naming the device a device-level event comes from ({@code "d-9f3a61c2"}). */
  public static final String DEVICE_ID = "device_id";

  /** The domains whose events a device sends on its own: they carry a device id, no user id. */
  public static final Set<String> DEVICE_DOMAINS = Set.of("heartbeat", "device");

  static final String[] DOMAINS = {
    "lesson",
    "quiz",
    "account",
    "payment",
    "subscription",
    "course",
    "video",
    "app",
    "notification",
    "search",
    "profile",
    "streak",
    "review",
    "vocabulary",
    "speaking",
    "listening",
    "referral",
    "support",
    "onboarding",
    "experiment",
    "cart",
    "catalog",
    "session",
    "device",
    "heartbeat"
  };
  static final String[] ACTIONS = {
    "started",
    "completed",
    "abandoned",
    "viewed",
    "created",
    "updated",
    "deleted",
    "failed",
    "opened",
    "closed"
  };
  static final String[] GROUPS = {"order", "refund", "trial", "invite", "reminder"};

  /** A payload field: its name and what kind of value it holds. */
  public enum FieldKind {
    /** A learner id drawn from the generator's population of learners, a JSON string. */
    LEARNER,
    /** A device id drawn from the generator's population of devices, a JSON string. */
    DEVICE,
    INT,
    DOUBLE,
    MONEY,
    TEXT,
    BOOL,
    TAGS,
    OBJECT
  }

  public record Field(String name, FieldKind kind) {}

  /** An event type: its name and payload fields, the subject's field first. */
  public record EventType(String name, List<Field> payload) {
    /** The field naming the event's data subject: {@link #USER_ID} or {@link #DEVICE_ID}. */
    public String subjectField() {
      return payload.get(0).name();
    }
  }

  private static final Field[] OPTIONAL_FIELDS = {
    new Field("lesson_id", FieldKind.INT),
    new Field("duration_ms", FieldKind.INT),
    new Field("score", FieldKind.DOUBLE),
    new Field("amount", FieldKind.MONEY),
    new Field("currency", FieldKind.TEXT),
    new Field("language", FieldKind.TEXT),
    new Field("success", FieldKind.BOOL),
    new Field("tags", FieldKind.TAGS),
    new Field("context", FieldKind.OBJECT),
    new Field("course_id", FieldKind.INT),
  };

  private EventCatalog() {}

  public static List<EventType> of(int count) {
    if (count < 1 || count > DOMAINS.length * ACTIONS.length) {
      throw new IllegalArgumentException(
          "--eventTypes: between 1 and " + DOMAINS.length * ACTIONS.length + ", got " + count);
    }
    Set<String> names = new LinkedHashSet<>();
    for (int i = 0; names.size() < count; i++) {
      String domain = DOMAINS[i % DOMAINS.length];
      String action = ACTIONS[(i / DOMAINS.length + i) % ACTIONS.length];
      if (domain.equals("heartbeat")) {
        names.add(i < DOMAINS.length ? "heartbeat" : "heartbeat:" + action);
      } else if (i % 9 == 4) {
        names.add(domain + ":" + GROUPS[i % GROUPS.length] + ":" + action);
      } else {
        names.add(domain + ":" + action);
      }
    }
    List<EventType> types = new ArrayList<>();
    int index = 0;
    for (String name : names) {
      List<Field> payload = new ArrayList<>();
      payload.add(
          DEVICE_DOMAINS.contains(name.split(":", 2)[0])
              ? new Field(DEVICE_ID, FieldKind.DEVICE)
              : new Field(USER_ID, FieldKind.LEARNER));
      payload.add(new Field("platform", FieldKind.TEXT));
      long bits = (index + 1) * 2654435761L;
      for (int f = 0; f < OPTIONAL_FIELDS.length; f++) {
        if (((bits >>> f) & 1) == 1) {
          payload.add(OPTIONAL_FIELDS[f]);
        }
      }
      types.add(new EventType(name, List.copyOf(payload)));
      index++;
    }
    return List.copyOf(types);
  }
}
