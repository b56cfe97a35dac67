// Package version holds the build version of the charsim binaries.
package version

// Version is set at build time:
//
//	go build -ldflags "-X github.com/mojin/charsim/internal/version.Version=v1.2.3"
var Version = "dev"
