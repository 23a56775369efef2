package trail

import (
	"context"
	"crypto/rsa"
	"crypto/x509"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"time"
)

// Reader is what Validate reads: the trail's bucket and the public keys of the trail's home region.
// cmd/seclake reads them through seclake's S3 and CloudTrail APIs with the caller's credentials.
type Reader interface {
	// List returns every key under prefix in bucket, in key order.
	List(ctx context.Context, bucket, prefix string) ([]string, error)
	// Get returns an object's body and its user metadata (x-amz-meta-…, without the prefix); a missing object
	// is an error wrapping ErrNoSuchKey.
	Get(ctx context.Context, bucket, key string) ([]byte, map[string]string, error)
	// PublicKeys returns the public keys of the trail's account in a region: those that may have signed the
	// digest files of the region (CloudTrail signs each region's digests with that region's key).
	PublicKeys(ctx context.Context, region string) ([]PublicKey, error)
}

// ErrNoSuchKey is wrapped by Reader.Get for an object that does not exist.
var ErrNoSuchKey = errors.New("trail: no such key")

// ValidateInput says which trail files to validate.
type ValidateInput struct {
	TrailARN string
	// Bucket and Prefix are where the trail delivers (its S3BucketName and S3KeyPrefix).
	Bucket, Prefix string
	// Start and End bound the delivery times of the files validated; zero for no bound.
	Start, End time.Time
	// Regions limits validation to these regions of a multi-region trail; empty for every region found.
	Regions []string
}

// Validate checks a trail's digest and log files, as aws cloudtrail validate-logs does, and also reports
// log files that no digest lists. For each region it walks the digest chain from the newest digest back,
// checking each digest's signature with the trail's public key, that it lies where it says it was written,
// and that its predecessor has the hash and signature it records; then each log file a valid digest lists
// is read and its SHA-256 compared. Every problem is a Finding; Validate's error is for failures to read.
func Validate(ctx context.Context, rd Reader, in ValidateInput) (*Report, error) {
	r, ok := parseARN(in.TrailARN)
	if !ok {
		return nil, fmt.Errorf("invalid trail ARN %q: a trail ARN looks like arn:aws:cloudtrail:us-east-2:123456789012:trail/MyTrail", in.TrailARN)
	}
	v := &validator{rd: rd, in: in, trail: r, rep: &Report{Trail: in.TrailARN}}
	byRegion, err := v.listDigests(ctx)
	if err != nil {
		return nil, err
	}
	regions := in.Regions
	if len(regions) == 0 {
		for region := range byRegion {
			regions = append(regions, region)
		}
		sort.Strings(regions)
	}
	for _, region := range regions {
		if err := v.region(ctx, region, byRegion[region]); err != nil {
			return nil, err
		}
	}
	return v.rep, nil
}

// validator holds one validation's state.
type validator struct {
	rd    Reader
	in    ValidateInput
	trail ref
	keys  map[string]*rsa.PublicKey // the public keys of the region being validated, by fingerprint
	rep   *Report
}

// digestFile is a digest file found in the bucket.
type digestFile struct {
	key string
	end time.Time
}

// listDigests lists the trail's digest files by region, oldest first, within the time range.
func (v *validator) listDigests(ctx context.Context) (map[string][]digestFile, error) {
	root := accountPrefix(v.in.Prefix, v.trail.account) + kindDigests + "/"
	keys, err := v.rd.List(ctx, v.in.Bucket, root)
	if err != nil {
		return nil, fmt.Errorf("list digest files: %w", err)
	}
	re := regexp.MustCompile("^" + regexp.QuoteMeta(root) + `([^/]+)/\d{4}/\d{2}/\d{2}/` + regexp.QuoteMeta(v.trail.account) +
		`_CloudTrail-Digest_([^_/]+)_` + regexp.QuoteMeta(v.trail.name+"_"+v.trail.region) + `_(\d{8}T\d{6}Z)\.json\.gz$`)
	out := map[string][]digestFile{}
	for _, k := range keys {
		m := re.FindStringSubmatch(k)
		if m == nil || m[1] != m[2] {
			continue
		}
		end, err := time.Parse("20060102T150405Z", m[3])
		if err != nil || !v.inRange(end) {
			continue
		}
		out[m[1]] = append(out[m[1]], digestFile{key: k, end: end})
	}
	for _, d := range out {
		sort.Slice(d, func(i, j int) bool { return d[i].end.Before(d[j].end) })
	}
	return out, nil
}

// inRange reports whether a file delivered at t is inside the time range (a digest written up to an hour
// after End still covers files delivered before it).
func (v *validator) inRange(t time.Time) bool {
	return (v.in.Start.IsZero() || !t.Before(v.in.Start)) && (v.in.End.IsZero() || !t.After(v.in.End.Add(time.Hour)))
}

// region validates one region's digest chain and log files.
func (v *validator) region(ctx context.Context, region string, digests []digestFile) error {
	keys, err := v.rd.PublicKeys(ctx, region)
	if err != nil {
		return fmt.Errorf("read the public keys of %s: %w", region, err)
	}
	v.keys = map[string]*rsa.PublicKey{}
	for _, k := range keys {
		if pub, err := x509.ParsePKCS1PublicKey(k.Value); err == nil {
			v.keys[k.Fingerprint] = pub
		}
	}
	w := &walk{listed: map[string]int{}, visited: map[string]bool{}, expect: map[string]link{}, listedLogs: map[string]bool{}}
	for i, d := range digests {
		w.listed[d.key] = i
	}
	next := w.newestUnvisited(digests, time.Time{})
	for next != nil {
		var err error
		if next, err = v.digest(ctx, w, digests, *next); err != nil {
			return err
		}
	}
	return v.unlisted(ctx, region, w)
}

// link is what a digest records about its predecessor.
type link struct {
	hash, signature, successor string
}

// walk is the state of one region's walk along its digest chain.
type walk struct {
	listed     map[string]int // digest keys found in the bucket, and their places in the list
	visited    map[string]bool
	expect     map[string]link // predecessor key → what its successor records
	listedLogs map[string]bool // log files listed by a valid digest
	states     []digestState   // every digest visited or found missing
}

// digestState is a digest's end time and whether it validated.
type digestState struct {
	end   time.Time
	valid bool
}

// newestUnvisited returns the newest digest not visited yet that ended before before (zero: any).
func (w *walk) newestUnvisited(digests []digestFile, before time.Time) *digestFile {
	i := len(digests)
	if !before.IsZero() {
		i = sort.Search(len(digests), func(i int) bool { return !digests[i].end.Before(before) })
	}
	for i--; i >= 0; i-- {
		if d := digests[i]; !w.visited[d.key] {
			return &d
		}
	}
	return nil
}

// digest validates one digest file and returns the next one to visit: its predecessor, or the next older
// digest found in the bucket when the chain breaks.
func (v *validator) digest(ctx context.Context, w *walk, digests []digestFile, df digestFile) (*digestFile, error) {
	w.visited[df.key] = true
	v.rep.Digests++
	body, meta, err := v.rd.Get(ctx, v.in.Bucket, df.key)
	if errors.Is(err, ErrNoSuchKey) {
		v.rep.finding(FindingDigestDeleted, v.in.Bucket, df.key, "not found")
		w.states = append(w.states, digestState{end: df.end})
		return w.newestUnvisited(digests, df.end), nil
	}
	if err != nil {
		return nil, fmt.Errorf("read digest file %s: %w", df.key, err)
	}
	d, kind, problem := v.checkDigest(df.key, body, meta, w.expect[df.key])
	w.states = append(w.states, digestState{end: df.end, valid: problem == ""})
	if problem != "" {
		v.rep.finding(kind, v.in.Bucket, df.key, problem)
		return w.newestUnvisited(digests, df.end), nil
	}
	v.rep.ValidDigests++
	v.rep.valid("Digest file", v.in.Bucket, df.key)
	if err := v.logFiles(ctx, w, d.LogFiles); err != nil {
		return nil, err
	}
	if d.PreviousDigestS3Object == nil || d.PreviousDigestS3Bucket == nil {
		if older := w.newestUnvisited(digests, df.end); older != nil {
			v.rep.note("The digest chain starts again at s3://%s/%s (no digest before it links to it): log file validation or logging was off, or the trail was recreated.", v.in.Bucket, df.key)
			return older, nil
		}
		return nil, nil
	}
	return v.predecessor(w, digests, d, df)
}
