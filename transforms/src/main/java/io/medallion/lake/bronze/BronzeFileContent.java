package io.medallion.lake.bronze;

import java.io.BufferedInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;

/**
 * The content of a bronze file as its bytes say, not its name: gzip when it starts with gzip's
 * magic bytes ({@code 1f 8b}), decoded member by member; the bytes as they are otherwise.
 *
 * <p>A gzip file that cannot be decoded to its end does not fail the read. The content ends where
 * the last member that could be read ends, and {@link #damage()} says where the undecodable rest of
 * the file starts, in compressed bytes:
 *
 * <ul>
 *   <li>bytes after a complete member that are no gzip member (trailing garbage, padding): at the
 *       first of them;
 *   <li>a member that breaks (truncated, corrupt deflate data, a checksum or length that does not
 *       match): at the member's first byte, since a deflate stream cannot be picked up again in its
 *       middle. What the member yielded before it broke is part of the content (a truncated file
 *       keeps the records written before the cut); with a checksum mismatch those bytes may differ
 *       from what was compressed, and the damage says so.
 * </ul>
 *
 * Beam's {@link org.apache.beam.sdk.io.Compression#GZIP} uses the same decoder (commons-compress)
 * over all members at once, and throws on any of these ({@code Garbage after a valid .gz stream}),
 * without saying where the good part ends. An error of the storage itself (a read that fails) is no
 * damage of the file: it is thrown.
 */
public final class BronzeFileContent extends InputStream {
  /**
   * Where the undecodable rest of a gzip file starts, and why it cannot be decoded.
   *
   * @param compressedOffset the file's byte where the undecodable rest starts (a member's first
   *     byte, or the first byte after the last complete member)
   * @param contentOffset how many content bytes the members before {@code compressedOffset} gave:
   *     the content past it, if any, is what the broken member gave before it broke, and decoding
   *     the rest again gives it again
   * @param detail why the rest cannot be decoded
   */
  public record Damage(long compressedOffset, long contentOffset, String detail) {}

  private static final int MAGIC_0 = 0x1f;
  private static final int MAGIC_1 = 0x8b;

  private final Position raw;
  private final boolean gzip;
  private GzipCompressorInputStream member;
  private long memberStart;
  private long memberBytes;
  private long contentBytes;
  private int members;
  private boolean ended;
  private Damage damage;

  private BronzeFileContent(Position raw, boolean gzip) {
    this.raw = raw;
    this.gzip = gzip;
  }

  /** The content of the file whose raw bytes are {@code raw}; closing it closes {@code raw}. */
  public static BronzeFileContent of(InputStream raw) throws IOException {
    Position position = new Position(raw);
    position.mark(2);
    boolean gzip = position.read() == MAGIC_0 && position.read() == MAGIC_1;
    position.reset();
    return new BronzeFileContent(position, gzip);
  }

  /** Whether the file's bytes start with gzip's magic bytes. */
  public boolean isGzip() {
    return gzip;
  }

  /** Null when the whole file was decoded (or is not gzip); valid once the content is read. */
  public Damage damage() {
    return damage;
  }

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    int n = read(one, 0, 1);
    return n < 0 ? -1 : one[0] & 0xFF;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    if (!gzip) {
      return raw.read(b, off, len);
    }
    while (!ended) {
      if (member == null && !nextMember()) {
        break;
      }
      int n;
      try {
        n = member.read(b, off, len);
      } catch (IOException e) {
        if (raw.failed) {
          throw e;
        }
        // The decoder checks the trailer (or meets a cut) in the same call that wrote the
        // member's last bytes into b, and drops them with the exception. They are there, from
        // off on: its count of bytes given out says how many.
        int given = (int) (member.getUncompressedCount() - memberBytes);
        memberBytes += given;
        fail(
            memberStart,
            contentBytes,
            "gzip member "
                + (members + 1)
                + " broke: "
                + message(e)
                + (memberBytes > 0
                    ? ", after giving " + memberBytes + " bytes, read as records"
                    : ""));
        return given > 0 ? given : -1;
      }
      if (n >= 0) {
        memberBytes += n;
        return n;
      }
      closeMember();
      members++;
      contentBytes += memberBytes;
    }
    return -1;
  }

  /** Opens the member at the current position; false at the end of the file or at garbage. */
  private boolean nextMember() throws IOException {
    memberStart = raw.position;
    memberBytes = 0;
    raw.mark(2);
    int b0 = raw.read();
    int b1 = raw.read();
    raw.reset();
    if (b0 < 0) {
      ended = true;
      return false;
    }
    if (b0 != MAGIC_0 || b1 != MAGIC_1) {
      fail(memberStart, contentBytes, "bytes after gzip member " + members + " are not gzip");
      return false;
    }
    try {
      // One member at a time, so that its end is known exactly: the decoder puts back what it
      // read past the member's trailer (it needs a stream that supports mark and reset).
      member = new GzipCompressorInputStream(raw, false);
      return true;
    } catch (IOException e) {
      if (raw.failed) {
        throw e;
      }
      fail(
          memberStart,
          contentBytes,
          "gzip member " + (members + 1) + " has a bad header: " + message(e));
      return false;
    }
  }

  private void fail(long offset, long contentOffset, String detail) throws IOException {
    damage = new Damage(offset, contentOffset, detail);
    ended = true;
    closeMember();
  }

  /** Frees the member's inflater; the file stays open. */
  private void closeMember() throws IOException {
    if (member != null) {
      member.close();
      member = null;
    }
  }

  private static String message(IOException e) {
    return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
  }

  @Override
  public void close() throws IOException {
    closeMember();
    raw.closeForReal();
  }

  /**
   * The raw bytes, buffered, with the position of the next byte; mark and reset move it back. Notes
   * whether the storage failed, so that a failing read is not taken for a corrupt file. Closing it
   * does nothing, so that closing a member's decoder leaves the file open.
   */
  private static final class Position extends FilterInputStream {
    private long position;
    private long marked;
    private boolean failed;

    Position(InputStream in) {
      super(new BufferedInputStream(in, 1 << 16));
    }

    @Override
    public int read() throws IOException {
      int b;
      try {
        b = in.read();
      } catch (IOException e) {
        failed = true;
        throw e;
      }
      if (b >= 0) {
        position++;
      }
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int n;
      try {
        n = in.read(b, off, len);
      } catch (IOException e) {
        failed = true;
        throw e;
      }
      if (n > 0) {
        position += n;
      }
      return n;
    }

    @Override
    public long skip(long n) throws IOException {
      long skipped;
      try {
        skipped = in.skip(n);
      } catch (IOException e) {
        failed = true;
        throw e;
      }
      position += skipped;
      return skipped;
    }

    @Override
    public boolean markSupported() {
      return true;
    }

    @Override
    public synchronized void mark(int readLimit) {
      in.mark(readLimit);
      marked = position;
    }

    @Override
    public synchronized void reset() throws IOException {
      in.reset();
      position = marked;
    }

    @Override
    public void close() {}

    void closeForReal() throws IOException {
      in.close();
    }
  }
}
