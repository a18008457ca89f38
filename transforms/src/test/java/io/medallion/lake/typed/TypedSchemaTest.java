package io.medallion.lake.typed;

import static org.assertj.core.api.Assertions.assertThat;

import io.medallion.lake.layout.LakeLayout;
import io.medallion.lake.table.CatalogSettings;
import io.medallion.lake.table.LakeCatalog;
import io.medallion.lake.table.TableFamily;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Table;
import org.apache.iceberg.types.Type;
import org.apache.iceberg.types.Types;
import org.apache.iceberg.types.Types.NestedField;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TypedSchemaTest {
  private static final String T = "gold_evt_quiz_completed";
  private static final Schema COMMON = TableFamily.TYPED_EVENTS.columns();
  private static final Set<String> COMMON_NAMES = names(COMMON.columns());

  @TempDir Path dir;

  static PayloadTypes.Node observed(String... payloads) {
    PayloadTypes types = new PayloadTypes();
    for (String payload : payloads) {
      PayloadTypesTest.observe(types, T, payload);
    }
    return PayloadTypes.read(PayloadTypesTest.drain(types)).get(T);
  }

  private static Set<String> names(List<NestedField> fields) {
    Set<String> names = new HashSet<>();
    fields.forEach(f -> names.add(f.name()));
    return names;
  }

  /** {@code name type [member]} of each addition. */
  private static List<String> additions(TypedSchema.Plan plan) {
    List<String> out = new ArrayList<>();
    for (TypedSchema.Addition a : plan.additions()) {
      out.add(
          (a.parent() == null ? "" : a.parent() + ".")
              + a.name()
              + " "
              + render(a.type())
              + " "
              + member(a.doc()));
    }
    return out;
  }

  private static String member(String doc) {
    return "[" + doc.substring(ColumnNames.DOC_PREFIX.length()) + "]";
  }

  /** A type without field ids: {@code struct<a long ["a"], b list<string> ["b"]>}. */
  private static String render(Type type) {
    if (type.isStructType()) {
      List<String> fields = new ArrayList<>();
      for (NestedField f : type.asStructType().fields()) {
        fields.add(f.name() + " " + render(f.type()) + " " + member(f.doc()));
      }
      return "struct<" + String.join(", ", fields) + ">";
    }
    if (type.isListType()) {
      return "list<" + render(type.asListType().elementType()) + ">";
    }
    return type.toString();
  }

  @Test
  void aNewMemberGetsTheTypeOfMostOfItsValues() {
    TypedSchema.Plan plan =
        TypedSchema.plan(
            COMMON,
            COMMON_NAMES,
            observed(
                "{\"score\":85,\"ratio\":1,\"ok\":true,\"tags\":[\"a\"],\"mixed\":\"x\","
                    + "\"tie\":true,\"ctx\":{\"screen\":\"s1\",\"ab\":null},\"n\":null,\"e\":{},"
                    + "\"arr\":[],\"items\":[{\"id\":1,\"at\":[1.5]}],\"big\":1e999}",
                "{\"score\":92,\"ratio\":0.5,\"mixed\":\"y\",\"tie\":\"t\",\"items\":[]}",
                "{\"mixed\":3,\"ctx\":{\"screen\":\"s2\"},\"e\":{\"x\":null}}"),
            300);

    // By values (mixed has three, then two each, then one), then by name; e, arr, n and big have
    // no column: only an empty object, an empty array, null, a number beyond double.
    assertThat(additions(plan))
        .containsExactly(
            "mixed string [\"mixed\"]",
            "ctx struct<screen string [\"screen\"]> [\"ctx\"]",
            "items list<struct<at list<double> [\"at\"], id long [\"id\"]>> [\"items\"]",
            "ratio double [\"ratio\"]",
            "score long [\"score\"]",
            "tie boolean [\"tie\"]",
            "ok boolean [\"ok\"]",
            "tags list<string> [\"tags\"]");
    assertThat(plan.widenings()).isEmpty();
    assertThat(plan.refused()).isEmpty();
  }

  @Test
  void membersThatFoldAlikeAndCommonNamesGetNumberedColumnsInADeterministicOrder() {
    TypedSchema.Plan plan =
        TypedSchema.plan(
            COMMON,
            COMMON_NAMES,
            observed(
                "{\"score\":1,\"Score\":2,\"SCORE\":3,\"date\":\"d\",\"_rescued\":1,\"1st\":1,"
                    + "\"日本\":1}",
                "{\"score\":1}"),
            300);

    // score has two values: first; then by code point: 1st < SCORE < Score < _rescued < date.
    assertThat(additions(plan))
        .containsExactly(
            "score long [\"score\"]",
            "_1st long [\"1st\"]",
            "score_2 long [\"SCORE\"]",
            "score_3 long [\"Score\"]",
            "rescued long [\"_rescued\"]",
            "date_2 string [\"date\"]");
  }

  @Test
  void theColumnLimitRefusesTheMembersWithTheFewestValuesOuterOnesFirst() {
    PayloadTypes.Node observed =
        observed(
            "{\"a\":1,\"b\":1,\"c\":1,\"ids\":{\"u1\":1,\"u2\":2}}",
            "{\"a\":1,\"b\":1,\"ids\":{\"u1\":3,\"u3\":1}}",
            "{\"a\":1}");

    // By values: a (3), b and ids (2), then u1 (2, inside ids), then c and u2, u3 (1), outer
    // first. A map of ids as member names cannot take the columns of the members around it.
    TypedSchema.Plan five = TypedSchema.plan(COMMON, COMMON_NAMES, observed, 5);
    assertThat(additions(five))
        .containsExactly(
            "a long [\"a\"]",
            "b long [\"b\"]",
            "ids struct<u1 long [\"u1\"]> [\"ids\"]",
            "c long [\"c\"]");
    assertThat(five.refused())
        .containsExactlyInAnyOrder(List.of("ids", "u2"), List.of("ids", "u3"));

    // With three, ids has no room for a member: no column, its values rescued as the limit's.
    TypedSchema.Plan three = TypedSchema.plan(COMMON, COMMON_NAMES, observed, 3);
    assertThat(additions(three))
        .containsExactly("a long [\"a\"]", "b long [\"b\"]", "c long [\"c\"]");
    assertThat(three.refused()).containsExactly(List.of("ids"));
  }

  @Test
  void theSchemaFollowsTheDataAddingNestedColumnsAndWideningWhereIcebergAllows()
      throws IOException {
    try (LakeCatalog catalog = LakeCatalog.open(settings())) {
      Table table = catalog.table(TableFamily.TYPED_EVENTS.member(T));
      TypedSchema.evolve(
          table,
          COMMON_NAMES,
          observed("{\"score\":85,\"ctx\":{\"screen\":\"s1\"},\"items\":[{\"id\":1}]}"),
          300);
      // A column declared by hand, as an int and a float.
      table
          .updateSchema()
          .addColumn("count", Types.IntegerType.get())
          .addColumn("weight", Types.FloatType.get(), ColumnNames.doc("Weight").get())
          .commit();

      Set<List<String>> refused =
          TypedSchema.evolve(
              table,
              COMMON_NAMES,
              observed(
                  "{\"score\":\"85\",\"ctx\":{\"ab\":\"x\",\"Screen\":\"y\"},\"items\":[{\"note\":\"n\"}],"
                      + "\"count\":4294967296,\"Weight\":1,\"attempts\":2}"),
              300);

      assertThat(refused).isEmpty();
      table.refresh();
      Schema schema = table.schema();
      assertThat(schema.findField("score").type()).isEqualTo(Types.LongType.get());
      assertThat(schema.findField("ctx.screen").doc()).isEqualTo("payload member \"screen\"");
      assertThat(schema.findField("ctx.ab").type()).isEqualTo(Types.StringType.get());
      // A new member of an existing struct that folds like one of its columns is numbered.
      assertThat(schema.findField("ctx.screen_2").doc()).isEqualTo("payload member \"Screen\"");
      assertThat(schema.findField("items.element.note").doc()).isEqualTo("payload member \"note\"");
      assertThat(schema.findField("count").type()).isEqualTo(Types.LongType.get());
      assertThat(schema.findField("weight").type()).isEqualTo(Types.DoubleType.get());
      assertThat(schema.findField("attempts").doc()).isEqualTo("payload member \"attempts\"");
      assertThat(schema.columns())
          .extracting(NestedField::name)
          .containsExactly(
              "event_uuid",
              "event_name",
              "created_at",
              "created_datetime",
              "date",
              "_rescued",
              "ctx",
              "items",
              "score",
              "count",
              "weight",
              "attempts");
      // Field ids are kept: the first run's columns have the ids they were given.
      assertThat(table.schemas()).hasSize(4);
      assertThat(schema.findField("score").fieldId())
          .isEqualTo(table.schemas().get(1).findField("score").fieldId());

      // The same data again changes nothing.
      int schemas = table.schemas().size();
      TypedSchema.evolve(
          table, COMMON_NAMES, observed("{\"score\":1,\"ctx\":{\"ab\":\"y\"}}"), 300);
      table.refresh();
      assertThat(table.schemas()).hasSize(schemas);
    }
  }

  @Test
  void aColumnAnotherRunAddedFirstIsTheColumnThisRunWrites() throws IOException {
    try (LakeCatalog catalog = LakeCatalog.open(settings())) {
      Table mine = catalog.table(TableFamily.TYPED_EVENTS.member(T));
      try (LakeCatalog other = LakeCatalog.open(settings())) {
        Table theirs = other.table(TableFamily.TYPED_EVENTS.member(T));
        mine.refresh();
        // Another run adds score as a string after this run loaded the table.
        TypedSchema.evolve(theirs, COMMON_NAMES, observed("{\"score\":\"a\"}"), 300);
      }
      TypedSchema.evolve(mine, COMMON_NAMES, observed("{\"score\":1,\"x\":true}"), 300);
      mine.refresh();
      assertThat(mine.schema().findField("score").type()).isEqualTo(Types.StringType.get());
      assertThat(mine.schema().findField("x").type()).isEqualTo(Types.BooleanType.get());
    }
  }

  private CatalogSettings settings() {
    return CatalogSettings.local(
        LakeLayout.at(dir.toString()),
        Optional.empty(),
        CatalogSettings.DEFAULT_NAMESPACE,
        Map.of());
  }
}
