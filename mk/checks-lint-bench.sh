#!/bin/sh
# Usage: GOCAP=/abs/bin/gocap RUNS=10 sh mk/checks-lint-bench.sh DIR...
# Prints, per module DIR, the mean wall time of go vet ./... and of gocap's
# vet leg with its result cache (warm) and without (GOCAP_CACHE=off), and
# the ratio gocap / go vet (goal <= 1.0x).
set -eu
: "${GOCAP:?set GOCAP to the gocap binary}"
RUNS="${RUNS:-10}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT INT TERM

# mean_ms CMD... : mean wall time in ms over RUNS runs after one warm-up.
mean_ms() {
	if command -v hyperfine >/dev/null 2>&1; then
		hyperfine -N -i --style none --warmup 2 --runs "$RUNS" --export-csv "$tmp/h.csv" "$*" >/dev/null 2>&1
		awk -F, 'NR==2 { printf "%.0f", $2 * 1000 }' "$tmp/h.csv"
	else
		"$@" >/dev/null 2>&1 || true
		start=$(date +%s%N)
		i=0
		while [ "$i" -lt "$RUNS" ]; do "$@" >/dev/null 2>&1 || true; i=$((i + 1)); done
		end=$(date +%s%N)
		echo $(((end - start) / 1000000 / RUNS))
	fi
}

printf '%-26s %10s %14s %8s %16s %8s\n' module "go vet" "gocap cached" ratio "gocap uncached" ratio
for dir in "$@"; do
	(
		cd "$dir"
		govet=$(mean_ms go vet ./...)
		cached=$(mean_ms "$GOCAP" check --checks vet)
		uncached=$(mean_ms env GOCAP_CACHE=off "$GOCAP" check --checks vet)
		name=$(basename "$(pwd)")
		awk -v n="$name" -v v="$govet" -v c="$cached" -v u="$uncached" 'BEGIN {
			printf "%-26s %8d ms %11d ms %7.2fx %13d ms %7.2fx\n", n, v, c, c / v, u, u / v }'
	)
done
