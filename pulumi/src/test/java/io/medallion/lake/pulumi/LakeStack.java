package io.medallion.lake.pulumi;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.pulumi.test.Mocks;
import com.pulumi.test.TestOptions;
import com.pulumi.test.TestResult;
import com.pulumi.test.internal.PulumiTestInternal;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.yaml.snakeyaml.Yaml;

/**
 * Runs the Pulumi program under mocks with a real {@code Pulumi.<stack>.yaml}, and records what
 * each resource was declared with. The mock plays the provider: it returns the inputs as state and
 * fills the computed outputs ({@code id}, {@code arn}, {@code bucket}, {@code name}) the way AWS
 * would shape them, so ARNs in policies can be checked against the resources they belong to.
 */
final class LakeStack {
  static final String ACCOUNT = "123456789012";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Map<String, Run> CACHE = new ConcurrentHashMap<>();

  /** One declared resource. */
  record Declared(String type, String name, Map<String, Object> inputs, Map<String, Object> state) {
    String string(String key) {
      return (String) inputs.get(key);
    }

    @SuppressWarnings("unchecked")
    Map<String, Object> map(String key) {
      return (Map<String, Object>) inputs.get(key);
    }

    JsonNode json(String key) {
      try {
        return JSON.readTree(string(key));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  /** A finished run: the result and the resources, in declaration order. */
  record Run(TestResult result, List<Declared> resources, Map<String, String> config) {
    List<Declared> ofType(String type) {
      return resources.stream().filter(r -> r.type().equals(type)).toList();
    }

    Declared named(String name) {
      return resources.stream()
          .filter(r -> r.name().equals(name))
          .findFirst()
          .orElseThrow(() -> new AssertionError("no resource named " + name));
    }

    String config(String key) {
      return config.get(key);
    }
  }

  /**
   * The stack as its yaml file defines it, before the launcher jar is built (cached: the program is
   * deterministic). The jar path is pinned to a file that never exists, so the result does not
   * depend on whether {@code runners/target/lake.jar} happens to have been built first, as it is in
   * a full {@code mvn verify}.
   */
  static Run run(String stack) {
    return CACHE.computeIfAbsent(
        stack, s -> run(s, Map.of("lake:jarPath", "target/no-such-dir/lake.jar")));
  }

  /** The stack with some config values replaced. */
  static Run run(String stack, Map<String, String> overrides) {
    Map<String, String> config = new LinkedHashMap<>(stackConfig(stack));
    config.putAll(overrides);
    RecordingMocks mocks = new RecordingMocks(config.get("aws:region"));
    TestResult result =
        PulumiTestInternal.builder()
            .options(TestOptions.builder().projectName("lake").stackName(stack).build())
            .mocks(mocks)
            .config(config)
            .build()
            .runTest(App::stack);
    PulumiTestInternal.cleanup();
    return new Run(result, List.copyOf(mocks.declared), config);
  }

  /** The {@code config:} block of {@code pulumi/Pulumi.<stack>.yaml}, every value as text. */
  static Map<String, String> stackConfig(String stack) {
    Path file = Path.of("Pulumi." + stack + ".yaml");
    try (InputStream in = Files.newInputStream(file)) {
      Map<String, Object> doc = new Yaml().load(in);
      @SuppressWarnings("unchecked")
      Map<String, Object> config = (Map<String, Object>) doc.get("config");
      Map<String, String> flat = new LinkedHashMap<>();
      config.forEach((k, v) -> flat.put(k, String.valueOf(v)));
      return flat;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static JsonNode parse(String json) {
    try {
      return JSON.readTree(json);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static final class RecordingMocks implements Mocks {
    final List<Declared> declared = new CopyOnWriteArrayList<>();
    private final String region;

    RecordingMocks(String region) {
      this.region = region;
    }

    @Override
    public CompletableFuture<ResourceResult> newResourceAsync(ResourceArgs args) {
      Map<String, Object> state = new HashMap<>(args.inputs);
      String name = (String) state.computeIfAbsent("name", k -> args.name);
      String id = name;
      switch (args.type) {
        case "aws:s3/bucketV2:BucketV2" -> {
          String bucket = args.name + "-0a1b2c3d";
          state.put("bucket", bucket);
          state.put("arn", "arn:aws:s3:::" + bucket);
          id = bucket;
        }
        case "aws:kms/key:Key" -> {
          state.put("keyId", "key-" + args.name);
          state.put("arn", arn("kms", "key/key-" + args.name));
          id = "key-" + args.name;
        }
        case "aws:kinesis/stream:Stream" -> state.put("arn", arn("kinesis", "stream/" + name));
        case "aws:sfn/stateMachine:StateMachine" ->
            state.put("arn", arn("states", "stateMachine:" + name));
        case "aws:cloudwatch/logGroup:LogGroup" ->
            state.put("arn", arn("logs", "log-group:" + name));
        case "aws:iam/role:Role" -> state.put("arn", "arn:aws:iam::" + ACCOUNT + ":role/" + name);
        case "aws:iam/instanceProfile:InstanceProfile" ->
            state.put("arn", "arn:aws:iam::" + ACCOUNT + ":instance-profile/" + name);
        default -> state.putIfAbsent("arn", "arn:aws:mock:" + region + ":" + ACCOUNT + ":" + name);
      }
      declared.add(new Declared(args.type, args.name, args.inputs, state));
      return CompletableFuture.completedFuture(ResourceResult.of(Optional.of(id), state));
    }

    @Override
    public CompletableFuture<Map<String, Object>> callAsync(CallArgs args) {
      if (args.token.equals("aws:index/getCallerIdentity:getCallerIdentity")) {
        return CompletableFuture.completedFuture(
            Map.of(
                "accountId",
                ACCOUNT,
                "arn",
                "arn:aws:iam::" + ACCOUNT + ":user/test",
                "id",
                ACCOUNT,
                "userId",
                "AIDATEST"));
      }
      return CompletableFuture.failedFuture(
          new UnsupportedOperationException("unexpected invoke " + args.token));
    }

    private String arn(String service, String resource) {
      return "arn:aws:" + service + ":" + region + ":" + ACCOUNT + ":" + resource;
    }
  }
}
