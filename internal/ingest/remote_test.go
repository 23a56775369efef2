package ingest_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/ingest"
)

// remoteBucket stands in for a bucket on another S3 endpoint (the other side of s3remote.Sources): objects by
// key, or the remote's refusal.
type remoteBucket struct {
	objects map[string][]byte
	refuse  error
	reads   []string // remote/bucket/key/etag of each read
}

func (r *remoteBucket) GetRaw(_ context.Context, remote, bucket, key, etag string) (io.ReadCloser, time.Time, error) {
	r.reads = append(r.reads, remote+"/"+bucket+"/"+key+"/"+etag)
	if r.refuse != nil {
		return nil, time.Time{}, fmt.Errorf("remote %s: %w", remote, r.refuse)
	}
	return io.NopCloser(bytes.NewReader(r.objects[key])), time.Unix(1700000000, 0), nil
}

// TestRemoteObjects: an object whose ref names a remote is read through the remote reader (never seclake's
// S3), is another object than seclake's own of the same bucket, key and ETag, and a remote's refusal is the
// object's failure, with the remote's message, retried.
func TestRemoteObjects(t *testing.T) {
	e := newEnv(t, nil)
	key := "AWSLogs/111122223333/CloudTrail/us-east-1/2026/12/01/111122223333_CloudTrail_us-east-1_20261201T1000Z_r.json"
	data, err := os.ReadFile("../source/cloudtrail/testdata/management.json")
	require.NoError(t, err)
	rb := &remoteBucket{objects: map[string][]byte{key: data}}
	s := e.service(func(c *ingest.Config) { c.Remotes = rb })

	local := e.put(key, data)
	remote := local
	remote.Remote = "b"
	n, err := s.Enqueue(ctx, local, remote)
	require.NoError(t, err)
	require.Equal(t, 2, n, "the remote object is not seclake's object of the same name")
	drain(t, s)
	require.Equal(t, []string{"b/" + local.Bucket + "/" + key + "/" + local.ETag}, rb.reads)
	rows := e.rows("cloud_trail_mgmt")
	require.Positive(t, rows)
	require.Zero(t, rows%2, "both objects' events")

	rb.refuse = fmt.Errorf("SignatureDoesNotMatch: The request signature we calculated does not match")
	other := remote
	other.ETag = `"another"`
	_, err = s.Enqueue(ctx, other)
	require.NoError(t, err)
	require.NoError(t, s.Run(ctx))
	f, err := s.Failures(ctx, 10)
	require.NoError(t, err)
	require.Len(t, f, 1)
	require.Contains(t, f[0].Reason, "read b:s3://"+local.Bucket+"/"+key+": remote b: SignatureDoesNotMatch")
	require.Equal(t, "b", f[0].Ref.Remote)

	plain := e.service(nil)
	third := remote
	third.ETag = `"third"`
	_, err = plain.Enqueue(ctx, third)
	require.NoError(t, err)
	require.NoError(t, plain.Run(ctx))
	f, err = plain.Failures(ctx, 10)
	require.NoError(t, err)
	require.NotEmpty(t, f)
	require.Contains(t, fmt.Sprint(f), `no ingest remote named "b" is configured`)
}
