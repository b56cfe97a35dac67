//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/tools/portforward"
	"k8s.io/client-go/transport/spdy"
)

// portForwardTimeout bounds setting up a port-forward.
const portForwardTimeout = 30 * time.Second

// forwardPort forwards a free loopback port of this machine to port of the
// pod, as kubectl port-forward does, until the test ends, and returns the
// local address. The kubelet connects to the port from inside the pod's
// network namespace, so the pod's NetworkPolicies do not apply.
func forwardPort(t *testing.T, pod *corev1.Pod, port int32) string {
	t.Helper()
	roundTripper, upgrader, err := spdy.RoundTripperFor(suite.cfg)
	if err != nil {
		t.Fatalf("port-forward transport: %v", err)
	}
	url := suite.clientset.CoreV1().RESTClient().Post().
		Resource("pods").Namespace(pod.Namespace).Name(pod.Name).SubResource("portforward").URL()
	dialer := spdy.NewDialer(upgrader, &http.Client{Transport: roundTripper}, http.MethodPost, url)

	// Not the test's context: the forward must outlive the test's last
	// call, until the cleanups have closed the connections through it.
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan struct{})
	forwarder, err := portforward.NewOnAddressesWithContext(ctx, dialer, []string{"127.0.0.1"},
		[]string{"0:" + strconv.Itoa(int(port))}, ready, io.Discard, os.Stderr)
	if err != nil {
		cancel()
		t.Fatalf("port-forward to pod %s: %v", pod.Name, err)
	}
	var forwardErr error
	stopped := make(chan struct{})
	go func() {
		forwardErr = forwarder.ForwardPorts()
		close(stopped)
	}()
	t.Cleanup(func() {
		cancel()
		<-stopped
	})

	select {
	case <-ready:
	case <-stopped:
		t.Fatalf("port-forward to pod %s port %d ended before it was ready: %v", pod.Name, port, forwardErr)
	case <-time.After(portForwardTimeout):
		t.Fatalf("port-forward to pod %s port %d not ready after %s", pod.Name, port, portForwardTimeout)
	}
	ports, err := forwarder.GetPorts()
	if err != nil || len(ports) != 1 {
		t.Fatalf("port-forward to pod %s: local ports %v: %v", pod.Name, ports, err)
	}
	return fmt.Sprintf("127.0.0.1:%d", ports[0].Local)
}
