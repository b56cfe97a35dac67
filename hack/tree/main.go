// Command tree prints a CharacterSimulation and the objects it owns as a
// tree, following ownerReferences: the simulation, its workloads, their
// ReplicaSets and pods, Services, Secrets, policies. Objects carrying the
// simulation's label that nothing in the tree owns (the volume claims and
// store credentials, which outlive the simulation) are listed after it.
//
//	go run ./hack/tree -n demo tavern
//	go run ./hack/tree --kubeconfig .local/kubeconfig -n demo tavern
//
// make demo prints the sample simulation with it.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"time"

	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

func main() {
	namespace := flag.String("n", "default", "namespace of the simulation")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "usage: %s [--kubeconfig FILE] [-n NAMESPACE] SIMULATION\n", os.Args[0])
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() != 1 {
		flag.Usage()
		os.Exit(2)
	}
	if err := run(*namespace, flag.Arg(0)); err != nil {
		fmt.Fprintf(os.Stderr, "tree: %v\n", err)
		os.Exit(1)
	}
}

func run(namespace, name string) error {
	cfg, err := ctrl.GetConfig()
	if err != nil {
		return fmt.Errorf("load kubeconfig: %w", err)
	}
	c, err := client.New(cfg, client.Options{})
	if err != nil {
		return fmt.Errorf("create client: %w", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	objects, err := collect(ctx, c, namespace, name)
	if err != nil {
		return err
	}
	fmt.Print(render(objects))
	return nil
}
