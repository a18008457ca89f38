package io.medallion.lake.runners;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A command run to completion in a child process, as a user would run it, for the ITs: its exit
 * status and its stdout and stderr combined ({@link #run}), or its stdout as the output and its
 * stderr apart ({@link #runApart}).
 *
 * @param errors the stderr of a command run with {@link #runApart}; empty otherwise
 */
record ChildProcess(int exit, String output, String errors) {
  /** The most of a child's output an assertion message shows: its end. */
  private static final int TAIL = 6000;

  /**
   * Runs {@code command} in {@code directory} with {@code env} added to this JVM's environment,
   * stdout and stderr combined into a log file under {@code logs}; fails the test if it takes
   * longer than {@code timeout}.
   */
  static ChildProcess run(
      List<String> command, Map<String, String> env, Path directory, Path logs, Duration timeout)
      throws IOException, InterruptedException {
    Path log = Files.createTempFile(Files.createDirectories(logs), "process", ".log");
    ProcessBuilder builder =
        new ProcessBuilder(command)
            .directory(directory.toFile())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile());
    builder.environment().putAll(env);
    int exit = waitFor(builder, command, timeout, log);
    return new ChildProcess(exit, Files.readString(log), "");
  }

  /**
   * {@link #run}, with the command's stdout as the output, byte for byte, and its stderr (logs,
   * messages) apart, each in a log file under {@code logs}.
   */
  static ChildProcess runApart(
      List<String> command, Map<String, String> env, Path directory, Path logs, Duration timeout)
      throws IOException, InterruptedException {
    Path out = Files.createTempFile(Files.createDirectories(logs), "process", ".out");
    Path err = Files.createTempFile(logs, "process", ".err");
    ProcessBuilder builder =
        new ProcessBuilder(command)
            .directory(directory.toFile())
            .redirectOutput(out.toFile())
            .redirectError(err.toFile());
    builder.environment().putAll(env);
    int exit = waitFor(builder, command, timeout, err);
    return new ChildProcess(exit, Files.readString(out), Files.readString(err));
  }

  private static int waitFor(
      ProcessBuilder builder, List<String> command, Duration timeout, Path log)
      throws IOException, InterruptedException {
    Process process = builder.start();
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      process.descendants().forEach(ProcessHandle::destroyForcibly);
      process.destroyForcibly();
      throw new AssertionError(
          command + " did not finish in " + timeout + ":\n" + tail(Files.readString(log)));
    }
    return process.exitValue();
  }

  /**
   * The JVM options of the Java children the ITs start (the launcher, Maven and the JVM it
   * relaunches under {@code exec:java}, the Flink cluster's JVMs, the class-data archive's demos;
   * not the S3 emulator): this JVM's compiler settings ({@code Relaunch#isCompilerSetting}), which
   * the parent POM's {@code argLine} gives every test JVM ({@code lake.test.jvm}: the client
   * compiler only, for CI's CPU, and room for its code; nothing a test checks depends on them).
   */
  static final List<String> JVM_OPTIONS =
      ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
          .filter(Relaunch::isCompilerSetting)
          .toList();

  /**
   * {@link #JVM_OPTIONS} as one string of space-separated options, for an environment variable a
   * script or Maven splits ({@code MAVEN_OPTS}, {@code FLINK_JAVA_OPTS}, {@code DEMO_JAVA_OPTS}).
   */
  static String jvmOptionsLine() {
    return String.join(" ", JVM_OPTIONS);
  }

  /** This JVM's {@code java} executable, with {@link #JVM_OPTIONS} and then {@code args}. */
  static List<String> java(String... args) {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(JVM_OPTIONS);
    command.addAll(List.of(args));
    return command;
  }

  /**
   * The environment of a Maven child that runs the launcher ({@code exec:java}): {@code MAVEN_OPTS}
   * as this JVM found it, with {@link #JVM_OPTIONS}, which the launcher passes on to the JVM it
   * relaunches itself in ({@code Relaunch}).
   */
  static Map<String, String> mavenEnv() {
    String inherited = System.getenv().getOrDefault("MAVEN_OPTS", "");
    return Map.of("MAVEN_OPTS", (inherited + " " + jvmOptionsLine()).strip());
  }

  /** The output's last line that starts with {@code prefix}, or null. */
  String lastLineStartingWith(String prefix) {
    List<String> lines = output.lines().filter(l -> l.startsWith(prefix)).toList();
    return lines.isEmpty() ? null : lines.get(lines.size() - 1);
  }

  /** The output's last {@value #TAIL} characters, and the errors', for an assertion's message. */
  String tail() {
    return tail(output) + (errors.isEmpty() ? "" : "\n--- stderr:\n" + tail(errors));
  }

  private static String tail(String text) {
    return text.length() <= TAIL ? text : text.substring(text.length() - TAIL);
  }
}
