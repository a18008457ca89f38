package io.medallion.lake.table;

import java.io.IOException;
import java.io.Serializable;

/**
 * A DoFn's catalog: serialised as its settings, opened on a worker on first use, closed at the
 * DoFn's teardown. Opening a catalog connects to it (a SQLite file, Glue), so a DoFn opens one per
 * instance, not per element.
 */
public final class CatalogConnection implements Serializable {
  private static final long serialVersionUID = 1L;

  private final CatalogSettings settings;
  private transient LakeCatalog catalog;

  public CatalogConnection(CatalogSettings settings) {
    this.settings = settings;
  }

  /**
   * The catalog, opened on the first call (a DoFn's threads share it: one catalog, not one each).
   */
  public synchronized LakeCatalog get() {
    if (catalog == null) {
      catalog = LakeCatalog.open(settings);
    }
    return catalog;
  }

  /** Closes the catalog if it was opened; the next {@link #get} opens it again. */
  public synchronized void close() throws IOException {
    if (catalog != null) {
      catalog.close();
      catalog = null;
    }
  }
}
