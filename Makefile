# switchsim - hand-written Makefile (see docs/DEVELOPMENT.md).
# `make check` is what CI runs; `make run` starts the simulator on the default profile.

VERSION  := 0.1.0
REVISION := $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)
PREFIX   ?= /usr/local
DESTDIR  ?=
BUILD    ?= build
OPT      ?= -O2 -g
PKG_CONFIG ?= pkg-config
DATADIR  := $(PREFIX)/share/switchsim

PKGS := libmicrohttpd yaml-0.1 libdeflate
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
        tidy install uninstall clean e2e config-check bench bench-tools layers tsan docker-test
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

$(BUILD)/switchsim: $(BUILD)/app/main.o $(BUILD)/libswitchsim.a
	$(QUIET_LD)$(CC) $(OPT) $(LDFLAGS) -o $@ $^ $(PKG_LIBS) $(LDLIBS)

$(BUILD)/test_%: tests/test_%.c tests/testutil.h tests/stack.h $(BUILD)/libswitchsim.a
	$(QUIET_CC)$(CC) $(XCFLAGS) -Wno-missing-prototypes -DTEST_DATA_DIR='"$(CURDIR)/tests"' \
	  -DPROFILES_DIR='"$(CURDIR)/profiles"' $(CMOCKA_CFLAGS) -o $@ $< $(BUILD)/libswitchsim.a \
	  $(LDFLAGS) $(CMOCKA_LIBS) $(PKG_LIBS) $(LDLIBS)

# ---- the two README commands -------------------------------------------------------------
run:
	@scripts/deps.sh build
	@$(MAKE) --no-print-directory all
	./$(BUILD)/switchsim --profile profiles/default.yaml $(ARGS)

check:
	@scripts/deps.sh test
	@$(MAKE) --no-print-directory format-check layers tidy config-check test e2e asan tsan valgrind \
	  docker-test
	@echo "make check: all suites passed"

deps:
	@scripts/deps.sh build
deps-test:
	@scripts/deps.sh test

# ---- tests -------------------------------------------------------------------------------
# unit: every cmocka binary; integration: the real binary against promtool and
# prometheus_client. RUNNER wraps each unit binary (valgrind uses it).
unit: $(TESTS)
	@tests/run_unit.sh $(RUNNER) -- $(TESTS)

integration: $(BUILD)/switchsim
	@/usr/bin/python3 tests/integration/test_binary.py --binary $(BUILD)/switchsim $(INTEGRATION_ARGS)

test: unit integration

asan:
	@$(MAKE) --no-print-directory BUILD=build/asan OPT='-O1 -g $(SAN_FLAGS)' \
	  LDFLAGS='$(SAN_FLAGS)' test \
	  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1

valgrind:
	@$(MAKE) --no-print-directory BUILD=build/vg OPT='-O0 -g' RUNNER='$(VALGRIND)' \
	  INTEGRATION_ARGS='--valgrind' test

e2e: $(BUILD)/switchsim
	@/usr/bin/python3 tests/e2e/test_prometheus.py --binary $(BUILD)/switchsim

config-check:
	@tests/config_check.sh

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
	  LDFLAGS='$(TSAN_FLAGS)' unit \
	  TSAN_OPTIONS='halt_on_error=1:second_deadlock_stack=1'

# ---- benchmarks (not part of check; see docs/PERFORMANCE.md) ---------------------------------
BENCH_TOOLS = $(BUILD)/bench_render $(BUILD)/bench_ceiling $(BUILD)/bench_codec
$(BUILD)/bench_render: bench/render_bench.c $(BUILD)/libswitchsim.a
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

# ---- style -------------------------------------------------------------------------------
FORMAT_FILES = $(wildcard src/*/*.c src/*/*.h tests/*.c tests/*.h bench/*.c)
format:
	clang-format -i $(FORMAT_FILES)
format-check:
	@clang-format --dry-run -Werror $(FORMAT_FILES) && echo "format-check: OK"
tidy:
	clang-tidy --quiet $(SRCS) -- $(DEFS) -Isrc $(PKG_CFLAGS)

# ---- install -----------------------------------------------------------------------------
install: $(BUILD)/switchsim
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(DATADIR)/profiles
	install -m 0755 $(BUILD)/switchsim $(DESTDIR)$(PREFIX)/bin/switchsim
	install -m 0644 profiles/*.yaml $(DESTDIR)$(DATADIR)/profiles/
uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/switchsim
	rm -rf $(DESTDIR)$(DATADIR)

clean:
	rm -rf build

-include $(wildcard $(BUILD)/*/*.d)
