package storetest

import (
	"testing"

	"github.com/mojin/charsim/internal/store"
)

var metaTests = []contractTest{
	{"MetaGetSet", func(t *testing.T, open Opener) {
		s := open(t)
		ctx := t.Context()
		get := func(key string) (string, bool) {
			t.Helper()
			v, ok, err := s.GetMeta(ctx, key)
			noErr(t, err)
			return v, ok
		}
		if v, ok := get("embedder"); ok || v != "" {
			t.Fatalf("GetMeta of a key never set = %q, %v; want not found", v, ok)
		}
		noErr(t, s.SetMeta(ctx, "embedder", "builtin:1"))
		noErr(t, s.SetMeta(ctx, "other", ""))
		if v, ok := get("embedder"); !ok || v != "builtin:1" {
			t.Fatalf("GetMeta = %q, %v; want builtin:1", v, ok)
		}
		// An empty value is a value.
		if v, ok := get("other"); !ok || v != "" {
			t.Fatalf("GetMeta of an empty value = %q, %v; want found", v, ok)
		}
		noErr(t, s.SetMeta(ctx, "embedder", "builtin:2"))
		if v, ok := get("embedder"); !ok || v != "builtin:2" {
			t.Fatalf("GetMeta after SetMeta again = %q, %v; want builtin:2", v, ok)
		}
		requireInvalid(t, s.SetMeta(ctx, "", "x"), "key")
		_, _, err := s.GetMeta(ctx, " ")
		requireInvalid(t, err, "key")
		// Meta is not a table of the dataset.
		if c := count(t, s); c != (store.Counts{}) {
			t.Fatalf("Count = %+v, want all zero", c)
		}
	}},
}
