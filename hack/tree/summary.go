package main

import (
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// summary is the short state shown after an object's name: phase, ready
// replicas, claim size, and so on; empty for kinds with no state worth a word.
func summary(o *unstructured.Unstructured) string {
	str := func(fields ...string) string {
		v, _, _ := unstructured.NestedFieldNoCopy(o.Object, fields...)
		if v == nil {
			return ""
		}
		return fmt.Sprint(v)
	}
	num := func(fields ...string) int64 {
		v, _, _ := unstructured.NestedInt64(o.Object, fields...)
		return v
	}
	switch o.GetKind() {
	case "CharacterSimulation", "SimulationBackup":
		return str("status", "phase")
	case "StatefulSet", "Deployment", "ReplicaSet":
		return fmt.Sprintf("%d/%d ready", num("status", "readyReplicas"), num("spec", "replicas"))
	case "Pod":
		return join(str("status", "phase"), prefixed("on ", str("spec", "nodeName")))
	case "PersistentVolumeClaim":
		return join(str("status", "phase"), str("status", "capacity", "storage"))
	case "Service":
		return join(str("spec", "type"), str("spec", "clusterIP"))
	case "Secret":
		return str("type")
	case "CronJob":
		return str("spec", "schedule")
	case "VolumeSnapshot":
		return prefixed("readyToUse=", str("status", "readyToUse"))
	}
	return ""
}

func prefixed(prefix, s string) string {
	if s == "" {
		return ""
	}
	return prefix + s
}

func join(parts ...string) string {
	var kept []string
	for _, p := range parts {
		if p != "" {
			kept = append(kept, p)
		}
	}
	return strings.Join(kept, " ")
}
