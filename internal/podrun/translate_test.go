package podrun

import (
	"os"
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/utils/ptr"
)

// restricted is a pod as the operator renders its stores: Pod Security
// restricted, a claim, an emptyDir, a secret volume, secret env.
func restricted() Pod {
	return Pod{
		Name: "store",
		Spec: corev1.PodSpec{
			SecurityContext: &corev1.PodSecurityContext{
				RunAsNonRoot:   ptr.To(true),
				RunAsUser:      ptr.To[int64](999),
				RunAsGroup:     ptr.To[int64](999),
				FSGroup:        ptr.To[int64](999),
				SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
			},
			Containers: []corev1.Container{{
				Name:  "redis",
				Image: "localhost/redis:test",
				Args:  []string{"redis-server", "/etc/redis/redis.conf"},
				Ports: []corev1.ContainerPort{{Name: "redis", ContainerPort: 6379}},
				Env: []corev1.EnvVar{
					{Name: "PLAIN", Value: "x"},
					{Name: "REDISCLI_AUTH", ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{
						LocalObjectReference: corev1.LocalObjectReference{Name: "creds"}, Key: "password"}}},
				},
				SecurityContext: &corev1.SecurityContext{
					AllowPrivilegeEscalation: ptr.To(false),
					Capabilities:             &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
					ReadOnlyRootFilesystem:   ptr.To(true),
					RunAsNonRoot:             ptr.To(true),
				},
				VolumeMounts: []corev1.VolumeMount{
					{Name: "data", MountPath: "/data"},
					{Name: "config", MountPath: "/etc/redis", ReadOnly: true},
					{Name: "tmp", MountPath: "/tmp"},
				},
			}},
			Volumes: []corev1.Volume{
				{Name: "tmp", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}},
				{Name: "config", VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{
					SecretName: "creds", DefaultMode: ptr.To[int32](0o440),
					Items: []corev1.KeyToPath{{Key: "redis.conf", Path: "redis.conf"}},
				}}},
			},
		},
		Secrets: map[string]*corev1.Secret{"creds": {Data: map[string][]byte{
			"password": []byte("s3cret"), "redis.conf": []byte("requirepass s3cret\n"),
		}}},
		Claims:    map[string]string{"data": "store-data"},
		SecretDir: "/secrets",
	}
}

func TestTranslateRestrictedPod(t *testing.T) {
	r, err := Translate(restricted())
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"--name", "store",
		"--user", "999:999", "--group-add", "999",
		"--read-only", "--read-only-tmpfs=false",
		"--security-opt", "no-new-privileges",
		"--cap-drop", "ALL",
		"--env", "PLAIN", "--env", "REDISCLI_AUTH",
		"--volume", "store-data:/data:U",
		"--volume", "/secrets/config:/etc/redis:ro",
		"--tmpfs", "/tmp:rw,exec,nosuid,nodev,notmpcopyup,mode=0777,U",
		"--publish", "127.0.0.1::6379/tcp",
		"localhost/redis:test", "redis-server", "/etc/redis/redis.conf",
	}
	if !slices.Equal(r.Args, want) {
		t.Errorf("args\n got %q\nwant %q", r.Args, want)
	}
	if wantEnv := []string{"PLAIN=x", "REDISCLI_AUTH=s3cret"}; !slices.Equal(r.Env, wantEnv) {
		t.Errorf("env = %q, want %q", r.Env, wantEnv)
	}
	for _, a := range r.Args {
		if strings.Contains(a, "s3cret") {
			t.Errorf("a secret value is in the arguments: %q", a)
		}
	}
	wantFile := File{Path: "/secrets/config/redis.conf", Data: []byte("requirepass s3cret\n"), Mode: 0o440, GID: 999}
	if len(r.Files) != 1 || r.Files[0].Path != wantFile.Path || string(r.Files[0].Data) != string(wantFile.Data) ||
		r.Files[0].Mode != wantFile.Mode || r.Files[0].GID != wantFile.GID {
		t.Errorf("files = %+v, want [%+v]", r.Files, wantFile)
	}
	if len(r.Unsupported) != 0 {
		t.Errorf("unsupported = %q, want none", r.Unsupported)
	}
}

// TestTranslateFields holds each other field to its flag, or to its entry
// in Unsupported.
func TestTranslateFields(t *testing.T) {
	for _, tc := range []struct {
		name        string
		edit        func(p *Pod)
		args        []string // in this order, somewhere in Args
		env         []string
		unsupported string // a substring of one entry
	}{
		{name: "host network publishes nothing",
			edit: func(p *Pod) { p.Network = "host"; p.Hosts = map[string]string{"mcp": "127.0.0.1"} },
			args: []string{"--network", "host", "--add-host", "mcp:127.0.0.1"}},
		{name: "memory limit and GOMEMLIMIT from it", edit: func(p *Pod) {
			c := &p.Spec.Containers[0]
			c.Resources.Limits = corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("512Mi"), corev1.ResourceCPU: resource.MustParse("500m")}
			c.Env = append(c.Env, corev1.EnvVar{Name: "GOMEMLIMIT", ValueFrom: &corev1.EnvVarSource{
				ResourceFieldRef: &corev1.ResourceFieldSelector{Resource: "limits.memory"}}})
		}, args: []string{"--memory", "536870912", "--cpus", "0.5"}, env: []string{"GOMEMLIMIT=536870912"}},
		{name: "resourceFieldRef without a limit", edit: func(p *Pod) {
			c := &p.Spec.Containers[0]
			c.Env = append(c.Env, corev1.EnvVar{Name: "GOMEMLIMIT", ValueFrom: &corev1.EnvVarSource{
				ResourceFieldRef: &corev1.ResourceFieldSelector{Resource: "limits.memory"}}})
		}, unsupported: "env[2] (GOMEMLIMIT): resourceFieldRef limits.memory has no limit"},
		{name: "requests", edit: func(p *Pod) {
			p.Spec.Containers[0].Resources.Requests = corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("1")}
		}, unsupported: "resources.requests"},
		{name: "command is the entrypoint", edit: func(p *Pod) { p.Spec.Containers[0].Command = []string{"sh", "-c"} },
			args: []string{"--entrypoint", `["sh","-c"]`, "localhost/redis:test", "redis-server"}},
		{name: "unconfined seccomp", edit: func(p *Pod) {
			p.Spec.SecurityContext.SeccompProfile = &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeUnconfined}
		}, args: []string{"--security-opt", "seccomp=unconfined"}},
		{name: "localhost seccomp", edit: func(p *Pod) {
			p.Spec.SecurityContext.SeccompProfile = &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeLocalhost}
		}, unsupported: "seccompProfile Localhost"},
		{name: "container user overrides the pod's", edit: func(p *Pod) {
			p.Spec.Containers[0].SecurityContext.RunAsUser = ptr.To[int64](1000)
		}, args: []string{"--user", "1000:999"}},
		{name: "writable root", edit: func(p *Pod) { p.Spec.Containers[0].SecurityContext.ReadOnlyRootFilesystem = nil },
			args: []string{"--user"}},
		{name: "emptyDir size limit", edit: func(p *Pod) {
			p.Spec.Volumes[0].EmptyDir.SizeLimit = ptr.To(resource.MustParse("64Mi"))
		}, args: []string{"--tmpfs", "/tmp:rw,exec,nosuid,nodev,notmpcopyup,mode=0777,U,size=67108864"}},
		{name: "read-only claim", edit: func(p *Pod) { p.Spec.Containers[0].VolumeMounts[0].ReadOnly = true },
			args: []string{"--volume", "store-data:/data:ro,U"}},
		{name: "grace period", edit: func(p *Pod) { p.Spec.TerminationGracePeriodSeconds = ptr.To[int64](30) },
			args: []string{"--stop-timeout", "30"}},
		{name: "scheduling", edit: func(p *Pod) { p.Spec.NodeSelector = map[string]string{"disk": "ssd"} },
			unsupported: "spec.nodeSelector"},
		{name: "service account", edit: func(p *Pod) { p.Spec.ServiceAccountName = "store" },
			unsupported: "spec.serviceAccountName"},
		{name: "subPath", edit: func(p *Pod) { p.Spec.Containers[0].VolumeMounts[2].SubPath = "x" },
			unsupported: "volumeMounts[2] (tmp): subPath"},
		{name: "fieldRef", edit: func(p *Pod) {
			c := &p.Spec.Containers[0]
			c.Env = append(c.Env, corev1.EnvVar{Name: "POD", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.name"}}})
		}, unsupported: "env[2] (POD): only secretKeyRef and resourceFieldRef"},
		{name: "optional missing secret is left out", edit: func(p *Pod) {
			c := &p.Spec.Containers[0]
			c.Env = append(c.Env, corev1.EnvVar{Name: "OPT", ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{
				LocalObjectReference: corev1.LocalObjectReference{Name: "absent"}, Key: "k", Optional: ptr.To(true)}}})
		}, env: []string{"PLAIN=x", "REDISCLI_AUTH=s3cret"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := restricted()
			tc.edit(&p)
			r, err := Translate(p)
			if err != nil {
				t.Fatal(err)
			}
			if len(tc.args) > 0 && !containsRun(r.Args, tc.args) {
				t.Errorf("args %q do not hold %q", r.Args, tc.args)
			}
			if tc.name == "writable root" && slices.Contains(r.Args, "--read-only") {
				t.Errorf("args %q hold --read-only for a writable root", r.Args)
			}
			if tc.name == "host network publishes nothing" && slices.Contains(r.Args, "--publish") {
				t.Errorf("args %q publish a port on the host network", r.Args)
			}
			if tc.env != nil && !slices.Equal(r.Env, tc.env) && !containsRun(r.Env, tc.env) {
				t.Errorf("env %q does not hold %q", r.Env, tc.env)
			}
			found := tc.unsupported == ""
			for _, u := range r.Unsupported {
				found = found || strings.Contains(u, tc.unsupported)
			}
			if !found {
				t.Errorf("unsupported = %q, want an entry with %q", r.Unsupported, tc.unsupported)
			}
			if tc.unsupported == "" && len(r.Unsupported) > 0 {
				t.Errorf("unsupported = %q, want none", r.Unsupported)
			}
		})
	}
}

// TestTranslateRefuses lists what would make a run untrue to the spec.
func TestTranslateRefuses(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(p *Pod)
		want string
	}{
		{"root with runAsNonRoot", func(p *Pod) { p.Spec.SecurityContext.RunAsUser = ptr.To[int64](0) }, "runAsNonRoot is true but runAsUser is 0"},
		{"missing secret", func(p *Pod) { p.Secrets = nil }, `env[1] (REDISCLI_AUTH): Secret "creds" is not given`},
		{"missing key", func(p *Pod) { delete(p.Secrets["creds"].Data, "password") }, `Secret "creds" has no key "password"`},
		{"missing claim", func(p *Pod) { p.Claims = nil }, "volumeMounts[0] (data): no volume or claim of that name"},
		{"unknown volume type", func(p *Pod) {
			p.Spec.Volumes[0].VolumeSource = corev1.VolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: "/"}}
		}, "volumeMounts[2] (tmp): only emptyDir, secret and claim volumes"},
		{"escaping secret path", func(p *Pod) { p.Spec.Volumes[1].Secret.Items[0].Path = "../x" }, "leaves the volume"},
		{"no secret dir", func(p *Pod) { p.SecretDir = "" }, "needs Pod.SecretDir"},
		{"no name", func(p *Pod) { p.Name = "" }, "Pod.Name is empty"},
		{"unknown container", func(p *Pod) { p.Container = "nope" }, `no container "nope"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := restricted()
			tc.edit(&p)
			_, err := Translate(p)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want one with %q", err, tc.want)
			}
		})
	}
}

// TestWriteFiles lays out a secret volume as the kubelet does: the mode
// exactly, the fsGroup as group.
func TestWriteFiles(t *testing.T) {
	dir := t.TempDir()
	f := File{Path: dir + "/config/redis.conf", Data: []byte("x"), Mode: 0o440, GID: int64(os.Getgid())}
	if err := WriteFiles([]File{f}); err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(f.Path)
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != 0o440 {
		t.Errorf("mode = %v, want 0440", info.Mode().Perm())
	}
}

// containsRun reports whether want appears in s as consecutive elements.
func containsRun(s, want []string) bool {
	for i := 0; i+len(want) <= len(s); i++ {
		if slices.Equal(s[i:i+len(want)], want) {
			return true
		}
	}
	return false
}
