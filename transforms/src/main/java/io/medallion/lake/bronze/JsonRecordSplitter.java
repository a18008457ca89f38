package io.medallion.lake.bronze;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.channels.ReadableByteChannel;
import java.util.Arrays;
import org.apache.beam.sdk.io.Compression;

/**
 * Splits the content of a bronze file into records, one per top-level JSON value, whatever
 * separates them: nothing (Firehose concatenates records), line feeds, CRLF, blank lines, spaces.
 * A value may span lines (pretty-printed JSON). Each record is handed over with its exact bytes,
 * the byte offset of its first byte and its line; nothing between records but JSON whitespace and a
 * UTF-8 byte order mark is skipped, so every other byte of the file lands in exactly one record.
 *
 * <p>Bytes that are not a value become records too, for the parser to quarantine:
 *
 * <ul>
 *   <li><b>Garbage</b> (a byte that cannot start a value, or a scalar that is not one, like {@code
 *       tru} or {@code 12ab}) runs to the end of its line, or to the first {@code {} followed by
 *       {@code "} or {@code }} (after whitespace), whichever comes first.
 *   <li><b>A value whose structure breaks</b> (a truncated record, a missing comma) is cut where the
 *       next record most plausibly starts, tried in this order:
 *       <ol>
 *         <li>the first {@code {} at the start of a line since the value began: pretty-printers
 *             indent nested values, so a {@code {} in column 0 starts a record;
 *         <li>the first {@code {} inside one of the value's strings from which the JSON grammar
 *             reads on past the point where the value broke (a record truncated inside a string,
 *             like {@code {"a":"ab{"event_uuid":...}}, swallowed the start of the next one);
 *         <li>the {@code {} where it broke, if it broke on one ({@code {"a":1{"b":2}});
 *         <li>otherwise the broken value runs on until its brackets balance (a bad token inside a
 *             well-formed structure keeps the record whole), or to a {@code {} at the start of a
 *             line or right after a {@code }}, or to the end of the file.
 *       </ol>
 * </ul>
 *
 * A value that is still open at the end of the file is one record, unless rule 1 or 2 finds a
 * record inside it. What cannot be told apart is a record truncated where a value was due, followed
 * by a good one ({@code {"a":[} then {@code {"event_uuid":...}}): the good one is a valid element
 * there, so both are quarantined as one record unless a line break separates them.
 */
public final class JsonRecordSplitter {
  /** Receives the records of a file in order. */
  @FunctionalInterface
  public interface Sink {
    /**
     * @param offset the byte offset of the record's first byte in the (decompressed) content
     * @param line the line (1-based) of the record's first byte
     * @param bytes the record exactly as stored, without the whitespace around it
     */
    void accept(long offset, long line, byte[] bytes) throws IOException;
  }

  private static final int INITIAL_BUFFER = 1 << 16;

  /** How much whitespace may sit between a {@code {} and what makes it look like a record. */
  private static final int LOOKAHEAD = 64;

  private final InputStream in;
  private final Sink sink;
  private final JsonLexer lexer = new JsonLexer();
  private final JsonLexer probe = new JsonLexer();
  private byte[] buf = new byte[INITIAL_BUFFER];
  private long base;
  private int limit;
  private boolean eof;
  private long keep;
  private long lineCursor;
  private long lineAtCursor = 1;
  private long[] braces = new long[16];
  private int braceCount;
  private long records;

  private JsonRecordSplitter(InputStream in, Sink sink) {
    this.in = in;
    this.sink = sink;
  }

  /**
   * The content of a file as its bytes say, not its name: gzip (one member or several) when it
   * starts with gzip's magic bytes, as is otherwise. Uses Beam's own {@link Compression#GZIP}
   * reader, which checks the magic bytes and reads concatenated members.
   */
  public static InputStream decompressed(ReadableByteChannel raw) throws IOException {
    return Channels.newInputStream(Compression.GZIP.readDecompressed(raw));
  }

  /**
   * Splits {@code in} into records, handing each to {@code sink} in order. Does not close {@code
   * in}.
   *
   * @return the number of records
   */
  public static long split(InputStream in, Sink sink) throws IOException {
    return new JsonRecordSplitter(in, sink).run();
  }

  private long run() throws IOException {
    long p = 0;
    while (true) {
      lineOf(p);
      keep = p;
      int b = at(p);
      if (b < 0) {
        return records;
      }
      if (isWhitespace(b)) {
        p++;
      } else if (b == 0xEF && at(p + 1) == 0xBB && at(p + 2) == 0xBF) {
        p += 3;
      } else {
        p = record(p);
      }
    }
  }

  /** Reads the record starting at {@code s}; returns where reading goes on. */
  private long record(long s) throws IOException {
    lexer.reset();
    braceCount = 0;
    long lineStartBrace = -1;
    for (long p = s; ; p++) {
      if (lexer.inString() && !lexer.inEscape()) {
        // Most bytes are string content, which changes nothing: skip them in one tight loop.
        int from = (int) (p - base);
        int i = from;
        while (i < limit && !isStringSpecial(buf[i])) {
          i++;
        }
        p += i - from;
      }
      int b = at(p);
      if (b < 0) {
        return lexer.finish() ? emit(s, p) : broken(s, p, true, lineStartBrace);
      }
      int r = lexer.step(b);
      if (r == JsonLexer.MORE) {
        if (b == '{' && p > s) {
          if (lexer.inString()) {
            addBrace(p);
          } else if (lineStartBrace < 0 && at(p - 1) == '\n') {
            lineStartBrace = p;
          }
        }
      } else if (r == JsonLexer.END) {
        return emit(s, p + 1);
      } else if (r == JsonLexer.END_BEFORE) {
        return isWhitespace(b) || b == '{' || b == '[' || b == '"' ? emit(s, p) : garbage(s);
      } else {
        return lexer.depth() == 0 ? garbage(s) : broken(s, p, false, lineStartBrace);
      }
    }
  }

  /** Bytes that start no value: to the end of the line or a plausible record start. */
  private long garbage(long s) throws IOException {
    for (long q = s + 1; ; q++) {
      int b = at(q);
      if (b < 0 || b == '\n' || (b == '{' && looksLikeRecord(q))) {
        return emit(s, q);
      }
    }
  }

  private boolean looksLikeRecord(long brace) throws IOException {
    for (long q = brace + 1; q <= brace + LOOKAHEAD; q++) {
      int b = at(q);
      if (!isWhitespace(b)) {
        return b == '"' || b == '}';
      }
    }
    return true;
  }

  /** The value starting at {@code s} broke at {@code e} (the end of the content when atEnd). */
  private long broken(long s, long e, boolean atEnd, long lineStartBrace) throws IOException {
    if (lineStartBrace < 0 && !atEnd && at(e) == '{' && at(e - 1) == '\n') {
      lineStartBrace = e;
    }
    if (lineStartBrace > s) {
      return emit(s, lineStartBrace);
    }
    for (int i = 0; i < braceCount; i++) {
      if (readsOnFrom(braces[i], e, atEnd)) {
        return emit(s, braces[i]);
      }
    }
    if (atEnd) {
      return emit(s, e);
    }
    if (at(e) == '{') {
      return emit(s, e);
    }
    return resynchronise(s, e);
  }

  /**
   * True when a value starting at {@code c} reads past {@code e} without breaking (or, at the end,
   * is complete).
   */
  private boolean readsOnFrom(long c, long e, boolean atEnd) throws IOException {
    probe.reset();
    for (long q = c; ; q++) {
      int b = at(q);
      if (b < 0) {
        return false;
      }
      int r = probe.step(b);
      if (r == JsonLexer.ERROR) {
        return false;
      }
      if (r != JsonLexer.MORE) {
        return atEnd || q >= e;
      }
      if (!atEnd && q >= e) {
        return true;
      }
    }
  }

  /**
   * Rule 4: follow strings and brackets on from {@code e} until they balance or a record starts.
   */
  private long resynchronise(long s, long e) throws IOException {
    int depth = lexer.depth();
    boolean inString = lexer.inString();
    boolean escape = lexer.inEscape();
    int previous = -1;
    for (long q = e; ; q++) {
      int b = at(q);
      if (b < 0) {
        return emit(s, q);
      }
      if (b == '{' && q > s && (previous == '}' || at(q - 1) == '\n')) {
        return emit(s, q);
      }
      if (inString) {
        if (b == '\n') {
          inString = false;
          escape = false;
        } else if (escape) {
          escape = false;
        } else if (b == '\\') {
          escape = true;
        } else if (b == '"') {
          inString = false;
        }
      } else if (b == '"') {
        inString = true;
      } else if (b == '{' || b == '[') {
        depth++;
      } else if ((b == '}' || b == ']') && --depth <= 0) {
        return emit(s, q + 1);
      }
      if (!isWhitespace(b)) {
        previous = b;
      }
    }
  }

  /** Hands over {@code [s, end)} without trailing whitespace; returns {@code end}. */
  private long emit(long s, long end) throws IOException {
    long last = end;
    while (last > s && isWhitespace(at(last - 1))) {
      last--;
    }
    int from = (int) (s - base);
    byte[] bytes = Arrays.copyOfRange(buf, from, from + (int) (last - s));
    sink.accept(s, lineOf(s), bytes);
    records++;
    return end;
  }

  /** The line of {@code pos}; positions asked for never go backwards. */
  private long lineOf(long pos) {
    // Every byte before pos has been read and is still in the buffer.
    for (int i = (int) (lineCursor - base), end = (int) (pos - base); i < end; i++) {
      if (buf[i] == '\n') {
        lineAtCursor++;
      }
    }
    lineCursor = pos;
    return lineAtCursor;
  }

  private void addBrace(long pos) {
    if (braceCount == braces.length) {
      braces = Arrays.copyOf(braces, braceCount * 2);
    }
    braces[braceCount++] = pos;
  }

  /** The byte at {@code pos} (0..255), or -1 past the end; {@code pos} is never before keep. */
  private int at(long pos) throws IOException {
    long i = pos - base;
    while (i >= limit && !eof) {
      fill();
      i = pos - base;
    }
    return i < limit ? buf[(int) i] & 0xFF : -1;
  }

  private void fill() throws IOException {
    int drop = (int) (keep - base);
    if (drop > 0 && (limit == buf.length || drop >= buf.length / 2)) {
      System.arraycopy(buf, drop, buf, 0, limit - drop);
      limit -= drop;
      base += drop;
    }
    if (limit == buf.length) {
      buf = Arrays.copyOf(buf, buf.length * 2);
    }
    int n = in.read(buf, limit, buf.length - limit);
    if (n < 0) {
      eof = true;
    } else {
      limit += n;
    }
  }

  /**
   * The bytes that matter inside a string: they end it, escape, break it, or may start a record.
   */
  private static boolean isStringSpecial(byte b) {
    return b == '"' || b == '\\' || b == '\n' || b == '{';
  }

  private static boolean isWhitespace(int b) {
    return b == ' ' || b == '\n' || b == '\r' || b == '\t';
  }
}
