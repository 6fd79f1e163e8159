# asimap: build, test and run.  See README.md.
PREFIX ?= /usr/local
DESTDIR ?=
BUILD ?= build
CC ?= cc
PKG_CONFIG ?= pkg-config
PKGS = libssl libcrypto libsodium libargon2 libcrypt

WARN = -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
       -Wformat=2 -Wno-format-nonliteral -Wvla -Wpointer-arith -Wcast-qual
CPPFLAGS += -D_GNU_SOURCE -Ilib
CFLAGS ?= -O2 -g
CFLAGS += -std=c11 -pthread $(WARN) -fno-strict-aliasing $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
LDLIBS += $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null) -pthread

ifeq ($(SAN),1)
CFLAGS += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDFLAGS += -fsanitize=address,undefined
endif

PROGRAMS = asimap-accept asimap-user asimapd_set_password
LIB_SRC := $(wildcard lib/*.c)
LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/%.o)
UNIT_SRC := $(wildcard t/unit/test_*.c)
UNIT_BIN := $(UNIT_SRC:t/unit/%.c=$(BUILD)/t/%)

.PHONY: all deps check check-fast run install clean format fuzz
all: $(PROGRAMS:%=$(BUILD)/%) $(UNIT_BIN)

$(BUILD)/%.o: %.c $(wildcard lib/*.h cmd/*/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(BUILD)/libasimap.a: $(LIB_OBJ)
	rm -f $@; ar rcs $@ $^

.SECONDARY:
.SECONDEXPANSION:
$(BUILD)/%: $$(addprefix $(BUILD)/,$$(subst .c,.o,$$(wildcard cmd/$$*/*.c))) $(BUILD)/libasimap.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(UNIT_BIN): $(BUILD)/t/%: $(BUILD)/t/unit/%.o $(BUILD)/libasimap.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

deps:
	@sh mk/deps.sh

# The whole suite: unit tests, fuzzers (briefly), bats suites and real
# clients, first on the normal build, then on the ASan+UBSan build.
check: deps
	$(MAKE) all
	$(MAKE) all BUILD=build-asan SAN=1
	sh t/run-all.sh

run: deps all
	sh mk/run.sh

install: all
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 0755 $(PROGRAMS:%=$(BUILD)/%) $(DESTDIR)$(PREFIX)/bin/
	install -m 0755 service/asimapd $(DESTDIR)$(PREFIX)/bin/asimapd
	install -d $(DESTDIR)$(PREFIX)/share/asimap
	install -m 0644 VERSION $(DESTDIR)$(PREFIX)/share/asimap/VERSION

format:
	clang-format -i lib/*.[ch] cmd/*/*.[ch] t/unit/*.[ch] t/fuzz/*.c

clean:
	rm -rf build build-asan build-fuzz

# libFuzzer targets, built with clang; `make fuzz FUZZ_SECONDS=N` runs each.
FUZZ_SECONDS ?= 10
FUZZ_SRC := $(wildcard t/fuzz/fuzz_*.c)
FUZZ_BIN := $(FUZZ_SRC:t/fuzz/%.c=build-fuzz/%)
build-fuzz/%: t/fuzz/%.c $(LIB_SRC) $(wildcard lib/*.h)
	@mkdir -p build-fuzz
	clang -g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE -Ilib -o $@ $< $(LIB_SRC) $(LDLIBS)
fuzz: $(FUZZ_BIN)
	@for f in $(FUZZ_BIN); do \
		name=$${f#build-fuzz/fuzz_}; work=$$(mktemp -d); \
		echo "fuzz: $$name for $(FUZZ_SECONDS) s"; \
		$$f -max_total_time=$(FUZZ_SECONDS) -rss_limit_mb=1024 $$work t/fuzz/corpus/$$name \
			>$$work.log 2>&1 || { tail -40 $$work.log; rm -rf $$work $$work.log; exit 1; }; \
		rm -rf $$work $$work.log; \
	done

# Benchmarks (bench/README.md): hash costs next to Python's, logins per
# second over TLS, and a quick run of the mail benchmark next to Dovecot
# (2000 messages).  Writes bench/results.md.
BENCH_SRC := $(wildcard bench/*.c)
BENCH_BIN := $(BENCH_SRC:bench/%.c=$(BUILD)/bench/%)
$(BENCH_BIN): $(BUILD)/bench/%: $(BUILD)/bench/%.o $(BUILD)/libasimap.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)
.PHONY: bench
bench: all $(BENCH_BIN)
	BUILD=$(BUILD) sh bench/run.sh

# The mail benchmark next to Dovecot (bench/README.md) on BENCH_MAIL_N
# messages (default 100000; BENCH_MAIL_SECONDS, BENCH_MAIL_RUNS, ...).
# Writes bench/results-mail.md at the default size.  Run as root.
.PHONY: bench-mail
bench-mail: all
	BUILD=$(BUILD) sh bench/mail.sh
