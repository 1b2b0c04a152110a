# Summarises `go test -bench` output of ebpfprobe: metric values are the
# field before their unit. Medians over -count runs; min/max over runs too.
function med(arr, n,    i, j, t) {
	for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (arr[j] < arr[i]) { t = arr[i]; arr[i] = arr[j]; arr[j] = t }
	return n ? (arr[int((n + 1) / 2)] + arr[int(n / 2) + 1]) / 2 : 0
}
/^Benchmark/ {
	name = $1; sub(/-[0-9]+$/, "", name)
	for (i = 3; i < NF; i++) { key = name "|" $(i + 1); n[key]++; v[key, n[key]] = $i }
}
function m(name, unit,    key, k, a) {
	key = name "|" unit
	for (k = 1; k <= n[key]; k++) a[k] = v[key, k]
	return med(a, n[key])
}
function lo(name, unit,    key, k, r) {
	key = name "|" unit
	for (k = 1; k <= n[key]; k++) if (k == 1 || v[key, k] < r) r = v[key, k]
	return r + 0
}
function hi(name, unit,    key, k, r) {
	key = name "|" unit
	for (k = 1; k <= n[key]; k++) if (k == 1 || v[key, k] > r) r = v[key, k]
	return r + 0
}
function sum(name, unit,    key, k, r) {
	key = name "|" unit
	for (k = 1; k <= n[key]; k++) r += v[key, k]
	return r + 0
}
END {
	t = "BenchmarkTCPTracerOverhead"; r = "BenchmarkRingbufConsumer"; a = "BenchmarkMallocTracerOverhead"
	print ""
	print "eBPF benchmark summary (medians over runs)              measured        goal"
	printf "  loopback connects/s, tracer off                    %12.0f\n", m(t, "conns/s-off")
	printf "  loopback connects/s, tracer on                     %12.0f\n", m(t, "conns/s-on")
	printf "  throughput ratio on/off (median of round medians)  %12.3f     >= 0.95\n", m(t, "on/off-ratio")
	printf "    spread: run medians %.3f..%.3f, single rounds %.3f..%.3f (%d runs)\n", lo(t, "on/off-ratio"), hi(t, "on/off-ratio"), lo(t, "ratio-min"), hi(t, "ratio-max"), n[t "|on/off-ratio"]
	printf "  tcp program cost (bpf stats)                       %9.0f ns/run, %.1f runs/connection\n", m(t, "prog-ns/run"), m(t, "runs/conn")
	pc = m(t, "prog-ns/conn"); co = m(t, "conns/s-off")
	if (co > 0) printf "  ratio the program's own time allows (no noise)     %12.3f     (%.0f ns of bpf per %.0f ns connection)\n", 1 / (1 + pc * co / 1e9), pc, 1e9 / co
	printf "  ringbuf consumer, draining a full ring             %12.0f ev/s  >= 1000000\n", m(r, "events/s-drain")
	printf "  ringbuf consumer, live, producer paced, 0 lost     %12.0f ev/s  >= 1000000\n", m(r, "events/s-live")
	printf "    live rate range %.0f..%.0f ev/s; producer alone %.0f ev/s; producer waits %d\n", lo(r, "events/s-live"), hi(r, "events/s-live"), m(r, "events/s-producer"), sum(r, "producer-waits")
	printf "  ringbuf events lost (all runs)                     %12.0f        0\n", sum(r, "lost")
	printf "  flood program cost (bpf stats)                     %9.0f ns/event\n", m(r, "prog-ns/event")
	printf "  allocation-heavy program, plain                    %9.0f ns/alloc\n", m(a, "ns/alloc-off")
	printf "  allocation-heavy program, mallocgc uprobe          %9.0f ns/alloc\n", m(a, "ns/alloc-on")
	printf "  malloc tracer overhead                             %9.0f ns/alloc\n", m(a, "overhead-ns/alloc")
}
