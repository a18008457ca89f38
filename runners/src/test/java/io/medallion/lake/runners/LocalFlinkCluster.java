package io.medallion.lake.runners;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The standalone Flink session cluster of {@code src/scripts/flink-cluster.sh} (a JobManager and a
 * TaskManager JVM on 127.0.0.1) on free ports, for the ITs: {@link #start} waits until the
 * TaskManager registered, {@link #stop} stops exactly those two processes.
 */
final class LocalFlinkCluster {
  static final Path MODULE = Path.of("").toAbsolutePath();
  static final Path ROOT = MODULE.getParent();
  static final Path SCRIPT = ROOT.resolve("src/scripts/flink-cluster.sh");

  private final Path dir;
  private final Path logs;
  final int restPort;
  final int rpcPort;

  private LocalFlinkCluster(Path dir, Path logs, int restPort, int rpcPort) {
    this.dir = dir;
    this.logs = logs;
    this.restPort = restPort;
    this.rpcPort = rpcPort;
  }

  /** Starts a cluster keeping its state (configuration, logs, PIDs) in {@code dir}. */
  static LocalFlinkCluster start(Path dir, Path logs) throws Exception {
    LocalFlinkCluster cluster = new LocalFlinkCluster(dir, logs, freePort(), freePort());
    ChildProcess up = cluster.script("up");
    System.out.println(up.tail());
    assertThat(up.exit()).as("flink-cluster.sh up:\n" + up.tail()).isZero();
    return cluster;
  }

  /** The {@code --flinkMaster} value that submits to this cluster. */
  String master() {
    return "127.0.0.1:" + restPort;
  }

  /** {@code flink run <args>} (Flink's CliFrontend) against this cluster. */
  ChildProcess flinkRun(List<String> args) throws Exception {
    List<String> command = new ArrayList<>(List.of(SCRIPT.toString(), "run"));
    command.addAll(args);
    return ChildProcess.run(command, env(), ROOT, logs, Duration.ofMinutes(15));
  }

  /** The number of jobs the cluster finished; asserts that none failed. */
  long finishedJobs() throws Exception {
    HttpResponse<String> overview =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create("http://" + master() + "/overview")).build(),
                HttpResponse.BodyHandlers.ofString());
    JsonNode json = new ObjectMapper().readTree(overview.body());
    assertThat(json.path("jobs-failed").asLong()).as(overview.body()).isZero();
    return json.path("jobs-finished").asLong();
  }

  /** Stops the JobManager and TaskManager this cluster started. */
  void stop() throws Exception {
    System.out.println(script("down").tail());
  }

  /** The script's settings for this cluster, and the Maven running this build to resolve Flink. */
  Map<String, String> env() {
    Map<String, String> env = new HashMap<>();
    env.put("FLINK_CLUSTER_DIR", dir.toString());
    env.put("FLINK_REST_PORT", String.valueOf(restPort));
    env.put("FLINK_RPC_PORT", String.valueOf(rpcPort));
    // Two integration tests may run clusters side by side (two Failsafe JVMs); the tests' inputs
    // are small, and 2 GB each leaves the machine room for both and their launchers.
    env.put("FLINK_TM_MEMORY", "2g");
    env.put("FLINK_JAVA_OPTS", ChildProcess.jvmOptionsLine());
    Path mvn = mavenExecutable();
    if (Files.isExecutable(mvn)) {
      env.put("MVN", mvn.toString());
    }
    return env;
  }

  /** {@code mvn} of the Maven running this build (failsafe passes {@code maven.home}). */
  static Path mavenExecutable() {
    String mavenHome = System.getProperty("maven.home");
    return mavenHome == null ? Path.of("mvn") : Path.of(mavenHome, "bin", "mvn");
  }

  private ChildProcess script(String command) throws Exception {
    return ChildProcess.run(
        List.of(SCRIPT.toString(), command), env(), ROOT, logs, Duration.ofMinutes(10));
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
