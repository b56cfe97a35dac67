//go:build containers

package containers

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/redis/go-redis/v9"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"

	"github.com/mojin/charsim/internal/podrun"
	"github.com/mojin/charsim/internal/resources"
)

// storeUnsupported is what the store pods' translation may leave out.
var storeUnsupported = []string{"spec.containers[0].resources.requests"}

// TestStorePods runs the PostgreSQL and Redis StatefulSet pod templates with
// the tier's Debian-built images (the users' defaults stay the official
// images), a fresh named volume for each claim template, and their
// securityContext; every probe they declare must pass, and the credentials
// of their generated Secrets must be the ones that let a client in. A
// second start on the same volume must find the data.
func TestStorePods(t *testing.T) {
	postgresImage, redisImage := required(t, envPostgresImage), required(t, envRedisImage)
	objs := render(t, simulation(postgresImage, redisImage), resources.Options{MCPServerImage: "unused", DiscordBotImage: "unused"})

	t.Run("postgres", func(t *testing.T) {
		sts := objs.statefulSets[resources.PostgresName(simName)]
		secret := objs.secrets[resources.PostgresCredentialsName(simName)]
		volume := claimVolume(t, sts)
		pg := runStore(t, sts, objs.secrets, volume)
		url := postgresURL(secret, pg.hostPort(t, resources.PostgresPort, false))
		pgExec(t, url, "CREATE TABLE survived (note text); INSERT INTO survived VALUES ('kept')")
		wrong := strings.Replace(url, string(secret.Data[resources.KeyPassword]), "wrong", 1)
		if _, err := pgx.Connect(t.Context(), wrong); err == nil || !strings.Contains(err.Error(), "password authentication failed") {
			t.Errorf("a wrong password connects over TCP: %v", err)
		}
		pg.checkLogs(t)
		if _, err := podman(t.Context(), nil, "rm", "--force", "--time", "60", pg.name); err != nil {
			t.Fatal(err)
		}

		pg = runStore(t, sts, objs.secrets, volume)
		url = postgresURL(secret, pg.hostPort(t, resources.PostgresPort, false))
		if got := pgQuery(t, url, "SELECT note FROM survived"); got != "kept" {
			t.Errorf("after a restart on the same volume: %q, want kept", got)
		}
		pg.checkLogs(t)
	})

	t.Run("redis", func(t *testing.T) {
		sts := objs.statefulSets[resources.RedisName(simName)]
		secret := objs.secrets[resources.RedisCredentialsName(simName)]
		rd := runStore(t, sts, objs.secrets, claimVolume(t, sts))
		addr := rd.hostPort(t, resources.RedisPort, false)
		client := redis.NewClient(&redis.Options{Addr: addr, Password: string(secret.Data[resources.KeyPassword])})
		defer client.Close()
		if err := client.Set(t.Context(), "charsim:tier", "ok", 0).Err(); err != nil {
			t.Fatalf("SET with the generated password: %v", err)
		}
		anonymous := redis.NewClient(&redis.Options{Addr: addr})
		defer anonymous.Close()
		if err := anonymous.Get(t.Context(), "charsim:tier").Err(); err == nil || !strings.Contains(err.Error(), "NOAUTH") {
			t.Errorf("GET without the password: %v, want NOAUTH", err)
		}
		rd.checkLogs(t)
	})
}

// claimVolume is a fresh podman named volume for the StatefulSet's claim
// template, removed with the test.
func claimVolume(t *testing.T, sts *appsv1.StatefulSet) string {
	t.Helper()
	if n := len(sts.Spec.VolumeClaimTemplates); n != 1 {
		t.Fatalf("%s has %d claim templates, want 1", sts.Name, n)
	}
	name := "charsim-ct-" + resources.DataClaimName(sts.Name)
	_, _ = podman(context.Background(), nil, "volume", "rm", "--force", name)
	if _, err := podman(t.Context(), nil, "volume", "create", name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if _, err := podman(context.Background(), nil, "volume", "rm", "--force", name); err != nil {
			t.Errorf("remove volume %s: %v", name, err)
		}
	})
	return name
}

// runStore runs a store's pod with its probes, on podman's default network
// with the ports published on 127.0.0.1.
func runStore(t *testing.T, sts *appsv1.StatefulSet, secrets map[string]*corev1.Secret, volume string) *container {
	t.Helper()
	c := runPod(t, podrun.Pod{
		Name: "charsim-ct-" + sts.Name, Spec: sts.Spec.Template.Spec, Secrets: secrets,
		Claims: map[string]string{sts.Spec.VolumeClaimTemplates[0].Name: volume},
	}, storeUnsupported...)
	c.probes(t, false)
	return c
}

// postgresURL logs in with the generated Secret's user, password and database.
func postgresURL(secret *corev1.Secret, addr string) string {
	return fmt.Sprintf("postgres://%s:%s@%s/%s?sslmode=disable", secret.Data[resources.KeyUsername],
		secret.Data[resources.KeyPassword], addr, secret.Data[resources.KeyDatabase])
}

func pgExec(t *testing.T, url, sql string) {
	t.Helper()
	conn := pgConnect(t, url)
	defer conn.Close(context.Background())
	if _, err := conn.Exec(t.Context(), sql); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

func pgQuery(t *testing.T, url, sql string) string {
	t.Helper()
	conn := pgConnect(t, url)
	defer conn.Close(context.Background())
	var out string
	if err := conn.QueryRow(t.Context(), sql).Scan(&out); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return out
}

// pgConnect retries briefly: the probe passing means the server accepts
// TCP, but a published port may lag a moment behind.
func pgConnect(t *testing.T, url string) *pgx.Conn {
	t.Helper()
	var err error
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(300 * time.Millisecond) {
		var conn *pgx.Conn
		if conn, err = pgx.Connect(t.Context(), url); err == nil {
			return conn
		}
		var pgErr interface{ SQLState() string }
		if errors.As(err, &pgErr) {
			break
		}
	}
	t.Fatalf("connect to the PostgreSQL pod: %v", err)
	return nil
}
