package io.medallion.lake.pipelines;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.sync.ResponseTransformer;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * The real emulators on loopback for an integration test, through the same script {@code make
 * start} uses ({@code src/scripts/local-aws.sh}), on free ports and in a private state folder.
 * Installs the Kinesis emulator from npm on first use (kinesis-local unless asked for kinesalite);
 * S3Proxy comes from the jar Maven copied for the ITs.
 */
final class LocalAws implements AutoCloseable {
  static final String STREAM = "events";
  static final int SHARDS = 4;
  static final String BUCKET = "lake";
  static final String ACCESS_KEY = "lake-local";
  static final String SECRET_KEY = "lake-local-secret";

  private final Path script;
  private final Map<String, String> env;
  final String kinesisEndpoint;
  final String s3Endpoint;

  private LocalAws(Path script, Map<String, String> env) {
    this.script = script;
    this.env = env;
    this.kinesisEndpoint = "http://127.0.0.1:" + env.get("KINESIS_PORT");
    this.s3Endpoint = "http://127.0.0.1:" + env.get("S3_PORT");
  }

  static LocalAws start(Path state) throws IOException, InterruptedException {
    return start(state, "kinesis-local");
  }

  /**
   * @param kinesisEmulator {@code kinesis-local} or {@code kinesalite} (which answers JSON only:
   *     its clients need the system property {@code aws.cborEnabled=false})
   */
  static LocalAws start(Path state, String kinesisEmulator)
      throws IOException, InterruptedException {
    Path script =
        Paths.get(System.getProperty("local.aws.script", "../src/scripts/local-aws.sh"))
            .toAbsolutePath()
            .normalize();
    Map<String, String> env =
        new java.util.HashMap<>(
            Map.of(
                "KINESIS_PORT", String.valueOf(freePort()),
                "KINESIS_TLS_PORT", String.valueOf(freePort()),
                "S3_PORT", String.valueOf(freePort()),
                "STREAM", STREAM,
                "SHARDS", String.valueOf(SHARDS),
                "BUCKET", BUCKET,
                "LAKE_LOCAL_STATE", state.toAbsolutePath().toString(),
                "EMULATOR_ACCESS_KEY", ACCESS_KEY,
                "EMULATOR_SECRET_KEY", SECRET_KEY));
    env.put("KINESIS_EMULATOR", kinesisEmulator);
    String jar = System.getProperty("s3proxy.jar");
    if (jar != null && Files.exists(Paths.get(jar))) {
      env.put("S3PROXY_JAR", jar);
    }
    LocalAws aws = new LocalAws(script, env);
    aws.script("start");
    return aws;
  }

  private void script(String command) throws IOException, InterruptedException {
    // Not inheritIO: output on the test JVM's stdout would corrupt failsafe's channel.
    Path log = Paths.get(env.get("LAKE_LOCAL_STATE")).resolve("local-aws-" + command + ".log");
    Files.createDirectories(log.getParent());
    ProcessBuilder pb =
        new ProcessBuilder("bash", script.toString(), command)
            .redirectErrorStream(true)
            .redirectOutput(log.toFile());
    pb.environment().putAll(env);
    Process p = pb.start();
    if (!p.waitFor(10, TimeUnit.MINUTES) || p.exitValue() != 0) {
      p.destroy();
      throw new IOException("local-aws.sh " + command + " failed:\n" + Files.readString(log));
    }
    System.err.print(Files.readString(log));
  }

  /** Options common to every pipeline run against these emulators. */
  List<String> args(String lake) {
    return new ArrayList<>(
        List.of(
            "--lake=" + lake,
            "--s3Endpoint=" + s3Endpoint,
            "--kinesisEndpoint=" + kinesisEndpoint,
            "--stream=" + STREAM,
            "--emulatorAccessKey=" + ACCESS_KEY,
            "--emulatorSecretKey=" + SECRET_KEY));
  }

  /** An S3 client of its own (not Beam's), to check what landed. */
  S3Client s3() {
    return S3Client.builder()
        .httpClientBuilder(Apache5HttpClient.builder())
        .endpointOverride(URI.create(s3Endpoint))
        .region(Region.US_EAST_1)
        .forcePathStyle(true)
        .credentialsProvider(
            StaticCredentialsProvider.create(AwsBasicCredentials.create(ACCESS_KEY, SECRET_KEY)))
        .build();
  }

  /** Every object under {@code prefix}, by key. */
  static List<S3Object> list(S3Client s3, String prefix) {
    List<S3Object> objects = new ArrayList<>();
    s3.listObjectsV2Paginator(b -> b.bucket(BUCKET).prefix(prefix))
        .contents()
        .forEach(objects::add);
    return objects;
  }

  static byte[] get(S3Client s3, String key) {
    return s3.getObject(b -> b.bucket(BUCKET).key(key), ResponseTransformer.toBytes())
        .asByteArray();
  }

  @Override
  public void close() throws IOException {
    try {
      script("stop");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while stopping the emulators", e);
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
