package io.medallion.lake.progress;

import java.lang.management.ManagementFactory;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logs, once per JVM, how long after the JVM started the first record was read: {@code first record
 * <ms> ms after JVM start}, milliseconds since {@link
 * java.lang.management.RuntimeMXBean#getStartTime()}. The first step of a batch pipeline (silver's
 * bronze reader, gold's silver reader) calls {@link #read()} for each record it reads; everything
 * before the line is start-up (class loading, options, catalog, pipeline construction, the runner's
 * own start). The line is at debug on the logger named {@link #LOGGER}, so that a run does not
 * print it and the benchmark can switch it on alone ({@code
 * -Dorg.slf4j.simpleLogger.log.io.medallion.lake.progress.FirstRecord=debug}) while everything else
 * logs at warn.
 */
public final class FirstRecord {
  /** The logger's name, for a per-logger level setting. */
  public static final String LOGGER = FirstRecord.class.getName();

  /** The start of the line; the milliseconds follow, then {@link #SUFFIX}. */
  public static final String PREFIX = "first record ";

  /** The end of the line, after the milliseconds. */
  public static final String SUFFIX = " ms after JVM start";

  private static final Logger LOG = LoggerFactory.getLogger(LOGGER);
  private static final AtomicBoolean SEEN = new AtomicBoolean();

  private FirstRecord() {}

  /** Marks a record read; the first call in this JVM logs the line, every later one is a no-op. */
  public static void read() {
    // A plain read first: after the first record, each call costs one volatile load.
    if (!SEEN.get() && SEEN.compareAndSet(false, true)) {
      LOG.debug(line(millisSinceJvmStart()));
    }
  }

  /** Milliseconds since this JVM started, as the line reports them. */
  public static long millisSinceJvmStart() {
    return System.currentTimeMillis() - ManagementFactory.getRuntimeMXBean().getStartTime();
  }

  /** The line for {@code millis}: {@code first record 1234 ms after JVM start}. */
  public static String line(long millis) {
    return PREFIX + millis + SUFFIX;
  }
}
