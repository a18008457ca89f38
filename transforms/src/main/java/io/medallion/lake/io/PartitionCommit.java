package io.medallion.lake.io;

import java.io.Serializable;
import java.util.List;
import java.util.Map;

/**
 * One unit a promotion replaces as a whole, and the report it writes for it.
 *
 * @param reportId the prefix of this unit's {@link Counts} keys
 * @param layer {@code silver} or {@code gold}
 * @param dataset the report's dataset, e.g. {@code events}
 * @param partition the report's name, e.g. {@code dt=2026-01-02/hour=03}
 * @param directories lake-relative folders replaced as a whole; a path segment may be {@code *}
 *     (say {@code gold/events/event_type=*}{@code /date=2026-01-02})
 * @param attributes extra facts for the report (its inputs, options that shaped it)
 */
public record PartitionCommit(
    String reportId,
    String layer,
    String dataset,
    String partition,
    List<String> directories,
    Map<String, String> attributes)
    implements Serializable {}
