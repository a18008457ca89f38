package io.medallion.lake.runners;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.medallion.lake.layout.ApplicationProperties;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The launcher's command line on Amazon Managed Service for Apache Flink, which starts the jar's
 * main class with no arguments and hands the application's runtime properties over in {@code
 * /etc/flink/application_properties.json} (the file {@code KinesisAnalyticsRuntime} reads): the
 * property group {@link ApplicationProperties#GROUP} becomes {@code <command> --key=value ...}, its
 * {@link ApplicationProperties#COMMAND} key naming the subcommand.
 *
 * <pre>{@code
 * [{"PropertyGroupId": "LakeApplication",
 *   "PropertyMap": {"command": "silver", "lake": "s3://my-lake/prod", "hour": "2026-01-01T03",
 *                   "runner": "FlinkRunner"}}]
 * }</pre>
 */
final class ManagedFlinkProperties {
  static final Path FILE = Path.of("/etc/flink/application_properties.json");

  private ManagedFlinkProperties() {}

  /** The command line in {@code file}'s {@link ApplicationProperties#GROUP}, if both exist. */
  static Optional<String[]> args(Path file) {
    if (!Files.isRegularFile(file)) {
      return Optional.empty();
    }
    JsonNode groups;
    try {
      groups = new ObjectMapper().readTree(file.toFile());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
    for (JsonNode group : groups) {
      if (ApplicationProperties.GROUP.equals(group.path("PropertyGroupId").asText())) {
        JsonNode properties = group.path("PropertyMap");
        List<String> args = new ArrayList<>();
        args.add(properties.path(ApplicationProperties.COMMAND).asText(""));
        properties
            .fields()
            .forEachRemaining(
                p -> {
                  if (!p.getKey().equals(ApplicationProperties.COMMAND)) {
                    args.add("--" + p.getKey() + "=" + p.getValue().asText());
                  }
                });
        return Optional.of(args.toArray(String[]::new));
      }
    }
    return Optional.empty();
  }
}
