package memory

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/qdrant/go-client/qdrant"

	"github.com/mojin/charsim/internal/store"
)

// Payload fields of a Qdrant point.
const (
	payloadMemoryID    = "memory_id"
	payloadCharacterID = "character_id"
	payloadUserID      = "user_id"
	payloadChannelID   = "channel_id"
	payloadKind        = "kind"
	payloadOccurredAt  = "occurred_at" // Unix microseconds, for after/before
	// lexicalVector is the sparse vector of a point's text (see sparse.go).
	lexicalVector = "lexical"
	// qdrantUpsertChunk bounds the points per request, keeping gRPC messages
	// well below their size limit during a reindex.
	qdrantUpsertChunk = 256
)

// keywordFields get a keyword payload index, because every search filters on them.
var keywordFields = []string{payloadCharacterID, payloadUserID, payloadChannelID, payloadKind}

// pointNamespace derives a stable point UUID for a memory ID that is not a
// UUID itself (Qdrant accepts only UUIDs and integers as point IDs).
var pointNamespace = uuid.NewSHA1(uuid.NameSpaceURL, []byte("https://charsim.mojin.dev/memory"))

// QdrantStore keeps vectors in a Qdrant collection, one point per memory,
// with the memory's filter fields as payload.
type QdrantStore struct {
	client     *qdrant.Client
	collection string
	addr       string
	// timeout bounds each call: MCP requests carry no deadline of their own,
	// so without one a stalled Qdrant would hold tool calls open forever.
	timeout time.Duration
	// dim is the collection's vector size once EnsureCollection succeeded.
	dim atomic.Int64
}

// NewQdrantStore connects (lazily, gRPC) to the Qdrant in cfg.
func NewQdrantStore(cfg QdrantConfig) (*QdrantStore, error) {
	if !cfg.Enabled() {
		return nil, errors.New("qdrant vector store: QDRANT_URL is not set")
	}
	if cfg.Collection == "" {
		return nil, errors.New("qdrant vector store: QDRANT_COLLECTION must not be empty")
	}
	host := cfg.Host
	if strings.Contains(host, ":") {
		// The client joins host and port with "%s:%d", which turns an IPv6
		// address into "::1:6334"; bracketed it becomes "[::1]:6334".
		host = "[" + host + "]"
	}
	client, err := qdrant.NewClient(&qdrant.Config{
		Host:   host,
		Port:   cfg.Port,
		APIKey: string(cfg.APIKey),
		UseTLS: cfg.UseTLS,
		// The check logs through slog and needs a reachable server at start;
		// readiness is reported by Ping instead.
		SkipCompatibilityCheck: true,
	})
	if err != nil {
		return nil, fmt.Errorf("qdrant vector store: connect to %s: %w", cfg.Addr(), err)
	}
	timeout := cfg.Timeout
	if timeout <= 0 {
		timeout = DefaultQdrantTimeout
	}
	return &QdrantStore{client: client, collection: cfg.Collection, addr: cfg.Addr(), timeout: timeout}, nil
}

// call bounds one operation by the store's timeout (or ctx's own deadline,
// when that is sooner).
func (q *QdrantStore) call(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, q.timeout)
}

// setup bounds creating, indexing and deleting a collection, which Qdrant
// may take longer for than a point operation on a large collection.
func (q *QdrantStore) setup(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, qdrantSetupFactor*q.timeout)
}

// Name is "qdrant".
func (q *QdrantStore) Name() string { return "qdrant" }

// EnsureCollection creates the collection (cosine distance, keyword indexes
// on the filter fields) or checks that the existing one has dim dimensions.
func (q *QdrantStore) EnsureCollection(ctx context.Context, dim int) error {
	if dim < 1 {
		return fmt.Errorf("qdrant vector store: dimension must be positive, got %d", dim)
	}
	ctx, cancel := q.setup(ctx)
	defer cancel()
	exists, err := q.client.CollectionExists(ctx, q.collection)
	if err != nil {
		return fmt.Errorf("qdrant vector store at %s: %w", q.addr, err)
	}
	if !exists {
		err := q.client.CreateCollection(ctx, &qdrant.CreateCollection{
			CollectionName: q.collection,
			VectorsConfig:  qdrant.NewVectorsConfig(&qdrant.VectorParams{Size: uint64(dim), Distance: qdrant.Distance_Cosine}),
			SparseVectorsConfig: qdrant.NewSparseVectorsConfig(map[string]*qdrant.SparseVectorParams{
				lexicalVector: {Modifier: qdrant.Modifier_Idf.Enum()},
			}),
		})
		if err != nil {
			// Another replica may have created it in the meantime.
			if exists, cerr := q.client.CollectionExists(ctx, q.collection); cerr != nil || !exists {
				return fmt.Errorf("qdrant vector store: create collection %q: %w", q.collection, err)
			}
		}
	}
	info, err := q.checkCollection(ctx, dim)
	if err != nil {
		return err
	}
	for _, field := range keywordFields {
		if _, indexed := info.GetPayloadSchema()[field]; indexed {
			continue
		}
		_, err := q.client.CreateFieldIndex(ctx, &qdrant.CreateFieldIndexCollection{
			CollectionName: q.collection,
			FieldName:      field,
			FieldType:      qdrant.FieldType_FieldTypeKeyword.Enum(),
			Wait:           qdrant.PtrOf(true),
		})
		if err != nil {
			return fmt.Errorf("qdrant vector store: create payload index %q on %q: %w", field, q.collection, err)
		}
	}
	if _, indexed := info.GetPayloadSchema()[payloadOccurredAt]; !indexed {
		_, err := q.client.CreateFieldIndex(ctx, &qdrant.CreateFieldIndexCollection{
			CollectionName: q.collection,
			FieldName:      payloadOccurredAt,
			FieldType:      qdrant.FieldType_FieldTypeInteger.Enum(),
			Wait:           qdrant.PtrOf(true),
		})
		if err != nil {
			return fmt.Errorf("qdrant vector store: create payload index %q on %q: %w", payloadOccurredAt, q.collection, err)
		}
	}
	q.dim.Store(int64(dim))
	return nil
}

// checkCollection verifies the collection's single unnamed cosine vector of dim dimensions.
func (q *QdrantStore) checkCollection(ctx context.Context, dim int) (*qdrant.CollectionInfo, error) {
	info, err := q.client.GetCollectionInfo(ctx, q.collection)
	if err != nil {
		return nil, fmt.Errorf("qdrant vector store: inspect collection %q: %w", q.collection, err)
	}
	params := info.GetConfig().GetParams().GetVectorsConfig().GetParams()
	if params == nil {
		return nil, fmt.Errorf("qdrant vector store: collection %q uses named vectors; charsim needs a single unnamed vector (choose another QDRANT_COLLECTION)", q.collection)
	}
	if params.GetDistance() != qdrant.Distance_Cosine {
		return nil, fmt.Errorf("qdrant vector store: collection %q uses %s distance; charsim needs Cosine (choose another QDRANT_COLLECTION)", q.collection, params.GetDistance())
	}
	sparse := info.GetConfig().GetParams().GetSparseVectorsConfig().GetMap()[lexicalVector]
	if sparse == nil || sparse.GetModifier() != qdrant.Modifier_Idf {
		return nil, fmt.Errorf("qdrant vector store: collection %q has no sparse vector %q with the IDF modifier (it was created by an older charsim); "+
			"run `charsimctl reindex` to recreate it and re-embed every memory", q.collection, lexicalVector)
	}
	if have := int(params.GetSize()); have != dim {
		return nil, fmt.Errorf("%w: Qdrant collection %q holds %d-dimensional vectors but the embedder produces %d; "+
			"run `charsimctl reindex` to recreate it and re-embed every memory", ErrDimensionMismatch, q.collection, have, dim)
	}
	return info, nil
}

// Reset deletes the collection and creates it again for dim dimensions.
func (q *QdrantStore) Reset(ctx context.Context, dim int) error {
	if dim < 1 {
		return fmt.Errorf("qdrant vector store: dimension must be positive, got %d", dim)
	}
	ctx, cancel := q.setup(ctx)
	defer cancel()
	exists, err := q.client.CollectionExists(ctx, q.collection)
	if err != nil {
		return fmt.Errorf("qdrant vector store at %s: %w", q.addr, err)
	}
	if exists {
		if err := q.client.DeleteCollection(ctx, q.collection); err != nil {
			return fmt.Errorf("qdrant vector store: delete collection %q: %w", q.collection, err)
		}
	}
	q.dim.Store(0)
	return q.EnsureCollection(ctx, dim)
}

// Upsert writes the points and waits until Qdrant has applied them.
func (q *QdrantStore) Upsert(ctx context.Context, vs []store.MemoryVector) error {
	dim, err := q.ensured()
	if err != nil {
		return err
	}
	points := make([]*qdrant.PointStruct, len(vs))
	for i, v := range vs {
		if err := checkVector(v, dim); err != nil {
			return err
		}
		indices, values := sparseDocument(v.Text)
		points[i] = &qdrant.PointStruct{
			Id: pointID(v.MemoryID),
			Vectors: qdrant.NewVectorsMap(map[string]*qdrant.Vector{
				"":            qdrant.NewVectorDense(v.Vector),
				lexicalVector: qdrant.NewVectorSparse(indices, values),
			}),
			Payload: map[string]*qdrant.Value{
				payloadMemoryID:    qdrant.NewValueString(v.MemoryID),
				payloadCharacterID: qdrant.NewValueString(v.CharacterID),
				payloadUserID:      qdrant.NewValueString(v.UserID),
				payloadChannelID:   qdrant.NewValueString(v.ChannelID),
				payloadKind:        qdrant.NewValueString(string(v.Kind)),
				payloadOccurredAt:  qdrant.NewValueInt(occurredMicros(v)),
			},
		}
	}
	for start := 0; start < len(points); start += qdrantUpsertChunk {
		ctx, cancel := q.call(ctx)
		_, err := q.client.Upsert(ctx, &qdrant.UpsertPoints{
			CollectionName: q.collection,
			Wait:           qdrant.PtrOf(true),
			Points:         points[start:min(start+qdrantUpsertChunk, len(points))],
		})
		cancel()
		if err != nil {
			return fmt.Errorf("qdrant vector store: upsert into %q: %w", q.collection, err)
		}
	}
	return nil
}

// Search queries the nearest points that match the filter.
func (q *QdrantStore) Search(ctx context.Context, vector []float32, f Filter, limit int) ([]Hit, error) {
	if limit < 1 {
		return nil, fmt.Errorf("qdrant vector store: search limit must be positive, got %d", limit)
	}
	dim, err := q.ensured()
	if err != nil {
		return nil, err
	}
	if len(vector) != dim {
		return nil, vectorDimensionError(len(vector), dim)
	}
	points, err := q.query(ctx, &qdrant.QueryPoints{Query: qdrant.NewQueryDense(vector)}, f, limit)
	if err != nil {
		return nil, err
	}
	hits := make([]Hit, 0, len(points))
	for _, p := range points {
		hits = append(hits, Hit{MemoryID: p.GetPayload()[payloadMemoryID].GetStringValue(), Similarity: p.GetScore()})
	}
	return hits, nil
}

// SearchText queries the sparse vectors of the points that match the
// filter with the query's terms; Qdrant's IDF modifier supplies the IDF
// (see sparse.go).
func (q *QdrantStore) SearchText(ctx context.Context, query string, f Filter, limit int) ([]TextHit, error) {
	if limit < 1 {
		return nil, fmt.Errorf("qdrant vector store: search limit must be positive, got %d", limit)
	}
	if _, err := q.ensured(); err != nil {
		return nil, err
	}
	indices, values := sparseQuery(query)
	if len(indices) == 0 {
		return nil, nil
	}
	points, err := q.query(ctx, &qdrant.QueryPoints{Query: qdrant.NewQuerySparse(indices, values), Using: qdrant.PtrOf(lexicalVector)}, f, limit)
	if err != nil {
		return nil, err
	}
	hits := make([]TextHit, 0, len(points))
	for _, p := range points {
		if p.GetScore() > 0 {
			hits = append(hits, TextHit{MemoryID: p.GetPayload()[payloadMemoryID].GetStringValue(), Score: float64(p.GetScore())})
		}
	}
	return hits, nil
}

// query runs req with the filter and the limit.
func (q *QdrantStore) query(ctx context.Context, req *qdrant.QueryPoints, f Filter, limit int) ([]*qdrant.ScoredPoint, error) {
	must := keywordConditions(f)
	if !f.After.IsZero() || !f.Before.IsZero() {
		r := &qdrant.Range{}
		if !f.After.IsZero() {
			r.Gte = qdrant.PtrOf(float64(f.After.UnixMicro()))
		}
		if !f.Before.IsZero() {
			r.Lte = qdrant.PtrOf(float64(f.Before.UnixMicro()))
		}
		must = append(must, qdrant.NewRange(payloadOccurredAt, r))
	}
	req.CollectionName = q.collection
	req.Limit = qdrant.PtrOf(uint64(limit))
	req.WithPayload = qdrant.NewWithPayloadInclude(payloadMemoryID)
	if len(must) > 0 {
		req.Filter = &qdrant.Filter{Must: must}
	}
	ctx, cancel := q.call(ctx)
	defer cancel()
	points, err := q.client.Query(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("qdrant vector store: search %q: %w", q.collection, err)
	}
	return points, nil
}

// keywordConditions matches the filter's character, user, channel and kind
// (those that are set) against the points' payload.
func keywordConditions(f Filter) []*qdrant.Condition {
	var must []*qdrant.Condition
	for field, value := range map[string]string{
		payloadCharacterID: f.CharacterID,
		payloadUserID:      f.UserID,
		payloadChannelID:   f.ChannelID,
		payloadKind:        string(f.Kind),
	} {
		if value != "" {
			must = append(must, qdrant.NewMatchKeyword(field, value))
		}
	}
	return must
}

// Delete removes the points of these memories; unknown IDs are ignored.
func (q *QdrantStore) Delete(ctx context.Context, memoryIDs []string) error {
	if len(memoryIDs) == 0 {
		return nil
	}
	ids := make([]*qdrant.PointId, len(memoryIDs))
	for i, id := range memoryIDs {
		ids[i] = pointID(id)
	}
	ctx, cancel := q.call(ctx)
	defer cancel()
	_, err := q.client.Delete(ctx, &qdrant.DeletePoints{
		CollectionName: q.collection,
		Wait:           qdrant.PtrOf(true),
		Points:         qdrant.NewPointsSelectorIDs(ids),
	})
	if err != nil {
		return fmt.Errorf("qdrant vector store: delete from %q: %w", q.collection, err)
	}
	return nil
}

// DeleteMatching deletes every point whose payload carries the filter's
// character or user (the IDs in SQL may not list them all). An empty filter
// is refused: it would delete the whole collection.
func (q *QdrantStore) DeleteMatching(ctx context.Context, f Filter) error {
	must := keywordConditions(Filter{CharacterID: f.CharacterID, UserID: f.UserID})
	if len(must) == 0 {
		return errors.New("qdrant vector store: delete matching: a character or a user is required")
	}
	ctx, cancel := q.call(ctx)
	defer cancel()
	_, err := q.client.Delete(ctx, &qdrant.DeletePoints{
		CollectionName: q.collection,
		Wait:           qdrant.PtrOf(true),
		Points:         qdrant.NewPointsSelectorFilter(&qdrant.Filter{Must: must}),
	})
	if err != nil {
		return fmt.Errorf("qdrant vector store: delete the points of %+v from %q: %w", f, q.collection, err)
	}
	return nil
}

// CountVectors counts the collection's points exactly.
func (q *QdrantStore) CountVectors(ctx context.Context) (int64, error) {
	ctx, cancel := q.call(ctx)
	defer cancel()
	n, err := q.client.Count(ctx, &qdrant.CountPoints{CollectionName: q.collection, Exact: qdrant.PtrOf(true)})
	if err != nil {
		return 0, fmt.Errorf("qdrant vector store: count the points of %q: %w", q.collection, err)
	}
	return int64(n), nil
}

// Ping asks whether our collection exists. Not HealthCheck: Qdrant exempts
// it from the API key, so readiness would stay green with a wrong or rotated
// key, or a deleted collection, while every upsert and search fails.
func (q *QdrantStore) Ping(ctx context.Context) error {
	ctx, cancel := q.call(ctx)
	defer cancel()
	exists, err := q.client.CollectionExists(ctx, q.collection)
	if err != nil {
		return fmt.Errorf("qdrant vector store at %s: %w", q.addr, err)
	}
	if !exists && q.dim.Load() != 0 {
		return fmt.Errorf("qdrant vector store at %s: collection %q is gone (a lost volume or a wiped server?); "+
			"restart the MCP server to recreate it, then run `charsimctl reindex`", q.addr, q.collection)
	}
	return nil
}

// Close closes the gRPC connections.
func (q *QdrantStore) Close() error { return q.client.Close() }

func (q *QdrantStore) ensured() (int, error) {
	dim := int(q.dim.Load())
	if dim == 0 {
		return 0, errNotEnsured
	}
	return dim, nil
}

// pointID is the memory ID when it is a UUID (the store generates UUIDv7s),
// otherwise a UUID derived from it; the payload keeps the original ID.
func pointID(memoryID string) *qdrant.PointId {
	if u, err := uuid.Parse(memoryID); err == nil {
		return qdrant.NewIDUUID(u.String())
	}
	return qdrant.NewIDUUID(uuid.NewSHA1(pointNamespace, []byte(memoryID)).String())
}
