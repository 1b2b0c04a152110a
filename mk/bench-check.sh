#!/bin/sh
# Usage: bench-check.sh GOCAP MODULE:RUNS...
# For each module: warm the build cache, then RUNS times each (median shown):
#   gocap check (all legs)
#   go test -race ./...                                   (the reference)
#   GORACE=atexit_sleep_ms=100 go test -race ./...        (the race leg's setting)
# with the test result cache cleared before every timed run.
set -eu
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
shift
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
printf '%-24s %4s %11s %13s %6s %19s %6s\n' module runs "gocap check" "go test -race" ratio "same, exit sleep 100" ratio
for arg in "$@"; do
	mod=$(cd "${arg%:*}" && pwd)
	runs=${arg##*:}
	name=$(cd "$mod" && go list -m)
	(cd "$mod" && go build ./... && go test -race -count=1 -run '^$' ./... >/dev/null 2>&1 || true)
	(cd "$mod" && "$bin" check --format json --out "$tmp/warm.json" >/dev/null 2>&1 || true)
	: >"$tmp/g"
	: >"$tmp/r"
	: >"$tmp/s"
	i=0
	while [ "$i" -lt "$runs" ]; do
		timed "$tmp/g" sh -c "cd '$mod' && '$bin' check --format json --out '$tmp/r.json'"
		timed "$tmp/r" sh -c "cd '$mod' && go test -race ./..."
		timed "$tmp/s" sh -c "cd '$mod' && GORACE=atexit_sleep_ms=100 go test -race ./..."
		i=$((i + 1))
	done
	g=$(median <"$tmp/g")
	r=$(median <"$tmp/r")
	s=$(median <"$tmp/s")
	printf '%-24s %4d %10.2fs %12.2fs %5.2fx %18.2fs %5.2fx\n' "$name" "$runs" "$g" "$r" "$(awk "BEGIN{print $g / $r}")" "$s" "$(awk "BEGIN{print $g / $s}")"
done
