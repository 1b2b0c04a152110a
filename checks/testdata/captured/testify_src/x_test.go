package tfy

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestEqual(t *testing.T) {
	t.Log("setting up")
	assert.Equal(t, 1, 2, "sum of %d", 3)
}

func TestNoError(t *testing.T) {
	t.Run("open", func(t *testing.T) {
		require.NoError(t, errString("open x: no such file"))
	})
}

func TestPlain(t *testing.T) {
	t.Logf("first log\nsecond line")
	t.Errorf("got %d, want %d", 1, 2)
}

type errString string

func (e errString) Error() string { return string(e) }
