# One-line wrappers around module-scoped Maven commands and the bundled launcher.
# `make demo` runs the lake end to end locally; `make test` runs every test (what CI runs).

LAKE ?= ./lake
JAVA ?= java
# The JVM's default collector (G1). -XX:+UseParallelGC made silver and gold 4-10% faster here with
# about half the peak RSS, but the erasure (lake forget) twice as slow at 10M (src/docs/benchmark.md,
# "The garbage collector"); for promotions: make gold JAVA_OPTS="-Xmx4g -XX:+UseParallelGC".
JAVA_OPTS ?= -Xmx4g
MVN ?= mvn -B
JAR := runners/target/lake.jar
SOURCES := $(shell find pom.xml transforms pipelines runners -path '*/target' -prune -o -type f \( -name '*.java' -o -name 'pom.xml' -o -name '*.sql' -o -name '*.properties' \) -print)
JSA := runners/target/lake.jsa
# Class-data sharing (src/scripts/cds-archive.sh, made by `make build`): the launcher's classes
# mapped ready-parsed, a few seconds off every run's start. A JVM whose jar is not the one the
# archive was made from ignores it.
CDS = $(if $(wildcard $(JSA)),-XX:SharedArchiveFile=$(JSA) -Xlog:cds=off)
LAKE_CMD = $(JAVA) $(JAVA_OPTS) $(CDS) -jar $(JAR)
# The benchmark is a module of its own (src/bench), never in the jar: its classes run after the jar
# on the class path, and it starts the lake's runs from the jar alone, with the archive above.
BENCH_CLASSES := src/bench/target/classes
BENCH_SOURCES := $(shell find src/bench -path src/bench/spark -prune -o -path '*/target' -prune -o -type f \( -name '*.java' -o -name 'pom.xml' \) -print)
BENCH_MAIN := $(BENCH_CLASSES)/io/medallion/lake/bench/Bench.class
BENCH_CMD = $(JAVA) $(JAVA_OPTS) $(CDS) -cp $(JAR):$(BENCH_CLASSES) io.medallion.lake.bench.Bench

# Local AWS emulators (make start / make stop) and the S3 lake on them. kinesalite keeps up with a
# sustained stream (kinesis-local slows down as its stream fills: src/docs/streaming.md); it speaks
# JSON only, hence CBOR off for the JVMs that talk to it (harmless with kinesis-local).
KINESIS_EMULATOR ?= kinesalite
LOCAL_KINESIS := --kinesisEndpoint=http://127.0.0.1:4568
LOCAL_KINESIS_CMD = $(JAVA) $(JAVA_OPTS) $(CDS) -Daws.cborEnabled=false -jar $(JAR)
# The bronze job on embedded Flink: the DirectRunner reads a stream 10 records per bundle (~80/s here).
BRONZE_RUNNER ?= FlinkRunner
# Where make bronze keeps its checkpoints (an S3 lake cannot hold them), next to the emulators'
# state: a restart resumes from the newest; local-aws.sh removes them with the stream they belong to.
BRONZE_STATE := $(CURDIR)/.lake-local/run/bronze
S3_LAKE := --lake=s3://lake/lake --s3Endpoint=http://127.0.0.1:9000
# The S3 lake's Iceberg catalog: a SQLite file on this machine (the emulators' state folder).
S3_CATALOG := --catalogUri=jdbc:sqlite:$(CURDIR)/.lake-local/catalog/iceberg.db
RATE ?= 1000
SECONDS ?= 60
N ?= 1000000
TABLE ?= gold_events
export SQL

.PHONY: demo test build produce silver gold pending uber query history tables maintain bench bench-smoke sizing spark-peer format clean-lake help \
	start stop status stream stream-soak bronze silver-s3 gold-s3 flink-up flink-down flink-status

help:
	@echo "make demo            produce events, promote to silver and gold on the DirectRunner (LAKE=$(LAKE))"
	@echo "make test            every test: unit, end-to-end, integration (mvn verify)"
	@echo "make build           the bundled launcher $(JAR) and its class-data archive $(JSA)"
	@echo "make silver HOUR=2026-01-01T03 | make gold DATE=2026-01-01   promote one partition"
	@echo "make uber            promote the CSVs in LAKE/landing/uber_movements/"
	@echo "make query SQL='select event_type, count(*) from gold_events group by 1'"
	@echo "make history TABLE=gold_events | make maintain   snapshots of a table; expire, compact, remove orphans"
	@echo "make tables          the lake's tables, the typed ones (gold_evt_<event name>) included"
	@echo "make pending         promote what needs it: silver --pending, then gold --pending (the scheduled jobs)"
	@echo "make bench [N=1000000]   silver and gold on DirectRunner, Flink, the lean reference and Spark local[2] (src/bench)"
	@echo "make bench-smoke     the bench on 2,000 events: checks that it works"
	@echo "make bench ARGS=--bronze   also the streaming bronze writer without Kinesis (BenchBronze)"
	@echo "make sizing [RESULTS=bench-results/<t>.json]   regenerate src/docs/sizing.md's table"
	@echo "make start | stop    local Kinesis and S3 emulators on 127.0.0.1"
	@echo "make stream RATE=1000 SECONDS=60 | make bronze | make silver-s3 HOUR=... | make gold-s3 DATE=..."
	@echo "make stream-soak RATE=1000 SECONDS=600   producer + bronze on fresh emulators: records put vs in bronze, lag"
	@echo "make flink-up | flink-down   a local Flink 1.19 session cluster (JobManager + TaskManager)"
	@echo "make format          apply google-java-format"

$(JAR): $(SOURCES)
	$(MVN) -q -pl runners -am package -DskipTests

$(JSA): $(JAR)
	src/scripts/cds-archive.sh $(JAR) $(JSA)

build: $(JAR) $(JSA)

demo: $(JAR)
	$(LAKE_CMD) demo --lake=$(LAKE) $(ARGS)

test:
	$(MVN) verify

produce: $(JAR)
	$(LAKE_CMD) produce --lake=$(LAKE) $(ARGS)

silver: $(JAR)
	$(LAKE_CMD) silver --lake=$(LAKE) --hour=$(HOUR) $(ARGS)

gold: $(JAR)
	$(LAKE_CMD) gold --lake=$(LAKE) --date=$(DATE) $(ARGS)

uber: $(JAR)
	$(LAKE_CMD) uber-movements --lake=$(LAKE) $(ARGS)

query: $(JAR)
	$(LAKE_CMD) query --lake=$(LAKE) --sql="$$SQL" $(if $(FORMAT),--format=$(FORMAT)) $(ARGS)

history: $(JAR)
	$(LAKE_CMD) history $(TABLE) --lake=$(LAKE) $(ARGS)

tables: $(JAR)
	$(LAKE_CMD) tables --lake=$(LAKE) $(ARGS)

maintain: $(JAR)
	$(LAKE_CMD) maintain --lake=$(LAKE) $(ARGS)

pending: $(JAR)
	$(LAKE_CMD) silver --pending --lake=$(LAKE) $(ARGS)
	$(LAKE_CMD) gold --pending --lake=$(LAKE) $(ARGS)

# Compiled, not packaged: packaging it would shade lake.jar anew, which voids the archive.
$(BENCH_MAIN): $(SOURCES) $(BENCH_SOURCES)
	$(MVN) -q -pl src/bench -am compile && touch $@

bench: $(JAR) $(JSA) $(BENCH_MAIN)
	$(BENCH_CMD) --events=$(N) $(ARGS)

bench-smoke: $(JAR) $(BENCH_MAIN)
	$(BENCH_CMD) --smoke $(ARGS)

# The sizing table of src/docs/sizing.md from a bench report (the newest by default; measure with
# make bench N=10000000 ARGS="--bronze --forget=100 --implementations=direct,flink").
RESULTS ?= $(lastword $(sort $(wildcard bench-results/*.json)))
sizing: $(BENCH_MAIN)
	$(JAVA) -cp $(JAR):$(BENCH_CLASSES) io.medallion.lake.bench.Sizing $(RESULTS) flink --doc=src/docs/sizing.md

# The Spark peer of the bench (src/bench/spark), built on first use; bench does this itself.
spark-peer:
	src/scripts/spark-peer.sh resolve

start:
	KINESIS_EMULATOR=$(KINESIS_EMULATOR) src/scripts/local-aws.sh start

stop:
	src/scripts/local-aws.sh stop

status:
	src/scripts/local-aws.sh status

stream: $(JAR)
	$(LOCAL_KINESIS_CMD) stream --rate=$(RATE) --seconds=$(SECONDS) $(LOCAL_KINESIS) $(ARGS)

bronze: $(JAR)
	$(LOCAL_KINESIS_CMD) bronze --runner=$(BRONZE_RUNNER) --stateDir=$(BRONZE_STATE) --bufferInterval=PT60S $(S3_LAKE) $(LOCAL_KINESIS) $(ARGS)

stream-soak: $(JAR)
	JAR=$(JAR) src/scripts/stream-soak.sh $(RATE) $(SECONDS)

silver-s3: $(JAR)
	$(LAKE_CMD) silver --hour=$(HOUR) $(S3_LAKE) $(S3_CATALOG) $(ARGS)

gold-s3: $(JAR)
	$(LAKE_CMD) gold --date=$(DATE) $(S3_LAKE) $(S3_CATALOG) $(ARGS)

flink-up:
	src/scripts/flink-cluster.sh up

flink-down:
	src/scripts/flink-cluster.sh down

flink-status:
	src/scripts/flink-cluster.sh status

format:
	$(MVN) -q spotless:apply

clean-lake:
	rm -rf $(LAKE)
