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
  @ValueSource(strings = {"dev", "prod"})
  void everyResourceIsScoped(String stack) {
    LakeStack.Run run = LakeStack.run(stack);
    String bucketArn = arn(run, "lake-" + stack + "-storage-bucket");
    String streamArn = arn(run, "lake-" + stack + "-stream-stream");
    String keyArn = arn(run, "lake-" + stack + "-storage-key");

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
            "lake/_tmp/*",
            "emr-logs/silver/*"),
        b);
    assertJob(
        run,
        "gold",
        List.of("lake/silver/events/*"),
        List.of("lake/gold/*", "lake/_reports/gold/*", "lake/_tmp/*", "emr-logs/gold/*"),
        b);
    assertJob(
        run,
        "uber-movements",
        List.of("lake/landing/uber_movements/*"),
        List.of(
            "lake/silver/uber_movements/*",
            "lake/quarantine/uber_movements/*",
            "lake/_reports/silver/uber_movements/*",
            "lake/_tmp/*",
            "emr-logs/uber-movements/*"),
        b);
  }

  @Test
  void everyJobHasARoleOfItsOwnWithOnePolicy() {
    LakeStack.Run run = LakeStack.run("dev");
    List<String> jobRoles =
        List.of(
            "lake-dev-bronze-role",
            "lake-dev-silver-instance-role",
            "lake-dev-gold-instance-role",
            "lake-dev-uber-movements-instance-role");
    Map<String, Long> policiesPerRole =
        run.ofType(ROLE_POLICY).stream()
            .collect(Collectors.groupingBy(p -> p.string("role"), Collectors.counting()));

    for (String role : jobRoles) {
      assertThat(run.named(role).type()).isEqualTo("aws:iam/role:Role");
      assertThat(policiesPerRole).containsEntry(role, 1L);
    }
    // Each EMR job's instance profile carries its own role, and its state machine passes only it.
    for (String job : List.of("silver", "gold", "uber-movements")) {
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
            arn(run, "lake-dev-silver-state-machine"), arn(run, "lake-dev-gold-state-machine"));
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

  private static List<JsonNode> allStatements(LakeStack.Run run) {
    List<JsonNode> out = new ArrayList<>();
    for (LakeStack.Declared p : run.ofType(ROLE_POLICY)) {
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
}
