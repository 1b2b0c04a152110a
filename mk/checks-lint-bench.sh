#!/bin/sh
# Usage: GOCAP=/abs/bin/gocap RUNS=5 sh mk/checks-lint-bench.sh DIR...
#
# The static legs (gocap check --checks vet,errors,logging,staticcheck) next
# to go vet ./..., per module DIR, with gocap's own result cache off and the
# go build cache warm (compiled packages), in three states of the vet
# results the go command keeps in that build cache:
#
#   warm   nothing changed since the last run: both replay cached results
#          (the steady state of a CI that restores GOCACHE);
#   edit   one file of every package of the module changed (a comment
#          appended before each run): the module's packages are analysed
#          again, dependencies' facts come from the cache (a typical commit);
#   cold   a fresh key for every package, dependencies and standard library
#          included (gocap: GOCAP_VETTOOL_NONCE; go vet: a -printf.funcs
#          value nobody uses): every package is analysed again, nothing
#          compiled again (a new gocap or Go release on a warm build cache).
#
# It also times the in-process engine (one go/packages load, GOCAP_CACHE=off,
# GOCAP_LINT_ENGINE=load) against the same go vet, and prints peak memory.
# Ratios are wall time gocap / go vet; CPU is user+sys. Uses hyperfine when
# installed (apt-get install hyperfine), else a loop.
set -eu
: "${GOCAP:?set GOCAP to the gocap binary}"
RUNS="${RUNS:-5}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT INT TERM
legs=vet,errors,logging,staticcheck

# measure PREPARE CMD : prints "WALL_MS CPU_MS" (mean over RUNS runs after a warm-up).
measure() {
	prep="$1"
	shift
	if command -v hyperfine >/dev/null 2>&1; then
		hyperfine -i --style none --warmup 1 --runs "$RUNS" --prepare "$prep" --export-csv "$tmp/h.csv" "$*" >/dev/null 2>&1
		awk -F, 'NR==2 { printf "%.0f %.0f", $(NF-6) * 1000, ($(NF-3) + $(NF-2)) * 1000 }' "$tmp/h.csv"
	else
		sh -c "$prep"
		"$@" >/dev/null 2>&1 || true
		total=0
		i=0
		while [ "$i" -lt "$RUNS" ]; do
			sh -c "$prep"
			start=$(date +%s%N)
			"$@" >/dev/null 2>&1 || true
			end=$(date +%s%N)
			total=$((total + end - start))
			i=$((i + 1))
		done
		echo "$((total / 1000000 / RUNS)) -"
	fi
}

# peak KB of one run of CMD (after PREPARE)
peak() {
	prep="$1"
	shift
	sh -c "$prep"
	/usr/bin/time -f %M "$@" 2>&1 >/dev/null | tail -1
}

row() { # name label wall cpu base peak
	awk -v n="$1" -v l="$2" -v w="$3" -v c="$4" -v b="$5" -v p="$6" 'BEGIN { printf "%-12s %-44s %9s %9s %7.2fx %8.0f\n", n, l, w, c, w / b, p / 1024 }'
}

printf '%-12s %-44s %9s %9s %8s %8s\n' module command "wall ms" "cpu ms" ratio "peak MiB"
for dir in "$@"; do
	work="$tmp/$(basename "$dir")"
	cp -r "$dir" "$work"
	chmod -R u+w "$work"
	(
		cd "$work"
		name=$(basename "$dir")
		export GOCAP_CACHE=off
		go vet ./... >/dev/null 2>&1 || true
		"$GOCAP" check --checks "$legs" --format json --out "$tmp/warm.json" >/dev/null 2>&1 || true
		gocap="$GOCAP check --checks $legs --format json --out $tmp/r.json"

		# warm
		set -- $(measure true go vet ./...)
		base=$1
		row "$name" "warm: go vet ./..." "$1" "$2" "$base" "$(peak true go vet ./...)"
		set -- $(measure true $gocap)
		row "$name" "warm: gocap check --checks $legs" "$1" "$2" "$base" "$(peak true $gocap)"

		# edit: a comment appended to one file per package
		edit="for d in \$(go list -f '{{.Dir}}' ./...); do f=\$(ls \$d/*.go | head -1); echo '// bench edit' >> \$f; done"
		set -- $(measure "$edit" go vet ./...)
		base=$1
		row "$name" "edit: go vet ./..." "$1" "$2" "$base" "$(peak "$edit" go vet ./...)"
		set -- $(measure "$edit" $gocap)
		row "$name" "edit: gocap" "$1" "$2" "$base" "$(peak "$edit" $gocap)"

		# cold: a fresh key for every package's vet result
		printf '#!/bin/sh\nexec go vet -printf.funcs=Nonce$(date +%%s%%N) ./...\n' >"$tmp/vet-cold"
		chmod +x "$tmp/vet-cold"
		set -- $(measure true "$tmp/vet-cold")
		base=$1
		row "$name" "cold: go vet ./... (fresh vet key)" "$1" "$2" "$base" "$(peak true "$tmp/vet-cold")"
		set -- $(measure true env GOCAP_VETTOOL_NONCE=random $gocap)
		row "$name" "cold: gocap (fresh vet-tool key)" "$1" "$2" "$base" "$(peak true env GOCAP_VETTOOL_NONCE=random $gocap)"

		# the in-process engine, for comparison (compare with warm go vet)
		set -- $(measure true go vet ./...)
		base=$1
		set -- $(measure true env GOCAP_LINT_ENGINE=load $gocap)
		row "$name" "load engine (GOCAP_LINT_ENGINE=load) / warm vet" "$1" "$2" "$base" "$(peak true env GOCAP_LINT_ENGINE=load $gocap)"
	)
done
