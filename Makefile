# charsim Makefile. `make help` lists the targets.

VERSION ?= $(shell cat VERSION 2>/dev/null || echo dev)
# REGISTRY is where `make images push` tags and pushes (IMG_REGISTRY is its
# older name, still honoured).
REGISTRY ?= ghcr.io/mojin
IMG_REGISTRY ?= $(REGISTRY)
IMG ?= $(IMG_REGISTRY)/charsim-operator:$(VERSION)

SHELL = /usr/bin/env bash -o pipefail
.SHELLFLAGS = -ec

LOCALBIN ?= $(CURDIR)/bin
$(LOCALBIN):
	mkdir -p $(LOCALBIN)

## Tool versions (pinned).
CONTROLLER_TOOLS_VERSION ?= v0.20.1
KUSTOMIZE_VERSION ?= v5.7.1
HELM_VERSION ?= v3.22.0
KIND_VERSION ?= v0.33.0
ACTIONLINT_VERSION ?= v1.7.12

CONTROLLER_GEN ?= $(LOCALBIN)/controller-gen-$(CONTROLLER_TOOLS_VERSION)
KUSTOMIZE ?= $(LOCALBIN)/kustomize-$(KUSTOMIZE_VERSION)
HELM ?= $(LOCALBIN)/helm-$(HELM_VERSION)
KIND ?= $(LOCALBIN)/kind-$(KIND_VERSION)
ACTIONLINT ?= $(LOCALBIN)/actionlint-$(ACTIONLINT_VERSION)

LDFLAGS ?= -s -w -X github.com/mojin/charsim/internal/version.Version=$(VERSION)

.PHONY: all
all: build

##@ General

.PHONY: help
help: ## Show this help.
	@awk 'BEGIN {FS = ":.*##"; printf "Usage: make <target>\n"} /^[a-zA-Z_0-9-]+:.*?##/ { printf "  %-18s %s\n", $$1, $$2 } /^##@/ { printf "\n%s\n", substr($$0, 5) } ' $(MAKEFILE_LIST)

##@ Development

.PHONY: manifests
manifests: $(CONTROLLER_GEN) ## Generate the CRDs and RBAC from the markers.
	$(CONTROLLER_GEN) rbac:roleName=manager-role crd webhook paths="./..." output:crd:artifacts:config=config/crd/bases
	hack/sync-chart.sh

.PHONY: generate
generate: $(CONTROLLER_GEN) ## Generate DeepCopy methods.
	$(CONTROLLER_GEN) object:headerFile="hack/boilerplate.go.txt" paths="./api/..."

.PHONY: fmt
fmt: ## go fmt.
	go fmt ./...

.PHONY: vet
vet: ## go vet.
	go vet ./...

.PHONY: k8s-binaries
k8s-binaries: ## Build the pinned etcd, kube-apiserver, controllers, kubectl and kwok into bin/k8s/.
	hack/k8s-binaries.sh >/dev/null

.PHONY: lint-workflows
lint-workflows: $(ACTIONLINT) ## Lint the GitHub workflows (.github/workflows) with actionlint.
	$(ACTIONLINT) -color=false

.PHONY: test
test: manifests generate fmt vet lint-workflows k8s-binaries $(HELM) ## Run every test tier: unit, envtest, stack (PostgreSQL, Redis) and e2e-local.
	HELM=$(HELM) LDFLAGS="$(LDFLAGS)" hack/test.sh

.PHONY: test-unit
test-unit: ## Unit tests only (no services, no API server).
	go test -short ./...

##@ Build

.PHONY: build
build: ## Build the manager, mcp-server, discord-bot and charsimctl into bin/.
	go build -trimpath -ldflags "$(LDFLAGS)" -o $(LOCALBIN)/manager .
	for c in $$(ls cmd); do go build -trimpath -ldflags "$(LDFLAGS)" -o $(LOCALBIN)/$$c ./cmd/$$c; done

.PHONY: run
run: manifests generate fmt vet ## Run the manager against the current kubeconfig.
	go run ./main.go

##@ Deployment

.PHONY: install
install: manifests $(KUSTOMIZE) ## Install the CRDs into the current cluster.
	$(KUSTOMIZE) build config/crd | kubectl apply --server-side -f -

.PHONY: uninstall
uninstall: manifests $(KUSTOMIZE) ## Remove the CRDs from the current cluster.
	$(KUSTOMIZE) build config/crd | kubectl delete --ignore-not-found -f -

.PHONY: deploy
deploy: manifests $(KUSTOMIZE) ## Deploy the operator to the current cluster.
	cd config/manager && $(KUSTOMIZE) edit set image controller=$(IMG)
	$(KUSTOMIZE) build config/default | kubectl apply --server-side -f -

.PHONY: undeploy
undeploy: $(KUSTOMIZE) ## Remove the operator from the current cluster.
	$(KUSTOMIZE) build config/default | kubectl delete --ignore-not-found -f -

.PHONY: build-installer
build-installer: manifests generate $(KUSTOMIZE) ## Write dist/install.yaml (CRDs + operator).
	mkdir -p dist
	cd config/manager && $(KUSTOMIZE) edit set image controller=$(IMG)
	$(KUSTOMIZE) build config/default > dist/install.yaml

##@ Demo and end-to-end tests

.PHONY: demo
demo: $(HELM) ## Local cluster + operator + the sample simulation, until Ready (no cluster, no Docker needed).
	HELM=$(HELM) LDFLAGS="$(LDFLAGS)" hack/demo.sh up

.PHONY: demo-down
demo-down: ## Stop the demo's manager and its local cluster.
	hack/demo.sh down

.PHONY: test-e2e-local
test-e2e-local: k8s-binaries $(HELM) ## The e2e suite on a fresh local cluster with kwok nodes (part of make test).
	HELM=$(HELM) LDFLAGS="$(LDFLAGS)" hack/e2e-local.sh

.PHONY: test-containers
test-containers: ## The operator's rendered pods (MCP server, bot, PostgreSQL, Redis) as real podman containers with their securityContext and probes (part of make test).
	hack/test-containers.sh

.PHONY: test-e2e-kind
test-e2e-kind: $(KIND) $(HELM) ## The e2e suite on kind with real images and csi-hostpath snapshots (needs Docker).
	hack/kind-e2e.sh

##@ Images

IMAGE_TOOL ?= podman
BASE ?= scratch
# PLATFORMS is a comma-separated list; several make one manifest list per image.
PLATFORMS ?= linux/$(shell go env GOARCH)
TLS_VERIFY ?= true
IMAGES_ENV = IMAGE_TOOL=$(IMAGE_TOOL) BASE=$(BASE) VERSION=$(VERSION) IMG_REGISTRY=$(IMG_REGISTRY) PLATFORMS=$(PLATFORMS) TLS_VERIFY=$(TLS_VERIFY)

.PHONY: images
images: ## Build the operator, mcp-server and discord-bot images for PLATFORMS from cross-compiled static binaries; run each --version (this arch) or check its manifest (others).
	$(IMAGES_ENV) hack/images.sh

.PHONY: push
push: ## Push the images built by `make images` (every platform) to REGISTRY, e.g. make images push REGISTRY=registry.example/me.
	$(IMAGES_ENV) hack/images.sh push

##@ Local cluster

.PHONY: cluster-up
cluster-up: ## Start the local control plane with kwok nodes (.local/kubeconfig).
	hack/local-cluster.sh up

.PHONY: cluster-down
cluster-down: ## Stop the local control plane and delete its data.
	hack/local-cluster.sh down

##@ Helm chart

.PHONY: chart-sync
chart-sync: ## Copy the generated CRDs, the RBAC roles and VERSION into the Helm chart.
	hack/sync-chart.sh

.PHONY: helm-lint
helm-lint: $(HELM) ## Lint the Helm chart.
	$(HELM) lint --strict --kube-version v1.37.2 charts/charsim-operator

.PHONY: helm-package
helm-package: chart-sync $(HELM) ## Package the chart into dist/.
	$(HELM) package charts/charsim-operator -d dist

##@ Benchmarks

.PHONY: bench-operator
bench-operator: k8s-binaries ## Reconcile N=100 and N=500 simulations on envtest and print the figures.
	KUBEBUILDER_ASSETS=$$(hack/k8s-binaries.sh) go run ./hack/bench-operator

.PHONY: bench-mcp
bench-mcp: ## MCP server over HTTP at 10k and 100k memories (SQLite, PostgreSQL) against the npm server-memory; dense 768-d recall against LanceDB.
	go run ./hack/bench-mcp $(BENCH_FLAGS)

.PHONY: bench-recall
bench-recall: ## Recall quality (R@5, R@10, hit@10) on MemoryBank and MADial-Bench, EN and ZH, through the real MCP server: BM25, vectors, fusion, full.
	go run ./hack/bench-recall $(BENCH_FLAGS)

.PHONY: bench-bot
bench-bot: ## Discord bot overhead per /talk turn (p50/p99) against the real MCP server, instant LLM.
	go run ./hack/bench-bot

.PHONY: bench-footprint
bench-footprint: ## Resident memory after the same MCP warm-up: host-only (mcp-server on SQLite) and compose.lite.yaml under podman-compose, per container and in total.
	hack/bench-footprint.sh $(BENCH_FLAGS)

.PHONY: bench-memory
bench-memory: ## Embedded vector recall benchmarks.
	go test -run '^$$' -bench RecallEmbedded -benchtime 300x ./internal/memory/

.PHONY: fuzz-mcp
fuzz-mcp: ## Fuzz the MCP tool argument decoding for a minute.
	go test ./internal/mcpserver -run '^$$' -fuzz=FuzzToolArguments -fuzztime=60s -parallel=1

##@ Tools

$(CONTROLLER_GEN): | $(LOCALBIN)
	GOBIN=$(LOCALBIN) go install sigs.k8s.io/controller-tools/cmd/controller-gen@$(CONTROLLER_TOOLS_VERSION)
	mv $(LOCALBIN)/controller-gen $@

$(KUSTOMIZE): | $(LOCALBIN)
	GOBIN=$(LOCALBIN) go install sigs.k8s.io/kustomize/kustomize/v5@$(KUSTOMIZE_VERSION)
	mv $(LOCALBIN)/kustomize $@

# Helm built by `go install` knows neither its own version nor a current
# Kubernetes default; stamp both like the release build does.
HELM_LDFLAGS = -X helm.sh/helm/v3/internal/version.version=$(HELM_VERSION) \
	-X helm.sh/helm/v3/pkg/chartutil.k8sVersionMajor=1 -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMinor=37 \
	-X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMajor=1 -X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMinor=37
$(HELM): | $(LOCALBIN)
	GOBIN=$(LOCALBIN) go install -ldflags "$(HELM_LDFLAGS)" helm.sh/helm/v3/cmd/helm@$(HELM_VERSION)
	mv $(LOCALBIN)/helm $@

$(ACTIONLINT): | $(LOCALBIN)
	GOBIN=$(LOCALBIN) go install github.com/rhysd/actionlint/cmd/actionlint@$(ACTIONLINT_VERSION)
	mv $(LOCALBIN)/actionlint $@

$(KIND): | $(LOCALBIN)
	GOBIN=$(LOCALBIN) go install sigs.k8s.io/kind@$(KIND_VERSION)
	mv $(LOCALBIN)/kind $@
