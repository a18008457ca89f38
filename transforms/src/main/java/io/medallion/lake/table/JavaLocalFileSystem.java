package io.medallion.lake.table;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.attribute.PosixFilePermission;
import java.util.EnumSet;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.apache.hadoop.fs.permission.FsAction;
import org.apache.hadoop.fs.permission.FsPermission;

/**
 * Hadoop's raw local file system (no {@code .crc} beside each file), setting a file's permissions
 * with {@code java.nio} instead of the {@code chmod} process Hadoop starts for every file and
 * folder it creates when its native library is not loaded (it is not, here): a local table's commit
 * writes two or three metadata files, and a process each cost more than the commit.
 */
public final class JavaLocalFileSystem extends RawLocalFileSystem {
  /**
   * The Hadoop configuration the lake's local files are read and written with: this file system for
   * {@code file:} paths, and none of Hadoop's default resources, which every {@code new
   * Configuration()} parses from XML again (about as long as writing a small Parquet file).
   */
  public static Configuration configuration() {
    Configuration conf = new Configuration(false);
    conf.set("fs.file.impl", JavaLocalFileSystem.class.getName());
    conf.setBoolean("fs.file.impl.disable.cache", true);
    return conf;
  }

  @Override
  public void setPermission(Path p, FsPermission permission) throws IOException {
    Set<PosixFilePermission> posix = EnumSet.noneOf(PosixFilePermission.class);
    add(
        posix,
        permission.getUserAction(),
        PosixFilePermission.OWNER_READ,
        PosixFilePermission.OWNER_WRITE,
        PosixFilePermission.OWNER_EXECUTE);
    add(
        posix,
        permission.getGroupAction(),
        PosixFilePermission.GROUP_READ,
        PosixFilePermission.GROUP_WRITE,
        PosixFilePermission.GROUP_EXECUTE);
    add(
        posix,
        permission.getOtherAction(),
        PosixFilePermission.OTHERS_READ,
        PosixFilePermission.OTHERS_WRITE,
        PosixFilePermission.OTHERS_EXECUTE);
    Files.setPosixFilePermissions(pathToFile(p).toPath(), posix);
  }

  private static void add(
      Set<PosixFilePermission> posix,
      FsAction action,
      PosixFilePermission read,
      PosixFilePermission write,
      PosixFilePermission execute) {
    if (action.implies(FsAction.READ)) {
      posix.add(read);
    }
    if (action.implies(FsAction.WRITE)) {
      posix.add(write);
    }
    if (action.implies(FsAction.EXECUTE)) {
      posix.add(execute);
    }
  }
}
