#!/bin/sh
# Time gocap workshop grade on a fresh starter: cold caches, then warm, next
# to plain go test -json over the same folders (warm).
set -eu
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
"$bin" workshop start "$tmp/ws" >/dev/null
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }
cd "$tmp/ws"
t0=$(now)
GOCACHE="$tmp/gocache" GOCAP_CACHE="$tmp/gocapcache" "$bin" workshop grade --json --timeout 30m >/dev/null || true
t1=$(now)
GOCACHE="$tmp/gocache" GOCAP_CACHE="$tmp/gocapcache" "$bin" workshop grade --json --timeout 30m >/dev/null || true
t2=$(now)
GOCACHE="$tmp/gocache" go test -json -count=1 ./... >/dev/null 2>&1 || true # warm its cache too
t2b=$(now)
GOCACHE="$tmp/gocache" go test -json -count=1 ./... >/dev/null 2>&1 || true
t3=$(now)
cold=$(secs "$t0" "$t1"); warm=$(secs "$t1" "$t2"); ref=$(secs "$t2b" "$t3")
printf '%-48s %8s\n' "grade all 16 exercises (starter), cold caches" "${cold} s"
printf '%-48s %8s\n' "grade all 16 exercises (starter), warm" "${warm} s"
printf '%-48s %8s\n' "go test -json ./... alone (Exercism's runner), warm" "${ref} s"
awk -v w="$warm" -v r="$ref" 'BEGIN { if (r > 0) printf "warm grade / go test alone: %.1fx (the grade adds -race, escape, pprof, vet, errors, logging, the wasm plugin)\n", w / r }'
