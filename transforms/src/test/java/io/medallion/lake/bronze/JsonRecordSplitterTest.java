package io.medallion.lake.bronze;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class JsonRecordSplitterTest {
  private static final String A1 =
      "{\"event_uuid\":\"a1\",\"event_name\":\"lesson:started\",\"created_at\":1718000000}";
  private static final String A2 =
      "{\"event_uuid\":\"a2\",\"event_name\":\"lesson:ended\",\"created_at\":1718000060}";

  /** A pretty-printed record whose strings hold braces, quotes and escaped quotes. */
  private static final String PRETTY =
      """
      {
        "event_uuid": "p1",
        "event_name": "quiz:answered",
        "created_at": 1718000000,
        "answer": {
          "text": "a } b { c \\" d ]",
          "choices": [ { "id": 1, "label": "{\\"x\\": [1, 2]}" }, [ "}", "{" ] ],
          "quote": "\\\\"
        }
      }""";

  record Rec(long offset, long line, String text) {
    @Override
    public String toString() {
      return "@" + offset + " L" + line + " " + text;
    }
  }

  private static List<Rec> split(byte[] content) throws IOException {
    List<Rec> records = new ArrayList<>();
    long n =
        JsonRecordSplitter.split(
            new ByteArrayInputStream(content),
            (offset, line, bytes) ->
                records.add(new Rec(offset, line, new String(bytes, StandardCharsets.UTF_8))));
    assertThat(n).isEqualTo(records.size());
    // The same content read a byte at a time frames the same records (buffer edges do not matter).
    List<Rec> trickled = new ArrayList<>();
    JsonRecordSplitter.split(
        new OneByteAtATime(new ByteArrayInputStream(content)),
        (offset, line, bytes) ->
            trickled.add(new Rec(offset, line, new String(bytes, StandardCharsets.UTF_8))));
    assertThat(trickled).isEqualTo(records);
    return records;
  }

  private static List<Rec> split(String content) throws IOException {
    return split(content.getBytes(StandardCharsets.UTF_8));
  }

  private static List<String> texts(String content) throws IOException {
    return split(content).stream().map(Rec::text).toList();
  }

  @Test
  void splitsAFirehoseFileOfConcatenatedRecords() throws IOException {
    assertThat(split(A1 + A2)).containsExactly(new Rec(0, 1, A1), new Rec(A1.length(), 1, A2));
  }

  @Test
  void keepsAPrettyPrintedRecordWithNestedValuesAndBracesInStringsWhole() throws IOException {
    // Arrange: three of them, separated by nothing, a line feed, and CRLF with a blank line
    String file = PRETTY + PRETTY + "\n" + PRETTY + "\r\n\r\n" + A1;

    // Act
    List<Rec> records = split(file);

    // Assert
    assertThat(new ObjectMapper().readTree(PRETTY).path("answer").path("choices").size())
        .isEqualTo(2);
    int lines = (int) PRETTY.lines().count();
    int len = PRETTY.length();
    assertThat(records)
        .containsExactly(
            new Rec(0, 1, PRETTY),
            new Rec(len, lines, PRETTY),
            new Rec(2L * len + 1, 2L * lines, PRETTY),
            new Rec(3L * len + 5, 3L * lines + 1, A1));
  }

  @Test
  void skipsEverySeparatorAndAByteOrderMarkButNothingElse() throws IOException {
    String file = "\uFEFF  " + A1 + "\r\n\r\n\t \n" + A2 + "   " + A1 + "\n\n";

    assertThat(split(file))
        .containsExactly(
            new Rec(5, 1, A1),
            new Rec(5 + A1.length() + 7, 4, A2),
            new Rec(5 + A1.length() + 7 + A2.length() + 3, 4, A1));
    assertThat(split("")).isEmpty();
    assertThat(split(" \r\n\n\t")).isEmpty();
    assertThat(split("\uFEFF")).isEmpty();
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(
      strings = {
        "{\"event_uuid\":\"a1\",\"event_name\":\"les", // inside a string
        "{\"event_uuid\":\"a1\",\"event_na", // inside a key
        "{\"event_uuid\":\"a1\",\"event_name\":\"a\\", // right after a backslash
        "{\"event_uuid\":\"a1\",\"event_name\":\"\\u00", // inside a \\u escape
        "{\"event_uuid\":\"a1\",\"created_at\":17", // inside a number
        "{\"event_uuid\":\"a1\",\"ok\":tr", // inside a literal
        "{\"event_uuid\":\"a1\",", // after a comma
        "{\"event_uuid\"", // before the colon
        "{", // right after the brace
        "{\"event_uuid\":\"a1\",\"ctx\":{\"a\":[1,{\"b\":2}", // nested, between values
      })
  void cutsATruncatedRecordWhereTheNextOneStartsOnTheSameLine(String truncated) throws IOException {
    assertThat(texts(truncated + A2 + A1)).containsExactly(truncated, A2, A1);
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(
      strings = {
        "{\"event_uuid\":\"a1\",\"event_name\":\"les",
        "{\"event_uuid\":\"a1\",\"event_name\":\"a\\",
        "{\"event_uuid\":\"a1\",\"created_at\":17",
        "{\"event_uuid\":\"a1\",\"ok\":tr",
        "{\"event_uuid\":\"a1\",\"ctx\":",
        "{\"event_uuid\":\"a1\",\"ctx\":[",
        "{\"event_uuid\":\"a1\",\"ctx\":{",
        "{\"k\":\"{\"",
      })
  void cutsATruncatedRecordWhereTheNextLineStarts(String truncated) throws IOException {
    assertThat(texts(truncated + "\n" + A2 + "\n" + A1 + "\n")).containsExactly(truncated, A2, A1);
    assertThat(texts(truncated + "\r\n" + PRETTY + "\r\n" + A1))
        .containsExactly(truncated, PRETTY, A1);
  }

  @Test
  void cutsATruncatedPrettyPrintedRecordWhereTheNextOneStarts() throws IOException {
    String truncated = PRETTY.substring(0, PRETTY.indexOf("\"choices\""));

    assertThat(texts(truncated + PRETTY + "\n" + A1))
        .containsExactly(truncated.stripTrailing(), PRETTY, A1);
  }

  @Test
  void quarantinesGarbageBetweenValuesUpToTheNextRecordOrLine() throws IOException {
    String file =
        A1
            + "garbage here"
            + A2
            + " trailing\n"
            + "not json at all\n"
            + "ERROR {code: 5} failed\n"
            + "12abc "
            + A1
            + "nul"
            + A2
            + "\u0000\u0000\n"
            + "}\n";

    assertThat(texts(file))
        .containsExactly(
            A1,
            "garbage here",
            A2,
            "trailing",
            "not json at all",
            "ERROR {code: 5} failed",
            "12abc",
            A1,
            "nul",
            A2,
            "\u0000\u0000",
            "}");
  }

  @Test
  void framesTopLevelScalarsAndArraysAsRecords() throws IOException {
    assertThat(texts("[1,{\"a\":2}] 42 -1.5e3\"s\"true\nnull []{}" + A1))
        .containsExactly("[1,{\"a\":2}]", "42", "-1.5e3", "\"s\"", "true", "null", "[]", "{}", A1);
  }

  @Test
  void keepsAValueThatNeverEndsAsOneRecordUpToTheEnd() throws IOException {
    String open = "{\"a\":{\"b\":1},\"c\":[2,\n  {\"d\":\"x\"}";

    assertThat(texts(A1 + "\n" + open + "  \n")).containsExactly(A1, open);
    assertThat(texts("\"never closed")).containsExactly("\"never closed");
  }

  @Test
  void keepsABrokenButBalancedRecordWhole() throws IOException {
    String[] broken = {
      "{\"a\":{\"b\":1},\"c\":tru}",
      "{\"a\":NaN,\"b\":[1,2]}",
      "{a:1,b:{c:[2]}}",
      "{\"a\":1,}",
      "{\"a\":[1,2}",
      "{\"a\" \"b\"}",
    };
    for (String b : broken) {
      assertThat(texts(b + A2 + "\n" + b + "\n" + A1)).containsExactly(b, A2, b, A1);
    }
  }

  @Test
  void recoversTheNextRecordAfterUnbalancedQuotes() throws IOException {
    String broken = "{\"a\":\"x\"y\"}";

    assertThat(texts(broken + A2 + A1)).containsExactly(broken, A2, A1);
  }

  @Test
  void keepsAValidRecordWithNestedObjectsInColumnZeroWhole() throws IOException {
    // Python's json.dumps(indent=0): nested objects start lines; nothing broke, so nothing is cut.
    String indentZero = "{\n\"event_uuid\": \"z\",\n\"a\": [\n{\n\"b\": 1\n}\n]\n}";

    assertThat(texts(indentZero + "\n" + indentZero)).containsExactly(indentZero, indentZero);
  }

  @Test
  void framesARecordLargerThanTheBufferAndTheRecordLimitWhole() throws IOException {
    String big = "{\"event_uuid\":\"big\",\"pad\":\"" + "x{\\\"}".repeat(300_000) + "\"}";

    List<Rec> records = split(A1 + big + "\n" + A2);

    assertThat(records).extracting(Rec::text).containsExactly(A1, big, A2);
    assertThat(records.get(2).offset()).isEqualTo(A1.length() + big.length() + 1L);
  }

  /**
   * Random files of valid records, compact and pretty, with random separators, some records
   * truncated or replaced by garbage: every byte but the separators lands in exactly one record, in
   * order; every intact record that follows a line break or an intact record comes out exactly.
   */
  @Test
  void neverLosesAByteAndRecoversTheIntactRecords() throws IOException {
    SplittableRandom random = new SplittableRandom(20261129);
    String[] separators = {"", "", "\n", "\r\n", " ", "\n\n", "\t"};
    for (int file = 0; file < 300; file++) {
      StringBuilder content = new StringBuilder();
      List<String> mustAppear = new ArrayList<>();
      boolean previousIntact = true;
      String previousSeparator = "";
      for (int r = 0; r < 12; r++) {
        String record = random.nextBoolean() ? A1 : PRETTY;
        int fate = random.nextInt(10);
        if (fate == 0) {
          record = record.substring(0, 1 + random.nextInt(record.length() - 1));
        } else if (fate == 1) {
          record = "garbage " + r;
        }
        boolean intact = fate > 1;
        if (intact && (previousIntact || previousSeparator.contains("\n"))) {
          mustAppear.add(record);
        }
        String separator = separators[random.nextInt(separators.length)];
        content.append(record).append(separator);
        previousIntact = intact;
        previousSeparator = separator;
      }
      String text = content.toString();

      List<Rec> records = split(text);

      long next = 0;
      for (Rec rec : records) {
        assertThat(text.substring((int) next, (int) rec.offset())).isBlank();
        assertThat(text.substring((int) rec.offset()).startsWith(rec.text())).isTrue();
        assertThat(rec.line())
            .isEqualTo(
                text.substring(0, (int) rec.offset()).chars().filter(c -> c == '\n').count() + 1);
        next = rec.offset() + rec.text().length();
      }
      assertThat(text.substring((int) next)).isBlank();
      assertThat(records).extracting(Rec::text).as(text).containsSubsequence(mustAppear);
    }
  }

  private static final class OneByteAtATime extends FilterInputStream {
    OneByteAtATime(InputStream in) {
      super(in);
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      return super.read(b, off, Math.min(len, 1));
    }
  }
}
