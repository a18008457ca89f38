package io.medallion.lake.erasure;

import io.medallion.lake.bronze.BronzeFileContent;
import io.medallion.lake.bronze.JsonRecordSplitter;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.MoveOptions;
import org.apache.beam.sdk.io.fs.ResolveOptions.StandardResolveOptions;
import org.apache.beam.sdk.io.fs.ResourceId;

/**
 * One lake file with a data subject's records erased: what was read, what was removed, and whether
 * the file was rewritten or deleted.
 *
 * <p>The file is read as silver reads bronze ({@link BronzeFileContent}: gzip member by member when
 * its bytes say gzip; {@link JsonRecordSplitter}: one record per top-level JSON value, whatever
 * separates them). Each record the subjects own ({@link SubjectRecords}) is removed with the JSON
 * whitespace that follows it (its separator); every other byte stays as it was, a UTF-8 byte order
 * mark included. A gzip file is written again as one gzip member of the remaining content. The
 * undecodable rest of a gzip file ({@link BronzeFileContent.Damage}) is kept byte for byte, unless
 * its compressed bytes hold a value as a JSON string token or the bytes its broken member gave
 * before it broke hold one of the subjects' records: then it goes, and what that member gave that
 * is not theirs is kept as content. A file left with no record is deleted.
 *
 * <p>A rewrite goes to a hidden file next to the original ({@code .<name>.erasure}, which silver
 * skips), is read back and split again, and must give exactly the records that were kept, in order.
 * Where removing a record would glue its neighbours into one (garbage runs to the end of its line,
 * or to the next record), the rewrite is made again with a line break in place of each removed
 * record; if even that splits otherwise, the original stays and the erasure fails loudly naming the
 * file. The rewrite then replaces the original under the same name by one rename: atomic on a local
 * disk, a copy then a delete on S3, where replacing an object is atomic too.
 *
 * @param bytesRead the file's stored bytes (compressed ones, for gzip)
 * @param recordsRemoved the subjects' records removed (or, in a dry run, that would be); a dropped
 *     undecodable rest counts as one
 * @param rewritten whether the file was (or would be) written again without them
 * @param deleted whether the file was (or would be) deleted, nothing else being left in it
 */
public record ErasedFile(long bytesRead, long recordsRemoved, boolean rewritten, boolean deleted) {
  private static final String TEMPORARY_PREFIX = ".";
  private static final String TEMPORARY_SUFFIX = ".erasure";

  /**
   * Erases the subjects' records from {@code file}.
   *
   * @param file the file, as listed
   * @param kind how its records are matched
   * @param dryRun count what would go, change nothing
   * @throws IOException when the file cannot be read, written or replaced
   * @throws IllegalStateException when the remaining bytes would not split into the kept records
   */
  public static ErasedFile erase(
      ResourceId file, SubjectRecords.Kind kind, Subjects subjects, boolean dryRun)
      throws IOException {
    Scan scan = Scan.of(file, kind, subjects);
    if (scan.removed.count() == 0 && !scan.dropTail) {
      return new ErasedFile(scan.fileBytes, 0, false, false);
    }
    // A dropped undecodable rest counts as one record, whatever silver cut it into.
    long removed = scan.removed.count() + (scan.dropTail ? 1 : 0);
    boolean empty = scan.kept == 0 && (scan.damage == null || scan.dropTail);
    if (empty) {
      if (!dryRun) {
        FileSystems.delete(List.of(file));
      }
      return new ErasedFile(scan.fileBytes, removed, false, true);
    }
    if (!dryRun) {
      ResourceId temporary =
          file.getCurrentDirectory()
              .resolve(
                  TEMPORARY_PREFIX + file.getFilename() + TEMPORARY_SUFFIX,
                  StandardResolveOptions.RESOLVE_FILE);
      try {
        // Removing a record can glue its neighbours into one (garbage runs to the end of its
        // line): then a line break stands where the record was, the least change that keeps them
        // apart.
        if (!rewrite(file, temporary, kind, scan, false)
            && !rewrite(file, temporary, kind, scan, true)) {
          throw new IllegalStateException(
              "erasing from "
                  + file
                  + " would change how its other records split; the file is left as it was");
        }
        FileSystems.rename(List.of(temporary), List.of(file));
      } finally {
        FileSystems.delete(
            List.of(temporary), MoveOptions.StandardMoveOptions.IGNORE_MISSING_FILES);
      }
    }
    return new ErasedFile(scan.fileBytes, removed, true, false);
  }

  /**
   * Writes the file without the removed records to {@code temporary}; true when it splits into
   * exactly the kept records, in order.
   */
  private static boolean rewrite(
      ResourceId file, ResourceId temporary, SubjectRecords.Kind kind, Scan scan, boolean lineBreak)
      throws IOException {
    write(file, temporary, scan, lineBreak);
    Scan check = Scan.of(temporary, kind, null);
    return check.kept == scan.kept && Arrays.equals(check.keptDigest, scan.keptDigest);
  }

  /**
   * Writes the file's content without the removed ranges (each followed by a line break when {@code
   * lineBreak}) to {@code target}.
   */
  private static void write(ResourceId file, ResourceId target, Scan scan, boolean lineBreak)
      throws IOException {
    boolean keepTail = scan.damage != null && !scan.dropTail;
    long contentEnd = keepTail ? scan.damage.contentOffset() : Long.MAX_VALUE;
    try (OutputStream raw =
        Channels.newOutputStream(FileSystems.create(target, "application/octet-stream"))) {
      OutputStream out = scan.gzip ? new GZIPOutputStream(raw, 1 << 16) : raw;
      try (BronzeFileContent content =
          BronzeFileContent.of(Channels.newInputStream(FileSystems.open(file)))) {
        copyKept(content, out, scan.removed, contentEnd, lineBreak);
      }
      if (out instanceof GZIPOutputStream gzip) {
        gzip.finish();
      }
      if (keepTail) {
        try (InputStream in = Channels.newInputStream(FileSystems.open(file))) {
          in.skipNBytes(scan.damage.compressedOffset());
          in.transferTo(raw);
        }
      }
      out.flush();
    }
  }

  /**
   * Copies {@code content} up to {@code end}, leaving out each removed range and the whitespace
   * right after it.
   */
  private static void copyKept(
      InputStream content, OutputStream out, Ranges removed, long end, boolean lineBreak)
      throws IOException {
    byte[] buf = new byte[1 << 16];
    long position = 0;
    int range = 0;
    boolean skippingSeparator = false;
    int n;
    while (position < end && (n = content.read(buf)) > 0) {
      int limit = (int) Math.min(n, end - position);
      int runStart = 0;
      for (int i = 0; i < limit; i++, position++) {
        boolean drop;
        if (range < removed.count() && position >= removed.start(range)) {
          drop = true;
          if (position + 1 == removed.end(range)) {
            range++;
            skippingSeparator = true;
            if (lineBreak) {
              out.write(buf, runStart, i - runStart);
              out.write('\n');
              runStart = i + 1;
              continue;
            }
          }
        } else if (skippingSeparator && isWhitespace(buf[i])) {
          drop = true;
        } else {
          skippingSeparator = false;
          drop = false;
        }
        if (drop) {
          out.write(buf, runStart, i - runStart);
          runStart = i + 1;
        }
      }
      out.write(buf, runStart, limit - runStart);
    }
  }

  private static boolean isWhitespace(byte b) {
    return b == ' ' || b == '\n' || b == '\r' || b == '\t';
  }

  /** Start and end offsets of the removed records, in content bytes, in order. */
  private static final class Ranges {
    private long[] offsets = new long[16];
    private int count;

    void add(long start, long end) {
      if (2 * count + 2 > offsets.length) {
        offsets = Arrays.copyOf(offsets, offsets.length * 2);
      }
      offsets[2 * count] = start;
      offsets[2 * count + 1] = end;
      count++;
    }

    int count() {
      return count;
    }

    long start(int i) {
      return offsets[2 * i];
    }

    long end(int i) {
      return offsets[2 * i + 1];
    }
  }

  /** What one read of a file found: the subjects' records, a digest of the others, the damage. */
  private static final class Scan {
    final Ranges removed = new Ranges();
    private final MessageDigest keptRecords;
    byte[] keptDigest;
    long kept;
    long fileBytes;
    boolean gzip;
    BronzeFileContent.Damage damage;
    boolean dropTail;

    private Scan() {
      try {
        keptRecords = MessageDigest.getInstance("SHA-256");
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException("the JVM has no SHA-256", e);
      }
    }

    /** Reads {@code file}; with no subjects, every record is kept. */
    static Scan of(ResourceId file, SubjectRecords.Kind kind, Subjects subjects)
        throws IOException {
      Scan scan = new Scan();
      SubjectRecords judge = subjects == null ? null : SubjectRecords.of(subjects, kind);
      CountingStream raw = new CountingStream(Channels.newInputStream(FileSystems.open(file)));
      try (BronzeFileContent content = BronzeFileContent.of(raw)) {
        scan.gzip = content.isGzip();
        JsonRecordSplitter.split(
            content,
            (offset, line, bytes) -> {
              if (judge != null && judge.matches(bytes)) {
                scan.removed.add(offset, offset + bytes.length);
              } else {
                scan.kept++;
                scan.keptRecords.update(
                    ByteBuffer.allocate(Long.BYTES).putLong(bytes.length).array());
                scan.keptRecords.update(bytes);
              }
            });
        scan.damage = content.damage();
        content.transferTo(OutputStream.nullOutputStream());
        raw.transferTo(OutputStream.nullOutputStream());
      }
      scan.fileBytes = raw.count;
      scan.keptDigest = scan.keptRecords.digest();
      if (subjects != null && scan.damage != null) {
        long contentEnd = scan.damage.contentOffset();
        boolean touchesBrokenMember =
            scan.removed.count() > 0 && scan.removed.end(scan.removed.count() - 1) > contentEnd;
        scan.dropTail = touchesBrokenMember || subjects.matchesRaw(tail(file, scan.damage));
      }
      return scan;
    }

    private static byte[] tail(ResourceId file, BronzeFileContent.Damage damage)
        throws IOException {
      try (InputStream in = Channels.newInputStream(FileSystems.open(file))) {
        in.skipNBytes(damage.compressedOffset());
        return in.readAllBytes();
      }
    }
  }

  /** Counts the bytes read through it; closing it closes the file. */
  private static final class CountingStream extends FilterInputStream {
    long count;

    CountingStream(InputStream in) {
      super(in);
    }

    @Override
    public int read() throws IOException {
      int b = in.read();
      if (b >= 0) {
        count++;
      }
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int n = in.read(b, off, len);
      if (n > 0) {
        count += n;
      }
      return n;
    }

    @Override
    public long skip(long n) throws IOException {
      long skipped = in.skip(n);
      count += skipped;
      return skipped;
    }
  }
}
