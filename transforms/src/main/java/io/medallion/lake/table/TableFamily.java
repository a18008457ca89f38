package io.medallion.lake.table;

import io.medallion.lake.layout.PartitionValues;
import java.io.Serializable;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.apache.iceberg.Schema;
import org.apache.iceberg.types.Types;
import org.apache.iceberg.types.Types.NestedField;

/**
 * Tables a dataset makes at run time, one per key found in its data, all defined alike: the typed
 * event tables, one per event name ({@code quiz:completed} → {@code gold_evt_quiz_completed}). Each
 * member is a {@link LakeTable} named {@code <layer>_<prefix>_<key>}, in the folder {@code
 * <layer>/<prefix>/<key>}, with the family's common columns and partition columns; the columns it
 * gains from its data are its own (the catalog holds them, {@code typed/TypedSchema} adds them).
 *
 * <p>Names: a key is folded to {@code [a-z0-9_]} as partition values are (accents folded, case
 * lowered, every run of other characters one {@code _}, no {@code _} at either end), so keys that
 * differ only in case or punctuation share a member ({@code Quiz:Completed}, {@code
 * quiz_completed}); a name longer than {@value #MAX_NAME_LENGTH} characters (Glue's limit) is cut
 * and ends in {@code _} and 8 hex digits of the SHA-256 of the folded key, so two long keys never
 * share a member by accident. A key with no letter or digit has no member ({@link #tableNameFor} is
 * empty): its rows are quarantined from the family, with a reason, and stay in the dataset's fixed
 * tables. The prefix is chosen so that no fixed table of the lake can be a member ({@link Dataset}
 * checks it when it loads): {@code gold_evt_} is not the start of {@code gold_events} or {@code
 * gold_event_stats}, whatever the key.
 */
public final class TableFamily implements Serializable {
  private static final long serialVersionUID = 1L;

  /** Glue's limit on a table name, and Athena's. */
  public static final int MAX_NAME_LENGTH = 255;

  /** The column of a typed event table that holds the payload members no column can hold. */
  public static final String RESCUED = "_rescued";

  /**
   * The typed event tables: per event name, the kept rows of {@code gold_events} with their payload
   * members as typed columns, partitioned by creation {@code date}.
   */
  public static final TableFamily TYPED_EVENTS =
      new TableFamily(
          "gold",
          "evt",
          new Schema(
              NestedField.required(1, "event_uuid", Types.StringType.get()),
              NestedField.required(2, "event_name", Types.StringType.get(), "as received"),
              NestedField.required(3, "created_at", Types.TimestampType.withZone()),
              NestedField.required(
                  4, "created_datetime", Types.StringType.get(), "created_at as ISO-8601 UTC"),
              NestedField.required(5, "date", Types.DateType.get(), "creation date (UTC)"),
              NestedField.optional(
                  6,
                  RESCUED,
                  Types.StringType.get(),
                  "payload members no column holds, as a JSON object; null when none")),
          List.of("date"),
          "typed",
          "Events named %s, de-duplicated as in gold_events, payload members as typed columns.");

  private static final int HASH_SUFFIX = 9; // "_" and 8 hex digits

  private final String layer;
  private final String prefix;
  private final Schema columns;
  private final List<String> partitionColumns;
  private final String counterPrefix;
  private final String comment;

  /**
   * @param layer the members' layer, as in {@link LakeTable#builder}
   * @param prefix the part of every member's name after the layer ({@code evt})
   * @param columns the columns every member has, with their field ids
   * @param partitionColumns identity partitions of every member
   * @param counterPrefix the prefix of the family's report counters ({@code typed.written})
   * @param comment a member's catalog comment, {@code %s} the key it was named for
   */
  public TableFamily(
      String layer,
      String prefix,
      Schema columns,
      List<String> partitionColumns,
      String counterPrefix,
      String comment) {
    if (!prefix.matches("[a-z][a-z0-9]*")) {
      throw new IllegalArgumentException("not a family prefix: " + prefix);
    }
    this.layer = layer;
    this.prefix = prefix;
    this.columns = columns;
    this.partitionColumns = List.copyOf(partitionColumns);
    this.counterPrefix = counterPrefix;
    this.comment = comment;
  }

  /** {@code gold_evt_}: the start of every member's name, and of no other table's. */
  public String namePrefix() {
    return layer + "_" + prefix + "_";
  }

  /** {@code gold/evt}: the lake-relative folder that holds one folder per member. */
  public String folder() {
    return layer + "/" + prefix;
  }

  /** The columns every member has. */
  public Schema columns() {
    return columns;
  }

  /**
   * The name of the member that holds the rows of {@code key} (an event name): {@link
   * #namePrefix()} and the folded key; empty when the key has no letter or digit.
   */
  public Optional<String> tableNameFor(String key) {
    String cleaned = PartitionValues.fold(key);
    if (cleaned.isEmpty()) {
      return Optional.empty();
    }
    int room = MAX_NAME_LENGTH - namePrefix().length();
    if (cleaned.length() > room) {
      cleaned =
          trimEnd(cleaned.substring(0, room - HASH_SUFFIX))
              + "_"
              + PartitionValues.sha256Hex8(cleaned);
    }
    return Optional.of(namePrefix() + cleaned);
  }

  /** Whether {@code tableName} is a member's name. */
  public boolean isMember(String tableName) {
    return tableName.startsWith(namePrefix())
        && tableName.length() > namePrefix().length()
        && tableName.length() <= MAX_NAME_LENGTH
        && tableName.matches("[a-z0-9_]+");
  }

  /**
   * The most bytes of a member's column dictionary in a file ({@link
   * LakeTable.Builder#withDictionaryBytes}): a member's payload columns are whatever the data
   * brings, ids among them. 64 KB keeps a dictionary of a few thousand short values (currencies,
   * platforms, tags) and gives up on ids early: at 10M events on Flink, gold spent about 10% less
   * CPU (src/docs/benchmark.md).
   */
  public static final int MEMBER_DICTIONARY_BYTES = 64 * 1024;

  /** The member {@code tableName} with only the family's columns (before it gained any). */
  public LakeTable member(String tableName) {
    return member(tableName, columns);
  }

  /**
   * The member {@code tableName} with {@code schema}: the family's columns and those the member
   * gained, as its catalog holds them.
   */
  public LakeTable member(String tableName, Schema schema) {
    if (!isMember(tableName)) {
      throw new IllegalArgumentException(tableName + " is not a table of " + namePrefix() + "*");
    }
    String key = tableName.substring(namePrefix().length());
    return LakeTable.builder(layer, prefix + "_" + key, schema)
        .partitionedBy(partitionColumns.toArray(String[]::new))
        .inFolder(folder() + "/" + key)
        .withoutDictionary("event_uuid", "created_at", "created_datetime")
        .withDictionaryBytes(MEMBER_DICTIONARY_BYTES)
        .comment(String.format(Locale.ROOT, comment, key))
        .build();
  }

  /** A report counter of the family: {@code typed.<name>}. */
  public String counter(String name) {
    return counterPrefix + "." + name;
  }

  /** The report counter of the rows written to the members: {@code typed.written}. */
  public String writtenCounter() {
    return counter("written");
  }

  /**
   * The report counter of the rows no member can take, for {@code reason}: {@code
   * typed.quarantined.<reason>}; they stay in the dataset's fixed tables.
   */
  public String quarantinedCounter(String reason) {
    return counter("quarantined." + reason);
  }

  private static String trimEnd(String s) {
    int end = s.length();
    while (end > 0 && s.charAt(end - 1) == '_') {
      end--;
    }
    return s.substring(0, end);
  }

  @Override
  public String toString() {
    return namePrefix() + "*";
  }
}
