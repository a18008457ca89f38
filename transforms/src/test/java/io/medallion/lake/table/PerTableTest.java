package io.medallion.lake.table;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.IntStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.permission.FsPermission;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PerTableTest {
  @TempDir Path dir;

  @Test
  void givesEachItemsResultInItsOrderWorkingOnSeveralAtOnce() {
    Set<String> threads = ConcurrentHashMap.newKeySet();
    List<Integer> items = IntStream.range(0, 40).boxed().toList();

    List<Integer> squares =
        PerTable.map(
            items,
            i -> {
              threads.add(Thread.currentThread().getName());
              LockSupport.parkNanos(5_000_000);
              return i * i;
            });

    assertThat(squares).isEqualTo(items.stream().map(i -> i * i).toList());
    assertThat(threads).hasSizeGreaterThan(1).hasSizeLessThanOrEqualTo(PerTable.THREADS);
  }

  @Test
  void throwsTheFirstFailureInItemOrderOnceEveryItemIsDone() {
    Set<Integer> done = ConcurrentHashMap.newKeySet();
    assertThatThrownBy(
            () ->
                PerTable.map(
                    IntStream.range(0, 20).boxed().toList(),
                    i -> {
                      if (i == 3) {
                        throw new IllegalStateException("three");
                      }
                      if (i == 7) {
                        throw new IOException("seven");
                      }
                      done.add(i);
                      return i;
                    }))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("three");
    assertThat(done).hasSize(18);
    assertThatThrownBy(
            () ->
                PerTable.map(
                    List.of(1),
                    i -> {
                      throw new IOException("one");
                    }))
        .isInstanceOf(UncheckedIOException.class)
        .hasMessageContaining("one");
  }

  @Test
  void theLocalFileSystemSetsPermissionsWithoutAProcess() throws IOException {
    Configuration conf = new Configuration(false);
    conf.set("fs.file.impl", JavaLocalFileSystem.class.getName());
    conf.setBoolean("fs.file.impl.disable.cache", true);
    try (FileSystem fs = FileSystem.get(dir.toUri(), conf)) {
      org.apache.hadoop.fs.Path file =
          new org.apache.hadoop.fs.Path(dir.resolve("a/b/m.json").toUri());
      fs.create(file, false).close();
      fs.setPermission(file, new FsPermission((short) 0640));
    }
    assertThat(
            PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("a/b/m.json"))))
        .isEqualTo("rw-r-----");
    assertThat(dir.resolve("a/b/.m.json.crc")).doesNotExist();
  }
}
