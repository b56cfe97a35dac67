package podrun

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// Pod is one container of a pod template, with what its env and volumes
// refer to.
type Pod struct {
	// Name of the podman container.
	Name string
	// Spec is the pod template's spec; Container names the container to run
	// (empty: the only one).
	Spec      corev1.PodSpec
	Container string
	// Secrets by name, for secretKeyRef env and secret volumes.
	Secrets map[string]*corev1.Secret
	// Claims maps a volume that is a claim (a volumeClaimTemplate or a
	// persistentVolumeClaim) to the podman named volume that stands for it.
	Claims map[string]string
	// SecretDir is a host directory where the caller writes Run.Files; each
	// secret volume becomes one subdirectory of it, mounted read-only.
	SecretDir string
	// Network is podman's --network ("host": the container's ports are the
	// host's, and none is published); empty: podman's default, with every
	// container port published on 127.0.0.1 at a port podman picks.
	Network string
	// Hosts are extra /etc/hosts entries, name to address.
	Hosts map[string]string
}

// Run is a translated container.
type Run struct {
	// Args follow "podman run": flags, the image, then the container's args.
	Args []string
	// Env holds NAME=value for the podman process: Args pass every variable
	// as a bare "--env NAME", so no value (most are secrets) is in the
	// arguments.
	Env []string
	// Files are the secret volumes' files, to write before the run.
	Files []File
	// Unsupported names each field of the spec that is set and that podman
	// run cannot express, with why.
	Unsupported []string
}

// File is one file of a secret volume.
type File struct {
	Path string // absolute, under Pod.SecretDir
	Data []byte
	Mode os.FileMode
	// GID owns the file when not -1: Kubernetes gives secret volume files
	// the pod's fsGroup, which is how a non-root user reads a 0440 file.
	GID int64
}

// Translate turns the pod's container into podman run arguments. It fails on
// what would make the run untrue to the spec: a missing Secret or key, a
// volume it cannot back, a non-root pod whose user is root.
func Translate(p Pod) (Run, error) {
	c, index, err := container(p)
	if err != nil {
		return Run{}, err
	}
	field := fmt.Sprintf("spec.containers[%d]", index)
	var r Run
	unsupported := func(format string, args ...any) {
		r.Unsupported = append(r.Unsupported, fmt.Sprintf(format, args...))
	}
	r.Args = []string{"--name", p.Name}
	if p.Network != "" {
		r.Args = append(r.Args, "--network", p.Network)
	}
	for _, name := range sortedKeys(p.Hosts) {
		r.Args = append(r.Args, "--add-host", name+":"+p.Hosts[name])
	}

	security, err := securityArgs(p.Spec, c, field, unsupported)
	if err != nil {
		return Run{}, err
	}
	r.Args = append(r.Args, security...)

	env, values, err := envArgs(p, c, field, unsupported)
	if err != nil {
		return Run{}, err
	}
	r.Args, r.Env = append(r.Args, env...), values

	mounts, files, err := volumeArgs(p, c, field, unsupported)
	if err != nil {
		return Run{}, err
	}
	r.Args, r.Files = append(r.Args, mounts...), files

	if p.Network != "host" {
		for _, port := range c.Ports {
			r.Args = append(r.Args, "--publish", fmt.Sprintf("127.0.0.1::%d/%s", port.ContainerPort, strings.ToLower(string(protocol(port.Protocol)))))
		}
	}
	if limit, ok := c.Resources.Limits[corev1.ResourceMemory]; ok {
		r.Args = append(r.Args, "--memory", strconv.FormatInt(limit.Value(), 10))
	}
	if limit, ok := c.Resources.Limits[corev1.ResourceCPU]; ok {
		r.Args = append(r.Args, "--cpus", strconv.FormatFloat(float64(limit.MilliValue())/1000, 'f', -1, 64))
	}
	if len(c.Resources.Requests) > 0 {
		unsupported("%s.resources.requests: a scheduling hint, no node schedules here", field)
	}
	if g := p.Spec.TerminationGracePeriodSeconds; g != nil {
		r.Args = append(r.Args, "--stop-timeout", strconv.FormatInt(*g, 10))
	}
	if c.WorkingDir != "" {
		r.Args = append(r.Args, "--workdir", c.WorkingDir)
	}
	if len(c.Command) > 0 {
		entrypoint, err := json.Marshal(c.Command)
		if err != nil {
			return Run{}, fmt.Errorf("%s.command: %w", field, err)
		}
		r.Args = append(r.Args, "--entrypoint", string(entrypoint))
	}
	for _, fieldSet := range []struct {
		set  bool
		name string
	}{
		{p.Spec.ServiceAccountName != "", "spec.serviceAccountName: no API server to be known to"},
		{len(p.Spec.NodeSelector) > 0, "spec.nodeSelector: one machine, no scheduling"},
		{len(p.Spec.Tolerations) > 0, "spec.tolerations: one machine, no scheduling"},
		{p.Spec.Affinity != nil, "spec.affinity: one machine, no scheduling"},
		{len(p.Spec.InitContainers) > 0, "spec.initContainers: not run"},
		{c.Lifecycle != nil, field + ".lifecycle: no hooks"},
	} {
		if fieldSet.set {
			unsupported("%s", fieldSet.name)
		}
	}
	r.Args = append(r.Args, c.Image)
	r.Args = append(r.Args, c.Args...)
	return r, nil
}

// container finds the container to run.
func container(p Pod) (*corev1.Container, int, error) {
	if p.Name == "" {
		return nil, 0, errors.New("podrun: Pod.Name is empty")
	}
	if p.Container == "" {
		if len(p.Spec.Containers) != 1 {
			return nil, 0, fmt.Errorf("podrun %s: spec.containers has %d containers; name one in Pod.Container", p.Name, len(p.Spec.Containers))
		}
		return &p.Spec.Containers[0], 0, nil
	}
	for i := range p.Spec.Containers {
		if p.Spec.Containers[i].Name == p.Container {
			return &p.Spec.Containers[i], i, nil
		}
	}
	return nil, 0, fmt.Errorf("podrun %s: spec.containers has no container %q", p.Name, p.Container)
}

// securityArgs are the pod's and the container's security contexts, the
// container's fields overriding the pod's as in Kubernetes.
func securityArgs(spec corev1.PodSpec, c *corev1.Container, field string, unsupported func(string, ...any)) ([]string, error) {
	pod := spec.SecurityContext
	if pod == nil {
		pod = &corev1.PodSecurityContext{}
	}
	sc := c.SecurityContext
	if sc == nil {
		sc = &corev1.SecurityContext{}
	}
	uid, gid, nonRoot := first(sc.RunAsUser, pod.RunAsUser), first(sc.RunAsGroup, pod.RunAsGroup), first(sc.RunAsNonRoot, pod.RunAsNonRoot)
	var args []string
	switch {
	case uid != nil && gid != nil:
		args = append(args, "--user", fmt.Sprintf("%d:%d", *uid, *gid))
	case uid != nil:
		args = append(args, "--user", strconv.FormatInt(*uid, 10))
	case gid != nil:
		unsupported("%s: runAsGroup without runAsUser: podman sets no group without a user", field)
	}
	if nonRoot != nil && *nonRoot {
		if uid == nil {
			unsupported("%s: runAsNonRoot without runAsUser: the image's user is not checked", field)
		} else if *uid == 0 {
			return nil, fmt.Errorf("%s: runAsNonRoot is true but runAsUser is 0", field)
		}
	}
	groups := slices.Clone(pod.SupplementalGroups)
	if pod.FSGroup != nil {
		// Kubernetes adds fsGroup to the process's groups; it owns the volumes.
		groups = append(groups, *pod.FSGroup)
	}
	for _, g := range uniq(groups) {
		args = append(args, "--group-add", strconv.FormatInt(g, 10))
	}
	if sc.ReadOnlyRootFilesystem != nil && *sc.ReadOnlyRootFilesystem {
		// podman's --read-only alone mounts a writable /tmp, /var/tmp and
		// /run; Kubernetes mounts only what the pod asks for.
		args = append(args, "--read-only", "--read-only-tmpfs=false")
	}
	if sc.Privileged != nil && *sc.Privileged {
		args = append(args, "--privileged")
	}
	if sc.AllowPrivilegeEscalation != nil && !*sc.AllowPrivilegeEscalation {
		args = append(args, "--security-opt", "no-new-privileges")
	}
	if caps := sc.Capabilities; caps != nil {
		for _, cap := range caps.Drop {
			args = append(args, "--cap-drop", string(cap))
		}
		for _, cap := range caps.Add {
			args = append(args, "--cap-add", string(cap))
		}
	}
	seccomp := sc.SeccompProfile
	if seccomp == nil {
		seccomp = pod.SeccompProfile
	}
	if seccomp != nil {
		switch seccomp.Type {
		case corev1.SeccompProfileTypeRuntimeDefault:
			// podman's default profile is the runtime default: no flag.
		case corev1.SeccompProfileTypeUnconfined:
			args = append(args, "--security-opt", "seccomp=unconfined")
		default:
			unsupported("%s: seccompProfile %s: only RuntimeDefault and Unconfined", field, seccomp.Type)
		}
	}
	if sc.SELinuxOptions != nil || pod.SELinuxOptions != nil {
		unsupported("%s: seLinuxOptions", field)
	}
	if sc.AppArmorProfile != nil || pod.AppArmorProfile != nil {
		unsupported("%s: appArmorProfile", field)
	}
	for _, s := range pod.Sysctls {
		args = append(args, "--sysctl", s.Name+"="+s.Value)
	}
	return args, nil
}

// envArgs resolve the container's env: literal values, Secret keys and the
// container's own resource limits, as the kubelet does.
func envArgs(p Pod, c *corev1.Container, field string, unsupported func(string, ...any)) (args, values []string, err error) {
	if len(c.EnvFrom) > 0 {
		unsupported("%s.envFrom", field)
	}
	for i, e := range c.Env {
		at := fmt.Sprintf("%s.env[%d] (%s)", field, i, e.Name)
		value := e.Value
		switch from := e.ValueFrom; {
		case from == nil:
			if strings.Contains(value, "$(") {
				unsupported("%s: $(VAR) references are not expanded", at)
			}
		case from.SecretKeyRef != nil:
			ref := from.SecretKeyRef
			secret, ok := p.Secrets[ref.Name]
			if !ok {
				if ref.Optional != nil && *ref.Optional {
					continue
				}
				return nil, nil, fmt.Errorf("%s: Secret %q is not given", at, ref.Name)
			}
			data, ok := secretValue(secret, ref.Key)
			if !ok {
				return nil, nil, fmt.Errorf("%s: Secret %q has no key %q", at, ref.Name, ref.Key)
			}
			value = string(data)
		case from.ResourceFieldRef != nil:
			v, ok := resourceValue(c, from.ResourceFieldRef)
			if !ok {
				unsupported("%s: resourceFieldRef %s has no limit (the kubelet would give the node's capacity)", at, from.ResourceFieldRef.Resource)
				continue
			}
			value = v
		default:
			unsupported("%s: only secretKeyRef and resourceFieldRef sources", at)
			continue
		}
		args = append(args, "--env", e.Name)
		values = append(values, e.Name+"="+value)
	}
	return args, values, nil
}

// secretValue reads a key from Data or, for a Secret not yet stored, StringData.
func secretValue(s *corev1.Secret, key string) ([]byte, bool) {
	if v, ok := s.Data[key]; ok {
		return v, true
	}
	if v, ok := s.StringData[key]; ok {
		return []byte(v), true
	}
	return nil, false
}

// resourceValue is a resourceFieldRef of the container's limits, divided by
// the divisor (default 1) and rounded up, as the kubelet gives it.
func resourceValue(c *corev1.Container, ref *corev1.ResourceFieldSelector) (string, bool) {
	name, ok := strings.CutPrefix(ref.Resource, "limits.")
	if !ok {
		return "", false
	}
	q, ok := c.Resources.Limits[corev1.ResourceName(name)]
	if !ok {
		return "", false
	}
	divisor := int64(1)
	if !ref.Divisor.IsZero() {
		divisor = ref.Divisor.Value()
	}
	return strconv.FormatInt((q.Value()+divisor-1)/divisor, 10), true
}

// volumeArgs mount the container's volumes: an emptyDir is a tmpfs, a claim
// a named volume chowned to the user (what fsGroup does to a fresh
// volume), a secret a read-only directory of files.
func volumeArgs(p Pod, c *corev1.Container, field string, unsupported func(string, ...any)) (args []string, files []File, err error) {
	volumes := map[string]corev1.Volume{}
	for _, v := range p.Spec.Volumes {
		volumes[v.Name] = v
	}
	fsGroup := int64(-1)
	if sc := p.Spec.SecurityContext; sc != nil && sc.FSGroup != nil {
		fsGroup = *sc.FSGroup
	}
	for i, m := range c.VolumeMounts {
		at := fmt.Sprintf("%s.volumeMounts[%d] (%s)", field, i, m.Name)
		if m.SubPath != "" || m.SubPathExpr != "" {
			unsupported("%s: subPath", at)
		}
		if claim, ok := p.Claims[m.Name]; ok {
			opts := "U"
			if m.ReadOnly {
				opts = "ro,U"
			}
			args = append(args, "--volume", claim+":"+m.MountPath+":"+opts)
			continue
		}
		v, ok := volumes[m.Name]
		switch {
		case !ok:
			return nil, nil, fmt.Errorf("%s: no volume or claim of that name", at)
		case v.EmptyDir != nil:
			// An emptyDir is empty (notmpcopyup: podman would copy the
			// image's directory in) and mode 0777, as the kubelet makes it.
			// Over a directory of the image, podman 4.3 gives the tmpfs that
			// directory's mode instead (PostgreSQL's 2775 socket directory),
			// so U chowns it to the pod's user, who may then write to it as
			// to the emptyDir.
			opts := "rw,exec,nosuid,nodev,notmpcopyup,mode=0777,U"
			if limit := v.EmptyDir.SizeLimit; limit != nil {
				opts += ",size=" + strconv.FormatInt(limit.Value(), 10)
			}
			args = append(args, "--tmpfs", m.MountPath+":"+opts)
		case v.Secret != nil:
			dir, secretFiles, err := secretVolume(p, v, fsGroup)
			if err != nil {
				return nil, nil, fmt.Errorf("%s: %w", at, err)
			}
			// Kubernetes mounts secret volumes read-only whatever the mount says.
			args = append(args, "--volume", dir+":"+m.MountPath+":ro")
			files = append(files, secretFiles...)
		default:
			return nil, nil, fmt.Errorf("%s: only emptyDir, secret and claim volumes can be run", at)
		}
	}
	return args, files, nil
}

// secretVolume lays out a secret volume's files under SecretDir/<volume>.
func secretVolume(p Pod, v corev1.Volume, fsGroup int64) (string, []File, error) {
	if p.SecretDir == "" {
		return "", nil, errors.New("a secret volume needs Pod.SecretDir")
	}
	src := v.Secret
	secret, ok := p.Secrets[src.SecretName]
	if !ok {
		return "", nil, fmt.Errorf("Secret %q is not given", src.SecretName)
	}
	mode := os.FileMode(corev1.SecretVolumeSourceDefaultMode)
	if src.DefaultMode != nil {
		mode = os.FileMode(*src.DefaultMode)
	}
	dir := filepath.Join(p.SecretDir, v.Name)
	items := src.Items
	if len(items) == 0 {
		for _, key := range sortedKeys(secret.Data) {
			items = append(items, corev1.KeyToPath{Key: key, Path: key})
		}
	}
	var files []File
	for _, item := range items {
		data, ok := secretValue(secret, item.Key)
		if !ok {
			return "", nil, fmt.Errorf("Secret %q has no key %q", src.SecretName, item.Key)
		}
		if filepath.IsAbs(item.Path) || strings.Contains(item.Path, "..") {
			return "", nil, fmt.Errorf("Secret %q item path %q leaves the volume", src.SecretName, item.Path)
		}
		fileMode := mode
		if item.Mode != nil {
			fileMode = os.FileMode(*item.Mode)
		}
		files = append(files, File{Path: filepath.Join(dir, item.Path), Data: data, Mode: fileMode, GID: fsGroup})
	}
	return dir, files, nil
}

// WriteFiles writes a Run's files, creating their directories (readable
// and searchable by everyone, as the kubelet's volume directories are).
func WriteFiles(files []File) error {
	for _, f := range files {
		if err := os.MkdirAll(filepath.Dir(f.Path), 0o755); err != nil {
			return fmt.Errorf("secret volume %s: %w", f.Path, err)
		}
		if err := os.WriteFile(f.Path, f.Data, f.Mode); err != nil {
			return fmt.Errorf("secret volume %s: %w", f.Path, err)
		}
		// WriteFile's mode passes through the umask; the volume's may not.
		if err := os.Chmod(f.Path, f.Mode); err != nil {
			return fmt.Errorf("secret volume %s: %w", f.Path, err)
		}
		if f.GID >= 0 {
			if err := os.Chown(f.Path, -1, int(f.GID)); err != nil {
				return fmt.Errorf("secret volume %s: give it group %d: %w", f.Path, f.GID, err)
			}
		}
	}
	return nil
}

func protocol(p corev1.Protocol) corev1.Protocol {
	if p == "" {
		return corev1.ProtocolTCP
	}
	return p
}

func first[T any](a, b *T) *T {
	if a != nil {
		return a
	}
	return b
}

func uniq(s []int64) []int64 {
	slices.Sort(s)
	return slices.Compact(s)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
