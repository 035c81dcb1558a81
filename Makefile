# omslog — see README.md. `make` builds, `make check` runs every test,
# `make check-asan` runs them again under AddressSanitizer + UBSan.
CC      ?= gcc
PREFIX  ?= /usr/local
DESTDIR ?=
BUILD   ?= build
PKGS     = ncursesw libcurl jansson
TESTPKGS = cmocka

# ncursesw's pkg-config adds -D_XOPEN_SOURCE=600, which would clash with ours.
PKG_CFLAGS := $(filter-out -D%,$(shell pkg-config --cflags $(PKGS) 2>/dev/null))
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
TEST_LIBS  := $(shell pkg-config --libs $(TESTPKGS) 2>/dev/null)

WARN     = -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wformat=2
CFLAGS  ?= -O2 -g
ALL_CFLAGS = -std=c11 $(WARN) -D_XOPEN_SOURCE=700 -D_DEFAULT_SOURCE -Iinclude \
             $(PKG_CFLAGS) $(SAN_FLAGS) $(CFLAGS) -MMD -MP
ALL_LDFLAGS = $(SAN_FLAGS) $(LDFLAGS)
LIBS     = $(PKG_LIBS) -lpthread -lm

LIB_SRC  = $(filter-out src/main.c,$(wildcard src/*.c src/ui/*.c))
LIB_OBJ  = $(LIB_SRC:%.c=$(BUILD)/%.o)
MAIN_OBJ = $(BUILD)/src/main.o
TEST_SRC = $(wildcard tests/test_*.c)
TEST_BIN = $(TEST_SRC:tests/%.c=$(BUILD)/tests/%)
BIN      = $(BUILD)/omslog
DEPS_OK  = $(BUILD)/.deps-ok

.PHONY: all check check-unit check-asan demo install uninstall clean deps bench fuzz

all: omslog

# The binary is also copied to the top level so `./omslog` works.
omslog: $(BIN)
	cp $(BIN) omslog

$(DEPS_OK):
	@sh .ci/deps check
	@mkdir -p $(BUILD) && touch $@

deps:
	@sh .ci/deps install

$(BUILD)/%.o: %.c | $(DEPS_OK)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

$(BUILD)/libomslog.a: $(LIB_OBJ)
	rm -f $@
	ar rcs $@ $^

$(BIN): $(MAIN_OBJ) $(BUILD)/libomslog.a
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)

$(BUILD)/tests/%: tests/%.c $(BUILD)/libomslog.a | $(DEPS_OK)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(BUILD)/libomslog.a $(ALL_LDFLAGS) $(LIBS) $(TEST_LIBS)

check-unit: $(TEST_BIN)

# The whole suite: unit tests, then the binary against the mock DRF server,
# then the browser end-to-end in tmux. Prints "N passed, N failed" last.
check: $(BIN) $(TEST_BIN)
	@OMSLOG_BIN=$(abspath $(BIN)) BUILD=$(BUILD) sh tests/run_all.sh $(TEST_BIN)

# Sanitized code runs slower: suites that bound reply times (OMSLOG_TEST_TIME_SCALE)
# get three times the room unless the caller sets the factor.
check-asan:
	OMSLOG_TEST_TIME_SCALE=$${OMSLOG_TEST_TIME_SCALE:-3} $(MAKE) BUILD=build/asan CC=gcc \
	  SAN_FLAGS="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer" \
	  CFLAGS="-O1 -g" check

demo: $(BIN)
	@sh tests/demo.sh $(abspath $(BIN))

install: $(BIN)
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 755 $(BIN) $(DESTDIR)$(PREFIX)/bin/omslog
	install -m 644 doc/omslog.1 $(DESTDIR)$(PREFIX)/share/man/man1/omslog.1

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/omslog $(DESTDIR)$(PREFIX)/share/man/man1/omslog.1

clean:
	rm -rf build omslog

-include $(LIB_OBJ:.o=.d) $(MAIN_OBJ:.o=.d)

fuzz:
	@sh tests/fuzz/run.sh

bench: $(BIN) $(BUILD)/libomslog.a
	@sh bench/run.sh $(abspath $(BIN)) $(abspath $(BUILD)/libomslog.a)

# The suite under valgrind memcheck: every unit test, and the command-line
# integration suites with omslog under memcheck (see tests/valgrind.sh).
.PHONY: check-valgrind
check-valgrind: $(BIN) $(TEST_BIN)
	@BUILD=$(BUILD) sh tests/valgrind.sh $(TEST_BIN)
