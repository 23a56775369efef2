package e2e

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/smithy-go"
	"github.com/stretchr/testify/require"
	_ "modernc.org/sqlite"
)

func TestHealthAndMetrics(t *testing.T) {
	s := startServer(t)
	resp, err := http.Get(s.URL + "/_seclake/health")
	require.NoError(t, err)
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Equal(t, 200, resp.StatusCode)
	require.JSONEq(t, `{"status":"ok","detail":""}`, string(b))

	_, err = s.aws(t, "sts", "get-caller-identity")
	require.NoError(t, err)
	_, err = s.aws(t, "iam", "get-user", "--user-name", "ghost")
	require.Error(t, err)

	resp, err = http.Get(s.URL + "/_seclake/metrics")
	require.NoError(t, err)
	b, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	m := string(b)
	require.Contains(t, m, `seclake_requests_total{operation="GetCallerIdentity",service="sts",status="200"} 1`)
	require.Contains(t, m, `seclake_request_errors_total{code="NoSuchEntity",operation="GetUser",service="iam"} 1`)
	require.Contains(t, m, `seclake_request_duration_seconds_count{operation="GetCallerIdentity",service="sts"} 1`)
	require.Contains(t, m, "seclake_requests_in_flight")
	require.Contains(t, m, "go_goroutines")

	// Every log line of a request carries its ID, the one the client saw.
	require.Regexp(t, `request_id=[0-9a-f-]{36} service=iam operation=GetUser status=404`, s.logs.String())
}

// TestSIGTERMFinishesInFlightRequests stops the server with SIGTERM under load: every request either completes
// normally or is refused a connection — none is cut off or fails inside — and the process exits cleanly.
func TestSIGTERMFinishesInFlightRequests(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a server process")
	}
	dataDir := filepath.Join(t.TempDir(), "data")
	p := startProcess(t, dataDir)
	client := iam.NewFromConfig(p.rootConfig())
	var (
		mu     sync.Mutex
		acked  []string
		failed []error
		wg     sync.WaitGroup
		stop   = make(chan struct{})
	)
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				name := fmt.Sprintf("g%d-%d", w, i)
				_, err := client.CreateUser(context.Background(), &iam.CreateUserInput{UserName: aws.String(name)})
				mu.Lock()
				if err == nil {
					acked = append(acked, name)
				} else {
					var ae smithy.APIError
					if errors.As(err, &ae) { // an AWS error means the server failed a request it had accepted
						failed = append(failed, err)
					}
				}
				mu.Unlock()
				if err != nil {
					return // the server is gone
				}
			}
		}(w)
	}
	time.Sleep(300 * time.Millisecond)
	p.stop(t)
	close(stop)
	wg.Wait()
	require.Empty(t, failed, "requests failed inside the server during shutdown")
	require.NotEmpty(t, acked)

	p2 := startProcess(t, dataDir)
	client = iam.NewFromConfig(p2.rootConfig())
	for _, name := range acked {
		_, err := client.GetUser(context.Background(), &iam.GetUserInput{UserName: aws.String(name)})
		require.NoError(t, err, name)
	}
	p2.stop(t)
	out, code := runSeclake(t, "audit", "verify", "--data", dataDir)
	require.Equal(t, 0, code, out)
}

// TestAuditVerifyCatchesTampering changes one stored audit record behind seclake's back and checks that
// `seclake audit verify` reports it.
func TestAuditVerifyCatchesTampering(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a server process")
	}
	dataDir := filepath.Join(t.TempDir(), "data")
	p := startProcess(t, dataDir)
	client := iam.NewFromConfig(p.rootConfig())
	for i := 0; i < 5; i++ {
		_, err := client.CreateUser(context.Background(), &iam.CreateUserInput{UserName: aws.String(fmt.Sprintf("t%d", i))})
		require.NoError(t, err)
	}
	p.stop(t)
	out, code := runSeclake(t, "audit", "verify", "--data", dataDir)
	require.Equal(t, 0, code, out)
	require.Contains(t, out, "audit chain OK")

	db, err := sql.Open("sqlite", filepath.Join(dataDir, "meta.db"))
	require.NoError(t, err)
	// Records are stored a batch per row (keys "b" + first sequence number), their JSON usually compressed:
	// change the last byte of the last row, which belongs to its last record.
	var key, val []byte
	err = db.QueryRow(`SELECT k, v FROM kv WHERE tbl = 'audit' AND k >= X'62' AND k < X'63' ORDER BY k DESC LIMIT 1`).Scan(&key, &val)
	require.NoError(t, err, "no stored audit batch")
	forged := bytes.Clone(val)
	forged[len(forged)-1] ^= 1
	_, err = db.Exec(`UPDATE kv SET v = ? WHERE tbl = 'audit' AND k = ?`, forged, key)
	require.NoError(t, err)
	require.NoError(t, db.Close())

	out, code = runSeclake(t, "audit", "verify", "--data", dataDir)
	require.Equal(t, 1, code, out)
	require.Contains(t, out, "audit chain FAILED")
	require.True(t, strings.Contains(out, "modified") || strings.Contains(out, "corrupt"), out)
}
