package io.medallion.lake.bronze;

import java.util.Arrays;

/**
 * Follows the JSON grammar one byte at a time, far enough to find where a top-level value ends and
 * where its structure breaks; {@link JsonRecordSplitter} uses it to frame bronze records. It checks
 * what separates tokens (brackets, colons, commas, what may start a value) and leaves the content
 * of tokens to the real parser: any byte but a line feed may sit in a string, a number is any run
 * of {@code 0-9 + - . e E}, a literal is any run of letters (checked against {@code true}, {@code
 * false}, {@code null}). A strict lexer here would cut a record that has a bad number or a tab in a
 * string into pieces; a lenient one keeps it whole for the parser to quarantine.
 */
final class JsonLexer {
  /** The byte was consumed and the value goes on. */
  static final int MORE = 0;

  /** The byte was consumed and closed the top-level value. */
  static final int END = 1;

  /** The top-level value (a number or literal) ended just before this byte, not consumed. */
  static final int END_BEFORE = 2;

  /** The byte cannot come here; nothing was consumed. */
  static final int ERROR = 3;

  private static final int VALUE = 0;
  private static final int ARRAY_FIRST = 1;
  private static final int OBJECT_FIRST = 2;
  private static final int KEY = 3;
  private static final int COLON = 4;
  private static final int AFTER_VALUE = 5;
  private static final int STRING = 6;
  private static final int ESCAPE = 7;
  private static final int NUMBER = 8;
  private static final int LITERAL = 9;

  private static final long TRUE = word("true");
  private static final long FALSE = word("false");
  private static final long NULL = word("null");

  private byte[] stack = new byte[32];
  private int depth;
  private int state;
  private boolean key;
  private long literal;
  private int literalLength;

  /** Ready for a new top-level value. */
  void reset() {
    depth = 0;
    state = VALUE;
    key = false;
    literalLength = 0;
  }

  /** How many objects and arrays are open. */
  int depth() {
    return depth;
  }

  /** True inside a string (or right after a backslash in one). */
  boolean inString() {
    return state == STRING || state == ESCAPE;
  }

  /** True right after a backslash inside a string. */
  boolean inEscape() {
    return state == ESCAPE;
  }

  /** Feeds one byte ({@code 0..255}); returns {@link #MORE}, {@link #END}, ... */
  int step(int b) {
    switch (state) {
      case STRING:
        if (b == '"') {
          state = key ? COLON : AFTER_VALUE;
          return key ? MORE : valueDone();
        }
        if (b == '\\') {
          state = ESCAPE;
        } else if (b == '\n') {
          // A string never spans lines: a line feed in one is where a truncated record broke.
          return ERROR;
        }
        return MORE;
      case ESCAPE:
        if (b == '\n') {
          return ERROR;
        }
        state = STRING;
        return MORE;
      case NUMBER:
        if ((b >= '0' && b <= '9') || b == '.' || b == 'e' || b == 'E' || b == '+' || b == '-') {
          return MORE;
        }
        return afterScalar(b);
      case LITERAL:
        if (isLetter(b)) {
          literal = (literal << 8) | b;
          literalLength++;
          return MORE;
        }
        if (literalLength > 5 || (literal != TRUE && literal != FALSE && literal != NULL)) {
          return ERROR;
        }
        return afterScalar(b);
      default:
        return structural(b);
    }
  }

  /**
   * At the end of the input: true when the top-level value is complete (a number or literal that
   * ran to the end), false when it is unfinished.
   */
  boolean finish() {
    if (depth > 0) {
      return false;
    }
    if (state == NUMBER) {
      return true;
    }
    return state == LITERAL
        && literalLength <= 5
        && (literal == TRUE || literal == FALSE || literal == NULL);
  }

  private int structural(int b) {
    if (b == ' ' || b == '\t' || b == '\n' || b == '\r') {
      return MORE;
    }
    switch (state) {
      case OBJECT_FIRST:
        if (b == '}') {
          return close('{');
        }
        return b == '"' ? startKey() : ERROR;
      case KEY:
        return b == '"' ? startKey() : ERROR;
      case COLON:
        if (b == ':') {
          state = VALUE;
          return MORE;
        }
        return ERROR;
      case AFTER_VALUE:
        if (b == ',') {
          state = stack[depth - 1] == '{' ? KEY : VALUE;
          return MORE;
        }
        if (b == '}' || b == ']') {
          return close(b == '}' ? '{' : '[');
        }
        return ERROR;
      case ARRAY_FIRST:
        if (b == ']') {
          return close('[');
        }
        return startValue(b);
      default:
        return startValue(b);
    }
  }

  private int startValue(int b) {
    if (b == '{' || b == '[') {
      if (depth == stack.length) {
        stack = Arrays.copyOf(stack, depth * 2);
      }
      stack[depth++] = (byte) b;
      state = b == '{' ? OBJECT_FIRST : ARRAY_FIRST;
      return MORE;
    }
    if (b == '"') {
      key = false;
      state = STRING;
      return MORE;
    }
    if (b == '-' || (b >= '0' && b <= '9')) {
      state = NUMBER;
      return MORE;
    }
    if (isLetter(b)) {
      state = LITERAL;
      literal = b;
      literalLength = 1;
      return MORE;
    }
    return ERROR;
  }

  private int startKey() {
    key = true;
    state = STRING;
    return MORE;
  }

  private int close(char open) {
    if (stack[depth - 1] != open) {
      return ERROR;
    }
    depth--;
    return valueDone();
  }

  private int valueDone() {
    state = AFTER_VALUE;
    return depth == 0 ? END : MORE;
  }

  /** A number or literal ended just before {@code b}; {@code b} belongs to what follows. */
  private int afterScalar(int b) {
    state = AFTER_VALUE;
    if (depth == 0) {
      return END_BEFORE;
    }
    return structural(b);
  }

  private static boolean isLetter(int b) {
    return (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z');
  }

  private static long word(String w) {
    long v = 0;
    for (int i = 0; i < w.length(); i++) {
      v = (v << 8) | w.charAt(i);
    }
    return v;
  }
}
