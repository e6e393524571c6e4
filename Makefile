# switchsim - hand-written Makefile (see docs/DEVELOPMENT.md).
# `make check` is what CI runs; `make run` starts the simulator on the default profile
# (`make run PROFILE=my-lab.yaml`, or any --profile in ARGS, replaces it).

VERSION  := 0.1.0
REVISION := $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)
PREFIX   ?= /usr/local
DESTDIR  ?=
BUILD    ?= build
OPT      ?= -O2 -g
PKG_CONFIG ?= pkg-config
# Install locations (README, "Build and install"). DATADIR is compiled into the binary:
# $(BUILD)/.defines records it, and a change rebuilds what uses it, so `make install PREFIX=P`
# always installs a binary that looks in P.
BINDIR   := $(PREFIX)/bin
DATADIR  := $(PREFIX)/share/switchsim
MANDIR   ?= $(PREFIX)/share/man
SYSCONFDIR ?= /etc
SYSTEMDUNITDIR ?= $(PREFIX)/lib/systemd/system
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions

PKGS := libmicrohttpd yaml-0.1 libdeflate libcrypt gnutls libcurl snappy
WARN := -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
        -Wold-style-definition -Wwrite-strings -Wformat=2 -Wpointer-arith -Wvla -Wundef \
        -Wimplicit-fallthrough -Wnull-dereference -Wdouble-promotion -Wfloat-conversion
ifneq ($(WERROR),0)
WARN += -Werror
endif
# Evaluated lazily so `make deps` can run before pkg-config knows the libraries.
PKG_CFLAGS = $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null) -lpthread -lm
CMOCKA_CFLAGS = $(shell $(PKG_CONFIG) --cflags cmocka 2>/dev/null)
CMOCKA_LIBS   = $(shell $(PKG_CONFIG) --libs cmocka 2>/dev/null)
DEFS := -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE \
        -DSWITCHSIM_VERSION='"$(VERSION)"' -DSWITCHSIM_REVISION='"$(REVISION)"' \
        -DSWITCHSIM_DEFAULT_PROFILE='"$(DATADIR)/profiles/default.yaml"'
# Ours first, the caller's CFLAGS last so they win.
XCFLAGS = $(DEFS) -Isrc $(WARN) $(OPT) $(PKG_CFLAGS) $(CFLAGS)

QUIET_CC = @printf '  CC    %s\n' $@;
QUIET_LD = @printf '  LD    %s\n' $@;
ifeq ($(V),1)
QUIET_CC =
QUIET_LD =
endif

# Sources live in one folder per layer (docs/ARCHITECTURE.md; `make layers` checks the order).
SRCS    := $(wildcard src/*/*.c)
LIBOBJS := $(patsubst src/%.c,$(BUILD)/%.o,$(filter-out src/app/main.c,$(SRCS)))
TESTS   := $(patsubst tests/%.c,$(BUILD)/%,$(wildcard tests/test_*.c))
VALGRIND ?= valgrind -q --error-exitcode=99 --leak-check=full --show-leak-kinds=definite,indirect \
            --errors-for-leak-kinds=definite,indirect --track-origins=yes
SAN_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer

.PHONY: all run deps deps-test check test unit integration asan valgrind format format-check \
        tidy install uninstall clean e2e config-check bench bench-tools layers tsan \
        install-check man grafana-check kubernetes-check dashboard-previews docker-test fuzz \
        fuzz-replay soak FORCE
.DEFAULT_GOAL := all

all: $(BUILD)/switchsim

$(BUILD):
	@mkdir -p $@

$(BUILD)/%.o: src/%.c | $(BUILD)
	@mkdir -p $(dir $@)
	$(QUIET_CC)$(CC) $(XCFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/libswitchsim.a: $(LIBOBJS)
	@rm -f $@
	$(AR) rcs $@ $^

# The stamp changes (and so rebuilds main.o, the one user of these -D values) only when one
# differs from the last build's: a new PREFIX, version or commit.
STAMP = $(DATADIR) $(VERSION) $(REVISION)
$(BUILD)/.defines: FORCE | $(BUILD)
	@echo '$(STAMP)' | cmp -s - $@ || echo '$(STAMP)' >$@
$(BUILD)/app/main.o: $(BUILD)/.defines

$(BUILD)/switchsim: $(BUILD)/app/main.o $(BUILD)/libswitchsim.a
	$(QUIET_LD)$(CC) $(OPT) $(LDFLAGS) -o $@ $^ $(PKG_LIBS) $(LDLIBS)

$(BUILD)/test_%: tests/test_%.c tests/testutil.h tests/stack.h $(BUILD)/libswitchsim.a
	$(QUIET_CC)$(CC) $(XCFLAGS) -Wno-missing-prototypes -DTEST_DATA_DIR='"$(CURDIR)/tests"' \
	  -DPROFILES_DIR='"$(CURDIR)/profiles"' $(CMOCKA_CFLAGS) -o $@ $< $(BUILD)/libswitchsim.a \
	  $(LDFLAGS) $(CMOCKA_LIBS) $(PKG_LIBS) $(LDLIBS)

# The remote-write unit test decodes with protobuf-c code that protoc-c generates from
# tests/proto/prompb.proto (compiled without our warning set: it is generated code).
PROTOC_C ?= protoc-c
$(BUILD)/gen/prompb.pb-c.c: tests/proto/prompb.proto | $(BUILD)
	@mkdir -p $(dir $@)
	$(PROTOC_C) --c_out=$(BUILD)/gen -Itests/proto $<
$(BUILD)/gen/prompb.pb-c.h: $(BUILD)/gen/prompb.pb-c.c
$(BUILD)/gen/prompb.pb-c.o: $(BUILD)/gen/prompb.pb-c.c
	$(QUIET_CC)$(CC) $(DEFS) $(OPT) $(CFLAGS) $(shell $(PKG_CONFIG) --cflags libprotobuf-c) -c -o $@ $<
$(BUILD)/test_remote_write: tests/test_remote_write.c tests/testutil.h tests/stack.h \
  $(BUILD)/gen/prompb.pb-c.o $(BUILD)/libswitchsim.a
	$(QUIET_CC)$(CC) $(XCFLAGS) -Wno-missing-prototypes -I$(BUILD)/gen -DTEST_DATA_DIR='"$(CURDIR)/tests"' \
	  -DPROFILES_DIR='"$(CURDIR)/profiles"' $(CMOCKA_CFLAGS) -o $@ $< $(BUILD)/gen/prompb.pb-c.o \
	  $(BUILD)/libswitchsim.a $(LDFLAGS) $(CMOCKA_LIBS) $(PKG_LIBS) \
	  $(shell $(PKG_CONFIG) --libs libprotobuf-c) $(LDLIBS)

# ---- the two README commands -------------------------------------------------------------
# PROFILE is used only when ARGS names no --profile of its own (a second one would be merged
# into the fleet). BUILD may be relative (./build/switchsim) or absolute.
PROFILE ?= profiles/default.yaml
RUN_BINARY = $(if $(filter /%,$(BUILD)),,./)$(BUILD)/switchsim
RUN_PROFILE = $(if $(findstring --profile,$(ARGS)),,--profile $(PROFILE))
run:
	@scripts/deps.sh build
	@$(MAKE) --no-print-directory all
	$(RUN_BINARY) $(RUN_PROFILE) $(ARGS)

CHECK_SUITES := format-check layers tidy config-check install-check grafana-check \
                kubernetes-check test e2e asan tsan valgrind fuzz-replay docker-test
check:
	@scripts/deps.sh test
	@for t in $(CHECK_SUITES); do s=$$(date +%s); \
	  $(MAKE) --no-print-directory $$t || { echo "make check: $$t failed"; exit 1; }; \
	  echo "make check: $$t took $$(( $$(date +%s) - s )) s"; done
	@echo "make check: all suites passed"

deps:
	@scripts/deps.sh build
deps-test:
	@scripts/deps.sh test

# ---- tests -------------------------------------------------------------------------------
# unit: every cmocka binary; integration: the real binary against promtool and
# prometheus_client. RUNNER wraps each unit binary (valgrind uses it). Under the sanitizers
# and valgrind SWITCHSIM_SHORT_TESTS=1 makes the simulated-week tests run an hour instead.
# UNIT_SKIP: test binaries (names) a run leaves out. valgrind leaves out test_network and
# test_sim, statistics over simulated hours to weeks that take minutes each under it; the
# plain and ASan/UBSan runs check them, and test_faults, test_exporter, test_render,
# test_shard and test_backfill run the same simulation code under valgrind.
UNIT_RUN = $(filter-out $(patsubst %,$(BUILD)/%,$(UNIT_SKIP)),$(TESTS))
# Binaries build two at a time (the CI machine's two cores); tests then run one at a time.
unit:
	@$(MAKE) --no-print-directory -j2 $(UNIT_RUN)
	@tests/run_unit.sh $(RUNNER) -- $(UNIT_RUN)

integration: $(BUILD)/switchsim
	@/usr/bin/python3 tests/integration/test_binary.py --binary $(BUILD)/switchsim $(INTEGRATION_ARGS)

test:
	@$(MAKE) --no-print-directory -j2 $(UNIT_RUN) $(BUILD)/switchsim
	@$(MAKE) --no-print-directory unit
	@$(MAKE) --no-print-directory integration

# The ASan run leaves out the two integration tests that spend their time in bulk rendering
# of the 64,000-port fleet (the plain run checks them; ASan sees the same code on small fleets).
ASAN_SKIP := slow_readers_hold_bounded_memory,w2_fleet_response_passes_promtool
asan:
	@$(MAKE) --no-print-directory BUILD=build/asan OPT='-O1 -g $(SAN_FLAGS)' \
	  LDFLAGS='$(SAN_FLAGS)' INTEGRATION_ARGS='--skip $(ASAN_SKIP)' test SWITCHSIM_SHORT_TESTS=1 \
	  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1

# -O1: memcheck's manual allows it ("usually OK"); -O0 doubled the run.
valgrind:
	@$(MAKE) --no-print-directory BUILD=build/vg OPT='-O1 -g' RUNNER='$(VALGRIND)' \
	  INTEGRATION_ARGS='--valgrind' SWITCHSIM_SHORT_TESTS=1 SWITCHSIM_VALGRIND=1 \
	  UNIT_SKIP='test_network test_sim' test

e2e: $(BUILD)/switchsim
	@/usr/bin/python3 tests/e2e/test_prometheus.py --binary $(BUILD)/switchsim
	@/usr/bin/python3 tests/e2e/test_fleet.py --binary $(BUILD)/switchsim
	@/usr/bin/python3 tests/e2e/test_tls.py --binary $(BUILD)/switchsim
	@/usr/bin/python3 tests/e2e/test_shards.py --binary $(BUILD)/switchsim
	@/usr/bin/python3 tests/e2e/test_remote_write.py --binary $(BUILD)/switchsim
	@/usr/bin/python3 tests/e2e/test_backfill.py --binary $(BUILD)/switchsim
	@/usr/bin/python3 tests/e2e/test_faults.py --binary $(BUILD)/switchsim
	@/usr/bin/python3 tests/e2e/test_demo.py --binary $(BUILD)/switchsim

config-check:
	@tests/config_check.sh

# make run/install/uninstall, the man page, the systemd unit and bash completion.
install-check:
	@tests/install_check.sh

# The dashboards checked by Grafana's own libraries (tests/grafana/; npm install cached per lockfile).
grafana-check:
	@tests/grafana/run.sh

# deploy/kubernetes against the pinned Kubernetes and Prometheus Operator schemas (tests/kubernetes/).
kubernetes-check:
	@tests/kubernetes/run.sh

# PNGs of the time-series panels for the docs, drawn by @grafana/ui in headless Chromium from a
# real Prometheus (docs/img/dashboards/; not part of check; about 3 minutes).
dashboard-previews: $(BUILD)/switchsim
	@scripts/deps.sh previews
	@/usr/bin/python3 tests/grafana/previews.py

# Builds and runs the Dockerfile and the compose stack with its own dockerd (tests/docker/).
docker-test:
	@scripts/deps.sh test
	@/usr/bin/python3 tests/docker/docker_test.py

# Include order between layers, and each external library used from its one module.
layers:
	@/usr/bin/python3 scripts/check_layers.py

# The unit and HTTP tests under ThreadSanitizer (the exporter, ticker and HTTP pool share state).
TSAN_FLAGS := -fsanitize=thread -fno-omit-frame-pointer
tsan:
	@$(MAKE) --no-print-directory BUILD=build/tsan OPT='-O1 -g $(TSAN_FLAGS)' \
	  LDFLAGS='$(TSAN_FLAGS)' unit SWITCHSIM_SHORT_TESTS=1 \
	  TSAN_OPTIONS='halt_on_error=1:second_deadlock_stack=1'

# ---- benchmarks (not part of check; see docs/PERFORMANCE.md) ---------------------------------
BENCH_TOOLS = $(BUILD)/bench_render $(BUILD)/bench_ceiling $(BUILD)/bench_codec $(BUILD)/bench_sim
$(BUILD)/bench_render: bench/render_bench.c $(BUILD)/libswitchsim.a
	$(QUIET_CC)$(CC) $(XCFLAGS) -o $@ $< $(BUILD)/libswitchsim.a $(LDFLAGS) $(PKG_LIBS) $(LDLIBS)
$(BUILD)/bench_sim: bench/sim_bench.c $(BUILD)/libswitchsim.a
	$(QUIET_CC)$(CC) $(XCFLAGS) -o $@ $< $(BUILD)/libswitchsim.a $(LDFLAGS) $(PKG_LIBS) $(LDLIBS)
$(BUILD)/bench_ceiling: bench/ceiling.c | $(BUILD)
	$(QUIET_CC)$(CC) $(XCFLAGS) -o $@ $< $(LDFLAGS) $(PKG_LIBS) $(LDLIBS)
$(BUILD)/bench_codec: bench/codec_bench.c | $(BUILD)
	$(QUIET_CC)$(CC) $(XCFLAGS) -o $@ $< $(LDFLAGS) -ldeflate -lz $(LDLIBS)
bench-tools: $(BUILD)/switchsim $(BENCH_TOOLS)

bench:
	@scripts/deps.sh bench
	@$(MAKE) --no-print-directory bench-tools
	@/usr/bin/python3 bench/bench.py --build $(BUILD) --write-docs docs/PERFORMANCE.md
	@/usr/bin/python3 bench/backfill_bench.py --binary $(BUILD)/switchsim --doc docs/PERFORMANCE.md
	@/usr/bin/python3 bench/shard_bench.py --binary $(BUILD)/switchsim
	@/usr/bin/python3 bench/remote_write_bench.py --binary $(BUILD)/switchsim

# ---- style -------------------------------------------------------------------------------
FORMAT_FILES = $(wildcard src/*/*.c src/*/*.h tests/*.c tests/*.h tests/fuzz/*.c bench/*.c)
format:
	clang-format -i $(FORMAT_FILES)
format-check:
	@clang-format --dry-run -Werror $(FORMAT_FILES) && echo "format-check: OK"
# One file per clang-tidy, two at once (the CI machine's two cores); xargs exits non-zero
# when any file does.
tidy:
	@printf '%s\n' $(SRCS) | xargs -P2 -I{} clang-tidy --quiet {} -- $(DEFS) -Isrc $(PKG_CFLAGS) \
	  && echo "tidy: OK"

# ---- install -----------------------------------------------------------------------------
# The man page is help2man's rendering of `switchsim --help` (so flags are written once, in
# src/app/cli.c), plus deploy/man/switchsim.h2m.in; help2man is a build package (deps.sh).
SUBST = sed -e 's|@BINDIR@|$(BINDIR)|g' -e 's|@DATADIR@|$(DATADIR)|g' \
        -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g'
$(BUILD)/switchsim.h2m: deploy/man/switchsim.h2m.in $(BUILD)/.defines
	$(SUBST) $< >$@
# help2man bolds "--web" of "--web.listen-address"; the sed puts the whole flag in bold.
$(BUILD)/switchsim.1: $(BUILD)/switchsim $(BUILD)/switchsim.h2m
	@command -v help2man >/dev/null || { echo "help2man is missing: scripts/deps.sh build" >&2; exit 1; }
	help2man --no-info --section=1 --version-string='$(VERSION)' \
	  --name='simulated network-switch telemetry for Prometheus' \
	  --include=$(BUILD)/switchsim.h2m --output=$@.tmp $(abspath $(BUILD)/switchsim)
	sed -E 's/\\fB((\\-|[a-z0-9])+)\\fR(\.[a-z0-9\\-]+)/\\fB\1\3\\fR/g' $@.tmp >$@ && rm -f $@.tmp
$(BUILD)/switchsim.service: deploy/systemd/switchsim.service.in $(BUILD)/.defines
	$(SUBST) $< >$@
man: $(BUILD)/switchsim.1

# Installs only these files, and uninstall removes only these (plus the directories if that
# leaves them empty): a user's own profiles next to ours survive. The /etc/default file is
# configuration: install keeps an existing one, uninstall keeps one the admin changed.
INSTALLED_PROFILES = $(notdir $(wildcard profiles/*.yaml))
install: $(BUILD)/switchsim $(BUILD)/switchsim.1 $(BUILD)/switchsim.service
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(DATADIR)/profiles $(DESTDIR)$(MANDIR)/man1 \
	  $(DESTDIR)$(SYSTEMDUNITDIR) $(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(SYSCONFDIR)/default
	install -m 0755 $(BUILD)/switchsim $(DESTDIR)$(BINDIR)/switchsim
	install -m 0644 $(addprefix profiles/,$(INSTALLED_PROFILES)) $(DESTDIR)$(DATADIR)/profiles/
	install -m 0644 $(BUILD)/switchsim.1 $(DESTDIR)$(MANDIR)/man1/switchsim.1
	install -m 0644 $(BUILD)/switchsim.service $(DESTDIR)$(SYSTEMDUNITDIR)/switchsim.service
	install -m 0644 deploy/completion/switchsim $(DESTDIR)$(BASHCOMPDIR)/switchsim
	@if [ -e $(DESTDIR)$(SYSCONFDIR)/default/switchsim ]; then \
	  echo "keeping $(DESTDIR)$(SYSCONFDIR)/default/switchsim"; \
	else \
	  echo "install -m 0644 deploy/default/switchsim $(DESTDIR)$(SYSCONFDIR)/default/switchsim"; \
	  install -m 0644 deploy/default/switchsim $(DESTDIR)$(SYSCONFDIR)/default/switchsim; \
	fi
uninstall:
	rm -f $(DESTDIR)$(BINDIR)/switchsim $(DESTDIR)$(MANDIR)/man1/switchsim.1 \
	  $(DESTDIR)$(SYSTEMDUNITDIR)/switchsim.service $(DESTDIR)$(BASHCOMPDIR)/switchsim \
	  $(addprefix $(DESTDIR)$(DATADIR)/profiles/,$(INSTALLED_PROFILES))
	@if cmp -s deploy/default/switchsim $(DESTDIR)$(SYSCONFDIR)/default/switchsim; then \
	  echo "rm -f $(DESTDIR)$(SYSCONFDIR)/default/switchsim"; \
	  rm -f $(DESTDIR)$(SYSCONFDIR)/default/switchsim; \
	elif [ -e $(DESTDIR)$(SYSCONFDIR)/default/switchsim ]; then \
	  echo "keeping $(DESTDIR)$(SYSCONFDIR)/default/switchsim (changed since install)"; \
	fi
	-@rmdir $(DESTDIR)$(DATADIR)/profiles $(DESTDIR)$(DATADIR) 2>/dev/null || true

clean:
	rm -rf build

-include $(wildcard $(BUILD)/*/*.d)

# ---- fuzzing (docs/FUZZING.md) -------------------------------------------------------------
# libFuzzer targets built by Debian's clang with ASan+UBSan; `make fuzz` mutates each for
# FUZZ_SECONDS, `make fuzz-replay` runs each once over its committed corpus (tests/fuzz/corpus/).
FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 60
FUZZ_BUILD   := build/fuzz
FUZZ_FLAGS   := -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_TARGETS := $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_SRCS    := $(filter-out src/app/main.c,$(SRCS))
# The sources are compiled once with the fuzzer's instrumentation (fuzzer-no-link) and
# linked into every target.
FUZZ_OBJS    := $(patsubst src/%.c,$(FUZZ_BUILD)/obj/%.o,$(FUZZ_SRCS))
$(FUZZ_BUILD)/obj/%.o: src/%.c
	@mkdir -p $(dir $@)
	$(QUIET_CC)$(FUZZ_CC) $(DEFS) -Isrc -O1 -g $(subst fuzzer,fuzzer-no-link,$(FUZZ_FLAGS)) \
	  $(PKG_CFLAGS) -MMD -MP -c -o $@ $<
-include $(wildcard $(FUZZ_BUILD)/obj/*/*.d)
.SECONDARY: $(FUZZ_OBJS)
$(FUZZ_BUILD)/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_OBJS)
	@mkdir -p $(dir $@)
	$(QUIET_CC)$(FUZZ_CC) $(DEFS) -Isrc -O1 -g $(FUZZ_FLAGS) $(PKG_CFLAGS) -o $@ $< $(FUZZ_OBJS) \
	  $(PKG_LIBS)
fuzz-replay:
	@$(MAKE) --no-print-directory -j2 $(patsubst %,$(FUZZ_BUILD)/fuzz_%,$(FUZZ_TARGETS))
	@for t in $(FUZZ_TARGETS); do \
	  $(FUZZ_BUILD)/fuzz_$$t -runs=0 tests/fuzz/corpus/$$t >$(FUZZ_BUILD)/$$t.replay.log 2>&1 \
	    || { cat $(FUZZ_BUILD)/$$t.replay.log; exit 1; }; echo "fuzz-replay: $$t OK"; done
fuzz: $(patsubst %,$(FUZZ_BUILD)/fuzz_%,$(FUZZ_TARGETS))
	@mkdir -p $(FUZZ_BUILD)/crashes $(FUZZ_BUILD)/work
	@for t in $(FUZZ_TARGETS); do mkdir -p $(FUZZ_BUILD)/work/$$t; \
	  $(FUZZ_BUILD)/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) -dict=tests/fuzz/$$t.dict \
	    -artifact_prefix=$(FUZZ_BUILD)/crashes/$$t- $(FUZZ_BUILD)/work/$$t tests/fuzz/corpus/$$t \
	    || { echo "fuzz: $$t crashed; input in $(FUZZ_BUILD)/crashes/"; exit 1; }; done
	@echo "fuzz: no crashes; crash directory $(FUZZ_BUILD)/crashes/"

# The real binary under a bounded mixed load for SOAK_SECONDS (docs/SOAK.md; not in make check).
SOAK_SECONDS ?= 600
soak: all
	SOAK_SECONDS=$(SOAK_SECONDS) /usr/bin/python3 tests/soak/soak.py $(RUN_BINARY) bench/profiles/w2.yaml
