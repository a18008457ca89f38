package io.medallion.lake.pulumi;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class IamPolicyTest {
  private static final String ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy";
  private static final String MANAGED_POLICY = "aws:iam/policy:Policy";
  private static final List<String> BATCH_JOBS =
      List.of("silver", "gold", "uber-movements", "maintain", "forget");

  /**
   * Every Glue action any policy of the stack may grant: reads, and creating and committing to a
   * table. Nothing drops a table or touches a database but to read it.
   */
  private static final Set<String> GLUE_ACTIONS =
      Set.of(
          "glue:GetDatabase",
          "glue:GetTable",
          "glue:GetTables",
          "glue:CreateTable",
          "glue:UpdateTable");

  /**
   * Actions AWS offers no resource-level permission for, where {@code "Resource": "*"} is the only
   * possible form: starting an EMR cluster (narrowed by a request-tag condition instead) and Step
   * Functions' log delivery.
   */
  private static final Set<String> UNSCOPABLE =
      Set.of(
          "elasticmapreduce:RunJobFlow",
          "elasticmapreduce:AddTags",
          "logs:CreateLogDelivery",
          "logs:GetLogDelivery",
          "logs:UpdateLogDelivery",
          "logs:DeleteLogDelivery",
          "logs:ListLogDeliveries",
          "logs:PutResourcePolicy",
          "logs:DescribeResourcePolicies",
          "logs:DescribeLogGroups");

  @ParameterizedTest
  @ValueSource(strings = {"dev", "staging", "prod"})
  void noPolicyGrantsAWildcardAction(String stack) {
    for (JsonNode statement : allStatements(LakeStack.run(stack))) {
      assertThat(actions(statement))
          .allSatisfy(a -> assertThat(a).doesNotContain("*").matches("[a-z0-9-]+:[A-Za-z0-9]+"));
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"dev", "staging", "prod"})
  void everyResourceIsScoped(String stack) {
    LakeStack.Run run = LakeStack.run(stack);
    String bucketArn = arn(run, "lake-" + stack + "-storage-bucket");
    String streamArn = arn(run, "lake-" + stack + "-stream-stream");
    String keyArn = arn(run, "lake-" + stack + "-storage-key");
    String glue = glueArn(run, "");
    String database = "lake_" + stack;
    String workgroupArn = arn(run, "lake-" + stack + "-catalog-workgroup");
    String athenaCatalogArn =
        "arn:aws:athena:"
            + run.config("aws:region")
            + ":"
            + LakeStack.ACCOUNT
            + ":datacatalog/AwsDataCatalog";

    for (JsonNode s : allStatements(run)) {
      List<String> actions = actions(s);
      List<String> resources = resources(s);
      if (resources.contains("*")) {
        assertThat(resources).containsExactly("*");
        assertThat(UNSCOPABLE).containsAll(actions);
        if (actions.contains("elasticmapreduce:RunJobFlow")) {
          assertThat(s.at("/Condition/StringEquals/aws:RequestTag~1lake-job").isArray()).isTrue();
        }
        continue;
      }
      for (String action : actions) {
        if (action.equals("s3:ListBucket")) {
          assertThat(resources).containsExactly(bucketArn);
          assertThat(s.at("/Condition/StringLike/s3:prefix").isArray()).isTrue();
        } else if (action.equals("s3:GetBucketLocation")) {
          assertThat(resources).containsExactly(bucketArn);
        } else if (action.startsWith("glue:")) {
          assertThat(resources)
              .as(action)
              .allSatisfy(
                  r ->
                      assertThat(
                              r.equals(glue + "catalog")
                                  || r.equals(glue + "database/" + database)
                                  || r.startsWith(glue + "table/" + database + "/"))
                          .as(r)
                          .isTrue());
        } else if (action.startsWith("athena:")) {
          assertThat(resources).containsAnyOf(workgroupArn, athenaCatalogArn).hasSize(1);
        } else if (action.startsWith("s3:")) {
          assertThat(resources).allSatisfy(r -> assertThat(r).startsWith(bucketArn + "/"));
        } else if (action.startsWith("kinesis:")) {
          assertThat(resources).containsExactly(streamArn);
        } else if (action.startsWith("kms:")) {
          assertThat(resources).containsExactly(keyArn);
        }
      }
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"dev", "staging", "prod"})
  void glueAccessIsReadCreateAndCommitOnly(String stack) {
    List<String> glueActions =
        allStatements(LakeStack.run(stack)).stream()
            .flatMap(s -> actions(s).stream())
            .filter(a -> a.startsWith("glue:"))
            .toList();

    assertThat(glueActions).isNotEmpty();
    assertThat(GLUE_ACTIONS).containsAll(glueActions);
  }

  @Test
  void bronzeReadsTheStreamAndWritesOnlyBronze() {
    LakeStack.Run run = LakeStack.run("prod");
    String bucket = arn(run, "lake-prod-storage-bucket");
    List<JsonNode> statements = statementsOf(run, "lake-prod-bronze-role");

    assertThat(resourcesFor(statements, "kinesis:GetRecords"))
        .containsExactly(arn(run, "lake-prod-stream-stream"));
    assertThat(resourcesFor(statements, "s3:PutObject"))
        .containsExactly(bucket + "/lake/bronze/events/*");
    assertThat(resourcesFor(statements, "s3:GetObject"))
        .containsExactlyInAnyOrder(
            bucket + "/lake/bronze/events/*", bucket + "/artifacts/lake.jar");
    assertThat(listPrefixes(statements)).containsExactly("lake/bronze/events/*");
    assertThat(resourcesFor(statements, "kms:Decrypt"))
        .containsExactly(arn(run, "lake-prod-storage-key"));
    // Bronze is raw files, not a table: the job has no business in the catalog.
    assertThat(statements)
        .allSatisfy(s -> assertThat(actions(s)).noneMatch(a -> a.startsWith("glue:")));
  }

  @Test
  void eachBatchJobCommitsOnlyToItsOwnIcebergTables() {
    LakeStack.Run run = LakeStack.run("prod");

    assertTables(run, "silver", List.of(), List.of("silver_events"));
    // The typed event tables, one per event name, are made at run time: granted by their prefix.
    assertTables(
        run,
        "gold",
        List.of("silver_events"),
        List.of("gold_events", "gold_event_stats", "gold_evt_*"));
    assertTables(run, "uber-movements", List.of(), List.of("silver_uber_movements"));
    assertTables(
        run,
        "maintain",
        List.of(),
        List.of(
            "silver_events",
            "gold_events",
            "gold_event_stats",
            "silver_uber_movements",
            "gold_evt_*"));
    // Erasure rewrites the files of every table and commits the rewrite.
    assertTables(
        run,
        "forget",
        List.of(),
        List.of(
            "silver_events",
            "gold_events",
            "gold_event_stats",
            "silver_uber_movements",
            "gold_evt_*"));
  }

  @Test
  void onlyTheJobsThatFindTheTypedTablesListTheDatabase() {
    LakeStack.Run run = LakeStack.run("prod");
    List<String> database =
        List.of(
            glueArn(run, "catalog"),
            glueArn(run, "database/lake_prod"),
            glueArn(run, "table/lake_prod/*"));

    for (String job : List.of("gold", "maintain", "forget")) {
      assertThat(
              resourcesFor(
                  statementsOf(run, "lake-prod-" + job + "-instance-role"), "glue:GetTables"))
          .as(job)
          .containsExactlyInAnyOrderElementsOf(database);
    }
    for (String job : List.of("silver", "uber-movements")) {
      assertThat(
              resourcesFor(
                  statementsOf(run, "lake-prod-" + job + "-instance-role"), "glue:GetTables"))
          .as(job)
          .isEmpty();
    }
  }

  @Test
  void athenaReadersReadTheCatalogAndTablesAndWriteOnlyQueryResults() {
    LakeStack.Run run = LakeStack.run("dev");
    String b = arn(run, "lake-dev-storage-bucket") + "/";
    List<JsonNode> statements = policyStatements(run, "lake-dev-catalog-reader-policy");
    Set<String> actions = new LinkedHashSet<>();
    statements.forEach(s -> actions.addAll(actions(s)));

    assertThat(actions.stream().filter(a -> a.startsWith("glue:")))
        .containsExactlyInAnyOrder("glue:GetDatabase", "glue:GetTable", "glue:GetTables");
    assertThat(resourcesFor(statements, "glue:GetTable"))
        .containsExactlyInAnyOrder(
            glueArn(run, "catalog"),
            glueArn(run, "database/lake_dev"),
            glueArn(run, "table/lake_dev/*"));
    assertThat(actions).doesNotContain("s3:DeleteObject");
    assertThat(resourcesFor(statements, "s3:GetObject"))
        .containsExactlyInAnyOrder(
            b + "lake/bronze/events/*",
            b + "lake/silver/events/*",
            b + "lake/gold/events/*",
            b + "lake/gold/event_stats/*",
            b + "lake/silver/uber_movements/*",
            b + "lake/gold/evt/*",
            b + "athena-results/*");
    assertThat(resourcesFor(statements, "s3:PutObject")).containsExactly(b + "athena-results/*");
    assertThat(resourcesFor(statements, "athena:StartQueryExecution"))
        .containsExactly(arn(run, "lake-dev-catalog-workgroup"));
    assertThat(resourcesFor(statements, "kms:GenerateDataKey"))
        .containsExactly(arn(run, "lake-dev-storage-key"));
  }

  @Test
  void eachBatchJobReadsAndWritesOnlyItsOwnFolders() {
    LakeStack.Run run = LakeStack.run("prod");
    String b = arn(run, "lake-prod-storage-bucket") + "/";

    assertJob(
        run,
        "silver",
        List.of("lake/bronze/events/*"),
        List.of(
            "lake/silver/events/*",
            "lake/quarantine/events/*",
            "lake/_reports/silver/events/*",
            // its own in-flight marks, and the gold dates its rows change
            "lake/_pending/silver/events/*",
            "lake/_pending/gold/events/*",
            "lake/_tmp/*",
            "emr-logs/silver/*"),
        b);
    // Gold reads silver's Iceberg table (its data and metadata) and writes its two own tables and
    // the typed event tables, all under one folder.
    assertJob(
        run,
        "gold",
        List.of("lake/silver/events/*"),
        List.of(
            "lake/gold/events/*",
            "lake/gold/event_stats/*",
            "lake/gold/evt/*",
            "lake/_reports/gold/events/*",
            "lake/_pending/gold/events/*",
            "lake/_tmp/*",
            "emr-logs/gold/*"),
        b);
    assertJob(
        run,
        "uber-movements",
        List.of("lake/landing/uber_movements/*"),
        List.of(
            "lake/silver/uber_movements/*",
            "lake/quarantine/uber_movements/*",
            "lake/_reports/silver/uber_movements/*",
            "lake/_pending/silver/uber_movements/*",
            "lake/_tmp/*",
            "emr-logs/uber-movements/*"),
        b);
    // Maintenance rewrites and deletes files of every Iceberg table and removes the staging
    // folders of runs that died, and nothing else.
    assertJob(
        run,
        "maintain",
        List.of(),
        List.of(
            "lake/_tmp/*",
            "lake/silver/events/*",
            "lake/gold/events/*",
            "lake/gold/event_stats/*",
            "lake/silver/uber_movements/*",
            "lake/gold/evt/*",
            "emr-logs/maintain/*"),
        b);
    // Erasure rewrites every layer that can hold a subject: bronze (its _unframed/ folders are
    // under the hours), both quarantines and every table; it marks the dates it changes as
    // pending, takes and deletes the request files, and writes its receipts.
    assertJob(
        run,
        "forget",
        List.of(),
        List.of(
            "lake/bronze/events/*",
            "lake/quarantine/events/*",
            "lake/quarantine/uber_movements/*",
            "lake/_pending/*",
            "lake/_requests/erasure/*",
            "lake/_reports/erasure/*",
            "lake/_tmp/*",
            "lake/silver/events/*",
            "lake/gold/events/*",
            "lake/gold/event_stats/*",
            "lake/silver/uber_movements/*",
            "lake/gold/evt/*",
            "emr-logs/forget/*"),
        b);
  }

  @Test
  void onlyTheErasuresStateMachineListsAFolderAndOnlyTheRequestFolder() {
    LakeStack.Run run = LakeStack.run("prod");
    String bucket = arn(run, "lake-prod-storage-bucket");

    List<JsonNode> forget = statementsOf(run, "lake-prod-forget-state-machine-role");

    assertThat(actions(forget).stream().filter(a -> a.startsWith("s3:")))
        .containsExactly("s3:ListBucket");
    assertThat(resourcesFor(forget, "s3:ListBucket")).containsExactly(bucket);
    assertThat(listPrefixes(forget)).containsExactly("lake/_requests/erasure/*");
    for (String job : List.of("silver", "gold", "uber-movements", "maintain")) {
      assertThat(actions(statementsOf(run, "lake-prod-" + job + "-state-machine-role")))
          .as(job)
          .noneMatch(a -> a.startsWith("s3:"));
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"dev", "staging", "prod"})
  void theErasureJobTouchesNothingOutsideTheLakeButItsJarAndLogs(String stack) {
    LakeStack.Run run = LakeStack.run(stack);
    String bucket = arn(run, "lake-" + stack + "-storage-bucket");
    List<JsonNode> statements = statementsOf(run, "lake-" + stack + "-forget-instance-role");

    for (JsonNode s : statements) {
      for (String resource : resources(s)) {
        if (actions(s).stream().anyMatch(a -> a.startsWith("s3:"))) {
          assertThat(resource)
              .satisfiesAnyOf(
                  r -> assertThat(r).isEqualTo(bucket),
                  r -> assertThat(r).startsWith(bucket + "/lake/"),
                  r -> assertThat(r).isEqualTo(bucket + "/artifacts/lake.jar"),
                  r -> assertThat(r).isEqualTo(bucket + "/emr-logs/forget/*"));
        }
      }
    }
    // Not the promotions' reports, nor the landing area, nor the streaming state.
    assertThat(resourcesFor(statements, "s3:PutObject"))
        .noneMatch(r -> r.startsWith(bucket + "/lake/_reports/silver"))
        .noneMatch(r -> r.startsWith(bucket + "/lake/landing"))
        .doesNotContain(bucket + "/lake/_reports/*", bucket + "/lake/*");
    assertThat(actions(statements))
        .doesNotContain("s3:DeleteObjectVersion", "s3:PutLifecycleConfiguration");
  }

  @Test
  void everyJobHasARoleOfItsOwnWithOnePolicy() {
    LakeStack.Run run = LakeStack.run("dev");
    List<String> jobRoles = new ArrayList<>(List.of("lake-dev-bronze-role"));
    BATCH_JOBS.forEach(job -> jobRoles.add("lake-dev-" + job + "-instance-role"));
    Map<String, Long> policiesPerRole =
        run.ofType(ROLE_POLICY).stream()
            .collect(Collectors.groupingBy(p -> p.string("role"), Collectors.counting()));

    for (String role : jobRoles) {
      assertThat(run.named(role).type()).isEqualTo("aws:iam/role:Role");
      assertThat(policiesPerRole).containsEntry(role, 1L);
    }
    // Each EMR job's instance profile carries its own role, and its state machine passes only it.
    for (String job : BATCH_JOBS) {
      assertThat(run.named("lake-dev-" + job + "-instance-profile").string("role"))
          .isEqualTo("lake-dev-" + job + "-instance-role");
      assertThat(
              resourcesFor(
                  statementsOf(run, "lake-dev-" + job + "-state-machine-role"), "iam:PassRole"))
          .containsExactlyInAnyOrder(
              arn(run, "lake-dev-" + job + "-instance-role"),
              arn(run, "lake-dev-" + job + "-emr-service-role"));
    }
  }

  @Test
  void triggersMayOnlyStartTheirOwnStateMachines() {
    LakeStack.Run run = LakeStack.run("dev");

    assertThat(
            resourcesFor(
                statementsOf(run, "lake-dev-triggers-scheduler-role"), "states:StartExecution"))
        .containsExactlyInAnyOrder(
            arn(run, "lake-dev-silver-state-machine"),
            arn(run, "lake-dev-gold-state-machine"),
            arn(run, "lake-dev-maintain-state-machine"),
            arn(run, "lake-dev-forget-state-machine"));
    assertThat(
            resourcesFor(
                statementsOf(run, "lake-dev-triggers-events-role"), "states:StartExecution"))
        .containsExactly(arn(run, "lake-dev-uber-movements-state-machine"));
  }

  private static void assertJob(
      LakeStack.Run run, String job, List<String> reads, List<String> writes, String bucket) {
    List<JsonNode> statements = statementsOf(run, "lake-prod-" + job + "-instance-role");
    List<String> all = new ArrayList<>(reads);
    all.addAll(writes);

    assertThat(resourcesFor(statements, "s3:PutObject"))
        .containsExactlyInAnyOrderElementsOf(writes.stream().map(p -> bucket + p).toList());
    assertThat(resourcesFor(statements, "s3:DeleteObject"))
        .containsExactlyInAnyOrderElementsOf(writes.stream().map(p -> bucket + p).toList());
    List<String> readable = new ArrayList<>(all.stream().map(p -> bucket + p).toList());
    readable.add(bucket + "artifacts/lake.jar");
    assertThat(resourcesFor(statements, "s3:GetObject"))
        .containsExactlyInAnyOrderElementsOf(readable);
    assertThat(listPrefixes(statements)).containsExactlyInAnyOrderElementsOf(all);
  }

  private static void assertTables(
      LakeStack.Run run, String job, List<String> reads, List<String> writes) {
    List<JsonNode> statements = statementsOf(run, "lake-prod-" + job + "-instance-role");
    List<String> levels = List.of(glueArn(run, "catalog"), glueArn(run, "database/lake_prod"));
    List<String> written = new ArrayList<>(levels);
    writes.forEach(t -> written.add(glueArn(run, "table/lake_prod/" + t)));
    List<String> loaded = new ArrayList<>(written);
    reads.forEach(t -> loaded.add(glueArn(run, "table/lake_prod/" + t)));

    assertThat(resourcesFor(statements, "glue:GetDatabase"))
        .containsExactlyInAnyOrderElementsOf(levels);
    assertThat(resourcesFor(statements, "glue:GetTable"))
        .containsExactlyInAnyOrderElementsOf(loaded);
    assertThat(resourcesFor(statements, "glue:CreateTable"))
        .containsExactlyInAnyOrderElementsOf(written);
    assertThat(resourcesFor(statements, "glue:UpdateTable"))
        .containsExactlyInAnyOrderElementsOf(written);
  }

  private static List<JsonNode> allStatements(LakeStack.Run run) {
    List<JsonNode> out = new ArrayList<>();
    List<LakeStack.Declared> policies = new ArrayList<>(run.ofType(ROLE_POLICY));
    policies.addAll(run.ofType(MANAGED_POLICY));
    for (LakeStack.Declared p : policies) {
      JsonNode doc = p.json("policy");
      assertThat(doc.get("Version").asText()).isEqualTo("2012-10-17");
      doc.get("Statement").forEach(out::add);
    }
    assertThat(out).isNotEmpty();
    return out;
  }

  private static List<JsonNode> statementsOf(LakeStack.Run run, String role) {
    List<LakeStack.Declared> policies =
        run.ofType(ROLE_POLICY).stream().filter(p -> p.string("role").equals(role)).toList();
    assertThat(policies).as("policies of " + role).hasSize(1);
    List<JsonNode> out = new ArrayList<>();
    policies.get(0).json("policy").get("Statement").forEach(out::add);
    return out;
  }

  private static List<JsonNode> policyStatements(LakeStack.Run run, String policy) {
    List<JsonNode> out = new ArrayList<>();
    run.named(policy).json("policy").get("Statement").forEach(out::add);
    return out;
  }

  private static Set<String> resourcesFor(List<JsonNode> statements, String action) {
    Set<String> out = new LinkedHashSet<>();
    for (JsonNode s : statements) {
      if (actions(s).contains(action)) {
        out.addAll(resources(s));
      }
    }
    return out;
  }

  private static Set<String> listPrefixes(List<JsonNode> statements) {
    Set<String> out = new LinkedHashSet<>();
    for (JsonNode s : statements) {
      if (actions(s).contains("s3:ListBucket")) {
        s.at("/Condition/StringLike/s3:prefix").forEach(p -> out.add(p.asText()));
      }
    }
    return out;
  }

  private static Set<String> actions(List<JsonNode> statements) {
    Set<String> out = new LinkedHashSet<>();
    statements.forEach(s -> out.addAll(actions(s)));
    return out;
  }

  private static List<String> actions(JsonNode statement) {
    return strings(statement.get("Action"));
  }

  private static List<String> resources(JsonNode statement) {
    return strings(statement.get("Resource"));
  }

  private static List<String> strings(JsonNode node) {
    List<String> out = new ArrayList<>();
    if (node.isArray()) {
      node.forEach(n -> out.add(n.asText()));
    } else {
      out.add(node.asText());
    }
    return out;
  }

  private static String arn(LakeStack.Run run, String resource) {
    return (String) run.named(resource).state().get("arn");
  }

  private static String glueArn(LakeStack.Run run, String resource) {
    return "arn:aws:glue:" + run.config("aws:region") + ":" + LakeStack.ACCOUNT + ":" + resource;
  }
}
