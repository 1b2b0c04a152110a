#!/bin/sh
# Usage: bench-check.sh GOCAP MODULE:RUNS...
# For each module: warm the build cache, then RUNS times each (median shown),
# with the test result cache cleared before every timed run:
#   gocap check                  (all legs, default settings: bench time 20ms)
#   go test -race ./...          (the race run alone)
#   go test -race ./... ; go test -run '^$' -bench . -benchmem -benchtime 20ms ./...
#                                (the sequential pair: tests, then benchmarks)
# Goals: gocap check <= 1.1x the sequential pair, <= 1.5x the race run alone.
# The machine's load average is printed first: the timings mean little on a
# busy machine.
set -eu
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
shift
benchtime=${BENCH_TIME:-20ms} # gocap's default (checks.DefaultBenchTime)
now() { date +%s.%N; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
timed() { # file cmd...: append the wall time of cmd, run after clearing the test cache
	out=$1
	shift
	go clean -testcache
	s=$(now)
	"$@" >/dev/null 2>&1 || true
	e=$(now)
	awk "BEGIN{print $e - $s}" >>"$out"
}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) ($(nproc) cores)"
printf '%-28s %4s %11s %13s %6s %15s %6s\n' module runs "gocap check" "go test -race" ratio "race then bench" ratio
for arg in "$@"; do
	mod=$(cd "${arg%:*}" && pwd)
	runs=${arg##*:}
	name=$(cd "$mod" && go list -m)
	(cd "$mod" && go build ./... && go test -race -count=1 -run '^$' ./... >/dev/null 2>&1 || true)
	(cd "$mod" && go test -count=1 -run '^$' -bench . -benchtime 1x ./... >/dev/null 2>&1 || true)
	(cd "$mod" && "$bin" check --format json --out "$tmp/warm.json" >/dev/null 2>&1 || true)
	: >"$tmp/g"
	: >"$tmp/r"
	: >"$tmp/p"
	i=0
	while [ "$i" -lt "$runs" ]; do
		timed "$tmp/g" sh -c "cd '$mod' && '$bin' check --format json --out '$tmp/r.json'"
		timed "$tmp/r" sh -c "cd '$mod' && go test -race ./..."
		timed "$tmp/p" sh -c "cd '$mod' && { go test -race ./... ; go test -run '^\$' -bench . -benchmem -benchtime $benchtime ./... ; }"
		i=$((i + 1))
	done
	g=$(median <"$tmp/g")
	r=$(median <"$tmp/r")
	p=$(median <"$tmp/p")
	printf '%-28s %4d %10.2fs %12.2fs %5.2fx %14.2fs %5.2fx\n' "$name" "$runs" "$g" "$r" "$(awk "BEGIN{print $g / $r}")" "$p" "$(awk "BEGIN{print $g / $p}")"
done
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
