package e2e

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	cttypes "github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/stretchr/testify/require"
)

// TestKillDuringWritesLosesNothingAcknowledged kills the server with SIGKILL in the middle of a burst of
// writes, restarts it, and checks that every write it acknowledged is there with its audit record, and that the
// audit chain verifies.
func TestKillDuringWritesLosesNothingAcknowledged(t *testing.T) {
	if testing.Short() {
		t.Skip("starts and kills a server process")
	}
	dataDir := filepath.Join(t.TempDir(), "data")
	p := startProcess(t, dataDir)
	client := iam.NewFromConfig(p.rootConfig())

	var (
		mu    sync.Mutex
		acked []string
		sent  atomic.Int64
		wg    sync.WaitGroup
	)
	ctx, cancel := context.WithCancel(context.Background())
	for w := 0; w < 16; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; ctx.Err() == nil; i++ {
				name := fmt.Sprintf("u%02d-%05d", w, i)
				sent.Add(1)
				if _, err := client.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(name)}); err == nil {
					mu.Lock()
					acked = append(acked, name)
					mu.Unlock()
				}
			}
		}(w)
	}
	// Let the burst run until a few hundred writes are acknowledged, then kill the server mid-flight.
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		mu.Lock()
		n := len(acked)
		mu.Unlock()
		if n >= 300 {
			break
		}
	}
	p.kill(t)
	cancel()
	wg.Wait()
	require.GreaterOrEqual(t, len(acked), 300, "the burst was too slow to test anything")
	t.Logf("sent %d CreateUser calls, %d acknowledged before SIGKILL", sent.Load(), len(acked))

	p2 := startProcess(t, dataDir)
	client = iam.NewFromConfig(p2.rootConfig())
	trail := cloudtrail.NewFromConfig(p2.rootConfig())
	for _, name := range acked {
		u, err := client.GetUser(context.Background(), &iam.GetUserInput{UserName: aws.String(name)})
		require.NoError(t, err, "acknowledged user %s is gone after the crash", name)
		ev, err := trail.LookupEvents(context.Background(), &cloudtrail.LookupEventsInput{
			LookupAttributes: []cttypes.LookupAttribute{{AttributeKey: cttypes.LookupAttributeKeyResourceName, AttributeValue: u.User.Arn}},
		})
		require.NoError(t, err)
		require.Len(t, ev.Events, 1, "acknowledged CreateUser %s has no audit record", name)
		require.Equal(t, "CreateUser", aws.ToString(ev.Events[0].EventName))
	}
	p2.stop(t)

	out, code := runSeclake(t, "audit", "verify", "--data", dataDir)
	require.Equal(t, 0, code, out)
	require.Contains(t, out, "audit chain OK")
}
