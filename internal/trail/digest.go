package trail

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
	"time"

	"github.com/seclake/seclake/internal/meta"
	"github.com/seclake/seclake/internal/objstore"
)

// Digest is a digest file, in CloudTrail's format and member order. Its signature is not in it: it is the
// object's x-amz-meta-signature.
type Digest struct {
	AWSAccountID                string    `json:"awsAccountId"`
	DigestStartTime             string    `json:"digestStartTime"`
	DigestEndTime               string    `json:"digestEndTime"`
	DigestS3Bucket              string    `json:"digestS3Bucket"`
	DigestS3Object              string    `json:"digestS3Object"`
	DigestPublicKeyFingerprint  string    `json:"digestPublicKeyFingerprint"`
	DigestSignatureAlgorithm    string    `json:"digestSignatureAlgorithm"`
	NewestEventTime             *string   `json:"newestEventTime"`
	OldestEventTime             *string   `json:"oldestEventTime"`
	PreviousDigestS3Bucket      *string   `json:"previousDigestS3Bucket"`
	PreviousDigestS3Object      *string   `json:"previousDigestS3Object"`
	PreviousDigestHashValue     *string   `json:"previousDigestHashValue"`
	PreviousDigestHashAlgorithm *string   `json:"previousDigestHashAlgorithm"`
	PreviousDigestSignature     *string   `json:"previousDigestSignature"`
	LogFiles                    []LogFile `json:"logFiles"`
}

// Metadata names of a digest object (x-amz-meta-…).
const (
	MetaSignature          = "signature"
	MetaSignatureAlgorithm = "signature-algorithm"
)

// StringToSign returns what a digest file's signature signs: its end time, its S3 path (bucket/key), the hex
// SHA-256 of its JSON, and the previous digest's hex signature ("null" for the first of a chain).
func StringToSign(d *Digest, digestJSON []byte) string {
	prev := "null"
	if d.PreviousDigestSignature != nil {
		prev = *d.PreviousDigestSignature
	}
	sum := sha256.Sum256(digestJSON)
	return d.DigestEndTime + "\n" + d.DigestS3Bucket + "/" + d.DigestS3Object + "\n" + hex.EncodeToString(sum[:]) + "\n" + prev
}

// deliverDigests writes the digest files of trail t that are due: one per region whose period has lasted
// DigestInterval, listing the log files delivered in it, chained to the region's previous digest. While the
// trail does not log, only regions with files waiting get one.
func (s *Service) deliverDigests(ctx context.Context, t *Trail, now time.Time) error {
	var st *status
	var err error
	t, st, err = s.load(ctx, t.storeKey())
	if err != nil || !t.LogFileValidationEnabled {
		return err
	}
	regions := make([]string, 0, len(st.Digests))
	for r, ch := range st.Digests {
		if now.Sub(ch.Start) >= s.cfg.DigestInterval {
			regions = append(regions, r)
		}
	}
	sort.Strings(regions)
	for _, r := range regions {
		if err := s.writeDigest(ctx, t, r, st.Digests[r], st.Logging, now); err != nil {
			return err
		}
	}
	return nil
}

// writeDigest writes one region's digest and starts its next period.
func (s *Service) writeDigest(ctx context.Context, t *Trail, region string, ch *chain, logging bool, now time.Time) error {
	var keys []string
	var files []LogFile
	err := s.cfg.Store.View(ctx, func(tx meta.Tx) error {
		var err error
		keys, files, err = pendingFiles(tx, t.storeKey(), region)
		return err
	})
	if err != nil || !logging && len(files) == 0 {
		return err
	}
	g, err := s.signer(ctx, t, region)
	if err != nil {
		return err
	}
	d := newDigest(t, region, ch, files, g.fingerprint, now)
	js, err := json.Marshal(d)
	if err != nil {
		return fmt.Errorf("encode digest: %w", err)
	}
	sig, err := g.sign(s, StringToSign(d, js))
	if err != nil {
		return err
	}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	_, _ = zw.Write(js)
	if err := zw.Close(); err != nil {
		return fmt.Errorf("gzip digest: %w", err)
	}
	_, err = s.cfg.Objects.Deliver(ctx, objstore.DeliveryInput{
		Caller: s.writer(t, t.HomeRegion),
		Object: objstore.PutInput{Bucket: t.S3BucketName, Key: d.DigestS3Object, Body: bytes.NewReader(gz.Bytes()), Size: int64(gz.Len()),
			ACL: aclOwnerFull, SSE: objstore.SSERequest{Algorithm: objstore.SSEAES256},
			Metadata: map[string]string{MetaSignature: sig, MetaSignatureAlgorithm: SignatureAlgorithm}},
	})
	if err != nil {
		return s.digestFailed(ctx, t, now, err)
	}
	sum := sha256.Sum256(js)
	next := &chain{Start: now, Bucket: d.DigestS3Bucket, Key: d.DigestS3Object, Hash: hex.EncodeToString(sum[:]), Signature: sig}
	return s.updateStatus(ctx, t.storeKey(), func(tx meta.Tx, _ *Trail, st *status) error {
		if st.Digests == nil {
			return nil // validation was turned off meanwhile
		}
		st.Digests[region] = next
		st.LatestDigest, st.LatestDigestAttempt, st.LatestDigestError = now, now, ""
		return deleteKeys(tx, keys)
	})
}

// newDigest builds a region's digest of files, following ch.
func newDigest(t *Trail, region string, ch *chain, files []LogFile, fingerprint string, now time.Time) *Digest {
	d := &Digest{AWSAccountID: t.Account, DigestStartTime: formatTime(ch.Start), DigestEndTime: formatTime(now),
		DigestS3Bucket: t.S3BucketName, DigestS3Object: digestKey(t, region, now), DigestPublicKeyFingerprint: fingerprint,
		DigestSignatureAlgorithm: SignatureAlgorithm, LogFiles: files}
	if d.LogFiles == nil {
		d.LogFiles = []LogFile{}
	}
	for _, f := range files {
		if d.NewestEventTime == nil || f.NewestEventTime > *d.NewestEventTime {
			d.NewestEventTime = &f.NewestEventTime
		}
		if d.OldestEventTime == nil || f.OldestEventTime < *d.OldestEventTime {
			d.OldestEventTime = &f.OldestEventTime
		}
	}
	if ch.Key != "" {
		alg := "SHA-256"
		d.PreviousDigestS3Bucket, d.PreviousDigestS3Object = &ch.Bucket, &ch.Key
		d.PreviousDigestHashValue, d.PreviousDigestHashAlgorithm, d.PreviousDigestSignature = &ch.Hash, &alg, &ch.Signature
	}
	return d
}
