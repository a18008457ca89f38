package io.medallion.lake.pulumi;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TriggersTest {
  private static final String CATALOG_ARGS = "--catalog=glue --catalogNamespace=\"$3\"";
  private static final String SCHEDULE = "aws:scheduler/schedule:Schedule";

  @Test
  void silverRunsHourlyAndGoldDailyOnTheirStateMachines() {
    LakeStack.Run run = LakeStack.run("prod");
    String lakeRoot =
        "s3://" + run.named("lake-prod-storage-bucket").state().get("bucket") + "/lake";

    LakeStack.Declared silver = run.named("lake-prod-triggers-silver-hourly");
    assertThat(silver.string("scheduleExpression")).isEqualTo("cron(15 * * * ? *)");
    assertThat(silver.string("scheduleExpressionTimezone")).isEqualTo("UTC");
    assertThat(silver.string("state")).isEqualTo("ENABLED");
    assertThat(silver.map("target").get("arn"))
        .isEqualTo(run.named("lake-prod-silver-state-machine").state().get("arn"));
    List<String> silverArgs = args(silver);
    assertThat(silverArgs.get(2))
        .contains("/home/hadoop/lake.jar silver --runner=FlinkRunner")
        .contains(CATALOG_ARGS)
        .contains("--pending --to=");
    assertThat(silverArgs.subList(4, 8))
        .containsExactly(
            "s3://"
                + run.named("lake-prod-storage-bucket").state().get("bucket")
                + "/artifacts/lake.jar",
            lakeRoot,
            "lake_prod",
            "<aws.scheduler.scheduled-time>");

    LakeStack.Declared gold = run.named("lake-prod-triggers-gold-daily");
    assertThat(gold.string("scheduleExpression")).isEqualTo("cron(0 7 * * ? *)");
    assertThat(gold.map("target").get("arn"))
        .isEqualTo(run.named("lake-prod-gold-state-machine").state().get("arn"));
    assertThat(args(gold).get(2))
        .contains("lake.jar gold --runner=FlinkRunner")
        .contains(CATALOG_ARGS)
        .contains("--date=");
    assertThat(args(gold).subList(6, 8))
        .containsExactly("lake_prod", "<aws.scheduler.scheduled-time>");
  }

  @ParameterizedTest
  @ValueSource(strings = {"staging", "prod"})
  void maintenanceRunsDailyAfterGoldOnEveryTableOfTheStacksCatalog(String stack) {
    LakeStack.Run run = LakeStack.run(stack);
    String bucket = (String) run.named("lake-" + stack + "-storage-bucket").state().get("bucket");
    LakeStack.Declared gold = run.named("lake-" + stack + "-triggers-gold-daily");

    LakeStack.Declared maintain = run.named("lake-" + stack + "-triggers-maintain-daily");
    String expression = maintain.string("scheduleExpression");
    assertThat(expression).matches("cron\\(\\d{1,2} \\d{1,2} \\* \\* \\? \\*\\)");
    assertThat(minuteOfDay(expression))
        .isGreaterThan(minuteOfDay(gold.string("scheduleExpression")));
    assertThat(maintain.string("scheduleExpressionTimezone")).isEqualTo("UTC");
    assertThat(maintain.string("state")).isEqualTo("ENABLED");
    assertThat(maintain.map("target").get("arn"))
        .isEqualTo(run.named("lake-" + stack + "-maintain-state-machine").state().get("arn"));
    List<String> args = args(maintain);
    assertThat(args.get(2))
        .contains("java -jar /home/hadoop/lake.jar maintain --lake=\"$2\" " + CATALOG_ARGS);
    assertThat(args.subList(4, args.size()))
        .containsExactly(
            "s3://" + bucket + "/artifacts/lake.jar", "s3://" + bucket + "/lake", "lake_" + stack);
  }

  @ParameterizedTest
  @ValueSource(strings = {"dev", "staging", "prod"})
  void erasureRunsDailyOnItsStateMachineWithTheDaysRequestFiles(String stack) {
    LakeStack.Run run = LakeStack.run(stack);
    String bucket = (String) run.named("lake-" + stack + "-storage-bucket").state().get("bucket");

    LakeStack.Declared forget = run.named("lake-" + stack + "-triggers-forget-daily");

    assertThat(forget.string("name")).isEqualTo("lake-" + stack + "-forget-daily");
    assertThat(forget.string("scheduleExpression")).isEqualTo("cron(0 4 * * ? *)");
    assertThat(minuteOfDay(forget.string("scheduleExpression"))).isEqualTo(4 * 60);
    assertThat(forget.string("scheduleExpressionTimezone")).isEqualTo("UTC");
    assertThat(forget.string("state"))
        .isEqualTo(run.config("lake:schedulesEnabled").equals("true") ? "ENABLED" : "DISABLED");
    assertThat(forget.map("target").get("arn"))
        .isEqualTo(run.named("lake-" + stack + "-forget-state-machine").state().get("arn"));
    List<String> args = args(forget);
    assertThat(args.get(2))
        .contains("flink run -m yarn-cluster /home/hadoop/lake.jar forget --runner=FlinkRunner")
        .contains(CATALOG_ARGS)
        .endsWith(" --field=user_id --requests");
    // The request files' values never appear in the schedule: only the jar, lake and catalog.
    assertThat(args.subList(4, args.size()))
        .containsExactly(
            "s3://" + bucket + "/artifacts/lake.jar", "s3://" + bucket + "/lake", "lake_" + stack);
    assertThat(
            run.named("lake-" + stack + "-forget-state-machine")
                .json("definition")
                .at("/States/RunStep/Parameters/Step/HadoopJarStep/Args.$")
                .asText())
        .isEqualTo("$.args");
  }

  @Test
  void theErasureStartsNoClusterWhenNoRequestFileWaits() {
    LakeStack.Run run = LakeStack.run("prod");
    String bucket = (String) run.named("lake-prod-storage-bucket").state().get("bucket");

    JsonNode definition = run.named("lake-prod-forget-state-machine").json("definition");

    assertThat(definition.get("StartAt").asText()).isEqualTo("ListInput");
    JsonNode list = definition.at("/States/ListInput");
    assertThat(list.get("Resource").asText())
        .isEqualTo("arn:aws:states:::aws-sdk:s3:listObjectsV2");
    assertThat(list.at("/Parameters/Bucket").asText()).isEqualTo(bucket);
    assertThat(list.at("/Parameters/Prefix").asText()).isEqualTo("lake/_requests/erasure/");
    assertThat(list.at("/Parameters/MaxKeys").asInt()).isEqualTo(1);
    assertThat(list.get("Next").asText()).isEqualTo("AnyInput");
    JsonNode choice = definition.at("/States/AnyInput");
    assertThat(choice.at("/Choices/0/Variable").asText())
        .isEqualTo(list.get("ResultPath").asText() + ".KeyCount");
    assertThat(choice.at("/Choices/0/NumericGreaterThan").asInt()).isZero();
    assertThat(choice.at("/Choices/0/Next").asText()).isEqualTo("CreateCluster");
    assertThat(definition.at("/States/" + choice.get("Default").asText() + "/Type").asText())
        .isEqualTo("Succeed");
    // The jobs without an input folder start their cluster at once.
    for (String job : List.of("silver", "gold", "uber-movements", "maintain")) {
      assertThat(
              run.named("lake-prod-" + job + "-state-machine")
                  .json("definition")
                  .get("StartAt")
                  .asText())
          .as(job)
          .isEqualTo("CreateCluster");
    }
  }

  @Test
  void theErasureScheduleIsTheStacksToSet() {
    LakeStack.Run run =
        LakeStack.run("staging", Map.of("lake:forgetSchedule", "cron(30 2 * * ? *)"));

    assertThat(run.named("lake-staging-triggers-forget-daily").string("scheduleExpression"))
        .isEqualTo("cron(30 2 * * ? *)");
  }

  @ParameterizedTest
  @ValueSource(strings = {"dev", "staging", "prod"})
  void everyBatchRunNamesTheStacksOwnGlueCatalog(String stack) {
    LakeStack.Run run = LakeStack.run(stack);
    List<List<String>> commands = new ArrayList<>();
    for (LakeStack.Declared schedule : run.ofType(SCHEDULE)) {
      commands.add(args(schedule));
    }
    JsonNode uber =
        LakeStack.parse(
            (String)
                run.named("lake-" + stack + "-triggers-uber-landing-target")
                    .map("inputTransformer")
                    .get("inputTemplate"));
    List<String> uberArgs = new ArrayList<>();
    uber.get("args").forEach(a -> uberArgs.add(a.asText()));
    commands.add(uberArgs);

    assertThat(commands).hasSize(5);
    for (List<String> command : commands) {
      assertThat(command.get(2)).contains(CATALOG_ARGS);
      assertThat(command.get(6)).isEqualTo("lake_" + stack);
    }
  }

  @Test
  void devSchedulesAreDeclaredButDisabled() {
    LakeStack.Run run = LakeStack.run("dev");

    assertThat(run.ofType(SCHEDULE))
        .hasSize(4)
        .allSatisfy(s -> assertThat(s.string("state")).isEqualTo("DISABLED"));
  }

  @Test
  void droppedUberFilesStartTheUberJobThroughEventBridge() {
    LakeStack.Run run = LakeStack.run("staging");
    String bucket = (String) run.named("lake-staging-storage-bucket").state().get("bucket");

    assertThat(run.named("lake-staging-triggers-bucket-events").inputs())
        .containsEntry("bucket", bucket)
        .containsEntry("eventbridge", true);
    JsonNode pattern = run.named("lake-staging-triggers-uber-landing").json("eventPattern");
    assertThat(pattern.get("source").toString()).isEqualTo("[\"aws.s3\"]");
    assertThat(pattern.get("detail-type").toString()).isEqualTo("[\"Object Created\"]");
    assertThat(pattern.at("/detail/bucket/name").toString()).isEqualTo("[\"" + bucket + "\"]");
    assertThat(pattern.at("/detail/object/key/0/prefix").asText())
        .isEqualTo("lake/landing/uber_movements/");

    LakeStack.Declared target = run.named("lake-staging-triggers-uber-landing-target");
    assertThat(target.string("arn"))
        .isEqualTo(run.named("lake-staging-uber-movements-state-machine").state().get("arn"));
    Map<String, Object> transformer = target.map("inputTransformer");
    assertThat(transformer.get("inputPaths"))
        .isEqualTo(Map.of("bucket", "$.detail.bucket.name", "key", "$.detail.object.key"));
    JsonNode template = LakeStack.parse((String) transformer.get("inputTemplate"));
    assertThat(template.at("/args/2").asText())
        .contains("lake.jar uber-movements")
        .contains(CATALOG_ARGS)
        .contains("--input=");
    assertThat(template.at("/args/6").asText()).isEqualTo("lake_staging");
    assertThat(template.at("/args/7").asText()).isEqualTo("s3://<bucket>/<key>");
  }

  @Test
  void stateMachinesRunTheStepFromTheirInputOnATransientFlinkCluster() {
    LakeStack.Run run = LakeStack.run("prod");
    JsonNode definition = run.named("lake-prod-silver-state-machine").json("definition");

    JsonNode create = definition.at("/States/CreateCluster");
    assertThat(create.get("Resource").asText())
        .isEqualTo("arn:aws:states:::elasticmapreduce:createCluster.sync");
    assertThat(create.at("/Parameters/Applications/0/Name").asText()).isEqualTo("Flink");
    assertThat(create.at("/Parameters/ReleaseLabel").asText()).isEqualTo("emr-7.5.0");
    assertThat(create.at("/Parameters/JobFlowRole").asText())
        .isEqualTo("lake-prod-silver-instance-profile");
    assertThat(create.at("/Parameters/Instances/InstanceGroups/1/InstanceCount").asInt())
        .isEqualTo(4);
    assertThat(definition.at("/States/RunStep/Parameters/Step/HadoopJarStep/Args.$").asText())
        .isEqualTo("$.args");
    assertThat(definition.at("/States/RunStep/Catch/0/Next").asText())
        .isEqualTo("TerminateAfterFailure");
    assertThat(definition.at("/States/TerminateAfterFailure/Next").asText()).isEqualTo("Failed");
    assertThat(definition.at("/States/Terminate/End").asBoolean()).isTrue();
  }

  /** Runs the generated step scripts with stand-ins for {@code aws}, {@code flink} and java. */
  @Test
  void stepScriptsComputeThePreviousHourAndDay(@TempDir Path bin) throws Exception {
    for (String tool : List.of("aws", "flink", "java")) {
      Path stub = bin.resolve(tool);
      Files.writeString(stub, "#!/bin/sh\necho " + tool + " \"$@\"\n");
      Files.setPosixFilePermissions(stub, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    String jar = "s3://b/artifacts/l.jar";
    String silver =
        runScript(
            bin, LakeCommands.silver(jar, "s3://b/lake", "lake_x", "2024-03-25T00:15:00Z", 200));
    String gold =
        runScript(bin, LakeCommands.gold(jar, "s3://b/lake", "lake_x", "2024-03-25T07:00:00Z"));
    String uber =
        runScript(
            bin,
            LakeCommands.uberMovements(
                jar, "s3://b/lake", "lake_x", "s3://b/lake/landing/uber_movements/a b.csv"));
    String maintain = runScript(bin, LakeCommands.maintain(jar, "s3://b/lake", "lake_x"));
    String forget = runScript(bin, LakeCommands.forget(jar, "s3://b/lake", "lake_x"));

    String catalog = " --lake=s3://b/lake --catalog=glue --catalogNamespace=lake_x";
    assertThat(silver)
        .contains("aws s3 cp s3://b/artifacts/l.jar /home/hadoop/lake.jar")
        .contains(
            "flink run -m yarn-cluster /home/hadoop/lake.jar silver --runner=FlinkRunner"
                + catalog
                + " --filesPerPartition=200 --pending --to=2024-03-24T23:00:00Z");
    assertThat(gold)
        .contains("gold --runner=FlinkRunner" + catalog + " --date=2024-03-24")
        .contains("gold --runner=FlinkRunner" + catalog + " --pending");
    assertThat(uber)
        .contains(
            "uber-movements --runner=FlinkRunner"
                + catalog
                + " --input=s3://b/lake/landing/uber_movements/a b.csv");
    assertThat(maintain)
        .contains("aws s3 cp s3://b/artifacts/l.jar /home/hadoop/lake.jar")
        .contains("java -jar /home/hadoop/lake.jar maintain" + catalog)
        .doesNotContain("flink");
    assertThat(forget)
        .contains("aws s3 cp s3://b/artifacts/l.jar /home/hadoop/lake.jar")
        .contains(
            "flink run -m yarn-cluster /home/hadoop/lake.jar forget --runner=FlinkRunner"
                + catalog
                + " --field=user_id --requests");
  }

  private static int minuteOfDay(String dailyCron) {
    int minute = LakeSettings.minuteOfDay(dailyCron);
    assertThat(minute).as(dailyCron).isNotNegative();
    return minute;
  }

  private static String runScript(Path bin, List<String> command)
      throws IOException, InterruptedException {
    ProcessBuilder pb = new ProcessBuilder(new ArrayList<>(command)).redirectErrorStream(true);
    pb.environment().put("PATH", bin + ":" + System.getenv("PATH"));
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor()).as(out).isZero();
    return out;
  }

  private static List<String> args(LakeStack.Declared schedule) {
    JsonNode input = LakeStack.parse((String) schedule.map("target").get("input"));
    List<String> out = new ArrayList<>();
    input.get("args").forEach(a -> out.add(a.asText()));
    assertThat(out.subList(0, 2)).containsExactly("bash", "-c");
    return out;
  }
}
