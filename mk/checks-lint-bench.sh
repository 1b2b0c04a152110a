#!/bin/sh
# Usage: GOCAP=/abs/bin/gocap RUNS=10 sh mk/checks-lint-bench.sh DIR...
# For each module DIR, with a warm build cache, prints side by side the mean
# wall time (and CPU time, with hyperfine) of go vet ./... and of gocap's vet
# leg, with its result cache warm and without it (GOCAP_CACHE=off), and the
# wall-time ratio gocap / go vet (goal <= 1.0x).
set -eu
: "${GOCAP:?set GOCAP to the gocap binary}"
RUNS="${RUNS:-10}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT INT TERM

# measure CMD... : prints "WALL_MS CPU_MS" (mean over RUNS runs after warm-up).
measure() {
	if command -v hyperfine >/dev/null 2>&1; then
		hyperfine -N -i --style none --warmup 2 --runs "$RUNS" --export-csv "$tmp/h.csv" "$*" >/dev/null 2>&1
		awk -F, 'NR==2 { printf "%.0f %.0f", $2 * 1000, ($5 + $6) * 1000 }' "$tmp/h.csv"
	else
		"$@" >/dev/null 2>&1 || true
		start=$(date +%s%N)
		i=0
		while [ "$i" -lt "$RUNS" ]; do "$@" >/dev/null 2>&1 || true; i=$((i + 1)); done
		end=$(date +%s%N)
		echo "$(((end - start) / 1000000 / RUNS)) -"
	fi
}

printf '%-12s %-36s %9s %9s %7s\n' module command "wall ms" "cpu ms" ratio
for dir in "$@"; do
	(
		cd "$dir"
		name=$(basename "$(pwd)")
		set -- $(measure go vet ./...)
		vet=$1
		printf '%-12s %-36s %9s %9s %6.2fx\n' "$name" "go vet ./..." "$1" "$2" 1
		set -- $(measure "$GOCAP" check --checks vet)
		awk -v n="$name" -v w="$1" -v c="$2" -v v="$vet" 'BEGIN { printf "%-12s %-36s %9s %9s %6.2fx\n", n, "gocap check --checks vet", w, c, w / v }'
		set -- $(measure env GOCAP_CACHE=off "$GOCAP" check --checks vet)
		awk -v n="$name" -v w="$1" -v c="$2" -v v="$vet" 'BEGIN { printf "%-12s %-36s %9s %9s %6.2fx\n", n, "  same, GOCAP_CACHE=off", w, c, w / v }'
	)
done
