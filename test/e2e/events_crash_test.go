package e2e

import (
	"bufio"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestEventsKillDuringPutEventsLosesNothingAcknowledged sends a burst of PutEvents with boto3 to a rule whose
// target is an API destination, kills the server with SIGKILL mid-burst, restarts it, and checks that every event
// PutEvents acknowledged reaches the endpoint (at least once).
func TestEventsKillDuringPutEventsLosesNothingAcknowledged(t *testing.T) {
	if testing.Short() {
		t.Skip("starts and kills a server process")
	}
	var mu sync.Mutex
	got := map[string]bool{}
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var ev struct{ ID string }
		if json.NewDecoder(r.Body).Decode(&ev) == nil && ev.ID != "" {
			mu.Lock()
			got[ev.ID] = true
			mu.Unlock()
		}
	}))
	t.Cleanup(hs.Close)

	dataDir := filepath.Join(t.TempDir(), "data")
	p := startProcess(t, dataDir)
	s := &server{URL: p.URL}
	_, err := s.python(t, testKeyID, testSecret, `
import boto3, os
ev = boto3.client("events", endpoint_url=os.environ["ENDPOINT"], region_name="us-east-1")
conn = ev.create_connection(Name="c", AuthorizationType="BASIC", AuthParameters={"BasicAuthParameters": {"Username": "u", "Password": "p"}})
dest = ev.create_api_destination(Name="d", ConnectionArn=conn["ConnectionArn"], InvocationEndpoint="`+hs.URL+`/in", HttpMethod="POST")
ev.put_rule(Name="all", EventPattern='{"source":["burst"]}')
ev.put_targets(Rule="all", Targets=[{"Id": "d", "Arn": dest["ApiDestinationArn"]}])
`)
	require.NoError(t, err)

	// The producer prints the ID of every event PutEvents acknowledged, as soon as it is acknowledged.
	cmd := exec.Command("python3", "-u", "-c", `
import boto3, os, sys
ev = boto3.client("events", endpoint_url=os.environ["ENDPOINT"], region_name="us-east-1")
n = 0
while True:
    try:
        r = ev.put_events(Entries=[{"Source": "burst", "DetailType": "t", "Detail": '{"n": %d}' % (n + i)} for i in range(10)])
    except Exception as e:
        print("stopped:", e, file=sys.stderr)
        break
    n += 10
    for e in r["Entries"]:
        if "EventId" in e:
            print(e["EventId"], flush=True)
`)
	cmd.Env = append(cliEnv(testKeyID, testSecret, ""), "ENDPOINT="+p.URL)
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	var acked []string
	var ackMu sync.Mutex
	done := make(chan struct{})
	go func() {
		defer close(done)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			ackMu.Lock()
			acked = append(acked, strings.TrimSpace(sc.Text()))
			ackMu.Unlock()
		}
	}()
	for deadline := time.Now().Add(90 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		ackMu.Lock()
		n := len(acked)
		ackMu.Unlock()
		if n >= 200 {
			break
		}
	}
	p.kill(t)
	<-done // the producer stops at the first refused connection
	_ = cmd.Wait()
	require.GreaterOrEqual(t, len(acked), 200, "the burst was too slow to test anything")
	mu.Lock()
	before := len(got)
	mu.Unlock()
	t.Logf("%d events acknowledged before SIGKILL, %d delivered by then", len(acked), before)

	startProcess(t, dataDir)
	missing := func() []string {
		mu.Lock()
		defer mu.Unlock()
		var m []string
		for _, id := range acked {
			if !got[id] {
				m = append(m, id)
			}
		}
		return m
	}
	// Deliveries claimed when the server died come due again after their 30-second lease.
	require.Eventually(t, func() bool { return len(missing()) == 0 }, 2*time.Minute, 100*time.Millisecond,
		"acknowledged events never delivered")
}
