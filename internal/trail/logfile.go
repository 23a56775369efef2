package trail

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"time"
)

// logKey returns the key of trail t's log file for region, delivered at time at, with unique string id:
// <prefix>/AWSLogs/<account>/CloudTrail/<region>/YYYY/MM/DD/<account>_CloudTrail_<region>_<YYYYMMDDTHHmmZ>_<id>.json.gz.
func logKey(t *Trail, region string, at time.Time, id string) string {
	at = at.UTC()
	return logPrefix(t.S3KeyPrefix, t.Account, kindLogs, region) + at.Format("2006/01/02/") +
		t.Account + "_CloudTrail_" + region + "_" + at.Format("20060102T1504Z") + "_" + id + ".json.gz"
}

// digestKey returns the key of trail t's digest file for region ending at end:
// <prefix>/AWSLogs/<account>/CloudTrail-Digest/<region>/YYYY/MM/DD/<account>_CloudTrail-Digest_<region>_<trail name>_<home region>_<YYYYMMDDTHHMMSSZ>.json.gz.
func digestKey(t *Trail, region string, end time.Time) string {
	end = end.UTC()
	return logPrefix(t.S3KeyPrefix, t.Account, kindDigests, region) + end.Format("2006/01/02/") +
		t.Account + "_CloudTrail-Digest_" + region + "_" + t.Name + "_" + t.HomeRegion + "_" + end.Format("20060102T150405Z") + ".json.gz"
}

const uniqueAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

// uniqueString returns the 16 random letters and digits that keep log file names apart.
func uniqueString(r io.Reader) (string, error) {
	var b [16]byte
	if _, err := io.ReadFull(r, b[:]); err != nil {
		return "", fmt.Errorf("trail: unique string: %w", err)
	}
	for i := range b {
		b[i] = uniqueAlphabet[int(b[i])%len(uniqueAlphabet)]
	}
	return string(b[:]), nil
}

// logBody builds a log file: the records' JSON inside {"Records":[…]}, gzipped as it is written, with the
// SHA-256 of the uncompressed JSON (what a digest lists) and the span of the records' event times.
type logBody struct {
	gz             bytes.Buffer
	zw             *gzip.Writer
	sum            hash.Hash
	w              io.Writer
	n              int
	oldest, newest time.Time
}

func newLogBody() *logBody {
	b := &logBody{sum: sha256.New()}
	b.zw = gzip.NewWriter(&b.gz)
	b.w = io.MultiWriter(b.zw, b.sum)
	return b
}

// add appends one record's JSON, exactly as the audit trail holds it.
func (b *logBody) add(js []byte, at time.Time) {
	sep := []byte(",")
	if b.n == 0 {
		sep = []byte(`{"Records":[`)
	}
	b.n++
	_, _ = b.w.Write(sep) // writes to a bytes.Buffer and a hash do not fail
	_, _ = b.w.Write(js)
	if b.oldest.IsZero() || at.Before(b.oldest) {
		b.oldest = at
	}
	if at.After(b.newest) {
		b.newest = at
	}
}

// finish closes the JSON and returns the gzipped file and the hex SHA-256 of its JSON.
func (b *logBody) finish() ([]byte, string, error) {
	if b.n == 0 {
		_, _ = b.w.Write([]byte(`{"Records":[`))
	}
	_, _ = b.w.Write([]byte("]}"))
	if err := b.zw.Close(); err != nil {
		return nil, "", fmt.Errorf("gzip log file: %w", err)
	}
	return b.gz.Bytes(), hex.EncodeToString(b.sum.Sum(nil)), nil
}
