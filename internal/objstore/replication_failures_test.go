package objstore

import "testing"

func TestReplicationCause(t *testing.T) {
	for in, want := range map[string]string{
		"replicate arn:aws:s3:::a/k1 version v1 to bucket b: User: r is not authorized": "replication to bucket b: User: r is not authorized",
		"replicate arn:aws:s3:::a/k2 version v2 to bucket b: User: r is not authorized": "replication to bucket b: User: r is not authorized",
		"remote x: connection refused": "remote x: connection refused",
	} {
		if got := replicationCause(in); got != want {
			t.Errorf("replicationCause(%q) = %q, want %q", in, got, want)
		}
	}
}
