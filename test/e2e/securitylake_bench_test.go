package e2e

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/stretchr/testify/require"
)

// lakeCall sends one SigV4-signed Security Lake request as root and returns the status and body.
func (s *server) lakeCall(ctx context.Context, method, path string, body []byte) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, method, s.URL+path, bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	sum := sha256.Sum256(body)
	if err := v4.NewSigner().SignHTTP(ctx, aws.Credentials{AccessKeyID: testKeyID, SecretAccessKey: testSecret}, req,
		hex.EncodeToString(sum[:]), "securitylake", testRegion, time.Now()); err != nil {
		return 0, nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}

// BenchmarkSecurityLakeControlPlane measures Security Lake control-plane calls over loopback, signed with SigV4:
// GetSubscriber and ListDataLakes (reads: authentication, authorization, one meta read, the audit record),
// UpdateSubscriber of the description (a write: one transaction, a durable audit record) and of the sources
// (the subscriber role's trust and policy rewritten through IAM as well, each call on the trail).
func BenchmarkSecurityLakeControlPlane(b *testing.B) {
	s := startServer(b, withConfig(unlimitedLake)) // the capacity, not the rate limit

	ctx := context.Background()
	role := createMetaStoreRoleFor(b, s)
	must := func(method, path, body string) []byte {
		code, out, err := s.lakeCall(ctx, method, path, []byte(body))
		require.NoError(b, err)
		require.Equal(b, http.StatusOK, code, "%s %s: %.300s", method, path, out)
		return out
	}
	must("POST", "/v1/datalake", `{"configurations":[{"region":"us-east-1"}],"metaStoreManagerRoleArn":"`+role+`"}`)
	_, err := s.app.SecurityLake().Provision(ctx)
	require.NoError(b, err)
	var sub struct{ Subscriber struct{ SubscriberID string } }
	require.NoError(b, json.Unmarshal(must("POST", "/v1/subscribers", `{"subscriberName":"siem","subscriberIdentity":{"principal":"`+testAccount+
		`","externalId":"bench-ext"},"sources":[{"awsLogSource":{"sourceName":"VPC_FLOW","sourceVersion":"2.0"}}]}`), &sub))
	id := sub.Subscriber.SubscriberID
	for _, bc := range []struct{ name, method, path, body string }{
		{"GetSubscriber", "GET", "/v1/subscribers/" + id, ""},
		{"ListDataLakes", "GET", "/v1/datalakes", ""},
		{"UpdateSubscriber", "PUT", "/v1/subscribers/" + id, `{"subscriberDescription":"bench"}`},
		{"UpdateSubscriberSources", "PUT", "/v1/subscribers/" + id, `{"sources":[{"awsLogSource":{"sourceName":"VPC_FLOW","sourceVersion":"2.0"}}]}`},
	} {
		call := func() {
			if code, out, err := s.lakeCall(ctx, bc.method, bc.path, []byte(bc.body)); err != nil || code != http.StatusOK {
				b.Fatal(fmt.Sprintf("%s: %d %v %.200s", bc.name, code, err, out))
			}
		}
		b.Run(bc.name+"/clients=1", func(b *testing.B) {
			cpu := processCPU()
			for range b.N {
				call()
			}
			reportRates(b, cpu)
		})
		b.Run(bc.name+"/clients=16", func(b *testing.B) {
			b.SetParallelism(max(1, 16/runtime.GOMAXPROCS(0)))
			cpu := processCPU()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					call()
				}
			})
			reportRates(b, cpu)
		})
	}
}
