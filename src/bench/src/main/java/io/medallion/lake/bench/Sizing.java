package io.medallion.lake.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * The sizing table of {@code src/docs/sizing.md}: Kinesis shards, Managed Flink KPUs, EMR instances
 * and wall times, files, S3 and Glue, and the monthly cost, for 1,000, 1 million and 1 billion
 * events an hour, computed from per-core rates the bench measured and from a price table ({@code
 * aws-prices.json}, each price with its page and date). A figure that is not known (a rate not
 * measured, a price not found) is a placeholder such as {@code {{silver_events_per_core_s}}}, and
 * every figure derived from it shows which placeholders it needs instead of a number: filling them
 * and running this again fixes the table.
 *
 * <pre>{@code
 * java -cp runners/target/lake.jar:src/bench/target/classes io.medallion.lake.bench.Sizing \
 *     bench-results/20261206T140000Z.json [flink] > /tmp/table.md
 * java ... io.medallion.lake.bench.Sizing --silver=82935 --gold=39352 --bronze=... --erasure=...
 * }</pre>
 *
 * <p>A per-core rate is a run's events/s divided by the machine's cores: start-up included and both
 * cores assumed busy, so it errs low. The table assumes throughput grows linearly with cores, which
 * the 2-core bench cannot show: a cluster-scale measurement replaces that assumption.
 */
public final class Sizing {
  private Sizing() {}

  /** Events an hour of the three columns: the seed's 1,000/h, 1M/h and its 1000× question. */
  static final long[] VOLUMES = {1_000, 1_000_000, 1_000_000_000};

  /** The hour's busiest minute over its mean rate: an assumption, named in the doc. */
  static final double PEAK_FACTOR = 2.0;

  /** Silver runs at :15 for the hour before (Pulumi's silverSchedule): finish in 15 minutes. */
  static final double SILVER_TARGET_S = 900;

  /** Gold runs at 07:00 and maintenance at 10:00 (Pulumi's schedules): finish in an hour. */
  static final double GOLD_TARGET_S = 3600;

  /** The EMR instance type of the table: 8 vCPU, 16 GiB, the bench's 2 GB of heap per core. */
  static final String INSTANCE = "c5.2xlarge";

  static final int INSTANCE_VCPU = 8;

  /** WriteBronzeFiles' defaults ({@code lake bronze}): a file a minute or 100,000 records. */
  static final double BRONZE_INTERVAL_S = 60;

  static final double BRONZE_MAX_RECORDS = 100_000;

  /** The Parquet file size a partition's files should reach (the usual Iceberg target). */
  static final double TARGET_FILE_BYTES = 512e6;

  static final double HOURS_A_MONTH = 730;

  static final double KIB = 1024;

  /** Provisioned shard write limits: 1 MiB/s and 1,000 records/s (Kinesis CreateStream API). */
  static final double SHARD_BYTES_S = 1_048_576;

  static final double SHARD_RECORDS_S = 1000;

  /**
   * A number, or the placeholders it still needs. Arithmetic on a missing value stays missing and
   * collects the names, so a derived figure says exactly what would fix it.
   */
  record Q(double value, TreeSet<String> missing) {
    static Q of(double value) {
      return new Q(value, new TreeSet<>());
    }

    static Q missing(String name) {
      TreeSet<String> names = new TreeSet<>();
      names.add(name);
      return new Q(Double.NaN, names);
    }

    boolean known() {
      return missing.isEmpty();
    }

    private Q combine(Q other, double value) {
      TreeSet<String> names = new TreeSet<>(missing);
      names.addAll(other.missing);
      return new Q(names.isEmpty() ? value : Double.NaN, names);
    }

    Q times(Q o) {
      return combine(o, value * o.value);
    }

    Q times(double d) {
      return times(of(d));
    }

    Q div(Q o) {
      return combine(o, value / o.value);
    }

    Q div(double d) {
      return div(of(d));
    }

    Q plus(Q o) {
      return combine(o, value + o.value);
    }

    Q max(Q o) {
      return combine(o, Math.max(value, o.value));
    }

    /**
     * The next whole number; a value within floating point's error of a whole one is that one:
     * 1.0599 × 10⁹ records / 100,000 a file is 10,599.000000000002 in binary, and 10,599 files.
     */
    Q ceil() {
      double whole = Math.rint(value);
      boolean isWhole = Math.abs(value - whole) <= 1e-9 * Math.max(1, Math.abs(value));
      return new Q(isWhole ? whole : Math.ceil(value), missing);
    }

    /** A count: whole, at least {@code floor}. */
    Q atLeast(double floor) {
      return new Q(Math.max(floor, value), missing);
    }

    String fmt(String pattern) {
      if (!known()) {
        return "needs " + String.join(", ", missing.stream().map(n -> "`{{" + n + "}}`").toList());
      }
      return String.format(Locale.ROOT, pattern, value);
    }
  }

  /** One price of the table, with where it came from; {@code usd} null when not found. */
  record Price(
      String key, Double usd, String unit, String source, String url, String date, String note) {
    Q q() {
      return usd == null ? Q.missing("price:" + key) : Q.of(usd);
    }
  }

  /**
   * What the bench measured: per-core events/s of each stage (null: not measured) and the sizes of
   * a record in each layer.
   */
  record Measured(
      Double bronzePerCore,
      Double silverPerCore,
      Double goldPerCore,
      Double erasurePerCore,
      Double recordsPerEvent,
      Double silverRowsPerEvent,
      Double bronzeBytesPerRecord,
      Double silverBytesPerRow,
      Double goldBytesPerRow,
      String source) {}

  /**
   * Prints the table, or with {@code --doc=<file>} writes it into that file between its markers.
   * The measured figures come from a bench report ({@code <report.json> [implementation]}) or are
   * given one by one ({@code --silver=82935 --gold=39352 --bronzeBytes=…}); what is not given stays
   * a placeholder.
   */
  public static void main(String[] args) throws IOException {
    Map<String, Price> prices = prices(Sizing.class.getResourceAsStream("aws-prices.json"));
    Path doc = null;
    List<String> rest = new ArrayList<>();
    for (String a : args) {
      if (a.startsWith("--doc=")) {
        doc = Paths.get(a.substring("--doc=".length()));
      } else {
        rest.add(a);
      }
    }
    args = rest.toArray(String[]::new);
    Measured measured;
    if (args.length > 0 && !args[0].startsWith("--")) {
      measured =
          fromBench(
              new ObjectMapper().readTree(Paths.get(args[0]).toFile()),
              args.length > 1 ? args[1] : "flink",
              args[0]);
    } else {
      Map<String, Double> given = new LinkedHashMap<>();
      for (String a : args) {
        String[] kv = a.substring(2).split("=", 2);
        given.put(kv[0], Double.valueOf(kv[1]));
      }
      measured =
          new Measured(
              given.get("bronze"),
              given.get("silver"),
              given.get("gold"),
              given.get("erasure"),
              given.get("recordsPerEvent"),
              given.get("silverRowsPerEvent"),
              given.get("bronzeBytes"),
              given.get("silverBytes"),
              given.get("goldBytes"),
              String.join(" ", args));
    }
    String table = markdown(measured, prices);
    if (doc == null) {
      System.out.print(table);
    } else {
      fill(doc, table);
    }
  }

  /**
   * A month of a transient EMR cluster: its core nodes and one primary, {@code wallSeconds} a run,
   * {@code runsAMonth} runs, at {@code instancePrice} (EC2 and EMR) an instance-hour.
   */
  private static Q transientClusterUsd(
      Q coreNodes, Q wallSeconds, double runsAMonth, Q instancePrice) {
    return coreNodes
        .plus(Q.of(1))
        .times(wallSeconds)
        .div(3600)
        .times(runsAMonth)
        .times(instancePrice);
  }

  /** The price table in {@code json} (the shape of {@code aws-prices.json}), by key. */
  static Map<String, Price> prices(InputStream json) {
    try (InputStream in = json) {
      JsonNode root = new ObjectMapper().readTree(in);
      Map<String, Price> prices = new LinkedHashMap<>();
      for (JsonNode p : root.path("prices")) {
        prices.put(
            p.path("key").asText(),
            new Price(
                p.path("key").asText(),
                p.path("usd").isNull() ? null : p.path("usd").asDouble(),
                p.path("unit").asText(),
                p.path("source").asText(),
                p.path("url").asText(),
                p.path("date").asText(),
                p.path("note").asText()));
      }
      return prices;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * The measured figures of one implementation in a bench report ({@code bench-results/*.json}):
   * each stage's events/s over the machine's cores, the bronze bytes a record (silver's bytes read
   * over its input records), the silver and gold bytes a row. A stage the report lacks, or that did
   * not finish, is null.
   */
  static Measured fromBench(JsonNode report, String implementation, String source) {
    int cores = report.path("machine").path("cores").asInt(1);
    Map<String, JsonNode> runs = new LinkedHashMap<>();
    for (JsonNode run : report.path("runs")) {
      if (run.path("implementation").asText().equals(implementation)
          && run.path("status").asText().equals("ok")) {
        runs.put(run.path("stage").asText(), run);
      }
    }
    Function<String, Double> perCore =
        stage ->
            runs.containsKey(stage)
                ? runs.get(stage).path("eventsPerSecond").asDouble() / cores
                : null;
    JsonNode input = report.path("input");
    double events = input.path("events").asDouble();
    JsonNode silver = runs.get("silver");
    JsonNode gold = runs.get("gold");
    return new Measured(
        perCore.apply("bronze"),
        perCore.apply("silver"),
        perCore.apply("gold"),
        perCore.apply(Bench.FORGET),
        input.path("records").asDouble() / events,
        silver == null ? null : silver.path("rowsWritten").asDouble() / events,
        silver == null
            ? null
            : silver.path("bytesRead").asDouble() / silver.path("inputRecords").asDouble(),
        silver == null
            ? null
            : silver.path("layout").path("bytes").asDouble()
                / silver.path("rowsWritten").asDouble(),
        gold == null
            ? null
            : gold.path("layout").path("bytes").asDouble() / gold.path("rowsWritten").asDouble(),
        source + " (" + implementation + ", " + cores + " cores)");
  }

  private static Q q(Double value, String placeholder) {
    return value == null ? Q.missing(placeholder) : Q.of(value);
  }

  /** One row of the table: a name, a figure for each volume, and how it is derived. */
  record Row(String name, List<String> cells, String formula) {}

  /** The sizing of one volume ({@code events} distinct events an hour), figure by figure. */
  static Map<String, Q> size(long events, Measured m, Map<String, Price> p) {
    Map<String, Q> f = new LinkedHashMap<>();
    Q perHourEvents = Q.of(events);
    Q records = perHourEvents.times(q(m.recordsPerEvent(), "records_per_event"));
    Q silverRows = perHourEvents.times(q(m.silverRowsPerEvent(), "silver_rows_per_event"));
    Q recordBytes = q(m.bronzeBytesPerRecord(), "bronze_bytes_per_record");
    Q peakRecordsS = records.div(3600).times(PEAK_FACTOR);
    f.put("records_h", records);
    f.put("peak_records_s", peakRecordsS);
    f.put("peak_mb_s", peakRecordsS.times(recordBytes).div(1e6));
    // Kinesis
    Q shardsByBytes = peakRecordsS.times(recordBytes).div(SHARD_BYTES_S).ceil().atLeast(1);
    Q shardsByRecords = peakRecordsS.div(SHARD_RECORDS_S).ceil().atLeast(1);
    f.put("shards", shardsByBytes.max(shardsByRecords));
    f.put("shards_aggregated", shardsByBytes);
    Q recordsMonth = records.times(HOURS_A_MONTH);
    f.put(
        "kinesis_provisioned_usd",
        f.get("shards")
            .times(HOURS_A_MONTH)
            .times(p.get("kinesis_shard_hour").q())
            .plus(recordsMonth.div(1e6).times(p.get("kinesis_put_payload_unit_million").q())));
    // Each record is billed as at least 1 KiB on-demand.
    Q billedKib = recordBytes.div(KIB).ceil().atLeast(1);
    Q onDemandGb = recordsMonth.times(billedKib).times(KIB).div(1 << 30);
    f.put(
        "kinesis_on_demand_usd",
        onDemandGb
            .times(p.get("kinesis_on_demand_gb_in").q().plus(p.get("kinesis_on_demand_gb_out").q()))
            .plus(p.get("kinesis_on_demand_stream_hour").q().times(HOURS_A_MONTH)));
    // Managed Flink: one vCPU a KPU, one more KPU per application for orchestration.
    Q kpus = peakRecordsS.div(q(m.bronzePerCore(), "bronze_events_per_core_s")).ceil().atLeast(1);
    f.put("kpus", kpus);
    f.put("flink_usd", kpus.plus(Q.of(1)).times(HOURS_A_MONTH).times(p.get("flink_kpu_hour").q()));
    Q writerShards = kpus;
    Q bronzeFilesH =
        writerShards.times(3600 / BRONZE_INTERVAL_S).max(records.div(BRONZE_MAX_RECORDS).ceil());
    f.put("bronze_files_h", bronzeFilesH);
    f.put("bronze_mb_per_file", records.times(recordBytes).div(bronzeFilesH).div(1e6));
    // EMR, silver: one transient cluster an hour.
    Q silverCoreS = records.div(q(m.silverPerCore(), "silver_events_per_core_s"));
    Q silverNodes = silverCoreS.div(SILVER_TARGET_S * INSTANCE_VCPU).ceil().atLeast(1);
    f.put("silver_core_s", silverCoreS);
    f.put("silver_nodes", silverNodes);
    f.put("silver_wall_s", silverCoreS.div(silverNodes.times(INSTANCE_VCPU)));
    Q silverBytesH = silverRows.times(q(m.silverBytesPerRow(), "silver_bytes_per_row"));
    Q silverFilesH = silverBytesH.div(TARGET_FILE_BYTES).ceil().atLeast(1);
    f.put("silver_files_h", silverFilesH);
    Q instancePrice = p.get("ec2_c5_2xlarge_hour").q().plus(p.get("emr_c5_2xlarge_hour").q());
    f.put(
        "silver_usd",
        transientClusterUsd(silverNodes, f.get("silver_wall_s"), HOURS_A_MONTH, instancePrice));
    // EMR, gold: one transient cluster a day over the day's silver rows.
    Q goldInputDay = silverRows.times(24);
    Q goldCoreS = goldInputDay.div(q(m.goldPerCore(), "gold_events_per_core_s"));
    Q goldNodes = goldCoreS.div(GOLD_TARGET_S * INSTANCE_VCPU).ceil().atLeast(1);
    f.put("gold_core_s", goldCoreS);
    f.put("gold_nodes", goldNodes);
    f.put("gold_wall_s", goldCoreS.div(goldNodes.times(INSTANCE_VCPU)));
    Q goldBytesDay = perHourEvents.times(24).times(q(m.goldBytesPerRow(), "gold_bytes_per_row"));
    f.put("gold_usd", transientClusterUsd(goldNodes, f.get("gold_wall_s"), 30, instancePrice));
    // The erasure pass over one day of retained bronze records, per core.
    f.put(
        "erasure_core_s_per_day",
        records.times(24).div(q(m.erasurePerCore(), "erasure_events_per_core_s")));
    // S3: a month of data in each layer, and its requests.
    Q bronzeGbMonth = records.times(recordBytes).times(HOURS_A_MONTH).div(1e9);
    Q silverGbMonth = silverBytesH.times(HOURS_A_MONTH).div(1e9);
    Q goldGbMonth = goldBytesDay.times(30).div(1e9);
    f.put("bronze_gb_month", bronzeGbMonth);
    f.put("silver_gb_month", silverGbMonth);
    f.put("gold_gb_month", goldGbMonth);
    f.put(
        "s3_storage_usd",
        bronzeGbMonth
            .plus(silverGbMonth)
            .plus(goldGbMonth)
            .times(p.get("s3_standard_gb_month").q()));
    // PUTs: every file, and three metadata objects per Iceberg commit (metadata, list, manifest).
    Q puts =
        bronzeFilesH
            .plus(silverFilesH)
            .plus(Q.of(3))
            .times(HOURS_A_MONTH)
            .plus(goldBytesDay.div(TARGET_FILE_BYTES).ceil().atLeast(1).plus(Q.of(3)).times(30));
    // GETs: silver reads each bronze file once; gold reads a footer and the data of each file.
    Q gets = bronzeFilesH.plus(silverFilesH.times(2)).times(HOURS_A_MONTH);
    f.put("s3_puts_month", puts);
    f.put("s3_gets_month", gets);
    f.put(
        "s3_requests_usd",
        puts.div(1000)
            .times(p.get("s3_put_thousand").q())
            .plus(gets.div(1000).times(p.get("s3_get_thousand").q())));
    f.put("athena_day_scan_usd", goldBytesDay.div(1e12).times(p.get("athena_tb_scanned").q()));
    f.put(
        "total_usd",
        f.get("kinesis_provisioned_usd")
            .plus(f.get("flink_usd"))
            .plus(f.get("silver_usd"))
            .plus(f.get("gold_usd"))
            .plus(f.get("s3_storage_usd"))
            .plus(f.get("s3_requests_usd")));
    return f;
  }

  /** The figures of the table: key, what it is, number format, and its formula. */
  private static final String[][] ROWS = {
    {"records_h", "bronze records an hour", "%,.0f", "events × records_per_event"},
    {"peak_records_s", "peak records/s", "%,.1f", "records_h / 3600 × peak factor " + PEAK_FACTOR},
    {"peak_mb_s", "peak MB/s into Kinesis", "%,.3f", "peak records/s × bronze_bytes_per_record"},
    {
      "shards",
      "Kinesis shards, provisioned, one record a PUT",
      "%,.0f",
      "max(⌈peak bytes/s / 1 MiB⌉, ⌈peak records/s / 1000⌉)"
    },
    {
      "shards_aggregated",
      "Kinesis shards, provisioned, KPL-aggregated records",
      "%,.0f",
      "⌈peak bytes/s / 1 MiB⌉ (aggregation lifts the 1000 records/s bound; bronze de-aggregates)"
    },
    {
      "kinesis_provisioned_usd",
      "Kinesis provisioned, $/month",
      "%,.2f",
      "shards × 730 h × shard-hour + records/month / 10⁶ × PUT payload unit"
    },
    {
      "kinesis_on_demand_usd",
      "Kinesis on-demand, $/month",
      "%,.2f",
      "records/month × ⌈record / 1 KiB⌉ KiB in GB × (in + out per GB) + 730 × stream-hour"
    },
    {
      "kpus",
      "Managed Flink KPUs for bronze (+1 billed for orchestration)",
      "%,.0f",
      "⌈peak records/s / bronze_events_per_core_s⌉ (1 KPU = 1 vCPU)"
    },
    {"flink_usd", "Managed Flink, $/month", "%,.2f", "(KPUs + 1) × 730 h × KPU-hour"},
    {
      "bronze_files_h",
      "bronze files an hour partition",
      "%,.0f",
      "max(writer shards × 3600 s / 60 s, ⌈records_h / 100,000⌉), writer shards = KPUs"
    },
    {"bronze_mb_per_file", "MB a bronze file", "%,.3f", "records_h × bytes / files"},
    {
      "silver_core_s",
      "silver core-seconds an hour",
      "%,.1f",
      "records_h / silver_events_per_core_s"
    },
    {
      "silver_nodes",
      "EMR core nodes (" + INSTANCE + ") for the hourly silver",
      "%,.0f",
      "⌈core-s / (" + (int) SILVER_TARGET_S + " s × " + INSTANCE_VCPU + " vCPU)⌉, ≥ 1"
    },
    {
      "silver_wall_s",
      "silver wall time, s (cluster start-up not included)",
      "%,.1f",
      "core-s / (nodes × " + INSTANCE_VCPU + ")"
    },
    {
      "silver_files_h",
      "silver files an hour partition",
      "%,.0f",
      "⌈rows_h × silver_bytes_per_row / 512 MB⌉ (`--filesPerPartition`, default 1)"
    },
    {
      "silver_usd",
      "EMR silver, $/month (+ start-up)",
      "%,.2f",
      "(nodes + 1 primary) × wall / 3600 × 730 × (EC2 + EMR) per hour"
    },
    {
      "gold_core_s",
      "gold core-seconds a day",
      "%,.1f",
      "24 × silver rows_h / gold_events_per_core_s"
    },
    {
      "gold_nodes",
      "EMR core nodes (" + INSTANCE + ") for the daily gold",
      "%,.0f",
      "⌈core-s / (" + (int) GOLD_TARGET_S + " s × " + INSTANCE_VCPU + " vCPU)⌉, ≥ 1"
    },
    {"gold_wall_s", "gold wall time, s (start-up not included)", "%,.1f", "core-s / (nodes × 8)"},
    {
      "gold_usd",
      "EMR gold, $/month (+ start-up)",
      "%,.2f",
      "(nodes + 1) × wall / 3600 × 30 × (EC2 + EMR) per hour"
    },
    {
      "erasure_core_s_per_day",
      "erasure core-seconds per retained day",
      "%,.1f",
      "24 × records_h / erasure_events_per_core_s (× days retained)"
    },
    {"bronze_gb_month", "bronze GB a month", "%,.3f", "records_h × bytes × 730 / 10⁹"},
    {"silver_gb_month", "silver GB a month", "%,.3f", "rows_h × silver_bytes_per_row × 730 / 10⁹"},
    {"gold_gb_month", "gold GB a month", "%,.3f", "24 × events × gold_bytes_per_row × 30 / 10⁹"},
    {
      "s3_storage_usd",
      "S3 Standard, $ per month of data kept",
      "%,.2f",
      "(bronze + silver + gold GB) × GB-month"
    },
    {
      "s3_puts_month",
      "S3 PUTs a month",
      "%,.0f",
      "730 × (bronze files + silver files + 3 per commit) + 30 × (gold files + 3)"
    },
    {
      "s3_gets_month",
      "S3 GETs a month (reads by silver and gold)",
      "%,.0f",
      "730 × (bronze files + 2 × silver files)"
    },
    {"s3_requests_usd", "S3 requests, $/month", "%,.2f", "PUTs / 1000 × PUT + GETs / 1000 × GET"},
    {
      "athena_day_scan_usd",
      "Athena, $ for one query scanning a day of gold",
      "%,.4f",
      "day of gold bytes / 10¹² × $/TB"
    },
    {
      "total_usd",
      "total $/month (provisioned Kinesis; without EMR start-up, Athena, Glue)",
      "%,.2f",
      "the $/month rows above"
    }
  };

  /** The doc's generated part: inputs, prices, the table and the Pulumi settings it implies. */
  static String markdown(Measured m, Map<String, Price> prices) {
    List<Map<String, Q>> sized = new ArrayList<>();
    for (long v : VOLUMES) {
      sized.add(size(v, m, prices));
    }
    StringBuilder md = new StringBuilder();
    md.append("<!-- generated by io.medallion.lake.bench.Sizing from ")
        .append(m.source())
        .append(" and aws-prices.json; do not edit by hand -->\n\n");
    md.append("Measured inputs (").append(m.source()).append("):\n\n");
    md.append("| input | value |\n|---|--:|\n");
    input(md, "bronze_events_per_core_s", m.bronzePerCore(), "%,.0f");
    input(md, "silver_events_per_core_s", m.silverPerCore(), "%,.0f");
    input(md, "gold_events_per_core_s", m.goldPerCore(), "%,.0f");
    input(md, "erasure_events_per_core_s", m.erasurePerCore(), "%,.0f");
    input(md, "records_per_event", m.recordsPerEvent(), "%.4f");
    input(md, "silver_rows_per_event", m.silverRowsPerEvent(), "%.4f");
    input(md, "bronze_bytes_per_record", m.bronzeBytesPerRecord(), "%,.1f");
    input(md, "silver_bytes_per_row", m.silverBytesPerRow(), "%,.1f");
    input(md, "gold_bytes_per_row", m.goldBytesPerRow(), "%,.1f");
    md.append("\nPrices (").append(REGION).append("):\n\n");
    md.append("| price | USD | unit | source | page | date |\n|---|--:|---|---|---|---|\n");
    for (Price p : prices.values()) {
      md.append(
          String.format(
              Locale.ROOT,
              "| %s | %s | %s | %s | %s | %s |%n",
              p.key(),
              p.usd() == null
                  ? "`{{price:" + p.key() + "}}` (not found)"
                  : "$" + java.math.BigDecimal.valueOf(p.usd()).toPlainString(),
              p.unit(),
              p.source(),
              p.url(),
              p.date()));
    }
    md.append("\n| figure | 1k events/h | 1M events/h | 1B events/h | derivation |\n");
    md.append("|---|--:|--:|--:|---|\n");
    for (String[] row : ROWS) {
      md.append("| ").append(row[1]);
      for (Map<String, Q> s : sized) {
        md.append(" | ").append(s.get(row[0]).fmt(row[2]));
      }
      md.append(" | ").append(row[3]).append(" |\n");
    }
    md.append("\nPulumi stack settings these figures give (`pulumi/Pulumi.<stack>.yaml`):\n\n");
    md.append("| setting | 1k events/h | 1M events/h | 1B events/h |\n|---|--:|--:|--:|\n");
    setting(md, "lake:streamMode", sized, s -> null, "provisioned");
    setting(
        md, "lake:streamShardCount (KPL-aggregated)", sized, s -> s.get("shards_aggregated"), null);
    setting(md, "lake:flinkParallelism", sized, s -> s.get("kpus"), null);
    setting(md, "lake:flinkParallelismPerKpu", sized, s -> null, "1");
    setting(md, "lake:emrCoreInstanceType", sized, s -> null, INSTANCE);
    setting(
        md,
        "lake:emrCoreInstanceCount",
        sized,
        s -> s.get("silver_nodes").max(s.get("gold_nodes")),
        null);
    setting(md, "lake:silverFilesPerPartition", sized, s -> s.get("silver_files_h"), null);
    return md.toString();
  }

  static final String REGION = "us-east-1";

  private static void input(StringBuilder md, String name, Double value, String pattern) {
    md.append("| ")
        .append(name)
        .append(" | ")
        .append(value == null ? "`{{" + name + "}}`" : String.format(Locale.ROOT, pattern, value))
        .append(" |\n");
  }

  private static void setting(
      StringBuilder md,
      String name,
      List<Map<String, Q>> sized,
      Function<Map<String, Q>, Q> figure,
      String fixed) {
    md.append("| ").append(name);
    for (Map<String, Q> s : sized) {
      md.append(" | ").append(fixed != null ? fixed : figure.apply(s).fmt("%.0f"));
    }
    md.append(" |\n");
  }

  /** Writes the generated table into {@code doc} between its two marker lines. */
  static void fill(Path doc, String table) throws IOException {
    String text = Files.readString(doc, StandardCharsets.UTF_8);
    String begin = "<!-- sizing:begin -->\n";
    String end = "<!-- sizing:end -->";
    int a = text.indexOf(begin);
    int b = text.indexOf(end);
    if (a < 0 || b < a) {
      throw new IllegalArgumentException(doc + ": no " + begin.strip() + " … " + end + " markers");
    }
    Files.writeString(
        doc,
        text.substring(0, a + begin.length()) + table + text.substring(b),
        StandardCharsets.UTF_8);
  }
}
