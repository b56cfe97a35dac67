package main

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
)

// render draws objects[0] (the simulation) and, below it, every object it
// owns directly or through others. The remaining objects, which carry the
// simulation's label but are owned by nothing listed, follow as separate
// trees: they are not garbage-collected with the simulation.
func render(objects []*unstructured.Unstructured) string {
	if len(objects) == 0 {
		return ""
	}
	byUID := map[types.UID]*unstructured.Unstructured{}
	for _, o := range objects {
		byUID[o.GetUID()] = o
	}
	children := map[types.UID][]*unstructured.Unstructured{}
	var loose []*unstructured.Unstructured
	for _, o := range objects[1:] {
		if parent, ok := listedOwner(o, byUID); ok {
			children[parent] = append(children[parent], o)
		} else {
			loose = append(loose, o)
		}
	}
	for _, list := range children {
		slices.SortFunc(list, byKindThenName)
	}
	slices.SortFunc(loose, byKindThenName)

	var b strings.Builder
	drawTree(&b, objects[0], children, "", "")
	if len(loose) > 0 {
		fmt.Fprintf(&b, "\nLabelled for %s but not owned by it (not deleted with it):\n", objects[0].GetName())
		for _, o := range loose {
			drawTree(&b, o, children, "  ", "  ")
		}
	}
	return b.String()
}

// listedOwner returns the UID of the object's owner when that owner is among
// the listed objects, preferring the controller reference.
func listedOwner(o *unstructured.Unstructured, listed map[types.UID]*unstructured.Unstructured) (types.UID, bool) {
	refs := o.GetOwnerReferences()
	slices.SortStableFunc(refs, func(a, b metav1.OwnerReference) int {
		return cmp.Compare(boolRank(b.Controller), boolRank(a.Controller))
	})
	for _, ref := range refs {
		if _, ok := listed[ref.UID]; ok {
			return ref.UID, true
		}
	}
	return "", false
}

func boolRank(p *bool) int {
	if p != nil && *p {
		return 1
	}
	return 0
}

// drawTree writes one object's line and, indented with box-drawing lines,
// its children.
func drawTree(b *strings.Builder, o *unstructured.Unstructured, children map[types.UID][]*unstructured.Unstructured, firstPrefix, restPrefix string) {
	fmt.Fprintf(b, "%s%s\n", firstPrefix, describe(o))
	kids := children[o.GetUID()]
	for i, kid := range kids {
		if i == len(kids)-1 {
			drawTree(b, kid, children, restPrefix+"└─ ", restPrefix+"   ")
		} else {
			drawTree(b, kid, children, restPrefix+"├─ ", restPrefix+"│  ")
		}
	}
}

// describe is an object's line: Kind/name and, when known, its state.
func describe(o *unstructured.Unstructured) string {
	line := o.GetKind() + "/" + o.GetName()
	if s := summary(o); s != "" {
		line += "  " + s
	}
	return line
}

// byKindThenName orders objects as the kinds list does, then by name.
func byKindThenName(a, b *unstructured.Unstructured) int {
	return cmp.Or(cmp.Compare(kindRank(a.GetKind()), kindRank(b.GetKind())), cmp.Compare(a.GetName(), b.GetName()))
}

func kindRank(kind string) int {
	for i, k := range kinds {
		if k.Kind == kind {
			return i
		}
	}
	return len(kinds)
}
