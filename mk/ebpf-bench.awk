# Summarises `go test -bench` output of ebpfprobe: metric values are the
# field before their unit. Medians over -count runs.
function med(arr, n,    i, j, t) {
	for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (arr[j] < arr[i]) { t = arr[i]; arr[i] = arr[j]; arr[j] = t }
	return n ? arr[int((n + 1) / 2)] : 0
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
END {
	print ""
	print "eBPF benchmark summary (medians)                       measured        goal"
	printf "  loopback connects/s, tracer off                    %12.0f\n", m("BenchmarkTCPTracerOverhead", "conns/s-off")
	printf "  loopback connects/s, tracer on                     %12.0f\n", m("BenchmarkTCPTracerOverhead", "conns/s-on")
	printf "  throughput ratio on/off                            %12.3f     >= 0.95\n", m("BenchmarkTCPTracerOverhead", "on/off-ratio")
	printf "  tcp program cost (bpf stats)                       %9.0f ns/event\n", m("BenchmarkTCPTracerOverhead", "prog-ns/event")
	printf "  ringbuf consumer, draining a full ring             %12.0f ev/s  >= 1000000\n", m("BenchmarkRingbufConsumer", "events/s-drain")
	printf "  ringbuf consumer, live (producer-bound)            %12.0f ev/s\n", m("BenchmarkRingbufConsumer", "events/s-live")
	printf "  ringbuf events lost                                %12.0f        0\n", m("BenchmarkRingbufConsumer", "lost")
	printf "  flood program cost (bpf stats)                     %9.0f ns/event\n", m("BenchmarkRingbufConsumer", "prog-ns/event")
	printf "  allocation-heavy program, plain                    %9.0f ns/alloc\n", m("BenchmarkMallocTracerOverhead", "ns/alloc-off")
	printf "  allocation-heavy program, mallocgc uprobe          %9.0f ns/alloc\n", m("BenchmarkMallocTracerOverhead", "ns/alloc-on")
	printf "  malloc tracer overhead                             %9.0f ns/alloc\n", m("BenchmarkMallocTracerOverhead", "overhead-ns/alloc")
}
