package io.medallion.lake.erasure;

import com.fasterxml.jackson.databind.JsonNode;
import io.medallion.lake.commit.Reports;
import io.medallion.lake.layout.LakeLayout;
import io.medallion.lake.table.TableFamily;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * The receipt of an erasure, {@code _reports/erasure/<request id>.json} ({@code <request
 * id>.dry-run.json} for a dry run): the request id, when it ran, the field, the subjects as the
 * SHA-256 of each value (never a value), whether it was a dry run, the steps that ran, and per
 * layer ({@code bronze}, {@code quarantine}, then each table) its counts: {@code files_read},
 * {@code bytes_read}, {@code files_rewritten}, {@code records_removed} (files) or {@code
 * rows_removed} (tables), {@code files_deleted}, {@code snapshots_expired}. Written through {@link
 * Reports#writeDocument}, like every report.
 */
public final class ErasureReceipt {
  /** Metric of a table: rows removed. */
  public static final String ROWS_REMOVED = "rows_removed";

  /** Metric of a table: snapshots expired. */
  public static final String SNAPSHOTS_EXPIRED = "snapshots_expired";

  private static final Pattern SAFE_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");

  private ErasureReceipt() {}

  /**
   * Checks a request id names one receipt file and nothing else.
   *
   * @throws IllegalArgumentException for an id with {@code /}, {@code ..}, or characters other than
   *     letters, digits, {@code .}, {@code _} and {@code -} (at most 128)
   */
  public static String checkRequestId(String id) {
    if (id == null || !SAFE_ID.matcher(id).matches() || id.contains("..")) {
      throw new IllegalArgumentException(
          "--requestId: use letters, digits, '.', '_' and '-' (no '/' or '..'), at most 128");
    }
    return id;
  }

  /** Where the receipt of {@code requestId} goes. */
  public static String path(LakeLayout lake, String requestId, boolean dryRun) {
    return lake.resolve(
        LakeLayout.ERASURE_REPORTS
            + "/"
            + checkRequestId(requestId)
            + (dryRun ? ".dry-run.json" : ".json"));
  }

  /**
   * The receipt's content.
   *
   * @param counts every step's counts, {@code <layer>.<metric>} to a number
   * @param steps the names of the steps that ran, in order
   */
  public static Map<String, Object> of(
      String requestId,
      String runId,
      Instant started,
      Instant finished,
      Subjects subjects,
      boolean dryRun,
      List<String> steps,
      Map<String, Long> counts) {
    Map<String, Object> receipt = new LinkedHashMap<>();
    receipt.put("request_id", requestId);
    receipt.put("run_id", runId);
    receipt.put("started_at", started.toString());
    receipt.put("finished_at", finished.toString());
    receipt.put("field", subjects.field());
    List<String> hashes = new ArrayList<>();
    subjects.values().forEach(v -> hashes.add(Subjects.sha256(v)));
    hashes.sort(null);
    receipt.put("subjects_sha256", hashes);
    receipt.put("dry_run", dryRun);
    receipt.put("steps", List.copyOf(steps));
    receipt.put("layers", layers(counts));
    receipt.put("removed", removed(counts));
    return receipt;
  }

  /** Writes {@code receipt} ({@link #of}); returns its path. */
  public static String write(LakeLayout lake, Map<String, Object> receipt) throws IOException {
    String path = path(lake, (String) receipt.get("request_id"), (Boolean) receipt.get("dry_run"));
    Reports.writeDocument(lake, path, receipt);
    return path;
  }

  /**
   * The counts by layer, bronze and quarantine first (every file metric present), then tables; a
   * table's rows removed per creation date ({@code <table>.created_on.<date>}) under its {@value
   * #ROWS_REMOVED_BY_DATE}.
   */
  static Map<String, Map<String, Object>> layers(Map<String, Long> counts) {
    Map<String, Map<String, Object>> layers = new LinkedHashMap<>();
    for (String layer : List.of(EraseFiles.BRONZE, EraseFiles.QUARANTINE)) {
      Map<String, Object> metrics = new LinkedHashMap<>();
      EraseFiles.METRICS.forEach(m -> metrics.put(m, 0L));
      layers.put(layer, metrics);
    }
    String byDate = "." + EraseTableRows.CREATED_ON;
    counts.forEach(
        (key, value) -> {
          int date = key.indexOf(byDate);
          if (date > 0) {
            @SuppressWarnings("unchecked")
            Map<String, Long> dates =
                (Map<String, Long>)
                    layers
                        .computeIfAbsent(key.substring(0, date), l -> new LinkedHashMap<>())
                        .computeIfAbsent(ROWS_REMOVED_BY_DATE, m -> new TreeMap<String, Long>());
            dates.merge(key.substring(date + byDate.length()), value, Long::sum);
            return;
          }
          int dot = key.lastIndexOf('.');
          if (dot <= 0) {
            throw new IllegalStateException("an erasure count is not <layer>.<metric>: " + key);
          }
          layers
              .computeIfAbsent(key.substring(0, dot), l -> new LinkedHashMap<>())
              .merge(key.substring(dot + 1), value, (a, b) -> (Long) a + (Long) b);
        });
    return layers;
  }

  /** A table's metric: the rows removed, by creation date of the row. */
  public static final String ROWS_REMOVED_BY_DATE = "rows_removed_by_date";

  /** The gold step's metric: the dates {@code gold --pending} promoted again. */
  public static final String DATES_PROMOTED = "dates_promoted";

  /** Records and rows removed in every layer together. */
  static long removed(Map<String, Long> counts) {
    long removed = 0;
    for (Map.Entry<String, Long> count : counts.entrySet()) {
      if (count.getKey().endsWith("." + EraseFiles.RECORDS_REMOVED)
          || count.getKey().endsWith("." + ROWS_REMOVED)) {
        removed += count.getValue();
      }
    }
    return removed;
  }

  /**
   * What {@code lake forget} prints: one line per layer, then "nothing found for these subjects"
   * when nothing was (or, in a dry run, would be) removed.
   */
  public static List<String> summary(JsonNode receipt) {
    boolean dryRun = receipt.path("dry_run").asBoolean();
    List<String> lines = new ArrayList<>();
    lines.add(
        String.format(
            Locale.ROOT,
            "forget %s%s: %s, %d subject(s)",
            receipt.path("request_id").asText(),
            dryRun ? " (dry run, nothing changed)" : "",
            receipt.path("field").asText(),
            receipt.path("subjects_sha256").size()));
    int untouched = 0;
    long untouchedFiles = 0;
    long untouchedBytes = 0;
    // The typed tables that lost rows, on one line: an active learner is in most of them.
    TableFamily typed = TableFamily.TYPED_EVENTS;
    String goldStep = null; // last: it ran after the tables
    int typedTables = 0;
    long[] typedTotals = new long[6];
    for (Iterator<Map.Entry<String, JsonNode>> it = receipt.path("layers").fields();
        it.hasNext(); ) {
      Map.Entry<String, JsonNode> layer = it.next();
      JsonNode m = layer.getValue();
      boolean files = m.has(EraseFiles.RECORDS_REMOVED);
      if (m.has(DATES_PROMOTED)) {
        goldStep =
            (String.format(
                Locale.ROOT,
                "  %-14s %s %,d date(s) from the erased silver (gold --pending)",
                layer.getKey(),
                dryRun ? "would re-promote" : "re-promoted",
                m.path(DATES_PROMOTED).asLong()));
        continue;
      }
      if (!files
          && m.path(ROWS_REMOVED).asLong() == 0
          && m.path(EraseFiles.FILES_DELETED).asLong() == 0
          && m.path(SNAPSHOTS_EXPIRED).asLong() == 0) {
        untouched++;
        untouchedFiles += m.path(EraseFiles.FILES_READ).asLong();
        untouchedBytes += m.path(EraseFiles.BYTES_READ).asLong();
        continue;
      }
      if (typed.isMember(layer.getKey())) {
        typedTables++;
        String[] metrics = {
          ROWS_REMOVED,
          EraseFiles.FILES_READ,
          EraseFiles.BYTES_READ,
          EraseFiles.FILES_REWRITTEN,
          EraseFiles.FILES_DELETED,
          SNAPSHOTS_EXPIRED
        };
        for (int i = 0; i < metrics.length; i++) {
          typedTotals[i] += m.path(metrics[i]).asLong();
        }
        continue;
      }
      StringBuilder line =
          new StringBuilder(
              String.format(
                  Locale.ROOT,
                  "  %-14s %s %,d %s",
                  layer.getKey(),
                  dryRun ? "would remove" : "removed",
                  files
                      ? m.path(EraseFiles.RECORDS_REMOVED).asLong()
                      : m.path(ROWS_REMOVED).asLong(),
                  files ? "record(s)" : "row(s)"));
      if (m.has(EraseFiles.FILES_READ)) {
        line.append(
            String.format(
                Locale.ROOT,
                "; read %,d file(s), %,d bytes",
                m.path(EraseFiles.FILES_READ).asLong(),
                m.path(EraseFiles.BYTES_READ).asLong()));
      }
      line.append(
          String.format(
              Locale.ROOT,
              "; %,d file(s) rewritten, %,d deleted",
              m.path(EraseFiles.FILES_REWRITTEN).asLong(),
              m.path(EraseFiles.FILES_DELETED).asLong()));
      if (m.has(SNAPSHOTS_EXPIRED)) {
        line.append(
            String.format(
                Locale.ROOT, ", %,d snapshot(s) expired", m.path(SNAPSHOTS_EXPIRED).asLong()));
      }
      lines.add(line.toString());
    }
    if (typedTables > 0) {
      lines.add(
          String.format(
              Locale.ROOT,
              "  %-14s %s %,d row(s) from %,d typed table(s); read %,d file(s), %,d bytes; %,d"
                  + " file(s) rewritten, %,d deleted, %,d snapshot(s) expired",
              typed.namePrefix() + "*",
              dryRun ? "would remove" : "removed",
              typedTotals[0],
              typedTables,
              typedTotals[1],
              typedTotals[2],
              typedTotals[3],
              typedTotals[4],
              typedTotals[5]));
    }
    if (untouched > 0) {
      lines.add(
          String.format(
              Locale.ROOT,
              "  %,d other table(s): nothing of theirs; read %,d file(s), %,d bytes",
              untouched,
              untouchedFiles,
              untouchedBytes));
    }
    if (goldStep != null) {
      lines.add(goldStep);
    }
    if (receipt.path("removed").asLong() == 0) {
      lines.add("  nothing found for these subjects");
    }
    return lines;
  }
}
