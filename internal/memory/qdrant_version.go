package memory

import (
	"context"
	"log/slog"
	"runtime/debug"
	"strconv"
	"strings"
)

// qdrantClientModule is the Go client whose version the server is compared with.
const qdrantClientModule = "github.com/qdrant/go-client"

// LogServer logs the Qdrant server's version through log and warns when it
// is outside the client's compatibility window (one minor version either
// way). The client's own check is off because it logs through slog's
// default logger and needs the server at construction time.
func (q *QdrantStore) LogServer(ctx context.Context, log *slog.Logger) {
	ctx, cancel := q.call(ctx)
	defer cancel()
	reply, err := q.client.HealthCheck(ctx)
	if err != nil {
		log.Warn("could not read the Qdrant server's version", "address", q.addr, "error", err)
		return
	}
	server, client := reply.GetVersion(), qdrantClientVersion()
	log.Info("vector store: Qdrant", "address", q.addr, "collection", q.collection, "server_version", server, "client_version", client)
	if !compatibleMinor(server, client) {
		log.Warn("the Qdrant server is outside the client's compatibility window (one minor version either way); upgrade the server",
			"server_version", server, "client_version", client)
	}
}

// qdrantClientVersion is the go-client version this binary was built with.
func qdrantClientVersion() string {
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, dep := range info.Deps {
			if dep.Path == qdrantClientModule {
				return dep.Version
			}
		}
	}
	return "unknown"
}

// compatibleMinor reports whether two versions share the major version and
// are at most one minor version apart. Unparsable versions pass: the check
// only warns.
func compatibleMinor(a, b string) bool {
	amaj, amin, aok := majorMinor(a)
	bmaj, bmin, bok := majorMinor(b)
	if !aok || !bok {
		return true
	}
	return amaj == bmaj && amin-bmin <= 1 && bmin-amin <= 1
}

func majorMinor(v string) (major, minor int, ok bool) {
	parts := strings.SplitN(strings.TrimPrefix(v, "v"), ".", 3)
	if len(parts) < 2 {
		return 0, 0, false
	}
	major, err1 := strconv.Atoi(parts[0])
	minor, err2 := strconv.Atoi(parts[1])
	return major, minor, err1 == nil && err2 == nil
}
