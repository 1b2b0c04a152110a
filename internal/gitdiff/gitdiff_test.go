package gitdiff

import (
	"strings"
	"testing"
)

const diff = `diff --git a/a.go b/a.go
index 1..2 100644
--- a/a.go
+++ b/a.go
@@ -3,0 +4,2 @@ func A() {
+	x := 1
+	y := 2
@@ -10 +12 @@ func B() {
-	old()
+	new()
@@ -20,3 +22,0 @@ func C() {
-	gone()
diff --git a/old.go b/old.go
deleted file mode 100644
--- a/old.go
+++ /dev/null
@@ -1,3 +0,0 @@
-package old
diff --git a/dir/new file.go b/dir/new file.go
new file mode 100644
--- /dev/null
+++ b/dir/new file.go
@@ -0,0 +1,3 @@
+package dir
`

func TestParse(t *testing.T) {
	ch, err := Parse(strings.NewReader(diff))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		file string
		line int
		want bool
	}{
		{"a.go", 4, true}, {"a.go", 5, true}, {"a.go", 6, false}, {"a.go", 3, false},
		{"a.go", 12, true}, {"a.go", 22, false}, {"old.go", 1, false},
		{"dir/new file.go", 3, true}, {"dir/new file.go", 4, false}, {"other.go", 1, false},
	} {
		if got := ch.Contains(tc.file, tc.line); got != tc.want {
			t.Errorf("%s:%d changed = %v, want %v", tc.file, tc.line, got, tc.want)
		}
	}
	ch["untracked.go"] = nil
	if !ch.Contains("untracked.go", 999) {
		t.Error("an untracked file is new on every line")
	}
}
