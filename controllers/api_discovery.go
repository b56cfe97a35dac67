package controllers

import (
	"fmt"

	groupsnapshotv1 "github.com/kubernetes-csi/external-snapshotter/client/v8/apis/volumegroupsnapshot/v1"
	snapshotv1 "github.com/kubernetes-csi/external-snapshotter/client/v8/apis/volumesnapshot/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/rest"
)

// Optional APIs the backups use. Neither ships with Kubernetes: the CSI
// external-snapshotter installs them.
var (
	volumeSnapshotAPI      = snapshotv1.SchemeGroupVersion.WithResource("volumesnapshots")
	volumeGroupSnapshotAPI = groupsnapshotv1.SchemeGroupVersion.WithResource("volumegroupsnapshots")
)

// apiDiscovery asks the API server whether it serves an optional API. It
// asks every time rather than caching the answer: it is only asked when a
// backup starts or a simulation wants group snapshots, and an API installed
// (or removed) since must count.
type apiDiscovery struct {
	client discovery.DiscoveryInterface
}

func newAPIDiscovery(cfg *rest.Config) (*apiDiscovery, error) {
	c, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("create discovery client: %w", err)
	}
	return &apiDiscovery{client: c}, nil
}

// serves reports whether the API server serves the resource.
func (d *apiDiscovery) serves(api schema.GroupVersionResource) (bool, error) {
	list, err := d.client.ServerResourcesForGroupVersion(api.GroupVersion().String())
	if apierrors.IsNotFound(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("discover %s: %w", api.GroupVersion(), err)
	}
	for _, r := range list.APIResources {
		if r.Name == api.Resource {
			return true, nil
		}
	}
	return false, nil
}
