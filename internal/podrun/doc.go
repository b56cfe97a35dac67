// Package podrun turns one container of a Kubernetes pod template into the
// flags of a `podman run`, so that the container test tier runs the pods the
// operator renders with exactly their security context, user, volumes and
// environment, on a machine without a cluster.
//
// `podman kube play` is not used: it drops the fields it does not support
// without a word, while the tier must know what it did not test, and it
// puts a pod on a network of its own, while the tier's pods reach the
// host's throw-away PostgreSQL and Redis and the test's Discord emulator on
// the host's loopback. Translate says field by field what it expresses and
// returns the fields it cannot express, so a test can assert that nothing
// that matters is lost.
package podrun
