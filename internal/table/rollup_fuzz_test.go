package table

import (
	"strings"
	"testing"
)

// FuzzReplicaSource: any key is either not a data file of an AWS source, or names a table whose prefix it starts
// with; it never panics.
func FuzzReplicaSource(f *testing.F) {
	for _, k := range []string{"aws/VPC_FLOW/2.0/data/region=ap-northeast-3/accountid=111122223333/eventday=20240501/x.zstd.parquet",
		"aws/VPC_FLOW/2.0/metadata/00001.metadata.json", "ext/x/1.0/data/a.parquet", "aws//2.0/data/a/b.parquet", ""} {
		f.Add(k)
	}
	f.Fuzz(func(t *testing.T, key string) {
		src, ok := replicaSource(key)
		if ok && !strings.HasPrefix(key, src.prefix()+"/data/") {
			t.Fatalf("%q: table %s", key, src.prefix())
		}
	})
}
