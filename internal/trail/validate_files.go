package trail

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"sort"
	"time"
)

// maxInflated bounds the uncompressed size of a file Validate reads (a gzip bomb is reported as invalid).
const maxInflated = 1 << 30

// gunzip returns the uncompressed content of a gzip file.
func gunzip(b []byte) ([]byte, error) {
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	out, err := io.ReadAll(io.LimitReader(zr, maxInflated+1))
	if err == nil && len(out) > maxInflated {
		err = errors.New("larger than 1 GiB uncompressed")
	}
	return out, err
}

func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// sameHex compares two hex strings in constant time.
func sameHex(a, b string) bool { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }

// ParseDigest decodes a digest file's JSON and checks that it has the members validation needs.
func ParseDigest(js []byte) (*Digest, error) {
	var d Digest
	if err := json.Unmarshal(js, &d); err != nil {
		return nil, err
	}
	if d.DigestPublicKeyFingerprint == "" || d.DigestS3Bucket == "" || d.DigestS3Object == "" || d.DigestStartTime == "" || d.DigestEndTime == "" {
		return nil, errors.New("a required member is missing")
	}
	return &d, nil
}

// checkDigest validates one digest file: its format, its location, its signature, and that it is what its
// successor recorded (expect). It returns the digest, or what is wrong with it.
func (v *validator) checkDigest(key string, body []byte, meta map[string]string, expect link) (*Digest, FindingKind, string) {
	js, err := gunzip(body)
	var d *Digest
	if err == nil {
		d, err = ParseDigest(js)
	}
	if err != nil {
		return nil, FindingDigestInvalid, "invalid format: " + err.Error()
	}
	if d.DigestS3Bucket != v.in.Bucket || d.DigestS3Object != key {
		return nil, FindingDigestInvalid, "has been moved from its original location"
	}
	pub := v.keys[d.DigestPublicKeyFingerprint]
	if pub == nil {
		return nil, FindingDigestInvalid, "public key not found for fingerprint " + d.DigestPublicKeyFingerprint
	}
	sigHex := meta[MetaSignature]
	sig, err := hex.DecodeString(sigHex)
	sum := sha256.Sum256([]byte(StringToSign(d, js)))
	if err != nil || len(sig) == 0 || rsa.VerifyPKCS1v15(pub, crypto.SHA256, sum[:], sig) != nil {
		return nil, FindingDigestInvalid, "signature verification failed (the file or its signature was changed)"
	}
	if expect.successor != "" && (!sameHex(sha256Hex(js), expect.hash) || !sameHex(sigHex, expect.signature)) {
		return nil, FindingDigestModified, fmt.Sprintf("is not the digest file that its successor s3://%s/%s lists (replaced)", v.in.Bucket, expect.successor)
	}
	return d, "", ""
}

// predecessor follows a valid digest's link to the digest before it.
func (v *validator) predecessor(w *walk, digests []digestFile, d *Digest, df digestFile) (*digestFile, error) {
	prev := *d.PreviousDigestS3Object
	if *d.PreviousDigestS3Bucket != v.in.Bucket {
		v.rep.note("The digest chain continues in bucket %s, before s3://%s/%s; validate that bucket separately.", *d.PreviousDigestS3Bucket, v.in.Bucket, df.key)
		return w.newestUnvisited(digests, df.end), nil
	}
	w.expect[prev] = link{hash: deref(d.PreviousDigestHashValue), signature: deref(d.PreviousDigestSignature), successor: df.key}
	if w.visited[prev] {
		return w.newestUnvisited(digests, df.end), nil
	}
	if i, ok := w.listed[prev]; ok {
		return &digests[i], nil
	}
	end, ok := digestEnd(prev)
	if ok && !v.inRange(end) {
		return nil, nil // the chain leaves the time range
	}
	w.visited[prev] = true
	w.states = append(w.states, digestState{end: end})
	v.rep.Digests++
	v.rep.finding(FindingDigestDeleted, v.in.Bucket, prev, fmt.Sprintf("not found (s3://%s/%s lists it as its predecessor)", v.in.Bucket, df.key))
	return w.newestUnvisited(digests, df.end), nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

var digestTimeRE = regexp.MustCompile(`_(\d{8}T\d{6}Z)\.json\.gz$`)

// digestEnd returns the end time in a digest file's name.
func digestEnd(key string) (time.Time, bool) {
	m := digestTimeRE.FindStringSubmatch(key)
	if m == nil {
		return time.Time{}, false
	}
	t, err := time.Parse("20060102T150405Z", m[1])
	return t, err == nil
}

// logFiles checks the log files a valid digest lists.
func (v *validator) logFiles(ctx context.Context, w *walk, files []LogFile) error {
	for _, f := range files {
		v.rep.LogFiles++
		w.listedLogs[f.S3Bucket+"/"+f.S3Object] = true
		body, _, err := v.rd.Get(ctx, f.S3Bucket, f.S3Object)
		if errors.Is(err, ErrNoSuchKey) {
			v.rep.finding(FindingLogDeleted, f.S3Bucket, f.S3Object, "not found")
			continue
		}
		if err != nil {
			return fmt.Errorf("read log file %s: %w", f.S3Object, err)
		}
		js, err := gunzip(body)
		switch {
		case err != nil:
			v.rep.finding(FindingLogModified, f.S3Bucket, f.S3Object, "invalid format: "+err.Error())
		case !sameHex(sha256Hex(js), f.HashValue):
			v.rep.finding(FindingLogModified, f.S3Bucket, f.S3Object, "hash value doesn't match")
		default:
			v.rep.ValidLogFiles++
			v.rep.valid("Log file", f.S3Bucket, f.S3Object)
		}
	}
	return nil
}

// unlisted reports the files in a region's log folder that no valid digest lists: added, when a valid
// digest covers their delivery time; unverifiable, when the digest that would list them is invalid or
// missing; and pending, when no digest covers them yet.
func (v *validator) unlisted(ctx context.Context, region string, w *walk) error {
	prefix := logPrefix(v.in.Prefix, v.trail.account, kindLogs, region)
	keys, err := v.rd.List(ctx, v.in.Bucket, prefix)
	if err != nil {
		return fmt.Errorf("list log files: %w", err)
	}
	re := regexp.MustCompile("^" + regexp.QuoteMeta(prefix) + `\d{4}/\d{2}/\d{2}/` + regexp.QuoteMeta(v.trail.account+"_CloudTrail_"+region+"_") +
		`(\d{8}T\d{4}Z)_[A-Za-z0-9]{16}\.json\.gz$`)
	sort.Slice(w.states, func(i, j int) bool { return w.states[i].end.Before(w.states[j].end) })
	for _, k := range keys {
		if w.listedLogs[v.in.Bucket+"/"+k] {
			continue
		}
		m := re.FindStringSubmatch(k)
		if m == nil {
			v.rep.finding(FindingLogAdded, v.in.Bucket, k, "not a CloudTrail log file name, and not listed in any digest file")
			continue
		}
		at, _ := time.Parse("20060102T1504Z", m[1])
		if !v.inRange(at) {
			continue
		}
		switch w.cover(at) {
		case coverNone:
			v.rep.Pending = append(v.rep.Pending, k)
		case coverInvalid:
			v.rep.finding(FindingLogUnverified, v.in.Bucket, k, "cannot be validated: the digest file that would list it is invalid or missing")
		default:
			v.rep.finding(FindingLogAdded, v.in.Bucket, k, "not listed in any digest file (added)")
		}
	}
	return nil
}

// Whether digests cover a delivery time.
const (
	coverNone = iota
	coverValid
	coverInvalid
)

// cover says whether the digests cover a file delivered in the minute that starts at at: the digests that
// end in that minute and the first that ends after it.
func (w *walk) cover(at time.Time) int {
	out := coverNone
	for _, s := range w.states {
		if s.end.Before(at) {
			continue
		}
		if !s.valid {
			return coverInvalid
		}
		out = coverValid
		if !s.end.Before(at.Add(time.Minute)) {
			break
		}
	}
	return out
}
