//go:build e2e

// Package e2e is the end-to-end suite. It runs against whatever cluster
// KUBECONFIG points at, the local cluster of hack/local-cluster.sh (kwok
// nodes, simulated pods) or kind (real images): it installs the Helm chart
// into a fresh namespace, runs the operator, and drives the sample
// simulation from config/samples/ through creation, scaling, a rolling
// update, deletion, backup and restore and an operator crash in the middle
// of a reconcile, in namespaces that enforce Pod Security "restricted". Where
// pods really run (in-cluster), it also writes rows through the MCP server,
// backs them up with a Job of the real backup CronJob and reads them back
// from a simulation restored from the backup.
//
//	go test -tags e2e -count=1 ./test/e2e/ -v
//
// hack/e2e-local.sh runs it on a fresh local cluster (part of make test) and
// hack/kind-e2e.sh on kind (make test-e2e-kind). Settings, all optional:
//
//	CHARSIM_E2E_OPERATOR       local (default): the manager runs as a local process
//	                           against the cluster, as the chart's ServiceAccount,
//	                           and the chart's Deployment has 0 replicas (a kwok
//	                           pod runs nothing); in-cluster: the chart's
//	                           Deployment runs it (kind, real clusters)
//	CHARSIM_E2E_HELM           helm binary (default: helm on PATH)
//	CHARSIM_E2E_MANAGER        manager binary for local mode (default: built from
//	                           this checkout into a temporary directory)
//	CHARSIM_E2E_DISCORD_TOKEN  the sample's Discord bot token; without it the bot
//	                           gets a dummy token, which only simulated pods
//	                           accept, so in-cluster the sample runs without bot
//	CHARSIM_E2E_KEEP           1: leave the release, the namespaces and the
//	                           operator log behind for inspection
//	CHARSIM_E2E_HELM_SET       extra --set values for helm install, e.g. the
//	                           images hack/kind-e2e.sh built
package e2e
