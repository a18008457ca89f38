package io.medallion.lake.bronze;

import io.medallion.lake.layout.LakeLayout;
import java.io.Serializable;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Some bronze files of one arrival hour, read together by one worker: silver turns a group into one
 * Parquet data file (and one quarantine file when it rejects a record), so an hour's files per
 * partition are its groups.
 *
 * @param hour the arrival hour (UTC, whole hour)
 * @param index the group's number among its hour's groups, from 0
 * @param count how many groups its hour has
 * @param files the group's files: full path to size in bytes, in order of path
 */
public record BronzeFileGroup(Instant hour, int index, int count, Map<String, Long> files)
    implements Serializable {

  public BronzeFileGroup {
    if (index < 0 || index >= count) {
      throw new IllegalArgumentException("group " + index + " of " + count);
    }
    files = Collections.unmodifiableSortedMap(new TreeMap<>(files));
  }

  /** The bytes of the group's files. */
  public long bytes() {
    long bytes = 0;
    for (long size : files.values()) {
      bytes += size;
    }
    return bytes;
  }

  /**
   * The files {@code inventory} says silver reads for {@code hour}, in at most {@code groups}
   * groups of about equal bytes (each file, largest first, goes to the group with the fewest bytes
   * so far); fewer when the hour has fewer files, none when it has none.
   *
   * @throws IllegalArgumentException when {@code groups} is not positive
   */
  public static List<BronzeFileGroup> of(
      LakeLayout lake, Instant hour, BronzeInventory.Hour inventory, int groups) {
    if (groups < 1) {
      throw new IllegalArgumentException("groups per hour must be positive: " + groups);
    }
    List<Map.Entry<String, Long>> files = new ArrayList<>(inventory.files().entrySet());
    files.sort(
        Map.Entry.<String, Long>comparingByValue()
            .reversed()
            .thenComparing(Map.Entry.comparingByKey()));
    int count = Math.min(groups, files.size());
    List<SortedMap<String, Long>> members = new ArrayList<>();
    long[] bytes = new long[count];
    for (int i = 0; i < count; i++) {
      members.add(new TreeMap<>());
    }
    String folder = lake.bronzeEventsHour(hour);
    for (Map.Entry<String, Long> file : files) {
      int least = 0;
      for (int i = 1; i < count; i++) {
        if (bytes[i] < bytes[least]) {
          least = i;
        }
      }
      members.get(least).put(folder + "/" + file.getKey(), file.getValue());
      bytes[least] += file.getValue();
    }
    List<BronzeFileGroup> result = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      result.add(new BronzeFileGroup(hour, i, count, members.get(i)));
    }
    return result;
  }

  /**
   * The groups of every hour of {@code inventories} ({@link #of}), largest first: the order to hand
   * them to workers in, so the last ones to start are the small ones.
   */
  public static List<BronzeFileGroup> ofHours(
      LakeLayout lake, Map<Instant, BronzeInventory.Hour> inventories, int groupsPerHour) {
    List<BronzeFileGroup> all = new ArrayList<>();
    for (Map.Entry<Instant, BronzeInventory.Hour> hour : inventories.entrySet()) {
      all.addAll(of(lake, hour.getKey(), hour.getValue(), groupsPerHour));
    }
    all.sort(
        Comparator.comparingLong(BronzeFileGroup::bytes)
            .reversed()
            .thenComparing(BronzeFileGroup::hour)
            .thenComparingInt(BronzeFileGroup::index));
    return all;
  }
}
