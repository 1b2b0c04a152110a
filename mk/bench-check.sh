#!/bin/sh
# Usage: bench-check.sh GOCAP MODULE:RUNS...
# For each module: warm the build cache, then RUNS times each (median shown):
#   gocap check (all legs)   vs   go test -race ./...
# with the test result cache cleared before every timed run.
set -eu
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
shift
now() { date +%s.%N; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf '%-28s %5s %12s %14s %7s\n' module runs "gocap check" "go test -race" ratio
for arg in "$@"; do
	mod=${arg%:*}
	runs=${arg##*:}
	name=$(cd "$mod" && go list -m)
	(cd "$mod" && go build ./... && go test -race -count=1 -run '^$' ./... >/dev/null 2>&1 || true)
	(cd "$mod" && "$bin" check --format json --out "$tmp/warm.json" >/dev/null 2>&1 || true)
	: >"$tmp/g"; : >"$tmp/r"
	i=0
	while [ "$i" -lt "$runs" ]; do
		go clean -testcache
		s=$(now); (cd "$mod" && "$bin" check --format json --out "$tmp/r.json" >/dev/null 2>&1 || true); e=$(now)
		awk "BEGIN{print $e - $s}" >>"$tmp/g"
		go clean -testcache
		s=$(now); (cd "$mod" && go test -race ./... >/dev/null 2>&1 || true); e=$(now)
		awk "BEGIN{print $e - $s}" >>"$tmp/r"
		i=$((i + 1))
	done
	g=$(median <"$tmp/g"); r=$(median <"$tmp/r")
	printf '%-28s %5d %11.2fs %13.2fs %6.2fx\n' "$name" "$runs" "$g" "$r" "$(awk "BEGIN{print $g / $r}")"
done
