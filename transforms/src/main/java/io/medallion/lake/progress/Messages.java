package io.medallion.lake.progress;

/** What the lake prints of an exception or a long message. */
public final class Messages {
  private Messages() {}

  /**
   * The first line of {@code message}, without surrounding blanks: an error's one-line summary
   * (Iceberg's and the JDBC drivers' messages carry details on the lines after). {@code (no
   * message)} for null.
   */
  public static String firstLine(String message) {
    if (message == null) {
      return "(no message)";
    }
    String m = message.strip();
    int newline = m.indexOf('\n');
    return newline < 0 ? m : m.substring(0, newline).strip();
  }
}
