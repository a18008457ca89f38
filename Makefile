# One-line wrappers around module-scoped Maven commands and the bundled launcher.
# `make demo` runs the lake end to end locally; `make test` runs every test (what CI runs).

LAKE ?= ./lake
JAVA ?= java
JAVA_OPTS ?= -Xmx4g
MVN ?= mvn -B
JAR := runners/target/lake.jar
SOURCES := $(shell find pom.xml transforms pipelines runners -path '*/target' -prune -o -type f \( -name '*.java' -o -name 'pom.xml' -o -name '*.sql' -o -name '*.properties' \) -print)
LAKE_CMD := $(JAVA) $(JAVA_OPTS) -jar $(JAR)

.PHONY: demo test build produce silver gold format clean-lake help

help:
	@echo "make demo            produce events, promote to silver and gold on the DirectRunner (LAKE=$(LAKE))"
	@echo "make test            every test: unit, end-to-end, integration (mvn verify)"
	@echo "make build           the bundled launcher $(JAR)"
	@echo "make silver HOUR=2026-01-01T03 | make gold DATE=2026-01-01   promote one partition"
	@echo "make format          apply google-java-format"

$(JAR): $(SOURCES)
	$(MVN) -q -pl runners -am package -DskipTests

build: $(JAR)

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

format:
	$(MVN) -q spotless:apply

clean-lake:
	rm -rf $(LAKE)
