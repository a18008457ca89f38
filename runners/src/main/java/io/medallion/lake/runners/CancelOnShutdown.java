package io.medallion.lake.runners;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.JobID;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.JobListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Cancels the embedded Flink cluster's job when the launcher's JVM is asked to stop (Ctrl-C,
 * SIGTERM), before the JVM exits. Flink instantiates it from the configuration the launcher writes
 * for a streaming job ({@code execution.job-listeners}, {@link FlinkDefaults}) and hands it the
 * job's {@link JobClient} on submission: Beam's FlinkRunner, attached, returns its {@code
 * PipelineResult} only once the job has ended (and that result's {@code cancel()} does nothing), so
 * the JobClient is the one handle on a running job.
 *
 * <p>A cancel does not drain: records read but not yet in a file are dropped with the job, and stay
 * after the position of the last completed checkpoint, which is kept ({@code
 * RETAIN_ON_CANCELLATION}); a new launch resumes from it and reads them again.
 */
public final class CancelOnShutdown implements JobListener {
  /** How long the JVM waits for the job to be cancelled before it exits anyway. */
  static final Duration WAIT = Duration.ofSeconds(15);

  /**
   * How long the JVM, once the job is cancelled, waits for the launcher's main thread to report how
   * the command ended ({@link #commandEnded}) before it exits anyway.
   */
  static final Duration LAST_WORDS = Duration.ofSeconds(5);

  private static final Logger LOG = LoggerFactory.getLogger(CancelOnShutdown.class);
  private static final AtomicBoolean STOPPING = new AtomicBoolean();
  private static volatile CountDownLatch commandRunning = new CountDownLatch(0);

  private final Map<JobID, Thread> hooks = new ConcurrentHashMap<>();

  /** Flink's way to make a listener from its configuration: a public no-argument constructor. */
  public CancelOnShutdown() {}

  @Override
  public void onJobSubmitted(JobClient client, Throwable failure) {
    if (client == null) {
      return;
    }
    commandStarted();
    Thread hook = new Thread(() -> cancel(client), "lake-cancel-" + client.getJobID());
    hooks.put(client.getJobID(), hook);
    Runtime.getRuntime().addShutdownHook(hook);
  }

  @Override
  public void onJobExecuted(JobExecutionResult result, Throwable failure) {
    // The job ended (finished, failed, or cancelled by the hook): nothing is left to cancel.
    for (Thread hook : hooks.values()) {
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException shuttingDown) {
        // The JVM is stopping: the hook runs, or has run.
      }
    }
    hooks.clear();
  }

  /**
   * Whether the JVM is stopping and has cancelled the job: the job's end is then the stop asked
   * for, not a failure.
   */
  static boolean stopping() {
    return STOPPING.get();
  }

  /**
   * Called by the launcher once a command has ended and said so (its last line written): the JVM,
   * stopping, may now exit. Without it the shutdown hook's return halts the JVM while the main
   * thread may still be unwinding the cancelled job, and the command's last line ({@code lake
   * bronze: stopped}) is lost.
   */
  static void commandEnded() {
    commandRunning.countDown();
  }

  /** A command's job was submitted: a stopping JVM waits for {@link #commandEnded} from now on. */
  static void commandStarted() {
    commandRunning = new CountDownLatch(1);
  }

  /** Waits at most {@code wait} for {@link #commandEnded}; returns whether it came. */
  static boolean awaitCommandEnd(Duration wait) throws InterruptedException {
    return commandRunning.await(wait.toMillis(), TimeUnit.MILLISECONDS);
  }

  private static void cancel(JobClient client) {
    STOPPING.set(true);
    LOG.info("stopping: cancelling Flink job {}", client.getJobID());
    try {
      client.cancel().get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
      client
          .getJobExecutionResult()
          .handle((r, e) -> null)
          .get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
      LOG.info(
          "stopped: job {} cancelled; a checkpoint in its state folder is kept for the next launch",
          client.getJobID());
      if (!awaitCommandEnd(LAST_WORDS)) {
        LOG.warn("the launcher did not end within {} of the job's cancel; exiting", LAST_WORDS);
      }
    } catch (TimeoutException e) {
      LOG.warn("job {} was not cancelled within {}; exiting anyway", client.getJobID(), WAIT);
    } catch (ExecutionException e) {
      LOG.warn("cancelling job {}: {}", client.getJobID(), e.getCause().getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Whether this process ignores SIGINT, as one started in the background by a non-interactive
   * shell does (POSIX), a disposition a JVM keeps: Ctrl-C and {@code kill -INT} then cannot stop
   * it. Read from {@code /proc/self/status} (Linux); false where there is none.
   */
  static boolean interruptIgnored() {
    return interruptIgnored(Path.of("/proc/self/status"));
  }

  static boolean interruptIgnored(Path status) {
    List<String> lines;
    try {
      lines = Files.readAllLines(status);
    } catch (IOException e) {
      return false;
    }
    for (String line : lines) {
      if (line.startsWith("SigIgn:")) {
        long ignored = Long.parseUnsignedLong(line.substring("SigIgn:".length()).strip(), 16);
        // SIGINT is signal 2: bit 1 of the mask.
        return (ignored & (1L << 1)) != 0;
      }
    }
    return false;
  }
}
