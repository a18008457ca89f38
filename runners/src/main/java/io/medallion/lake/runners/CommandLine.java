package io.medallion.lake.runners;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A subcommand's arguments split into positional ones ({@code lake query "select 1"}, {@code lake
 * history silver_events}) and Beam options ({@code --name=value}), with hyphenated spellings
 * ({@code --as-of}) mapped to the option's bean name ({@code --asOf}), which Beam requires.
 *
 * @param positional the arguments that do not start with {@code --}, in order
 * @param options the rest, for {@code PipelineOptionsFactory}
 */
record CommandLine(List<String> positional, String[] options) {
  static CommandLine of(String[] args, Map<String, String> aliases) {
    List<String> positional = new ArrayList<>();
    List<String> options = new ArrayList<>();
    for (String arg : args) {
      if (!arg.startsWith("--")) {
        positional.add(arg);
        continue;
      }
      String option = arg;
      for (Map.Entry<String, String> alias : aliases.entrySet()) {
        if (arg.equals(alias.getKey()) || arg.startsWith(alias.getKey() + "=")) {
          option = alias.getValue() + arg.substring(alias.getKey().length());
        }
      }
      options.add(option);
    }
    return new CommandLine(List.copyOf(positional), options.toArray(String[]::new));
  }
}
