package s3blob

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/blob"
)

// FuzzObjectNames checks the mapping between blob keys and object names: it round-trips, it keeps the
// order of keys (List relies on it), and blobKey accepts exactly the names objectKey makes.
func FuzzObjectNames(f *testing.F) {
	for _, seed := range [][2]string{{"a/b", "a/b/c"}, {"a", "a-b"}, {"a/b", "a/b.c"}, {"x!", "p/x!"}, {"", "a"}} {
		f.Add(seed[0], seed[1])
	}
	stores := []*Store{{prefix: ""}, {prefix: "p/"}}
	f.Fuzz(func(t *testing.T, a, b string) {
		for _, s := range stores {
			na, errA := s.objectKey(a)
			nb, errB := s.objectKey(b)
			if errA == nil {
				got, ok := s.blobKey(na)
				require.True(t, ok, "%q", na)
				require.Equal(t, a, got)
			}
			if errA == nil && errB == nil {
				require.Equal(t, strings.Compare(a, b), strings.Compare(na, nb), "order of %q and %q", a, b)
			}
			// A name that blobKey accepts is the name of its key.
			if key, ok := s.blobKey(a); ok {
				name, err := s.objectKey(key)
				if err == nil {
					require.Equal(t, a, name)
				} else {
					require.ErrorIs(t, err, blob.ErrInvalidKey) // only the length limit
				}
			}
		}
	})
}
