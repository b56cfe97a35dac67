package install

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
)

// decodeManifests splits a multi-document YAML stream (helm template,
// kustomize build) into objects. Documents holding only comments are skipped.
func decodeManifests(t *testing.T, stream []byte) []*unstructured.Unstructured {
	t.Helper()
	decoder := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(stream), 4096)
	var objects []*unstructured.Unstructured
	for {
		var doc map[string]any
		err := decoder.Decode(&doc)
		if errors.Is(err, io.EOF) {
			return objects
		}
		if err != nil {
			t.Fatalf("decode manifest %d: %v", len(objects)+1, err)
		}
		if len(doc) == 0 {
			continue
		}
		u := &unstructured.Unstructured{Object: doc}
		if u.GetKind() == "" || u.GetName() == "" {
			t.Fatalf("manifest %d has no kind or name: %v", len(objects)+1, doc)
		}
		objects = append(objects, u)
	}
}

// objectsOfKind returns the objects of one kind, in stream order.
func objectsOfKind(objects []*unstructured.Unstructured, kind string) []*unstructured.Unstructured {
	var found []*unstructured.Unstructured
	for _, o := range objects {
		if o.GetKind() == kind {
			found = append(found, o)
		}
	}
	return found
}

// onlyObject returns the single object of a kind and fails unless there is
// exactly one, decoded into the typed value into.
func onlyObject(t *testing.T, objects []*unstructured.Unstructured, kind string, into any) *unstructured.Unstructured {
	t.Helper()
	found := objectsOfKind(objects, kind)
	if len(found) != 1 {
		t.Fatalf("want exactly one %s, rendered %d", kind, len(found))
	}
	if into != nil {
		if err := decodeInto(found[0].Object, into); err != nil {
			t.Fatalf("decode %s %s: %v", kind, found[0].GetName(), err)
		}
	}
	return found[0]
}

// without returns the objects except those of the given kind.
func without(objects []*unstructured.Unstructured, kind string) []*unstructured.Unstructured {
	var kept []*unstructured.Unstructured
	for _, o := range objects {
		if o.GetKind() != kind {
			kept = append(kept, o)
		}
	}
	return kept
}

// decodeInto converts a decoded manifest (or part of one) into a typed value
// through JSON, so typed API objects and ad-hoc structs both work.
func decodeInto(object map[string]any, into any) error {
	raw, err := json.Marshal(object)
	if err != nil {
		return fmt.Errorf("encode manifest: %w", err)
	}
	if err := json.Unmarshal(raw, into); err != nil {
		return fmt.Errorf("decode manifest into %T: %w", into, err)
	}
	return nil
}
