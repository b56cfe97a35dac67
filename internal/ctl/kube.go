package ctl

import (
	"fmt"

	"github.com/spf13/pflag"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/mojin/charsim/api/v1alpha1"
)

// kubeOptions are the flags that choose the cluster and namespace, as
// kubectl's: the kubeconfig's current context and namespace by default, and
// in a pod its ServiceAccount and namespace.
type kubeOptions struct {
	kubeconfig, context, namespace string
}

func (o *kubeOptions) bind(fs *pflag.FlagSet) {
	fs.StringVar(&o.kubeconfig, "kubeconfig", "", "kubeconfig file (default $KUBECONFIG or ~/.kube/config; in a pod, its ServiceAccount)")
	fs.StringVar(&o.context, "context", "", "kubeconfig context (default the current one)")
	fs.StringVarP(&o.namespace, "namespace", "n", "", "namespace (default the context's, or the pod's)")
}

// connect returns a client of the cluster and the namespace to work in.
func (o *kubeOptions) connect() (client.Client, string, error) {
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	rules.ExplicitPath = o.kubeconfig
	config := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, &clientcmd.ConfigOverrides{CurrentContext: o.context})
	rest, err := config.ClientConfig()
	if err != nil {
		return nil, "", fmt.Errorf("load the cluster connection (--kubeconfig, --context): %w", err)
	}
	namespace := o.namespace
	if namespace == "" {
		if namespace, _, err = config.Namespace(); err != nil {
			return nil, "", fmt.Errorf("find the namespace (--namespace): %w", err)
		}
	}
	scheme := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{clientgoscheme.AddToScheme, v1alpha1.AddToScheme} {
		if err := add(scheme); err != nil {
			return nil, "", fmt.Errorf("register API types: %w", err)
		}
	}
	c, err := client.New(rest, client.Options{Scheme: scheme})
	if err != nil {
		return nil, "", fmt.Errorf("create the cluster client: %w", err)
	}
	return c, namespace, nil
}
