package trail_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/x509"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/objstore"
	"github.com/seclake/seclake/internal/trail"
)

// digestEnv is a trail with log file validation that has run for two hours and ten minutes: two digests per
// region and log files after them.
func digestEnv(t *testing.T, multi bool) *env {
	t.Helper()
	e := newEnv(t)
	keyARN := e.destination(t, "tr1")
	e.createTrail(t, trail.CreateInput{Name: "tr1", S3BucketName: bucket, KmsKeyID: keyARN, EnableLogFileValidation: true, IsMultiRegionTrail: multi})
	for i := range 26 {
		e.event(t, acct, home, "kms.amazonaws.com", "CreateAlias", false)
		if multi && i%4 == 0 {
			e.event(t, acct, "eu-west-1", "kms.amazonaws.com", "CreateAlias", false)
		}
		e.deliver(t)
	}
	return e
}

func (e *env) validate(t *testing.T) *trail.Report {
	t.Helper()
	rep, err := trail.Validate(context.Background(), &objReader{e.s3, e.root, e.svc}, trail.ValidateInput{TrailARN: trailARN("tr1"), Bucket: bucket})
	require.NoError(t, err)
	return rep
}

func (e *env) digest(t *testing.T, key string) (*trail.Digest, map[string]string) {
	t.Helper()
	body, meta, err := (&objReader{e.s3, e.root, e.svc}).Get(context.Background(), bucket, key)
	require.NoError(t, err)
	js, err := trail.Gunzip(body)
	require.NoError(t, err)
	d, err := trail.ParseDigest(js)
	require.NoError(t, err)
	return d, meta
}

func TestDigestFilesChainAndSign(t *testing.T) {
	ctx := context.Background()
	e := digestEnv(t, false)
	digests := e.keys(t, "AWSLogs/"+acct+"/CloudTrail-Digest/")
	require.Len(t, digests, 2)
	require.Regexp(t, `^AWSLogs/111122223333/CloudTrail-Digest/us-east-1/2026/03/01/111122223333_CloudTrail-Digest_us-east-1_tr1_us-east-1_20260301T130000Z\.json\.gz$`, digests[0])

	first, meta := e.digest(t, digests[0])
	require.Equal(t, trail.SignatureAlgorithm, meta[trail.MetaSignatureAlgorithm])
	require.Nil(t, first.PreviousDigestSignature, "the first digest of a chain has no predecessor")
	require.Equal(t, "2026-03-01T12:00:00Z", first.DigestStartTime)
	require.Equal(t, "2026-03-01T13:00:00Z", first.DigestEndTime)
	require.Len(t, first.LogFiles, 12)
	second, _ := e.digest(t, digests[1])
	require.Equal(t, digests[0], *second.PreviousDigestS3Object)
	require.Equal(t, meta[trail.MetaSignature], *second.PreviousDigestSignature)
	require.Equal(t, first.DigestEndTime, second.DigestStartTime)

	obj, err := e.s3.HeadObject(ctx, e.root, objstore.GetInput{Bucket: bucket, Key: digests[0]})
	require.NoError(t, err)
	require.Equal(t, "AES256", obj.Object.SSE.Algorithm, "digest files are SSE-S3")

	keys, err := e.svc.ListPublicKeys(ctx, e.root, nil, nil)
	require.NoError(t, err)
	require.Len(t, keys, 1)
	require.Equal(t, first.DigestPublicKeyFingerprint, keys[0].Fingerprint)
	_, err = x509.ParsePKCS1PublicKey(keys[0].Value)
	require.NoError(t, err)
	none, err := e.svc.ListPublicKeys(ctx, rootCaller(acct, "eu-west-1"), nil, nil)
	require.NoError(t, err)
	require.Empty(t, none, "keys are per region")
	later, earlier := e.clock.Now(), e.clock.Now().Add(-time.Hour)
	_, err = e.svc.ListPublicKeys(ctx, e.root, &later, &earlier)
	require.Equal(t, "InvalidTimeRangeException", code(err))

	_, st, err := e.svc.GetTrailStatus(ctx, e.root, "tr1")
	require.NoError(t, err)
	require.Equal(t, time.Date(2026, 3, 1, 14, 0, 0, 0, time.UTC), st.LatestDigestDeliveryTime)

	rep := e.validate(t)
	require.True(t, rep.OK(), "%+v", rep.Findings)
	require.Equal(t, 2, rep.ValidDigests)
	require.Equal(t, 24, rep.ValidLogFiles)
	require.Len(t, rep.Pending, 2, "the files delivered after the last digest")
}

func TestValidateFindsChangedDeletedAndAddedFiles(t *testing.T) {
	ctx := context.Background()
	logKeys := func(t *testing.T, e *env) []string { return e.keys(t, "AWSLogs/"+acct+"/CloudTrail/") }
	digestKeys := func(t *testing.T, e *env) []string { return e.keys(t, "AWSLogs/"+acct+"/CloudTrail-Digest/") }
	gz := func(t *testing.T, s string) []byte {
		var b bytes.Buffer
		zw := gzip.NewWriter(&b)
		_, _ = zw.Write([]byte(s))
		require.NoError(t, zw.Close())
		return b.Bytes()
	}
	cases := []struct {
		name   string
		tamper func(t *testing.T, e *env) []string // returns the keys expected in the findings
		want   []trail.FindingKind
	}{
		{name: "untouched"},
		{name: "log file changed", want: []trail.FindingKind{trail.FindingLogModified}, tamper: func(t *testing.T, e *env) []string {
			k := logKeys(t, e)[3]
			e.put(t, k, gz(t, `{"Records":[]}`))
			return []string{k}
		}},
		{name: "log file deleted", want: []trail.FindingKind{trail.FindingLogDeleted}, tamper: func(t *testing.T, e *env) []string {
			k := logKeys(t, e)[5]
			require.NoError(t, e.s3.DeleteObject(ctx, e.root, bucket, k))
			return []string{k}
		}},
		{name: "log file added", want: []trail.FindingKind{trail.FindingLogAdded}, tamper: func(t *testing.T, e *env) []string {
			k := strings.Replace(logKeys(t, e)[2], "_CloudTrail_us-east-1_20260301T1215Z_", "_CloudTrail_us-east-1_20260301T1216Z_", 1)
			require.NotEqual(t, logKeys(t, e)[2], k)
			e.put(t, k, gz(t, `{"Records":[{"eventName":"Forged"}]}`))
			return []string{k}
		}},
		{name: "odd file added", want: []trail.FindingKind{trail.FindingLogAdded}, tamper: func(t *testing.T, e *env) []string {
			k := "AWSLogs/" + acct + "/CloudTrail/us-east-1/2026/03/01/notes.txt"
			e.put(t, k, []byte("hello"))
			return []string{k}
		}},
		{name: "digest changed", want: []trail.FindingKind{trail.FindingDigestInvalid, trail.FindingLogUnverified}, tamper: func(t *testing.T, e *env) []string {
			k := digestKeys(t, e)[0]
			d, _ := e.digest(t, k)
			body := gz(t, strings.Replace(mustJSON(t, d), d.LogFiles[0].HashValue, strings.Repeat("0", 64), 1))
			e.put(t, k, body) // no signature metadata any more, and the content differs
			return []string{k}
		}},
		{name: "digest deleted", want: []trail.FindingKind{trail.FindingDigestDeleted, trail.FindingLogUnverified}, tamper: func(t *testing.T, e *env) []string {
			k := digestKeys(t, e)[0]
			require.NoError(t, e.s3.DeleteObject(ctx, e.root, bucket, k))
			return []string{k}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := digestEnv(t, false)
			var keys []string
			if tc.tamper != nil {
				keys = tc.tamper(t, e)
			}
			rep := e.validate(t)
			var kinds []trail.FindingKind
			seen := map[trail.FindingKind]bool{}
			for _, f := range rep.Findings {
				if !seen[f.Kind] {
					kinds = append(kinds, f.Kind)
					seen[f.Kind] = true
				}
			}
			require.Equal(t, tc.want, kinds, "%+v", rep.Findings)
			for i, k := range keys {
				require.Equal(t, k, rep.Findings[i].Key)
			}
			var out bytes.Buffer
			require.NoError(t, rep.Write(&out, false))
			if tc.tamper == nil {
				require.Contains(t, out.String(), "2/2 digest files valid\n24/24 log files valid")
				return
			}
			require.Contains(t, out.String(), "INVALID")
		})
	}
}

func TestValidateFollowsEveryRegionOfAMultiRegionTrail(t *testing.T) {
	e := digestEnv(t, true)
	rep := e.validate(t)
	require.True(t, rep.OK(), "%+v", rep.Findings)
	require.Equal(t, 4, rep.ValidDigests, "two per region")
	west := e.keys(t, "AWSLogs/"+acct+"/CloudTrail-Digest/eu-west-1/")
	require.Len(t, west, 2)
	require.Contains(t, west[0], "_CloudTrail-Digest_eu-west-1_tr1_us-east-1_")
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return string(b)
}

func TestDigestIsDueOnTimeOnAClockWithFractionsOfASecond(t *testing.T) {
	e := newEnv(t)
	e.clock.Advance(300 * time.Millisecond)
	keyARN := e.destination(t, "tr1")
	e.createTrail(t, trail.CreateInput{Name: "tr1", S3BucketName: bucket, KmsKeyID: keyARN, EnableLogFileValidation: true})
	for range 12 {
		e.deliver(t)
	}
	require.Len(t, e.keys(t, "AWSLogs/"+acct+"/CloudTrail-Digest/"), 1, "the digest an hour after logging started")
}
