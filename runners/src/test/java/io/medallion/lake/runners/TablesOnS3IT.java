package io.medallion.lake.runners;

import static io.medallion.lake.runners.FixtureLake.lake;
import static org.assertj.core.api.Assertions.assertThat;

import io.medallion.lake.layout.LakeLayout;
import io.medallion.lake.runners.FixtureLake.Result;
import io.medallion.lake.table.CatalogSettings;
import io.medallion.lake.table.LakeCatalog;
import io.medallion.lake.table.LakeTable;
import io.medallion.lake.testing.IcebergFixtures;
import java.io.IOException;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.apache.iceberg.Table;
import org.apache.iceberg.io.FileIO;
import org.apache.iceberg.io.OutputFile;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code lake history}, {@code lake maintain} and {@code lake query} on an {@code s3://} lake: the
 * local catalog (a SQLite file on this machine) over S3Proxy, Iceberg's S3FileIO for the tables and
 * Beam's S3 filesystem for the staging area. S3Proxy runs as a child JVM on a free loopback port.
 */
class TablesOnS3IT {
  private static final String ACCESS_KEY = "lake-local";
  private static final String SECRET_KEY = "lake-local-secret";
  private static final String LAKE = "s3://lake/lake";
  private static final Path S3PROXY =
      Paths.get("..")
          .toAbsolutePath()
          .normalize()
          .resolve("pipelines/target/emulators/s3proxy.jar");

  @TempDir static Path temp;
  private static Process s3proxy;
  private static String endpoint;
  private static String catalogUri;
  private static FixtureLake fixture;

  @BeforeAll
  static void startS3AndBuildTheTables() throws Exception {
    assertThat(S3PROXY).as("copied by the pipelines module's pre-integration-test").exists();
    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    endpoint = "http://127.0.0.1:" + port;
    Files.createDirectories(temp.resolve("s3/lake"));
    Path properties = temp.resolve("s3proxy.properties");
    Files.writeString(
        properties,
        String.join(
            "\n",
            "s3proxy.endpoint=" + endpoint,
            "s3proxy.authorization=aws-v2-or-v4",
            "s3proxy.identity=" + ACCESS_KEY,
            "s3proxy.credential=" + SECRET_KEY,
            "jclouds.provider=filesystem",
            "jclouds.filesystem.basedir=" + temp.resolve("s3")));
    s3proxy =
        new ProcessBuilder(
                "java",
                "-Xmx256m",
                "-jar",
                S3PROXY.toString(),
                "--properties",
                properties.toString())
            .redirectErrorStream(true)
            .redirectOutput(temp.resolve("s3proxy.log").toFile())
            .start();
    waitForPort(port);
    catalogUri = "jdbc:sqlite:" + temp.resolve("catalog/iceberg.db");
    try (LakeCatalog catalog = LakeCatalog.open(settings())) {
      fixture = FixtureLake.build(catalog, temp.resolve("unused"));
    }
  }

  @AfterAll
  static void stopS3() throws InterruptedException {
    if (s3proxy != null) {
      s3proxy.destroy();
      s3proxy.waitFor(30, TimeUnit.SECONDS);
    }
  }

  private static CatalogSettings settings() {
    return CatalogSettings.local(
        LakeLayout.at(LAKE),
        Optional.of(catalogUri),
        CatalogSettings.DEFAULT_NAMESPACE,
        CatalogSettings.s3Emulator(endpoint, ACCESS_KEY, SECRET_KEY, "us-east-1"));
  }

  private static Result onS3(String... args) {
    List<String> all = new ArrayList<>(List.of(args));
    all.addAll(
        List.of(
            "--lake=" + LAKE,
            "--catalogUri=" + catalogUri,
            "--s3Endpoint=" + endpoint,
            "--emulatorAccessKey=" + ACCESS_KEY,
            "--emulatorSecretKey=" + SECRET_KEY));
    return lake(all.toArray(String[]::new));
  }

  @Test
  void historyAndMaintainWorkOnS3AndQuerySaysItNeedsALocalLake() throws Exception {
    Result history = onS3("history", "silver_events", "--format=csv");

    assertThat(history.status()).as(history.err()).isZero();
    assertThat(history.lines()).hasSize(4);
    assertThat(history.lines().get(3)).startsWith(fixture.hour3Second().snapshotId() + ",");

    String orphan;
    String staged = LAKE + "/_tmp/run-dead/silver/part-0.parquet";
    try (LakeCatalog catalog = LakeCatalog.open(settings())) {
      Table silver = catalog.table(LakeTable.SILVER_EVENTS);
      orphan = silver.location() + "/data/dt=2026-01-02/hour=3/dead-run-00001.parquet";
      write(silver.io(), orphan);
      write(silver.io(), staged);
    }
    // S3 times are whole seconds: let the files be strictly older than "now" at --orphanAge=PT0S.
    Thread.sleep(1_500);

    Result dryRun =
        onS3(
            "maintain",
            "--retainSnapshots=PT0S",
            "--retainLast=1",
            "--orphanAge=PT0S",
            "--force",
            "--dryRun");
    assertThat(dryRun.status()).as(dryRun.err()).isZero();
    assertThat(dryRun.out())
        .contains("silver_events: would expire 2 snapshot(s)")
        .contains("  remove orphan " + orphan)
        .contains("_tmp: would remove 1 staging folder(s) (1 file(s)");

    Result maintain =
        onS3("maintain", "--retainSnapshots=PT0S", "--retainLast=1", "--orphanAge=PT0S", "--force");

    assertThat(maintain.status()).as(maintain.err()).isZero();
    assertThat(maintain.out())
        .contains("silver_events: expire 2 snapshot(s)")
        .contains("_tmp: remove 1 staging folder(s) (1 file(s)");
    assertThat(maintain.out()).doesNotContain("warning");
    try (LakeCatalog catalog = LakeCatalog.open(settings())) {
      Table silver = catalog.table(LakeTable.SILVER_EVENTS);
      assertThat(silver.io().newInputFile(orphan).exists()).isFalse();
      assertThat(silver.io().newInputFile(staged).exists()).isFalse();
      assertThat(IcebergFixtures.read(silver))
          .extracting(r -> r.getField("event_uuid"))
          .containsExactlyInAnyOrder("d", "e", "f");
      assertThat(IcebergFixtures.read(catalog.table(LakeTable.GOLD_EVENTS))).hasSize(3);
    }
    assertThat(onS3("history", "silver_events", "--format=csv").lines()).hasSize(2);

    Result query = onS3("query", "select count(*) from silver_events");
    assertThat(query.status()).isEqualTo(2);
    assertThat(query.err().strip())
        .startsWith("lake query: --lake: query needs a local lake")
        .contains("use Athena");
  }

  private static void write(FileIO io, String location) throws IOException {
    OutputFile file = io.newOutputFile(location);
    try (OutputStream out = file.create()) {
      out.write("not referenced by any snapshot".getBytes(StandardCharsets.UTF_8));
    }
  }

  private static void waitForPort(int port) throws InterruptedException, IOException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      try {
        new Socket("127.0.0.1", port).close();
        return;
      } catch (IOException notYet) {
        if (!s3proxy.isAlive()) {
          throw new IOException("S3Proxy exited: " + Files.readString(temp.resolve("s3proxy.log")));
        }
        Thread.sleep(200);
      }
    }
    throw new IOException("S3Proxy did not open port " + port);
  }
}
