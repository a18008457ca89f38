package io.medallion.lake.filedrop;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.avro.generic.GenericRecord;

/**
 * What a file-drop dataset knows of its files: how one dropped file's bytes become rows of its
 * table and quarantined records. Everything else (staging, writing Parquet, the commit, the
 * quarantine swap, the report, skipping a version already promoted) is {@link
 * PromoteDroppedFiles}'s, the same for every file-drop dataset.
 */
public interface DroppedFileParser extends Serializable {

  /**
   * Parses one file. Leaves {@code in} open: the caller reads what follows (to checksum the whole
   * file).
   *
   * @param in the file's bytes
   * @param again opens the file's bytes again from the start (to quarantine an unreadable part)
   * @param source the file's full path: the value of every row's {@code source_file}
   * @param out where rows and rejected records go
   */
  Parsed parse(InputStream in, Reopen again, String source, Output out) throws IOException;

  /** Opens the file's bytes again from the start. */
  @FunctionalInterface
  interface Reopen {
    InputStream open() throws IOException;
  }

  /** Receives what a file amounts to; the promotion counts what it is given. */
  interface Output {
    /** A row of the table, in the type {@link org.apache.iceberg.Schema} of the definition. */
    void row(GenericRecord row);

    /**
     * A record quarantined, counted as {@code quarantined.<reason>}.
     *
     * @param recordNumber its number as a data record, from 1
     * @param raw adds the record as read to its quarantine line
     */
    void rejected(String reason, String detail, long recordNumber, Consumer<ObjectNode> raw);

    /**
     * The whole file is rejected (record 0 of the quarantine); not a row, so not counted: the
     * report's {@code rejected} says the same. Called at most once, before any record.
     */
    void fileRejected(String reason, String detail, Consumer<ObjectNode> raw);

    /** A counter of the report's {@code counts}, such as records that held no value. */
    void count(String counter, long n);
  }

  /**
   * What a file amounted to.
   *
   * @param read data records read, each written, quarantined or counted as holding nothing
   * @param attributes facts for the report (the delimiter, the columns ignored, ...)
   * @param rejected why the whole file was rejected, or null
   */
  record Parsed(long read, Map<String, Object> attributes, String rejected) {}
}
