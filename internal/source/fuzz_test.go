package source

import (
	"bytes"
	"io"
	"testing"
)

// FuzzOpenLines checks that reading any bytes as an object, gzip or not, line by line, never panics and keeps
// lines within MaxRecord.
func FuzzOpenLines(f *testing.F) {
	for _, seed := range []string{"a\nb\r\n", "\x1f\x8b", "\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff", ""} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := Open(bytes.NewReader(data))
		if err != nil {
			return
		}
		l := NewLines(io.LimitReader(r, 4<<20))
		for l.Next() {
			if len(l.Line()) > MaxRecord {
				t.Fatalf("line of %d bytes", len(l.Line()))
			}
		}
	})
}
