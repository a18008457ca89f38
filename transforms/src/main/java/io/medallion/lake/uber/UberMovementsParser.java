package io.medallion.lake.uber;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.medallion.lake.filedrop.DroppedFileParser;
import io.medallion.lake.layout.PartitionValues;
import io.medallion.lake.uber.UberRowParser.Rejection;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.generic.GenericRecord;

/**
 * The {@code silver_uber_movements} file drop's parser: an Uber Movement CSV ({@link
 * UberCsvParser}) as rows and quarantined records. A rejected record's quarantine line holds its
 * cells by header name ({@code raw}), or its cells alone ({@code raw_values}) when they do not
 * match the header, or its bytes ({@code raw_line}, {@code raw_line_base64} when not UTF-8) past
 * the point where the CSV could not be read; a rejected file's line holds its header ({@code
 * raw_header} or {@code raw_header_line}).
 */
public final class UberMovementsParser implements DroppedFileParser {
  private static final long serialVersionUID = 1L;

  private final String city;

  private UberMovementsParser(String city) {
    this.city = city;
  }

  /** The city of each row from the file's city column or name. */
  public static UberMovementsParser create() {
    return new UberMovementsParser(null);
  }

  /** Every row gets this city (normalised), whatever the file name or its city column say. */
  public static UberMovementsParser withCity(String city) {
    return new UberMovementsParser(PartitionValues.normalise(city.strip()));
  }

  @Override
  public Parsed parse(InputStream in, Reopen again, String source, Output out) throws IOException {
    UberCsvParser.Summary summary =
        UberCsvParser.parse(in, again::open, source, city, new ToOutput(out));
    out.count(UberCsvParser.EMPTY_TRAVEL_TIMES, summary.emptyTravelTimes());
    Map<String, Object> attributes = new LinkedHashMap<>();
    attributes.put("city_from", summary.citySource());
    attributes.put("delimiter", String.valueOf(summary.delimiter()));
    if (summary.fileRejection() != null) {
      attributes.put("rejected_detail", summary.fileRejection().detail());
    }
    attributes.put("ignored_columns", summary.ignoredColumns());
    return new Parsed(
        summary.read(),
        attributes,
        summary.fileRejection() == null ? null : summary.fileRejection().reason().code());
  }

  private record ToOutput(Output out) implements UberCsvParser.Listener {
    @Override
    public void accepted(GenericRecord row) {
      out.row(row);
    }

    @Override
    public void rejected(
        Rejection rejection, long recordNumber, List<String> header, List<String> values) {
      out.rejected(
          rejection.reason().code(),
          rejection.detail(),
          recordNumber,
          line -> {
            if (header.size() == values.size()) {
              ObjectNode raw = line.putObject("raw");
              for (int i = 0; i < values.size(); i++) {
                raw.put(header.get(i), values.get(i));
              }
            } else {
              values.forEach(line.putArray("raw_values")::add);
            }
          });
    }

    @Override
    public void unreadable(Rejection rejection, long recordNumber, byte[] rawLine) {
      out.rejected(
          rejection.reason().code(),
          rejection.detail(),
          recordNumber,
          line -> putRaw(line, "raw_line", rawLine));
    }

    @Override
    public void fileRejected(Rejection rejection, List<String> header, byte[] rawHeader) {
      out.fileRejected(
          rejection.reason().code(),
          rejection.detail(),
          line -> {
            if (header != null) {
              header.forEach(line.putArray("raw_header")::add);
            } else if (rawHeader != null) {
              putRaw(line, "raw_header_line", rawHeader);
            }
          });
    }
  }

  /** {@code field} as text when the bytes are UTF-8, else {@code field_base64}. */
  private static void putRaw(ObjectNode line, String field, byte[] bytes) {
    try {
      line.put(
          field,
          StandardCharsets.UTF_8
              .newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .decode(ByteBuffer.wrap(bytes))
              .toString());
    } catch (CharacterCodingException e) {
      line.put(field + "_base64", Base64.getEncoder().encodeToString(bytes));
    }
  }
}
