package ctl

import (
	"bytes"
	"testing"
	"time"

	"github.com/mojin/charsim/internal/archive"
	"github.com/mojin/charsim/internal/memory"
	"github.com/mojin/charsim/internal/store"
)

// readBack writes d as an archive whose vectors the named embedder made and reads it back.
func readBack(t *testing.T, d *store.Dataset, embedder string, dim int) *archive.Archive {
	t.Helper()
	h := archive.Header{Charsim: "test", CreatedAt: at(0)}
	if len(d.Vectors) > 0 {
		h.Vectors = &archive.Vectors{Embedder: embedder, Dimension: dim}
	}
	var buf bytes.Buffer
	if err := archive.Write(&buf, h, d, nil); err != nil {
		t.Fatal(err)
	}
	return must(archive.Read(&buf, archive.ReadOptions{}))(t)
}

// Which memories get which vectors, for both vector stores: Qdrant's points
// cannot be listed from the SQL store, so every memory it may lack is
// written again (which repairs an import whose Qdrant write failed).
func TestPlanVectors(t *testing.T) {
	emb := must(memory.NewBuiltinEmbedder(4))(t)
	// Times as a store returns them, to the microsecond.
	at := func(minutes int) time.Time { return at(minutes).Truncate(time.Microsecond) }
	aria := store.Character{ID: "c1", Name: "Aria", CreatedAt: at(0), UpdatedAt: at(0)}
	memories := []store.Memory{
		{ID: "m1", CharacterID: "c1", ChannelID: "harbor", Kind: store.KindEpisodic, Text: "the harbor froze", Importance: 3, OccurredAt: at(1), CreatedAt: at(1), LastAccessedAt: at(1)},
		{ID: "m2", CharacterID: "c1", Kind: store.KindSemantic, Text: "rope floats", Importance: 2, OccurredAt: at(2), CreatedAt: at(2), LastAccessedAt: at(2)},
		{ID: "m3", CharacterID: "c1", Kind: store.KindSemantic, Text: "maps lie", Importance: 2, OccurredAt: at(3), CreatedAt: at(3), LastAccessedAt: at(3)},
	}
	vectors := []store.MemoryVector{
		{MemoryID: "m1", CharacterID: "c1", Kind: store.KindEpisodic, Vector: []float32{1, 0, 0, 0}},
		{MemoryID: "m2", CharacterID: "c1", Kind: store.KindSemantic, Vector: []float32{0, 1, 0, 0}},
	}
	full := &store.Dataset{Characters: []store.Character{aria}, Memories: memories, Vectors: vectors}
	// The target has m1 with its vector and m2 without one; m3 is new.
	target := &store.Dataset{Characters: []store.Character{aria}, Memories: memories[:2], Vectors: vectors[:1]}

	for _, tc := range []struct {
		name, store, embedder string
		fromArchive, toEmbed  []string
		expected              []string
		ignored               bool
	}{
		{"embedded, same embedder", "embedded", memory.Fingerprint(emb), []string{"m2"}, []string{"m3"}, []string{"m3", "m1", "m2"}, false},
		{"embedded, another embedder", "embedded", "openai:x/4", nil, []string{"m3", "m2"}, []string{"m3", "m1", "m2"}, true},
		{"qdrant, same embedder", "qdrant", memory.Fingerprint(emb), []string{"m1", "m2"}, []string{"m3"}, nil, false},
		{"qdrant, unrecorded embedder", "qdrant", "", nil, []string{"m3", "m1", "m2"}, nil, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := readBack(t, full, tc.embedder, 4)
			plan := must(planImport(a, target))(t)
			tgt := target
			if tc.store == "qdrant" {
				tgt = &store.Dataset{Characters: target.Characters, Memories: target.Memories} // no vectors in SQL
			}
			vp := must(planVectors(a, plan, tgt, tc.store, emb, "", false))(t)
			var from, embed []string
			for _, v := range vp.fromArchive {
				from = append(from, v.MemoryID)
				if want := memoryByID(memories, v.MemoryID).Text; v.Text != want {
					t.Errorf("vector of %s carries text %q, want the memory's %q (Qdrant's lexical vector)", v.MemoryID, v.Text, want)
				}
			}
			for _, m := range vp.toEmbed {
				embed = append(embed, m.ID)
			}
			if !equalStrings(from, tc.fromArchive) || !equalStrings(embed, tc.toEmbed) || !equalStrings(vp.expected, tc.expected) {
				t.Errorf("from the archive %v, to embed %v, expected %v; want %v, %v, %v", from, embed, vp.expected, tc.fromArchive, tc.toEmbed, tc.expected)
			}
			if (vp.ignored != "") != tc.ignored {
				t.Errorf("ignored = %q, want ignored %v", vp.ignored, tc.ignored)
			}
		})
	}

	t.Run("the target's vectors are another embedder's", func(t *testing.T) {
		a := readBack(t, full, memory.Fingerprint(emb), 4)
		plan := must(planImport(a, target))(t)
		if _, err := planVectors(a, plan, target, "embedded", emb, "openai:other/4", true); err == nil {
			t.Error("planVectors accepted a target whose recorded embedder differs")
		}
		other := must(memory.NewBuiltinEmbedder(8))(t)
		if _, err := planVectors(a, plan, target, "embedded", other, "", false); err == nil {
			t.Error("planVectors accepted a target whose vectors have another dimension")
		}
	})
}

func memoryByID(ms []store.Memory, id string) store.Memory {
	for _, m := range ms {
		if m.ID == id {
			return m
		}
	}
	return store.Memory{}
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
