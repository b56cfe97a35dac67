// Package containers is the container test tier (hack/test-containers.sh,
// `make test-containers`): the pods the operator renders for one
// simulation, run as real podman containers with their security context,
// their Secrets' env and their probes, the compose stack brought up with
// podman-compose, and the footprint of both measured.
//
// Its tests carry the build tag "containers", so that `go test ./...` does
// not run them; under the tag, a missing prerequisite (podman, an image,
// the test PostgreSQL) fails the test rather than skipping it.
package containers
