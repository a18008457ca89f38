package io.medallion.lake.uber;

import io.medallion.lake.uber.UberRowParser.CityRule;
import io.medallion.lake.uber.UberRowParser.Outcome;
import io.medallion.lake.uber.UberRowParser.Outcomes;
import io.medallion.lake.uber.UberRowParser.Reason;
import io.medallion.lake.uber.UberRowParser.Rejection;
import java.io.BufferedInputStream;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.List;
import org.apache.avro.generic.GenericRecord;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;

/**
 * Reads one Uber Movement CSV as published (RFC 4180 through Apache Commons CSV: quoted or bare
 * cells, LF or CRLF, with or without a final newline, a UTF-8 BOM or none; cells separated by
 * commas, semicolons or tabs, {@link #delimiterOf detected} from the header) and hands every record
 * to a {@link Listener}, as a silver row or a rejection.
 *
 * <p>A record is one measurement: a travel-time group of a data row that holds a value ({@link
 * UberRowParser}; a row of the Daily export holds one per period, the other exports one), or a row
 * rejected as a whole. Every record is counted as read exactly once, and comes out exactly once. A
 * group whose cells are all empty measured nothing: it is no record, and is counted apart ({@link
 * Summary#emptyTravelTimes}), as blank lines are no records. A file that cannot be taken is
 * rejected whole ({@link Listener#fileRejected}), and each data row it holds is one record, out
 * rejected with the file's reason: a header that is not a travel-times header, a file whose city
 * cannot be known, an empty file or one with a header and no rows. Where the CSV can no longer be
 * read (an unclosed quote, bytes that are not UTF-8: a binary file), from the header or from a
 * later row on, the records before are kept and the rest of the file is quarantined line by line
 * ({@link Listener#unreadable}), each non-empty line one record, its bytes kept: the CSV cannot
 * tell its rows there, its lines are the best count of what the file held.
 */
public final class UberCsvParser {
  /**
   * The counter of a file's travel-time groups with all three cells empty ({@link
   * Summary#emptyTravelTimes}), as a report names it; they are neither written nor quarantined.
   */
  public static final String EMPTY_TRAVEL_TIMES = "empty_travel_times";

  private static final char[] DELIMITERS = {',', ';', '\t'};
  private static final int HEADER_LIMIT = 1 << 16;

  /** Receives the outcome of each record, in file order. */
  public interface Listener {
    void accepted(GenericRecord row);

    /**
     * A record rejected: a row, or one of its travel-time groups (a row of the Daily export may
     * come out several times, one per period, the detail naming the period's columns).
     *
     * @param recordNumber the data row's number, from 1 (the header is 0)
     * @param header the header row
     * @param values the row's cells
     */
    void rejected(Rejection rejection, long recordNumber, List<String> header, List<String> values);

    /**
     * A line of the file past the point where the CSV could not be read any more.
     *
     * @param recordNumber its number as a data row, from 1
     * @param line its bytes, without the line break
     */
    void unreadable(Rejection rejection, long recordNumber, byte[] line);

    /**
     * The whole file is rejected; called once, before its records.
     *
     * @param header the header's cells, or null when there is none or it could not be read
     * @param rawHeader the header's bytes when it could not be read, else null
     */
    void fileRejected(Rejection rejection, List<String> header, byte[] rawHeader);
  }

  /** Opens the file's bytes again from the start. */
  @FunctionalInterface
  public interface Source {
    InputStream open() throws IOException;
  }

  /**
   * What a file amounted to.
   *
   * @param read records read: each came out once, accepted or rejected (the header is not one)
   * @param emptyTravelTimes travel-time groups with all three cells empty, which gave nothing (not
   *     in {@code read}); a report counts them as {@value #EMPTY_TRAVEL_TIMES}
   * @param fileRejection why the whole file was rejected, or null
   * @param ignoredColumns columns the table does not keep
   * @param citySource where the city came from: {@code option}, {@code city_column}, {@code
   *     file_name}, or null
   * @param delimiter the cell separator found in the header
   */
  public record Summary(
      long read,
      long emptyTravelTimes,
      Rejection fileRejection,
      List<String> ignoredColumns,
      String citySource,
      char delimiter) {}

  private UberCsvParser() {}

  /**
   * Parses {@code csv}, the bytes of {@code sourceFile}. Leaves {@code csv} open: the caller may
   * still read what follows an unreadable record (to checksum the whole file, say). When part of
   * the file cannot be read, {@code again} is opened to quarantine that part's lines.
   *
   * @param cityOption the normalised {@code --city}, or null
   */
  public static Summary parse(
      InputStream csv, Source again, String sourceFile, String cityOption, Listener listener)
      throws IOException {
    BufferedReader in = new BufferedReader(new StrictUtf8(csv), HEADER_LIMIT + 16);
    CityRule cities = new CityRule(cityOption, UberSourceFiles.cityOf(sourceFile));
    char delimiter;
    try {
      in.mark(1);
      if (in.read() != '\uFEFF') {
        in.reset();
      }
      delimiter = delimiterOf(firstLine(in));
    } catch (IOException e) {
      return unreadableFrom("unreadable header: " + message(e), again, listener);
    }
    CSVFormat format =
        CSVFormat.DEFAULT.builder().setDelimiter(delimiter).setIgnoreEmptyLines(true).build();
    try (CSVParser parser = format.parse(in)) {
      Iterator<CSVRecord> records = parser.iterator();
      List<String> names;
      try {
        if (!records.hasNext()) {
          Rejection empty = new Rejection(Reason.EMPTY_FILE, "the file is empty");
          listener.fileRejected(empty, null, null);
          return new Summary(0, 0, empty, List.of(), null, delimiter);
        }
        names = records.next().toList();
      } catch (UncheckedIOException | IllegalStateException e) {
        return unreadableFrom("unreadable header: " + message(e), again, listener);
      }
      long linesRead = parser.getCurrentLineNumber();

      UberHeader header = null;
      Rejection fileRejection = null;
      String citySource = null;
      try {
        header = UberHeader.of(names);
        if (cities.option() != null) {
          citySource = "option";
        } else if (header.has(UberHeader.Field.CITY)) {
          citySource = "city_column";
        } else if (cities.fileName() != null) {
          citySource = "file_name";
        } else {
          fileRejection =
              new Rejection(
                  Reason.UNKNOWN_CITY,
                  "no city in the file name (like 'Travel_Times - Bogota.csv'), no city column,"
                      + " and no --city");
        }
      } catch (IllegalArgumentException e) {
        fileRejection = new Rejection(Reason.UNSUPPORTED_FILE_SHAPE, e.getMessage());
      }
      if (fileRejection != null) {
        listener.fileRejected(fileRejection, names, null);
      }

      long rows = 0;
      long read = 0;
      long emptyTravelTimes = 0;
      while (true) {
        List<String> values;
        try {
          if (!records.hasNext()) {
            break;
          }
          values = records.next().toList();
        } catch (UncheckedIOException | IllegalStateException e) {
          if (fileRejection != null) {
            // The file is rejected already; its unreadable rest is quarantined with that reason.
            return summary(
                read + quarantineLines(again, linesRead, rows, fileRejection, listener),
                emptyTravelTimes,
                fileRejection,
                header,
                citySource,
                delimiter);
          }
          Rejection broken =
              new Rejection(
                  Reason.MALFORMED_CSV, "unreadable after record " + rows + ": " + message(e));
          return summary(
              read + quarantineLines(again, linesRead, rows, broken, listener),
              emptyTravelTimes,
              null,
              header,
              citySource,
              delimiter);
        }
        rows++;
        linesRead = parser.getCurrentLineNumber();
        if (fileRejection != null) {
          read++;
          listener.rejected(fileRejection, rows, names, values);
          continue;
        }
        Outcomes outcomes = UberRowParser.parse(header, values, cities, sourceFile);
        emptyTravelTimes += outcomes.emptyTravelTimes();
        for (Outcome outcome : outcomes.outcomes()) {
          read++;
          if (outcome.isValid()) {
            listener.accepted(outcome.row());
          } else {
            listener.rejected(outcome.rejection(), rows, names, values);
          }
        }
      }
      if (rows == 0 && fileRejection == null) {
        fileRejection = new Rejection(Reason.EMPTY_FILE, "a header and no rows");
        listener.fileRejected(fileRejection, names, null);
      }
      return summary(read, emptyTravelTimes, fileRejection, header, citySource, delimiter);
    }
  }

  private static Summary summary(
      long read,
      long emptyTravelTimes,
      Rejection fileRejection,
      UberHeader header,
      String citySource,
      char delimiter) {
    return new Summary(
        read,
        emptyTravelTimes,
        fileRejection,
        header == null ? List.of() : header.ignored(),
        citySource,
        delimiter);
  }

  /** The whole file is unreadable from its header on: rejected whole, its lines quarantined. */
  private static Summary unreadableFrom(String detail, Source again, Listener listener)
      throws IOException {
    Rejection rejection = new Rejection(Reason.MALFORMED_CSV, detail);
    long read;
    try (InputStream raw = new BufferedInputStream(again.open())) {
      byte[] header = nextNonEmptyLine(raw);
      listener.fileRejected(rejection, null, header);
      read = header == null ? 0 : quarantineRest(raw, 0, rejection, listener);
    }
    return new Summary(read, 0, rejection, List.of(), null, ',');
  }

  /**
   * Quarantines every non-empty line after the first {@code linesRead} line breaks of the file.
   * Returns how many.
   */
  private static long quarantineLines(
      Source again, long linesRead, long recordsRead, Rejection rejection, Listener listener)
      throws IOException {
    try (InputStream raw = new BufferedInputStream(again.open())) {
      for (long skipped = 0; skipped < linesRead; skipped++) {
        if (nextLine(raw) == null) {
          return 0;
        }
      }
      return quarantineRest(raw, recordsRead, rejection, listener);
    }
  }

  private static long quarantineRest(
      InputStream raw, long recordsRead, Rejection rejection, Listener listener)
      throws IOException {
    long n = 0;
    for (byte[] line = nextNonEmptyLine(raw); line != null; line = nextNonEmptyLine(raw)) {
      n++;
      listener.unreadable(rejection, recordsRead + n, line);
    }
    return n;
  }

  private static byte[] nextNonEmptyLine(InputStream in) throws IOException {
    byte[] line;
    do {
      line = nextLine(in);
    } while (line != null && line.length == 0);
    return line;
  }

  /**
   * The next line's bytes, without its break ({@code \n}, {@code \r\n} or a lone {@code \r}, as
   * Commons CSV counts lines), or null at the end.
   */
  private static byte[] nextLine(InputStream in) throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    int b = in.read();
    if (b == -1) {
      return null;
    }
    while (b != -1 && b != '\n' && b != '\r') {
      line.write(b);
      b = in.read();
    }
    if (b == '\r') {
      in.mark(1);
      if (in.read() != '\n') {
        in.reset();
      }
    }
    return line.toByteArray();
  }

  /**
   * The header's first line (up to a line break outside quotes), read ahead without consuming it.
   */
  private static String firstLine(BufferedReader in) throws IOException {
    in.mark(HEADER_LIMIT + 1);
    StringBuilder line = new StringBuilder();
    boolean quoted = false;
    for (int c = in.read(); c != -1 && line.length() < HEADER_LIMIT; c = in.read()) {
      if (c == '"') {
        quoted = !quoted;
      } else if (!quoted && (c == '\n' || c == '\r')) {
        break;
      }
      line.append((char) c);
    }
    in.reset();
    return line.toString();
  }

  /**
   * The cell separator of a CSV whose header line is {@code header}: whichever of comma, semicolon
   * and tab occurs most often outside quotes (a comma when none does, or on a tie). Spreadsheet
   * exports in locales whose decimal mark is a comma use semicolons; "text" exports use tabs.
   */
  public static char delimiterOf(String header) {
    int[] counts = new int[DELIMITERS.length];
    boolean quoted = false;
    for (int i = 0; i < header.length(); i++) {
      char c = header.charAt(i);
      if (c == '"') {
        quoted = !quoted;
      } else if (!quoted) {
        for (int d = 0; d < DELIMITERS.length; d++) {
          if (c == DELIMITERS[d]) {
            counts[d]++;
          }
        }
      }
    }
    int best = 0;
    for (int d = 1; d < DELIMITERS.length; d++) {
      if (counts[d] > counts[best]) {
        best = d;
      }
    }
    return DELIMITERS[best];
  }

  /**
   * UTF-8 that fails on the first byte that is not UTF-8, but only after handing out every char
   * before it ({@link java.io.InputStreamReader} drops the chars decoded in the same read, so the
   * rows before a bad byte would be lost with it). Closing it leaves the stream open.
   */
  private static final class StrictUtf8 extends Reader {
    private final InputStream in;
    private final CharsetDecoder decoder =
        StandardCharsets.UTF_8
            .newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
    private final ByteBuffer bytes = ByteBuffer.allocate(1 << 16).flip();
    private boolean eof;
    private boolean flushed;

    StrictUtf8(InputStream in) {
      this.in = in;
    }

    @Override
    public int read(char[] buffer, int offset, int length) throws IOException {
      if (length == 0) {
        return 0;
      }
      if (flushed) {
        return -1;
      }
      CharBuffer out = CharBuffer.wrap(buffer, offset, length);
      while (true) {
        CoderResult result = decoder.decode(bytes, out, eof);
        if (result.isError()) {
          if (out.position() > offset) {
            return out.position() - offset; // the error again, on the next read
          }
          result.throwException();
        }
        if (result.isOverflow()) {
          return out.position() - offset;
        }
        if (eof) {
          if (!flushed) {
            decoder.flush(out);
            flushed = true;
          }
          int n = out.position() - offset;
          return n == 0 ? -1 : n;
        }
        if (out.position() > offset) {
          return out.position() - offset;
        }
        bytes.compact();
        int n = in.read(bytes.array(), bytes.position(), bytes.remaining());
        if (n < 0) {
          eof = true;
        } else {
          bytes.position(bytes.position() + n);
        }
        bytes.flip();
      }
    }

    @Override
    public void close() {}
  }

  private static String message(Exception e) {
    Throwable cause = e.getCause() != null ? e.getCause() : e;
    if (cause instanceof CharacterCodingException) {
      return "bytes that are not UTF-8";
    }
    return String.valueOf(cause.getMessage());
  }
}
