#!/bin/sh
# Records the real tool outputs the parser tests read, from the module in src/.
# The module is copied to /tmp/cap/m first so every recorded path is stable.
# Run from this folder: sh record.sh
set -e
here=$(pwd)
rm -rf /tmp/cap && mkdir -p /tmp/cap && cp -r src /tmp/cap/m
cd /tmp/cap/m
# test2json stream: races, a failing test, a panic, a vet and a compile failure, a timeout.
go test -race -json -timeout 3s ./... > "$here/race.json" || true
# compiler diagnostics (LSP JSON), only for the packages that compile. The
# output folder must be new: with the same flags the build cache skips the compiler.
out=$(mktemp -d /tmp/cap/json.XXXXXX)
go build -gcflags="example.com/m/esc=-json=0,file://$out" -gcflags="example.com/m/hot=-json=0,file://$out" -gcflags="example.com/m/ret=-json=0,file://$out" ./esc ./hot ./ret
rm -rf "$here/compiler" && cp -r "$out" "$here/compiler"
# benchmark output and profiles of package hot.
go test -run '^$' -bench . -benchmem -benchtime 200ms -count 3 \
  -cpuprofile "$here/cpu.pprof" -memprofile "$here/mem.pprof" -o /tmp/cap/hot.test ./hot > "$here/bench.txt"
