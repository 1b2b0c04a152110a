package hotescape

import "testing"

func TestAppendKey(t *testing.T) {
	got := string(AppendKey([]byte("k="), 42, "email"))
	if got != "k=user:42:email" {
		t.Fatalf("AppendKey = %q, want %q", got, "k=user:42:email")
	}
}

// BenchmarkAppendKey reuses one buffer, as the cache does: a key costs no allocation.
func BenchmarkAppendKey(b *testing.B) {
	buf := make([]byte, 0, 64)
	for b.Loop() {
		buf = AppendKey(buf[:0], 123456, "last_login")
	}
}
