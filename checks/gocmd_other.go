//go:build !unix

package checks

import "os/exec"

// killGroup leaves cmd as is: without process groups only the go command
// itself is killed on cancel.
func killGroup(cmd *exec.Cmd) {}
