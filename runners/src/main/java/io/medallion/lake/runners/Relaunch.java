package io.medallion.lake.runners;

import java.io.File;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Runs the launcher in a JVM of its own, with the project's class path as the JVM's class path,
 * when {@code mvn exec:java} started it inside Maven's JVM ({@link #PROPERTY}).
 *
 * <p>Why: exec:java loads the project into an isolated class loader, and the JVM's system class
 * loader then holds only Maven's boot jar. Flink resolves some classes through the <em>system</em>
 * class loader rather than the caller's: the embedded JobMaster deserializes a job that names no
 * jars with it ({@code ClassNotFoundException: org.apache.flink.api.common.ExecutionConfig}), and
 * the REST client deserializes a failed cluster job's cause with it (the cause is lost as {@code
 * org.apache.flink.util.SerializedThrowable}). Declaring the class path to the embedded JobMaster
 * ({@code pipeline.classpaths}) mends only the first. Under {@code java -jar} both hold, so the
 * launcher re-executes itself the same way: {@code java -cp <the exec:java class path> Lake ...},
 * inheriting the standard streams, working directory and environment, the Maven JVM's heap limit
 * and the {@code lake.*} system properties (the runner profile's {@code lake.runner}), and exits
 * with the child's status.
 */
final class Relaunch {
  /**
   * Set to {@code true} by the exec:java configuration in {@code runners/pom.xml}. Only there:
   * under {@code flink run}, EMR and Managed Flink the launcher also sits in an isolated
   * (user-code) class loader, and must stay in the Flink client's JVM to submit to its cluster.
   */
  static final String PROPERTY = "lake.relaunch";

  private Relaunch() {}

  /** Whether the launcher was started by {@code mvn exec:java} ({@link #PROPERTY}). */
  static boolean requested() {
    return Boolean.getBoolean(PROPERTY);
  }

  /**
   * The class path {@code loader} adds to the JVM's: the files of every {@link URLClassLoader} from
   * {@code loader} up to, not including, the system class loader. Empty when the launcher is on the
   * JVM's class path ({@code java -jar}, {@code java -cp}, surefire), or when a loader on the way
   * does not say where its classes come from (then the launcher runs in place).
   */
  static Optional<List<Path>> isolatedClassPath(ClassLoader loader) {
    List<Path> paths = new ArrayList<>();
    ClassLoader system = ClassLoader.getSystemClassLoader();
    for (ClassLoader l = loader; l != null && l != system; l = l.getParent()) {
      if (!(l instanceof URLClassLoader withUrls)) {
        if (l == ClassLoader.getPlatformClassLoader()) {
          break;
        }
        return Optional.empty();
      }
      for (URL url : withUrls.getURLs()) {
        if (!"file".equals(url.getProtocol())) {
          return Optional.empty();
        }
        try {
          paths.add(Path.of(url.toURI()));
        } catch (URISyntaxException e) {
          return Optional.empty();
        }
      }
    }
    return paths.isEmpty() ? Optional.empty() : Optional.of(paths);
  }

  /**
   * Runs {@code io.medallion.lake.runners.Lake args} in a new JVM on {@code classPath} and waits
   * for it; returns its exit status.
   */
  static int run(List<Path> classPath, String[] args) throws IOException, InterruptedException {
    Path argFile = Files.createTempFile("lake-classpath", ".args");
    try {
      Files.writeString(argFile, argFile(classPath));
      Process child = new ProcessBuilder(command(argFile, args)).inheritIO().start();
      // A kill of the Maven JVM (Ctrl-C reaches both) must not leave the pipeline running.
      Thread stopChild = new Thread(child::destroy, "lake-stop-child");
      Runtime.getRuntime().addShutdownHook(stopChild);
      try {
        return child.waitFor();
      } finally {
        if (!child.isAlive()) {
          Runtime.getRuntime().removeShutdownHook(stopChild);
        }
      }
    } finally {
      Files.deleteIfExists(argFile);
    }
  }

  /**
   * Whether the child is started with this JVM argument too: the heap, the collector and the JIT
   * compiler's settings ({@link #isCompilerSetting}).
   */
  private static boolean passedOn(String jvmArgument) {
    return jvmArgument.startsWith("-Xmx")
        || jvmArgument.startsWith("-Xms")
        || jvmArgument.matches("-XX:\\+Use\\w+GC")
        || isCompilerSetting(jvmArgument);
  }

  /**
   * Whether a JVM argument sets the JIT compiler's tiers ({@code -XX:TieredStopAtLevel=}) or the
   * room for compiled code ({@code -XX:ReservedCodeCacheSize=}, which the client compiler alone
   * would otherwise leave at 48 MB).
   */
  static boolean isCompilerSetting(String jvmArgument) {
    return jvmArgument.startsWith("-XX:TieredStopAtLevel=")
        || jvmArgument.startsWith("-XX:ReservedCodeCacheSize=");
  }

  /**
   * The child's command line: this JVM's {@code java}, its heap, garbage collector and compiler
   * options ({@code MAVEN_OPTS="-Xmx8g -XX:+UseParallelGC"}), the {@code lake.*} system properties,
   * the class path from {@code argFile}, then the launcher and its arguments.
   */
  static List<String> command(Path argFile, String[] args) {
    return command(argFile, args, ManagementFactory.getRuntimeMXBean().getInputArguments());
  }

  /** {@link #command(Path, String[])}, this JVM started with {@code jvmArguments}. */
  static List<String> command(Path argFile, String[] args, List<String> jvmArguments) {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    jvmArguments.stream().filter(Relaunch::passedOn).forEach(command::add);
    System.getProperties().entrySet().stream()
        .filter(p -> String.valueOf(p.getKey()).startsWith("lake."))
        .filter(p -> !PROPERTY.equals(p.getKey()))
        .map(Relaunch::systemProperty)
        .sorted()
        .forEach(command::add);
    command.add("@" + argFile);
    command.add(Lake.class.getName());
    command.addAll(Arrays.asList(args));
    return command;
  }

  /**
   * A {@code java} argument file holding {@code -cp <classPath>}, quoted as the launcher's file
   * syntax wants (a backslash or quote escaped), so a long class path never meets a command-line
   * limit.
   */
  static String argFile(List<Path> classPath) {
    String joined =
        classPath.stream().map(Path::toString).collect(Collectors.joining(File.pathSeparator));
    return "-cp\n\"" + joined.replace("\\", "\\\\").replace("\"", "\\\"") + "\"\n";
  }

  private static String systemProperty(Map.Entry<Object, Object> property) {
    return "-D" + property.getKey() + "=" + property.getValue();
  }
}
