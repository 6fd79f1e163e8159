#!/bin/sh
# Every test suite, as `make check` runs it after building build/ (normal)
# and build-asan/ (AddressSanitizer + UndefinedBehaviorSanitizer):
# unit tests, fuzz targets for a few seconds each, and the bats suites
# (which drive the real programs with real clients) against both builds.
# A sanitizer report from any process fails the run.  Ends with the line
# "check: N passed, N failed, N skipped".
set -u
cd "$(dirname "$0")/.."
passed=0 failed=0 skipped=0
failures=""

count_unit() { # BUILD
	for t in "$1"/t/test_*; do
		if out=$("$t" 2>&1); then :; else failures="$failures $t"; fi
		line=$(printf '%s\n' "$out" | tail -n 1)
		printf '%s\n' "$out" | grep -v ' passed, ' | sed 's/^/  /'
		echo "$1: $line"
		p=$(echo "$line" | sed -n 's/.*: \([0-9]*\) passed, \([0-9]*\) failed.*/\1/p')
		f=$(echo "$line" | sed -n 's/.*: \([0-9]*\) passed, \([0-9]*\) failed.*/\2/p')
		[ -n "$p" ] || { p=0; f=1; }
		passed=$((passed + p))
		failed=$((failed + f))
	done
}

count_bats() { # BUILD
	tap=$(mktemp)
	ASIMAP_BIN=$PWD/$1 bats --tap t/*.bats >"$tap" 2>&1
	sed 's/^/  /' "$tap"
	p=$(grep -c '^ok .*' "$tap" | tr -d ' ')
	s=$(grep -c '^ok .* # skip' "$tap" | tr -d ' ')
	f=$(grep -c '^not ok' "$tap" | tr -d ' ')
	[ -n "$(grep '^1\.\.' "$tap")" ] || f=$((f + 1))
	passed=$((passed + p - s))
	skipped=$((skipped + s))
	failed=$((failed + f))
	[ "$f" = 0 ] || failures="$failures bats($1)"
	echo "bats ($1): $((p - s)) passed, $f failed, $s skipped"
	rm -f "$tap"
}

echo "== unit tests"
count_unit build
count_unit build-asan

echo "== fuzz targets"
if make -s fuzz FUZZ_SECONDS="${FUZZ_SECONDS:-5}"; then
	passed=$((passed + $(ls t/fuzz/fuzz_*.c | wc -l)))
else
	failed=$((failed + 1))
	failures="$failures fuzz"
fi

echo "== bats suites (build)"
count_bats build

echo "== bats suites (build-asan)"
sanlog=$(mktemp -d /tmp/asimap-san.XXXXXX)
chmod 1777 "$sanlog"
ASAN_OPTIONS="log_path=$sanlog/asan:detect_leaks=1" \
UBSAN_OPTIONS="log_path=$sanlog/ubsan:print_stacktrace=1:halt_on_error=1" \
	count_bats build-asan
if [ -n "$(ls -A "$sanlog")" ]; then
	echo "sanitizer reports:"
	cat "$sanlog"/* | head -100 | sed 's/^/  /'
	failed=$((failed + 1))
	failures="$failures sanitizers"
fi
rm -rf "$sanlog"

[ -z "$failures" ] || echo "failing:$failures"
echo "check: $passed passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ]
