package e

// E is formatted; the directive beside it is stale.
var E = 1 //gocap:ignore fmt/gofmt was needed once
