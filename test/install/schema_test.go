package install

import (
	"strings"
	"testing"
)

// TestValuesSchemaRefusesBadValues checks that values.schema.json (and the
// templates' own checks) refuse bad values with a message naming the value.
func TestValuesSchemaRefusesBadValues(t *testing.T) {
	h := newHelm(t)
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"replicas not a number", []string{"--set", "replicaCount=two"}, "/replicaCount"},
		{"negative replicas", []string{"--set", "replicaCount=-1"}, "/replicaCount"},
		{"unknown top-level value", []string{"--set", "replicas=2"}, "'replicas' not allowed"},
		{"misspelt nested value", []string{"--set", "metrics.serviceMonitor.enable=true"}, "'enable' not allowed"},
		{"pull policy not in enum", []string{"--set", "image.pullPolicy=Sometimes"}, "/image/pullPolicy"},
		{"empty image repository", []string{"--set", "image.repository="}, "/image/repository"},
		{"tag with a colon", []string{"--set", "mcpServerImage.tag=bad:tag"}, "/mcpServerImage/tag"},
		{"port out of range", []string{"--set", "metrics.port=70000"}, "/metrics/port"},
		{"port as text", []string{"--set-string", "healthProbePort=8081"}, "/healthProbePort"},
		{"flag without dashes", []string{"--set", "extraArgs[0]=zap-log-level=debug"}, "/extraArgs/0"},
		{"resource quantity", []string{"--set", "resources.limits.memory=lots"}, "/resources/limits/memory"},
		{"unknown resources key", []string{"--set", "resources.request.cpu=1"}, "'request' not allowed"},
		{"scrape interval", []string{"--set", "metrics.serviceMonitor.interval=soon"}, "/metrics/serviceMonitor/interval"},
		{"node selector value not a string", []string{"--set", "nodeSelector.zone=1"}, "/nodeSelector/zone"},
		{"switch as text", []string{"--set-string", "leaderElection.enabled=yes"}, "/leaderElection/enabled"},
		{"long fullnameOverride", []string{"--set", "fullnameOverride=" + strings.Repeat("x", 36)}, "/fullnameOverride"},
		{"replicas without leader election", []string{"--set", "replicaCount=2", "--set", "leaderElection.enabled=false"}, "needs leaderElection.enabled"},
		{"existing account without a name", []string{"--set", "serviceAccount.create=false"}, "serviceAccount.name is required"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			msg := h.templateError(t, tc.args...)
			if !strings.Contains(msg, tc.want) {
				t.Errorf("helm refused %v with %q, want it to name %q", tc.args, msg, tc.want)
			}
		})
	}
}
