# omslog — see README.md. `make` builds, `make check` runs every test,
# `make check-asan` runs them again under AddressSanitizer + UBSan.
CC      ?= gcc
PREFIX  ?= /usr/local
DESTDIR ?=
BUILD   ?= build
PKGS     = ncursesw libcurl jansson zlib
TESTPKGS = cmocka

# ncursesw's pkg-config adds -D_XOPEN_SOURCE=600, which would clash with ours.
PKG_CFLAGS := $(filter-out -D%,$(shell pkg-config --cflags $(PKGS) 2>/dev/null))
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
TEST_LIBS  := $(shell pkg-config --libs $(TESTPKGS) 2>/dev/null)

# -Werror is on in make check and CI (WERROR=-Werror), not in a user's plain
# make: a newer compiler's new warning must not stop someone building omslog.
WERROR  ?=
WARN     = -Wall -Wextra $(WERROR) -Wshadow -Wstrict-prototypes -Wformat=2
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
FLAGS_ID = $(BUILD)/.flags

.PHONY: all check check-run check-unit check-asan demo install uninstall clean deps bench fuzz \
        format format-check FORCE

all: omslog

# The binary is also copied to the top level so `./omslog` works.
omslog: $(BIN)
	cp $(BIN) omslog

# Plain make and make install never install packages: they name what is
# missing with the exact apt-get line. Only the README's two commands (make
# demo, make check) install what is missing, as root, through `.ci/deps auto`.
$(DEPS_OK):
	@sh .ci/deps check
	@mkdir -p $(BUILD) && touch $@

deps:
	@sh .ci/deps install

# Objects are rebuilt when the compiler flags change (e.g. -Werror for check).
$(FLAGS_ID): FORCE
	@mkdir -p $(BUILD)
	@echo '$(CC) $(ALL_CFLAGS)' | cmp -s - $@ || echo '$(CC) $(ALL_CFLAGS)' > $@

$(BUILD)/%.o: %.c $(FLAGS_ID) | $(DEPS_OK)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

$(BUILD)/libomslog.a: $(LIB_OBJ)
	rm -f $@
	ar rcs $@ $^

$(BIN): $(MAIN_OBJ) $(BUILD)/libomslog.a
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)

$(BUILD)/tests/%: tests/%.c $(BUILD)/libomslog.a $(FLAGS_ID) | $(DEPS_OK)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(BUILD)/libomslog.a $(ALL_LDFLAGS) $(LIBS) $(TEST_LIBS)

check-unit: $(TEST_BIN)

# The whole suite: the layout check, unit tests, then the binary against the
# mock DRF server, then the browser end-to-end in tmux. Prints "N passed, N
# failed" last. The packages are checked (and installed) first, in a make of
# their own, so that pkg-config is asked again once they are there.
check:
	@sh .ci/deps auto
	@$(MAKE) --no-print-directory WERROR=-Werror check-run

check-run: format-check $(BIN) $(TEST_BIN)
	@OMSLOG_BIN=$(abspath $(BIN)) BUILD=$(BUILD) sh tests/run_all.sh $(TEST_BIN)

# Sanitized code runs slower: suites that bound reply times (OMSLOG_TEST_TIME_SCALE)
# get three times the room unless the caller sets the factor.
check-asan:
	OMSLOG_TEST_TIME_SCALE=$${OMSLOG_TEST_TIME_SCALE:-3} $(MAKE) BUILD=build/asan CC=gcc \
	  SAN_FLAGS="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer" \
	  CFLAGS="-O1 -g" check

demo:
	@sh .ci/deps auto
	@$(MAKE) --no-print-directory omslog
	@sh tests/demo.sh $(abspath omslog)

install: $(BIN)
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 755 $(BIN) $(DESTDIR)$(PREFIX)/bin/omslog
	install -m 644 doc/omslog.1 $(DESTDIR)$(PREFIX)/share/man/man1/omslog.1

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/omslog $(DESTDIR)$(PREFIX)/share/man/man1/omslog.1

clean:
	rm -rf build omslog

# The layout is .clang-format's; CI fails on drift (format-check runs in make check).
FORMAT_SRC = $(wildcard src/*.c src/*.h src/ui/*.c src/ui/*.h include/omslog/*.h tests/*.c \
                        tests/*.h tests/fuzz/*.c tests/fuzz/*.h bench/*.c)
format:
	clang-format -i $(FORMAT_SRC)

format-check:
	@clang-format --dry-run --Werror $(FORMAT_SRC) && echo "format-check: layout matches .clang-format"

-include $(LIB_OBJ:.o=.d) $(MAIN_OBJ:.o=.d)

fuzz:
	@sh tests/fuzz/run.sh

bench: $(BIN) $(BUILD)/libomslog.a
	@sh bench/run.sh $(abspath $(BIN)) $(abspath $(BUILD)/libomslog.a)

# omslog against the real DRF + PostgreSQL reference server (bench/drf): needs root and
# Debian's DRF and PostgreSQL packages, so not part of `make bench`; about 10 minutes.
.PHONY: bench-drf
bench-drf: $(BIN)
	@/usr/bin/python3 bench/drf_bench.py $(abspath $(BIN))

# The suite under valgrind memcheck: every unit test, and the command-line
# integration suites with omslog under memcheck (see tests/valgrind.sh).
.PHONY: check-valgrind
check-valgrind:
	@sh .ci/deps auto
	@$(MAKE) --no-print-directory WERROR=-Werror check-valgrind-run

.PHONY: check-valgrind-run
check-valgrind-run: $(BIN) $(TEST_BIN)
	@BUILD=$(BUILD) sh tests/valgrind.sh $(TEST_BIN)
