package root

// Each hands-on area adds its command here (one line each) so that the root
// stays the one place that assembles the tree.
func init() {
	extra = append(extra /* ebpf, wasm, mtls, report: added by their packages */)
}
