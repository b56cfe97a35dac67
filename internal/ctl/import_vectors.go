package ctl

import (
	"fmt"

	"github.com/mojin/charsim/internal/archive"
	"github.com/mojin/charsim/internal/memory"
	"github.com/mojin/charsim/internal/store"
)

// vectorPlan is how the memories of an import get their vectors in the
// target's vector store. Vectors from the archive are used only when the
// target's embedder made them (same fingerprint: name, feature version and
// dimension); otherwise the memories are embedded again, because vectors of
// two embedders are not comparable.
type vectorPlan struct {
	// store is the target's vector store, "embedded" or "qdrant".
	store string
	// embedder is the fingerprint of the target's embedder.
	embedder string
	// fromArchive are vectors taken from the archive, ready to write.
	fromArchive []store.MemoryVector
	// toEmbed are the memories to embed.
	toEmbed []store.Memory
	// ignored explains why the archive's vectors are not used ("" when they
	// are, or when it has none).
	ignored string
	// expected are the memories that must have a vector in the target
	// afterwards (the embedded store only: Qdrant is not counted here).
	expected []string
}

// planVectors decides where the vectors of the memories that need one come
// from: those the import adds, and for the embedded store those the target
// has unchanged but without a vector; for Qdrant, whose points the SQL store
// cannot list, every added or unchanged memory, which also repairs an
// earlier import whose Qdrant write failed (an upsert adds no point twice).
func planVectors(a *archive.Archive, p *importPlan, target *store.Dataset, vectorStore string, emb memory.Embedder, recorded string, isRecorded bool) (*vectorPlan, error) {
	want := memory.Fingerprint(emb)
	if isRecorded && recorded != want && len(target.Memories) > 0 {
		return nil, fmt.Errorf("the target's vectors (%s vector store) were made by %s, but this charsimctl embeds with %s: "+
			"set EMBEDDING_PROVIDER, EMBEDDING_MODEL and EMBEDDING_DIMENSIONS as the MCP server has them, or run charsimctl reindex on the target first",
			vectorStore, recorded, want)
	}
	for _, v := range target.Vectors {
		if len(v.Vector) != emb.Dimension() {
			return nil, fmt.Errorf("the target's embedded vectors have %d dimensions, this charsimctl's embedder (%s) makes %d: "+
				"set EMBEDDING_* as the MCP server has them, or run charsimctl reindex on the target first", len(v.Vector), want, emb.Dimension())
		}
	}

	vp := &vectorPlan{store: vectorStore, embedder: want}
	d := a.Data
	need := append([]int(nil), p.added[archive.KindMemory]...)
	if vectorStore == "qdrant" {
		need = append(need, p.sameMemories...)
	} else {
		vectored := keyIndex(target, archive.KindVector)
		for _, i := range p.sameMemories {
			if _, ok := vectored[d.Memories[i].ID]; !ok {
				need = append(need, i)
			}
		}
		for i := range p.added[archive.KindMemory] {
			vp.expected = append(vp.expected, d.Memories[p.added[archive.KindMemory][i]].ID)
		}
		for _, i := range p.sameMemories {
			vp.expected = append(vp.expected, d.Memories[i].ID)
		}
	}

	usable := false
	switch h := a.Header.Vectors; {
	case h == nil:
	case h.Embedder == "":
		vp.ignored = "the archive does not say which embedder made its vectors"
	case h.Embedder != want:
		vp.ignored = fmt.Sprintf("the archive's vectors were made by %s, the target's embedder is %s", h.Embedder, want)
	default:
		usable = true
	}
	archived := map[string]store.MemoryVector{}
	if usable {
		for _, v := range d.Vectors {
			archived[v.MemoryID] = v
		}
	}
	for _, i := range need {
		m := d.Memories[i]
		v, ok := archived[m.ID]
		if !ok {
			vp.toEmbed = append(vp.toEmbed, m)
			continue
		}
		// The filter fields are the memory's; Qdrant derives its lexical
		// vector from the text.
		v.CharacterID, v.UserID, v.ChannelID, v.Kind, v.Text, v.OccurredAt = m.CharacterID, m.UserID, m.ChannelID, m.Kind, m.Text, m.OccurredAt
		vp.fromArchive = append(vp.fromArchive, v)
	}
	return vp, nil
}

// describe says in one line what the plan does, or would do in a dry run.
func (vp *vectorPlan) describe(dryRun bool) string {
	take, embed := "took", "embedded"
	if dryRun {
		take, embed = "would take", "would embed"
	}
	s := fmt.Sprintf("vectors: %s %d from the archive and %s %d memories with %s, into the %s vector store",
		take, len(vp.fromArchive), embed, len(vp.toEmbed), vp.embedder, vp.store)
	if vp.ignored != "" {
		s += " (the archive's vectors are not used: " + vp.ignored + ")"
	}
	return s
}
