package io.medallion.lake.table;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Work on many tables at once: loading, creating, evolving and committing to a table mostly waits
 * (on storage, on the catalog, on Iceberg's own task pool, which it polls every 10 ms), so a run
 * with a table per event name handles {@value #THREADS} tables at a time. Each item is one table's
 * work; no two items touch the same table.
 */
public final class PerTable {
  /** Tables handled at once: enough to hide the waits, few enough for Glue's request rate. */
  public static final int THREADS = 8;

  /** One table's work. */
  @FunctionalInterface
  public interface Work<T, R> {
    R apply(T item) throws IOException;
  }

  private PerTable() {}

  /**
   * {@code work} of each of {@code items}, in their order, {@value #THREADS} at a time; the first
   * failure (in item order) is thrown once every item is done, as it was thrown.
   */
  public static <T, R> List<R> map(List<T> items, Work<T, R> work) {
    if (items.size() <= 1) {
      List<R> results = new ArrayList<>();
      for (T item : items) {
        try {
          results.add(work.apply(item));
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }
      return results;
    }
    ExecutorService pool = Executors.newFixedThreadPool(Math.min(THREADS, items.size()));
    try {
      List<Future<R>> futures = new ArrayList<>();
      for (T item : items) {
        futures.add(pool.submit(() -> work.apply(item)));
      }
      List<R> results = new ArrayList<>();
      RuntimeException failure = null;
      for (Future<R> future : futures) {
        try {
          results.add(future.get());
        } catch (ExecutionException e) {
          if (failure == null) {
            failure = unchecked(e.getCause());
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException("interrupted while working on tables", e);
        }
      }
      if (failure != null) {
        throw failure;
      }
      return results;
    } finally {
      pool.shutdownNow();
    }
  }

  private static RuntimeException unchecked(Throwable cause) {
    if (cause instanceof RuntimeException e) {
      return e;
    }
    if (cause instanceof IOException e) {
      return new UncheckedIOException(e);
    }
    if (cause instanceof Error e) {
      throw e;
    }
    return new IllegalStateException(cause);
  }
}
