package io.medallion.lake.erasure;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SubjectsTest {
  private final Subjects subjects = new Subjects("user_id", Set.of("u-42", "7", "a/b"));

  @Test
  void aParsedRecordMatchesOnItsTopLevelFieldOnly() {
    assertTrue(subjects.matchesObject("{\"event_uuid\":\"e1\",\"user_id\":\"u-42\"}"));
    assertTrue(subjects.matchesObject("{\"user_id\":7}"), "a number written as the value");
    assertTrue(subjects.matchesObject("{\"user_id\":\"u\\u002d42\"}"), "an escaped string");
    assertTrue(subjects.matchesObject("{\"user_id\":\"a\\/b\"}"));
    assertFalse(subjects.matchesObject("{\"user_id\":7.0}"), "a number written otherwise");
    assertFalse(subjects.matchesObject("{\"user_id\":\"u-421\"}"));
    assertFalse(subjects.matchesObject("{\"friend\":{\"user_id\":\"u-42\"}}"), "nested");
    assertFalse(subjects.matchesObject("{\"note\":\"u-42\"}"), "another field");
    assertFalse(subjects.matchesObject("[\"u-42\"]"), "not an object");
    assertTrue(subjects.matchesObject("{\"user_id\":\"u-42\",\"x\":"), "broken after it");
    assertFalse(subjects.matchesObject("{\"x\":, \"user_id\":\"u-42\"}"), "broken before it");
  }

  @Test
  void aBrokenRecordMatchesOnTheValueAsAJsonStringToken() {
    assertTrue(raw("{\"user_id\":\"u-42\",\"x\":"));
    assertTrue(raw("garbage \"u-42\" more"));
    assertTrue(raw("{\"path\":\"a\\/b\""), "with / escaped");
    assertFalse(raw("{\"user_id\":\"u-421\""));
    assertFalse(raw("u-42 unquoted"));
  }

  @Test
  void receiptsNameSubjectsByTheirSha256() {
    assertEquals(
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", Subjects.sha256("abc"));
  }

  @Test
  void aRequestWithoutFieldOrValuesIsRefused() {
    assertThrows(IllegalArgumentException.class, () -> new Subjects(" ", Set.of("x")));
    assertThrows(IllegalArgumentException.class, () -> new Subjects("user_id", Set.of()));
    assertThrows(IllegalArgumentException.class, () -> new Subjects("user_id", Set.of("")));
  }

  private boolean raw(String text) {
    return subjects.matchesRaw(text.getBytes(StandardCharsets.UTF_8));
  }
}
