package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cmdbmock/cmdbmock/internal/redistest"
)

// replicaProcess is a cmdbmock binary serving on a shared store.
type replicaProcess struct {
	cmd  *exec.Cmd
	addr string
}

func startReplica(t *testing.T, bin, store string) *replicaProcess {
	t.Helper()
	cmd := exec.Command(bin, "--addr", "127.0.0.1:0", "--store", store, "--log-level", "warn")
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	addr := listenAddr(t, out)
	waitHealthy(t, addr)
	return &replicaProcess{cmd: cmd, addr: addr}
}

// create creates a set through the replica and reports whether it was acknowledged (code 0);
// any other answer must be CMDB's envelope.
func (r *replicaProcess) create(t *testing.T, name string) (acked bool, code int) {
	body := `{"bk_app_code":"a","bk_app_secret":"b","bk_username":"u","bk_biz_id":2,"data":{"bk_parent_id":2,"bk_set_name":"` + name + `"}}`
	client := &http.Client{Timeout: 10 * time.Second}
	resp, err := client.Post("http://"+r.addr+"/api/c/compapi/v2/cc/create_set/", "application/json", strings.NewReader(body))
	if err != nil {
		return false, -1 // the replica is gone
	}
	defer resp.Body.Close()
	var env struct {
		Result *bool `json:"result"`
		Code   int   `json:"code"`
	}
	raw, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(raw, &env); err != nil || env.Result == nil {
		t.Errorf("an answer that is not CMDB's envelope (HTTP %d): %s", resp.StatusCode, raw)
		return false, -2
	}
	return *env.Result, env.Code
}

func (r *replicaProcess) has(t *testing.T, name string) bool {
	body := `{"bk_app_code":"a","bk_app_secret":"b","bk_username":"u","bk_biz_id":2,"fields":["bk_set_id"],"condition":{"bk_set_name":"` + name + `"}}`
	return strings.Contains(postJSON(t, "http://"+r.addr+"/api/c/compapi/v2/cc/search_set/", body), `"count":1`)
}

// load creates sets through the replicas from a few goroutines until stop, and returns the names
// that were acknowledged.
func load(t *testing.T, replicas []*replicaProcess, stop <-chan struct{}) func() []string {
	var (
		mu    sync.Mutex
		acked []string
		wg    sync.WaitGroup
		n     atomic.Int64
	)
	for g := range 4 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				name := fmt.Sprintf("load-%d-%d", g, n.Add(1))
				if ok, _ := replicas[g%len(replicas)].create(t, name); ok {
					mu.Lock()
					acked = append(acked, name)
					mu.Unlock()
				}
			}
		})
	}
	return func() []string {
		wg.Wait()
		return acked
	}
}

// underLoad starts a Redis and two replicas on it, and load through both, until stop is closed;
// wait returns the names acknowledged.
func underLoad(t *testing.T) (redis *redistest.Server, a, b *replicaProcess, stop chan struct{}, wait func() []string) {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the binary and starts Redis")
	}
	redis = redistest.Start(t)
	bin := buildCmdbmock(t)
	a, b = startReplica(t, bin, redis.URL()), startReplica(t, bin, redis.URL())
	stop = make(chan struct{})
	return redis, a, b, stop, load(t, []*replicaProcess{a, b}, stop)
}

// TestKilledReplicaLosesNothing: under load through two replicas, one is killed (SIGKILL); every
// set either acknowledged is found through the other.
func TestKilledReplicaLosesNothing(t *testing.T) {
	_, a, b, stop, wait := underLoad(t)
	time.Sleep(500 * time.Millisecond)
	require.NoError(t, a.cmd.Process.Signal(syscall.SIGKILL))
	time.Sleep(300 * time.Millisecond)
	close(stop)
	acked := wait()
	require.Greater(t, len(acked), 100)
	for _, name := range acked {
		assert.True(t, b.has(t, name), "%s was acknowledged and is gone", name)
	}
}

// TestReplicasRideOutRedis: under load, Redis stops: every call is answered, in CMDB's envelope,
// and /healthz says not ready; Redis comes back: the replicas go on by themselves, and every set
// acknowledged before, during or after is there.
func TestReplicasRideOutRedis(t *testing.T) {
	redis, a, b, stop, wait := underLoad(t)
	time.Sleep(300 * time.Millisecond)
	redis.Stop()
	require.Eventually(t, func() bool {
		resp, err := http.Get("http://" + a.addr + "/healthz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusServiceUnavailable
	}, 15*time.Second, 50*time.Millisecond, "not ready while Redis is down")
	_, code := b.create(t, "while-redis-is-down")
	assert.Equal(t, 1199999, code, "the mock's own error, in the envelope")
	redis.Restart()
	for _, r := range []*replicaProcess{a, b} {
		waitHealthy(t, r.addr)
	}
	time.Sleep(300 * time.Millisecond)
	close(stop)
	acked := wait()
	ok, _ := a.create(t, "after-redis-is-back")
	assert.True(t, ok)
	for _, name := range append(acked, "after-redis-is-back") {
		if !assert.True(t, b.has(t, name), "%s was acknowledged and is gone", name) {
			t.Log(redis.Log())
			break
		}
	}
}

// TestStoreDownAtStart: a Redis that does not answer stops the start with a message and exit 2.
func TestStoreDownAtStart(t *testing.T) {
	err := run(context.Background(), []string{"--addr", "127.0.0.1:0", "--store", "redis://ops:pa55@127.0.0.1:1/0"}, getenv(nil), io.Discard, io.Discard)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "Redis at 127.0.0.1:1 does not answer")
	assert.NotContains(t, err.Error(), "pa55")
	assert.Equal(t, 2, exitCode(err))
}

// TestStoreURLRefusedWithoutItsSecrets: a --store that go-redis cannot use stops the start with
// exit 2 and a message that names what is wrong, never the password, wherever the URL holds it
// (a query's password is how some Redis clients take one).
func TestStoreURLRefusedWithoutItsSecrets(t *testing.T) {
	const secret = "st0re-s3cret-5b2"
	for store, want := range map[string]string{
		"redis://127.0.0.1:1/0?password=" + secret:    "unexpected option: password",
		"redis://ops:" + secret + "@127.0.0.1:1/x":    "invalid database number",
		"redis://ops:" + secret + "@127.0.0.1:port/0": "not a redis:// or rediss:// URL",
		"http://ops:" + secret + "@127.0.0.1:1/0":     "invalid URL scheme",
		"redis://127.0.0.1:1/0?x=1#" + secret:         "unexpected option: x",
		"redis://127.0.0.1:1/0?" + secret + "&db=0":   "not a redis:// or rediss:// URL",
	} {
		t.Run(store, func(t *testing.T) {
			err := run(context.Background(), []string{"--addr", "127.0.0.1:0", "--store", store}, getenv(nil), io.Discard, io.Discard)
			require.Error(t, err)
			assert.Contains(t, err.Error(), want)
			assert.NotContains(t, err.Error(), secret)
			assert.Equal(t, 2, exitCode(err))
		})
	}
}
