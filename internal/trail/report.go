package trail

import (
	"fmt"
	"io"
)

// FindingKind says what Validate found wrong with a file.
type FindingKind string

// Finding kinds.
const (
	// FindingLogModified: a log file's content is not what its digest file lists (or not gzip JSON).
	FindingLogModified FindingKind = "log-modified"
	// FindingLogDeleted: a log file that a digest file lists is gone.
	FindingLogDeleted FindingKind = "log-deleted"
	// FindingLogAdded: a file in the trail's log folder that no digest file lists, though the digest file
	// covering its delivery time is valid.
	FindingLogAdded FindingKind = "log-added"
	// FindingLogUnverified: a log file that cannot be validated because the digest file that would list it
	// is invalid or missing.
	FindingLogUnverified FindingKind = "log-unverified"
	// FindingDigestInvalid: a digest file's format, location or signature is wrong.
	FindingDigestInvalid FindingKind = "digest-invalid"
	// FindingDigestModified: a validly signed digest file that is not the one its successor links to.
	FindingDigestModified FindingKind = "digest-modified"
	// FindingDigestDeleted: a digest file in the chain is gone.
	FindingDigestDeleted FindingKind = "digest-deleted"
)

// Finding is one problem Validate found.
type Finding struct {
	Kind        FindingKind
	Bucket, Key string
	Detail      string
}

// String describes the finding as aws cloudtrail validate-logs does ("Log file\ts3://…\tINVALID: …").
func (f Finding) String() string {
	what := "Log file"
	switch f.Kind {
	case FindingDigestInvalid, FindingDigestModified, FindingDigestDeleted:
		what = "Digest file"
	}
	return fmt.Sprintf("%s\ts3://%s/%s\tINVALID: %s", what, f.Bucket, f.Key, f.Detail)
}

// Report is the result of Validate.
type Report struct {
	Trail                   string
	Digests, ValidDigests   int
	LogFiles, ValidLogFiles int
	// Findings are the problems, in the order found.
	Findings []Finding
	// Notes describe what is not a problem but worth knowing (a digest chain that starts again).
	Notes []string
	// Pending are log files delivered after the newest digest file, which no digest covers yet.
	Pending []string
	lines   []line
}

// line is one line of the report's output, in the order found.
type line struct {
	text    string
	problem bool
}

// OK reports whether every file validated.
func (r *Report) OK() bool { return len(r.Findings) == 0 }

func (r *Report) finding(kind FindingKind, bucket, key, detail string) {
	f := Finding{Kind: kind, Bucket: bucket, Key: key, Detail: detail}
	r.Findings = append(r.Findings, f)
	r.lines = append(r.lines, line{text: f.String(), problem: true})
}

func (r *Report) valid(what, bucket, key string) {
	r.lines = append(r.lines, line{text: fmt.Sprintf("%s\ts3://%s/%s\tvalid", what, bucket, key)})
}

func (r *Report) note(format string, args ...any) {
	n := fmt.Sprintf(format, args...)
	r.Notes = append(r.Notes, n)
	r.lines = append(r.lines, line{text: n, problem: true})
}

// Write prints the report: every problem and note, every valid file too when verbose, then a summary.
func (r *Report) Write(w io.Writer, verbose bool) error {
	ew := &errWriter{w: w}
	ew.printf("Validating log files for trail %s\n\n", r.Trail)
	for _, l := range r.lines {
		if l.problem || verbose {
			ew.printf("%s\n", l.text)
		}
	}
	if len(r.Pending) > 0 {
		ew.printf("%d log files were delivered after the newest digest file and are not covered by one yet.\n", len(r.Pending))
		if verbose {
			for _, k := range r.Pending {
				ew.printf("Log file\ts3://…/%s\tpending\n", k)
			}
		}
	}
	if r.Digests == 0 {
		ew.printf("\nNo digest files found\n")
		return ew.err
	}
	ew.printf("\n%d/%d digest files valid", r.ValidDigests, r.Digests)
	if n := r.Digests - r.ValidDigests; n > 0 {
		ew.printf(", %d/%d digest files INVALID", n, r.Digests)
	}
	ew.printf("\n%d/%d log files valid", r.ValidLogFiles, r.LogFiles)
	if n := r.LogFiles - r.ValidLogFiles; n > 0 {
		ew.printf(", %d/%d log files INVALID", n, r.LogFiles)
	}
	if n := r.count(FindingLogAdded); n > 0 {
		ew.printf("\n%d log files ADDED (not listed in any digest file)", n)
	}
	if n := r.count(FindingLogUnverified); n > 0 {
		ew.printf("\n%d log files cannot be validated (their digest file is invalid or missing)", n)
	}
	ew.printf("\n")
	return ew.err
}

func (r *Report) count(kind FindingKind) int {
	n := 0
	for _, f := range r.Findings {
		if f.Kind == kind {
			n++
		}
	}
	return n
}

// errWriter keeps the first write error.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) printf(format string, args ...any) {
	if e.err == nil {
		_, e.err = fmt.Fprintf(e.w, format, args...)
	}
}
