package io.medallion.lake.pipelines;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;

/**
 * Builds a KPL aggregated Kinesis record by hand, as the Kinesis Producer Library puts it: the
 * 4-byte magic {@code F3 89 9A C2}, a protobuf {@code AggregatedRecord} ({@code partition_key_table
 * = 1}, {@code records = 3}, each {@code Record} with {@code partition_key_index = 1} and {@code
 * data = 3}), then the MD5 of the protobuf bytes (the format: amazon-kinesis-producer, {@code
 * aggregation-format.md}). Written here rather than with the KCL's classes so that the test does
 * not build its input with the code that reads it.
 */
final class KplAggregate {
  private static final byte[] MAGIC = {(byte) 0xF3, (byte) 0x89, (byte) 0x9A, (byte) 0xC2};

  private KplAggregate() {}

  /** One aggregated record holding {@code userRecords}, all under {@code partitionKey}. */
  static byte[] of(String partitionKey, List<byte[]> userRecords) {
    ByteArrayOutputStream message = new ByteArrayOutputStream();
    lengthDelimited(message, 1, partitionKey.getBytes(StandardCharsets.UTF_8));
    for (byte[] data : userRecords) {
      ByteArrayOutputStream record = new ByteArrayOutputStream();
      varintField(record, 1, 0); // partition_key_index: the only key of the table
      lengthDelimited(record, 3, data);
      lengthDelimited(message, 3, record.toByteArray());
    }
    byte[] protobuf = message.toByteArray();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(MAGIC);
    out.writeBytes(protobuf);
    out.writeBytes(md5(protobuf));
    return out.toByteArray();
  }

  private static void varintField(ByteArrayOutputStream out, int field, long value) {
    varint(out, (long) field << 3); // wire type 0
    varint(out, value);
  }

  private static void lengthDelimited(ByteArrayOutputStream out, int field, byte[] bytes) {
    varint(out, ((long) field << 3) | 2);
    varint(out, bytes.length);
    out.writeBytes(bytes);
  }

  private static void varint(ByteArrayOutputStream out, long value) {
    while ((value & ~0x7FL) != 0) {
      out.write((int) ((value & 0x7F) | 0x80));
      value >>>= 7;
    }
    out.write((int) value);
  }

  private static byte[] md5(byte[] bytes) {
    try {
      return MessageDigest.getInstance("MD5").digest(bytes);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has MD5", e);
    }
  }
}
