// Command manager runs the charsim operator: it reconciles CharacterSimulation
// resources into PostgreSQL, Qdrant, Redis, the MCP server and the Discord bot.
package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"time"

	groupsnapshotv1 "github.com/kubernetes-csi/external-snapshotter/client/v8/apis/volumegroupsnapshot/v1"
	snapshotv1 "github.com/kubernetes-csi/external-snapshotter/client/v8/apis/volumesnapshot/v1"
	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/certwatcher"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	"sigs.k8s.io/controller-runtime/pkg/metrics/filters"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"github.com/mojin/charsim/api/v1alpha1"
	"github.com/mojin/charsim/controllers"
	"github.com/mojin/charsim/internal/resources"
	"github.com/mojin/charsim/internal/version"
)

// LeaderElectionID names the lease that elects the active manager.
const LeaderElectionID = "charsim.mojin.dev"

var (
	scheme   = runtime.NewScheme()
	setupLog = ctrl.Log.WithName("setup")
)

func init() {
	utilruntime.Must(clientgoscheme.AddToScheme(scheme))
	utilruntime.Must(v1alpha1.AddToScheme(scheme))
	utilruntime.Must(snapshotv1.AddToScheme(scheme))
	utilruntime.Must(groupsnapshotv1.AddToScheme(scheme))
}

func main() {
	var (
		metricsAddr, probeAddr, leaderElectionNamespace  string
		metricsCertPath, metricsCertName, metricsCertKey string
		enableLeaderElection, secureMetrics, enableHTTP2 bool
		showVersion                                      bool
		opts                                             = resources.DefaultOptions()
	)
	flag.StringVar(&metricsAddr, "metrics-bind-address", ":8443",
		"address the metrics endpoint binds to, e.g. :8443 for HTTPS or :8080 for HTTP; 0 disables it")
	flag.StringVar(&probeAddr, "health-probe-bind-address", ":8081", "address the health probe endpoint binds to")
	flag.BoolVar(&enableLeaderElection, "leader-elect", false,
		"elect a leader so that only one manager is active; required when running more than one replica")
	flag.StringVar(&leaderElectionNamespace, "leader-election-namespace", "",
		"namespace of the leader election lease; the manager's own namespace when empty (required out of cluster)")
	flag.BoolVar(&secureMetrics, "metrics-secure", true,
		"serve metrics over HTTPS, only to callers the API server authenticates and authorizes")
	flag.StringVar(&metricsCertPath, "metrics-cert-path", "",
		"directory with the metrics server certificate; a self-signed one is generated when empty")
	flag.StringVar(&metricsCertName, "metrics-cert-name", "tls.crt", "metrics server certificate file name")
	flag.StringVar(&metricsCertKey, "metrics-cert-key", "tls.key", "metrics server key file name")
	flag.BoolVar(&enableHTTP2, "enable-http2", false,
		"serve metrics over HTTP/2 too; off by default because of the HTTP/2 Stream Cancellation and Rapid Reset CVEs")
	flag.StringVar(&opts.MCPServerImage, "mcp-server-image", opts.MCPServerImage,
		"MCP server image for simulations that do not set spec.mcpServer.image")
	flag.StringVar(&opts.DiscordBotImage, "discord-bot-image", opts.DiscordBotImage,
		"Discord bot image for simulations that do not set spec.discordBot.image")
	flag.StringVar(&opts.OperatorImage, "operator-image", opts.OperatorImage,
		"image of the scheduled backup Jobs, which run its /charsimctl: the operator's own image")
	flag.BoolVar(&showVersion, "version", false, "print the version and exit")
	zapOpts := zap.Options{Development: false}
	zapOpts.BindFlags(flag.CommandLine)
	flag.Parse()

	if showVersion {
		fmt.Println(version.Version)
		return
	}
	ctrl.SetLogger(zap.New(zap.UseFlagOptions(&zapOpts)))
	if err := run(metricsOptions{
		addr: metricsAddr, secure: secureMetrics, http2: enableHTTP2,
		certPath: metricsCertPath, certName: metricsCertName, certKey: metricsCertKey,
	}, probeAddr, leaderElection{enabled: enableLeaderElection, namespace: leaderElectionNamespace}, opts); err != nil {
		setupLog.Error(err, "manager stopped")
		os.Exit(1)
	}
}

type metricsOptions struct {
	addr                        string
	secure, http2               bool
	certPath, certName, certKey string
}

type leaderElection struct {
	enabled   bool
	namespace string
}

func run(metrics metricsOptions, probeAddr string, leader leaderElection, opts resources.Options) error {
	var tlsOpts []func(*tls.Config)
	if !metrics.http2 {
		tlsOpts = append(tlsOpts, func(c *tls.Config) { c.NextProtos = []string{"http/1.1"} })
	}
	metricsServer := metricsserver.Options{
		BindAddress:   metrics.addr,
		SecureServing: metrics.secure,
		TLSOpts:       tlsOpts,
	}
	if metrics.secure {
		metricsServer.FilterProvider = filters.WithAuthenticationAndAuthorization
	}
	var certWatcher *certwatcher.CertWatcher
	if metrics.certPath != "" {
		var err error
		certWatcher, err = certwatcher.New(
			filepath.Join(metrics.certPath, metrics.certName),
			filepath.Join(metrics.certPath, metrics.certKey))
		if err != nil {
			return fmt.Errorf("load metrics certificate: %w", err)
		}
		metricsServer.TLSOpts = append(metricsServer.TLSOpts, func(c *tls.Config) {
			c.GetCertificate = certWatcher.GetCertificate
		})
	}

	mgr, err := ctrl.NewManager(ctrl.GetConfigOrDie(), ctrl.Options{
		Scheme:                  scheme,
		Metrics:                 metricsServer,
		HealthProbeBindAddress:  probeAddr,
		LeaderElection:          leader.enabled,
		LeaderElectionID:        LeaderElectionID,
		LeaderElectionNamespace: leader.namespace,
		// The manager exits right after losing the lease, so stepping down
		// early is safe and lets a new leader start at once.
		LeaderElectionReleaseOnCancel: true,
		Cache:                         controllers.CacheOptions(),
	})
	if err != nil {
		return fmt.Errorf("create manager: %w", err)
	}
	if err := (&controllers.CharacterSimulationReconciler{
		Client:    mgr.GetClient(),
		APIReader: mgr.GetAPIReader(),
		Recorder:  mgr.GetEventRecorder(controllers.FieldOwner),
		Options:   opts,
	}).SetupWithManager(mgr); err != nil {
		return fmt.Errorf("set up CharacterSimulation controller: %w", err)
	}
	if err := (&controllers.SimulationBackupReconciler{
		Client:    mgr.GetClient(),
		APIReader: mgr.GetAPIReader(),
		Recorder:  mgr.GetEventRecorder(controllers.FieldOwner),
	}).SetupWithManager(mgr); err != nil {
		return fmt.Errorf("set up SimulationBackup controller: %w", err)
	}
	if certWatcher != nil {
		if err := mgr.Add(certWatcher); err != nil {
			return fmt.Errorf("add metrics certificate watcher: %w", err)
		}
	}
	if err := mgr.AddHealthzCheck("healthz", healthz.Ping); err != nil {
		return fmt.Errorf("add health check: %w", err)
	}
	if err := mgr.AddReadyzCheck("readyz", healthz.Ping); err != nil {
		return fmt.Errorf("add ready check: %w", err)
	}
	// Ready only once the informers have synced: a watch the RBAC forbids
	// then shows as an unready manager instead of a silently idle one.
	if err := mgr.AddReadyzCheck("informers", func(req *http.Request) error {
		ctx, cancel := context.WithTimeout(req.Context(), time.Second)
		defer cancel()
		if !mgr.GetCache().WaitForCacheSync(ctx) {
			return errors.New("informer caches have not synced")
		}
		return nil
	}); err != nil {
		return fmt.Errorf("add informer ready check: %w", err)
	}

	setupLog.Info("Starting manager", "version", version.Version,
		"mcpServerImage", opts.MCPServerImage, "discordBotImage", opts.DiscordBotImage, "operatorImage", opts.OperatorImage)
	if err := mgr.Start(ctrl.SetupSignalHandler()); err != nil {
		return fmt.Errorf("run manager: %w", err)
	}
	return nil
}
