#!/bin/sh
# Usage: GOCAP=/abs/bin/gocap RUNS=9 sh mk/checks-lint-bench.sh DIR...
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
# Ratios are wall time gocap / go vet; CPU is user+sys. The two commands of a
# row pair run alternately (go vet, gocap, go vet, gocap, ...: RUNS each,
# after one warm-up each) and the medians are compared, so that a machine
# whose speed drifts during the run (a shared VM) moves both sides alike.
set -eu
: "${GOCAP:?set GOCAP to the gocap binary}"
RUNS="${RUNS:-9}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT INT TERM
legs=vet,errors,logging,staticcheck

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

# once OUT PREPARE CMD: runs PREPARE, then CMD (a shell command line) once,
# appending "WALL_MS CPU_MS" to OUT.
once() {
	sh -c "$2"
	s=$(date +%s%N)
	/usr/bin/time -f "%U %S" -o "$tmp/cpu" sh -c "$3" >/dev/null 2>&1 || true
	e=$(date +%s%N)
	awk -v w=$(((e - s) / 1000000)) '{printf "%d %.0f\n", w, ($1 + $2) * 1000}' "$tmp/cpu" >>"$1"
}

# pair PREPARE A B: prints "WALL_A CPU_A WALL_B CPU_B", medians of RUNS
# alternating runs of the command lines A and B.
pair() {
	: >"$tmp/a"
	: >"$tmp/b"
	once "$tmp/w" "$1" "$2"
	once "$tmp/w" "$1" "$3"
	i=0
	while [ "$i" -lt "$RUNS" ]; do
		once "$tmp/a" "$1" "$2"
		once "$tmp/b" "$1" "$3"
		i=$((i + 1))
	done
	echo "$(cut -d' ' -f1 "$tmp/a" | median) $(cut -d' ' -f2 "$tmp/a" | median) $(cut -d' ' -f1 "$tmp/b" | median) $(cut -d' ' -f2 "$tmp/b" | median)"
}

# peak KB of one run of the command line CMD (after PREPARE)
peak() {
	sh -c "$1"
	/usr/bin/time -f %M -o "$tmp/peak" sh -c "$2" >/dev/null 2>&1 || true
	tail -1 "$tmp/peak"
}

row() { # name label wall cpu base peak
	awk -v n="$1" -v l="$2" -v w="$3" -v c="$4" -v b="$5" -v p="$6" 'BEGIN { printf "%-12s %-44s %9s %9s %7.2fx %8.0f\n", n, l, w, c, w / b, p / 1024 }'
}

# rows NAME STATE PREPARE VETLABEL VETCMD GOCAPLABEL GOCAPCMD
rows() {
	set -- "$1" "$2" "$3" "$4" "$5" "$6" "$7" $(pair "$3" "$5" "$7")
	row "$1" "$2: $4" "$8" "$9" "$8" "$(peak "$3" "$5")"
	row "$1" "$2: $6" "${10}" "${11}" "$8" "$(peak "$3" "$7")"
}

printf '%-12s %-44s %9s %9s %8s %8s\n' module command "wall ms" "cpu ms" ratio "peak MiB"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) ($(nproc) cores), $RUNS alternating runs per row pair, medians"
for dir in "$@"; do
	work="$tmp/$(basename "$dir")"
	cp -r "$dir" "$work"
	chmod -R u+w "$work"
	(
		cd "$work"
		name=$(basename "$dir")
		export GOCAP_CACHE=off
		go vet ./... >/dev/null 2>&1 || true
		gocap="$GOCAP check --checks $legs --format json --out $tmp/r.json"
		"$GOCAP" check --checks "$legs" --format json --out "$tmp/warm.json" >/dev/null 2>&1 || true

		# warm: nothing changed
		rows "$name" warm true "go vet ./..." "go vet ./..." "gocap check --checks $legs" "$gocap"

		# edit: a comment appended to one file per package
		edit="for d in \$(go list -f '{{.Dir}}' ./...); do f=\$(ls \$d/*.go | head -1); echo '// bench edit' >> \$f; done"
		rows "$name" edit "$edit" "go vet ./..." "go vet ./..." gocap "$gocap"

		# cold: a fresh key for every package's vet result
		printf '#!/bin/sh\nexec go vet -printf.funcs=Nonce$(date +%%s%%N) ./...\n' >"$tmp/vet-cold"
		chmod +x "$tmp/vet-cold"
		rows "$name" cold true "go vet ./... (fresh vet key)" "$tmp/vet-cold" "gocap (fresh vet-tool key)" "GOCAP_VETTOOL_NONCE=random $gocap"

		# the in-process engine, for comparison (against warm go vet)
		rows "$name" load true "go vet ./..." "go vet ./..." "gocap, GOCAP_LINT_ENGINE=load" "GOCAP_LINT_ENGINE=load $gocap"
	)
done
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
