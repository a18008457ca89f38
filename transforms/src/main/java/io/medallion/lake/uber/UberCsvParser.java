package io.medallion.lake.uber;

import io.medallion.lake.uber.UberRowParser.CityRule;
import io.medallion.lake.uber.UberRowParser.Outcome;
import io.medallion.lake.uber.UberRowParser.Reason;
import io.medallion.lake.uber.UberRowParser.Rejection;
import java.io.BufferedReader;
import java.io.FilterReader;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.util.Iterator;
import java.util.List;
import org.apache.avro.generic.GenericRecord;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;

/**
 * Reads one Uber Movement CSV as published (RFC 4180 through Apache Commons CSV: quoted or bare
 * cells, LF or CRLF, with or without a final newline, a UTF-8 BOM or none) and hands every data row
 * to a {@link Listener}, as a silver row or a rejection.
 *
 * <p>Every data record is counted as read exactly once, and comes out exactly once. A file whose
 * header is not a travel-times header, or whose city cannot be known, is rejected whole: each of
 * its records comes out rejected with the file's reason. A CSV that breaks off (an unclosed quote,
 * bytes that are not UTF-8) keeps the rows before the break; the unreadable rest counts as one
 * record, rejected as {@link Reason#MALFORMED_CSV}.
 */
public final class UberCsvParser {
  private static final CSVFormat FORMAT =
      CSVFormat.DEFAULT.builder().setIgnoreEmptyLines(true).build();

  /** Receives the outcome of each data record, in file order. */
  public interface Listener {
    void accepted(String partition, GenericRecord row);

    /**
     * @param recordNumber the data record's number, from 1 (the header is 0)
     * @param header the header row, or null when there is none
     * @param values the record's cells, or null when the record could not be read
     */
    void rejected(Rejection rejection, long recordNumber, List<String> header, List<String> values);
  }

  /**
   * What a file amounted to.
   *
   * @param read data records read (the header is not one)
   * @param fileRejection why the whole file was rejected, or null
   * @param ignoredColumns columns the table does not keep
   * @param citySource where the city came from: {@code option}, {@code city_column}, {@code
   *     file_name}, or null
   */
  public record Summary(
      long read, Rejection fileRejection, List<String> ignoredColumns, String citySource) {}

  private UberCsvParser() {}

  /**
   * Parses {@code csv}, the content of {@code sourceFile}. Leaves {@code csv} open: the caller may
   * still read what follows a malformed record (to checksum the whole file, say).
   *
   * @param cityOption the normalised {@code --city}, or null
   */
  public static Summary parse(Reader csv, String sourceFile, String cityOption, Listener listener)
      throws IOException {
    BufferedReader in = new BufferedReader(new KeepOpen(csv));
    in.mark(1);
    if (in.read() != '\uFEFF') {
      in.reset();
    }
    CityRule cities = new CityRule(cityOption, UberSourceFiles.cityOf(sourceFile));
    try (CSVParser parser = FORMAT.parse(in)) {
      Iterator<CSVRecord> records = parser.iterator();
      List<String> names;
      try {
        if (!records.hasNext()) {
          return new Summary(
              0,
              new Rejection(Reason.UNSUPPORTED_FILE_SHAPE, "the file is empty"),
              List.of(),
              null);
        }
        names = records.next().toList();
      } catch (UncheckedIOException | IllegalStateException e) {
        return new Summary(
            0,
            new Rejection(Reason.MALFORMED_CSV, "unreadable header: " + message(e)),
            List.of(),
            null);
      }

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

      long read = 0;
      while (true) {
        List<String> values;
        try {
          if (!records.hasNext()) {
            break;
          }
          values = records.next().toList();
        } catch (UncheckedIOException | IllegalStateException e) {
          read++;
          listener.rejected(
              new Rejection(
                  Reason.MALFORMED_CSV,
                  "unreadable after record " + (read - 1) + ": " + message(e)),
              read,
              names,
              null);
          break;
        }
        read++;
        if (fileRejection != null) {
          listener.rejected(fileRejection, read, names, values);
          continue;
        }
        Outcome outcome = UberRowParser.parse(header, values, cities, sourceFile);
        if (outcome.isValid()) {
          listener.accepted(outcome.partition(), outcome.row());
        } else {
          listener.rejected(outcome.rejection(), read, names, values);
        }
      }
      return new Summary(
          read, fileRejection, header == null ? List.of() : header.ignored(), citySource);
    }
  }

  /** Closing the CSV parser must not close the caller's reader. */
  private static final class KeepOpen extends FilterReader {
    KeepOpen(Reader in) {
      super(in);
    }

    @Override
    public void close() {}
  }

  private static String message(RuntimeException e) {
    Throwable cause = e.getCause() != null ? e.getCause() : e;
    return String.valueOf(cause.getMessage());
  }
}
