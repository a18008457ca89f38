package io.medallion.lake.layout;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * How a lake command reaches the launcher on Amazon Managed Service for Apache Flink, which starts
 * the jar's main class without arguments and hands the application's runtime properties over in a
 * file: the property group {@value #GROUP}, its key {@value #COMMAND} naming the subcommand, every
 * other key an option ({@code "lake": "s3://..."} is {@code --lake=s3://...}). Spelled once, for
 * the launcher that reads the group and the Pulumi program that declares it.
 */
public final class ApplicationProperties {
  /** The property group the launcher reads. */
  public static final String GROUP = "LakeApplication";

  /** The key of the group that names the subcommand ({@code bronze}, {@code silver}, ...). */
  public static final String COMMAND = "command";

  private ApplicationProperties() {}

  /**
   * The group's property map for {@code command} with {@code options} (option name without its
   * dashes → value): the command first, then the options by name.
   *
   * @throws IllegalArgumentException if an option is named {@value #COMMAND} or starts with a dash
   */
  public static Map<String, String> of(String command, Map<String, String> options) {
    Map<String, String> map = new LinkedHashMap<>();
    map.put(COMMAND, command);
    new TreeMap<>(options)
        .forEach(
            (name, value) -> {
              if (name.equals(COMMAND) || name.startsWith("-")) {
                throw new IllegalArgumentException(
                    "an option of a Managed Flink application is named without dashes and is not '"
                        + COMMAND
                        + "': "
                        + name);
              }
              map.put(name, value);
            });
    return map;
  }
}
