//go:build e2e

package e2e

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	"k8s.io/utils/ptr"

	"github.com/mojin/charsim/internal/testenv"
)

// localOperator runs the manager binary as a process of this machine against
// the cluster, as the release's ServiceAccount: pods on kwok nodes run
// nothing, and the token proves the chart's RBAC is all the manager needs.
type localOperator struct {
	binary, kubeconfig, logPath, namespace string
	dir                                    string
	keep                                   bool
	cmd                                    *exec.Cmd
	exited                                 chan struct{}
}

func startLocalOperator(ctx context.Context, e *environment) (*localOperator, error) {
	dir, err := os.MkdirTemp("", "charsim-e2e-")
	if err != nil {
		return nil, fmt.Errorf("operator directory: %w", err)
	}
	o := &localOperator{
		binary: e.manager, dir: dir, keep: e.keep, namespace: e.operatorNamespace,
		kubeconfig: filepath.Join(dir, "kubeconfig"), logPath: filepath.Join(dir, "manager.log"),
	}
	if o.binary == "" {
		o.binary = filepath.Join(dir, "manager")
		build := exec.CommandContext(ctx, "go", "build", "-o", o.binary, ".")
		build.Dir = testenv.RepoRoot()
		if out, err := build.CombinedOutput(); err != nil {
			return o, fmt.Errorf("build the manager: %w\n%s", err, out)
		}
	}
	if err := e.writeServiceAccountKubeconfig(ctx, o.kubeconfig); err != nil {
		return o, err
	}
	fmt.Fprintf(os.Stderr, "e2e: manager log: %s\n", o.logPath)
	return o, o.start(ctx)
}

// writeServiceAccountKubeconfig writes a kubeconfig for the cluster of the
// suite's own config that authenticates with a token of the release's
// ServiceAccount (TokenRequest API).
func (e *environment) writeServiceAccountKubeconfig(ctx context.Context, path string) error {
	var accounts corev1.ServiceAccountList
	if err := e.releaseObject(ctx, &accounts); err != nil {
		return err
	}
	if len(accounts.Items) != 1 {
		return fmt.Errorf("release %s has %d ServiceAccounts, want 1", e.release, len(accounts.Items))
	}
	sa := &accounts.Items[0]
	token := &authenticationv1.TokenRequest{Spec: authenticationv1.TokenRequestSpec{
		ExpirationSeconds: ptr.To(int64((6 * time.Hour).Seconds())),
	}}
	if err := e.client.SubResource("token").Create(ctx, sa, token); err != nil {
		return fmt.Errorf("request a token for ServiceAccount %s: %w", sa.Name, err)
	}
	return clientcmd.WriteToFile(tokenKubeconfig(e.cfg, sa.Namespace+"-"+sa.Name, token.Status.Token), path)
}

func tokenKubeconfig(cfg *rest.Config, user, token string) clientcmdapi.Config {
	cluster := clientcmdapi.NewCluster()
	cluster.Server = cfg.Host
	cluster.CertificateAuthority = cfg.CAFile
	cluster.CertificateAuthorityData = cfg.CAData
	cluster.InsecureSkipTLSVerify = cfg.Insecure
	cluster.TLSServerName = cfg.ServerName
	auth := clientcmdapi.NewAuthInfo()
	auth.Token = token
	kubeconfig := clientcmdapi.NewConfig()
	kubeconfig.Clusters["e2e"] = cluster
	kubeconfig.AuthInfos[user] = auth
	kubeconfig.Contexts["e2e"] = &clientcmdapi.Context{Cluster: "e2e", AuthInfo: user}
	kubeconfig.CurrentContext = "e2e"
	return *kubeconfig
}

func (o *localOperator) start(ctx context.Context) error {
	healthAddr, err := freeLocalAddress()
	if err != nil {
		return err
	}
	log, err := os.OpenFile(o.logPath, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("open manager log: %w", err)
	}
	defer log.Close()
	fmt.Fprintf(log, "=== e2e: manager started at %s ===\n", time.Now().Format(time.RFC3339Nano))
	cmd := exec.Command(o.binary,
		"--leader-elect", "--leader-election-namespace="+o.namespace,
		"--health-probe-bind-address="+healthAddr, "--metrics-bind-address=0")
	cmd.Env = append(withoutVar(os.Environ(), "KUBECONFIG"), "KUBECONFIG="+o.kubeconfig)
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start the manager: %w", err)
	}
	o.cmd, o.exited = cmd, make(chan struct{})
	go func() { _ = cmd.Wait(); close(o.exited) }()

	ready := "http://" + healthAddr + "/readyz"
	return poll(ctx, time.Minute, "the manager's "+ready, func(ctx context.Context) (string, bool, error) {
		select {
		case <-o.exited:
			return "", false, fmt.Errorf("the manager exited: %s; see %s", cmd.ProcessState, o.logPath)
		default:
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, ready, nil)
		if err != nil {
			return "", false, err
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return err.Error(), false, nil
		}
		resp.Body.Close()
		return resp.Status, resp.StatusCode == http.StatusOK, nil
	})
}

func (o *localOperator) kill(context.Context) error {
	if err := o.cmd.Process.Kill(); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("kill the manager: %w", err)
	}
	<-o.exited
	return nil
}

func (o *localOperator) stop(keepLog bool) error {
	defer func() {
		if keepLog || o.keep {
			fmt.Fprintf(os.Stderr, "e2e: kept the manager's log %s\n", o.logPath)
		} else {
			os.RemoveAll(o.dir)
		}
	}()
	if o.cmd == nil {
		return nil
	}
	if err := o.cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("stop the manager: %w", err)
	}
	select {
	case <-o.exited:
		return nil
	case <-time.After(15 * time.Second):
		_ = o.kill(context.Background())
		return errors.New("the manager ignored SIGTERM for 15s and was killed")
	}
}

func (o *localOperator) logTail(_ context.Context, lines int64) string {
	data, err := os.ReadFile(o.logPath)
	if err != nil {
		return err.Error()
	}
	all := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	return strings.Join(all[max(0, len(all)-int(lines)):], "\n")
}

// freeLocalAddress returns a loopback address with a port nobody listens on.
func freeLocalAddress() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().String(), nil
}

func withoutVar(env []string, name string) []string {
	var out []string
	for _, kv := range env {
		if !strings.HasPrefix(kv, name+"=") {
			out = append(out, kv)
		}
	}
	return out
}
