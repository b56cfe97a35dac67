package memory

import (
	"context"
	"fmt"

	"github.com/qdrant/go-client/qdrant"

	"github.com/mojin/charsim/internal/store"
)

// VectorScanner is a vector store that can list every vector it holds, so
// that an export can carry the vectors wherever they live.
type VectorScanner interface {
	// ScanVectors calls fn with every stored vector: its memory ID, its
	// filter fields and the vector, normalised. It stops at fn's first error.
	ScanVectors(ctx context.Context, fn func(store.MemoryVector) error) error
}

var (
	_ VectorScanner = (*EmbeddedStore)(nil)
	_ VectorScanner = (*QdrantStore)(nil)
)

// ScanVectors reads the vector rows of the SQL store.
func (e *EmbeddedStore) ScanVectors(ctx context.Context, fn func(store.MemoryVector) error) error {
	if err := e.st.ScanVectors(ctx, fn); err != nil {
		return fmt.Errorf("embedded vector store: scan: %w", err)
	}
	return nil
}

// qdrantScrollPage is the number of points per scroll request.
const qdrantScrollPage = 256

// ScanVectors scrolls through the collection a page at a time.
func (q *QdrantStore) ScanVectors(ctx context.Context, fn func(store.MemoryVector) error) error {
	var offset *qdrant.PointId
	for {
		callCtx, cancel := q.call(ctx)
		points, next, err := q.client.ScrollAndOffset(callCtx, &qdrant.ScrollPoints{
			CollectionName: q.collection,
			Offset:         offset,
			Limit:          qdrant.PtrOf(uint32(qdrantScrollPage)),
			WithPayload:    qdrant.NewWithPayload(true),
			WithVectors:    qdrant.NewWithVectorsInclude(""),
		})
		cancel()
		if err != nil {
			return fmt.Errorf("qdrant vector store: scroll %q: %w", q.collection, err)
		}
		for _, p := range points {
			payload := p.GetPayload()
			v := store.MemoryVector{
				MemoryID:    payload[payloadMemoryID].GetStringValue(),
				CharacterID: payload[payloadCharacterID].GetStringValue(),
				UserID:      payload[payloadUserID].GetStringValue(),
				ChannelID:   payload[payloadChannelID].GetStringValue(),
				Kind:        store.MemoryKind(payload[payloadKind].GetStringValue()),
				Vector:      denseVector(p.GetVectors()),
			}
			if v.MemoryID == "" || len(v.Vector) == 0 {
				return fmt.Errorf("qdrant vector store: point %s of %q has no memory_id or no dense vector", p.GetId(), q.collection)
			}
			if err := fn(v); err != nil {
				return err
			}
		}
		if next == nil || len(points) == 0 {
			return nil
		}
		offset = next
	}
}

// denseVector is the unnamed dense vector of a point, which Qdrant returns
// alone or, beside named (sparse) vectors, under the name "".
func denseVector(v *qdrant.VectorsOutput) []float32 {
	out := v.GetVector()
	if out == nil {
		out = v.GetVectors().GetVectors()[""]
	}
	if dense := out.GetDense(); dense != nil {
		return dense.GetData()
	}
	// Servers before 1.12 send the data in the older field.
	return out.GetData() //nolint:staticcheck // the deprecated field is what older servers fill
}
