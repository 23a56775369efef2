package trail

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/seclake/seclake/internal/actor"
)

// FuzzParseDigest feeds arbitrary JSON to the digest parser: it never panics, and a digest it accepts has the
// members validation reads and encodes back to JSON it accepts again.
func FuzzParseDigest(f *testing.F) {
	f.Add([]byte(`{"awsAccountId":"111122223333","digestStartTime":"2015-08-17T14:01:31Z","digestEndTime":"2015-08-17T15:01:31Z",
"digestS3Bucket":"b","digestS3Object":"AWSLogs/x.json.gz","digestPublicKeyFingerprint":"31e8","digestSignatureAlgorithm":"SHA256withRSA",
"newestEventTime":null,"oldestEventTime":null,"previousDigestS3Bucket":null,"previousDigestS3Object":null,"previousDigestHashValue":null,
"previousDigestHashAlgorithm":null,"previousDigestSignature":null,"logFiles":[{"s3Bucket":"b","s3Object":"k","hashValue":"00","hashAlgorithm":"SHA-256"}]}`))
	f.Add([]byte(`{}`))
	f.Add([]byte(`[1,2]`))
	f.Fuzz(func(t *testing.T, js []byte) {
		d, err := ParseDigest(js)
		if err != nil {
			return
		}
		if d.DigestS3Object == "" || d.DigestPublicKeyFingerprint == "" {
			t.Fatalf("accepted a digest without its required members: %s", js)
		}
		_ = StringToSign(d, js)
		again, err := json.Marshal(d)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ParseDigest(again); err != nil {
			t.Fatalf("re-encoded digest refused: %v", err)
		}
	})
}

// FuzzParseRef feeds arbitrary names and ARNs to the trail reference parser: it never panics, and what it
// accepts formats back to an ARN it parses to the same trail.
func FuzzParseRef(f *testing.F) {
	for _, s := range []string{"MyTrail", "arn:aws:cloudtrail:us-east-1:111122223333:trail/MyTrail", "arn:aws:cloudtrail:::trail/", "a..b", "arn:"} {
		f.Add(s)
	}
	c := &actor.Caller{Identity: actor.Identity{Account: acct}}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := parseRef(c, home, s)
		if err != nil {
			if code(err) != "InvalidTrailNameException" && code(err) != "CloudTrailARNInvalidException" {
				t.Fatalf("unexpected error %v", err)
			}
			return
		}
		back, ok := parseARN(r.arn())
		if !ok || back.account != r.account || back.region != r.region || back.name != r.name {
			t.Fatalf("%q → %+v → %q → %+v", s, r, r.arn(), back)
		}
	})
}

// fuzzReader serves one digest file and nothing else.
type fuzzReader struct {
	key  string
	body []byte
	meta map[string]string
}

func (r *fuzzReader) List(_ context.Context, _, prefix string) ([]string, error) {
	if strings.HasPrefix(r.key, prefix) {
		return []string{r.key}, nil
	}
	return nil, nil
}

func (r *fuzzReader) Get(_ context.Context, _, key string) ([]byte, map[string]string, error) {
	if key == r.key {
		return r.body, r.meta, nil
	}
	return nil, nil, ErrNoSuchKey
}

func (r *fuzzReader) PublicKeys(context.Context, string) ([]PublicKey, error) { return nil, nil }

// FuzzValidateDigestFile feeds arbitrary digest file contents (raw or gzipped) to Validate: it never panics
// and never reports an unsigned file valid.
func FuzzValidateDigestFile(f *testing.F) {
	f.Add([]byte(`{"digestS3Bucket":"b"}`), "00", true)
	f.Add([]byte("\x1f\x8b garbage"), "", false)
	key := "AWSLogs/111122223333/CloudTrail-Digest/us-east-1/2026/03/01/111122223333_CloudTrail-Digest_us-east-1_tr1_us-east-1_20260301T130000Z.json.gz"
	f.Fuzz(func(t *testing.T, content []byte, sig string, zip bool) {
		body := content
		if zip {
			var b bytes.Buffer
			zw := gzip.NewWriter(&b)
			_, _ = zw.Write(content)
			_ = zw.Close()
			body = b.Bytes()
		}
		rd := &fuzzReader{key: key, body: body, meta: map[string]string{MetaSignature: sig}}
		rep, err := Validate(context.Background(), rd, ValidateInput{TrailARN: trailARN("tr1"), Bucket: "b"})
		if err != nil {
			t.Fatal(err)
		}
		if rep.ValidDigests != 0 {
			t.Fatalf("a digest without a known public key was found valid")
		}
	})
}
