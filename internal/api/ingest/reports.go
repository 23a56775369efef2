package ingest

import (
	"context"
	"strings"
	"time"

	"github.com/seclake/seclake/internal/api"
	"github.com/seclake/seclake/internal/ingest"
)

type statusInput struct{}

type sourceStatus struct {
	Source        string  `json:"source"`
	LocationID    string  `json:"locationId"`
	Queued        int64   `json:"queued"`
	Done          int64   `json:"done"`
	Failed        int64   `json:"failed"`
	Records       int64   `json:"records"`
	Events        int64   `json:"events"`
	SetAside      int64   `json:"setAside"`
	Skipped       int64   `json:"skipped"`
	Bytes         int64   `json:"bytes"`
	SkippedReason string  `json:"skippedReason,omitempty"`
	LagSeconds    float64 `json:"lagSeconds"`
	LastError     string  `json:"lastError,omitempty"`
	LastErrorTime string  `json:"lastErrorTime,omitempty"`
}

type auditStatus struct {
	Cursor int64 `json:"cursor"`
	Events int64 `json:"events"`
}

type statusOutput struct {
	Queued     int64          `json:"queued"`
	Done       int64          `json:"done"`
	Failed     int64          `json:"failed"`
	LagSeconds float64        `json:"lagSeconds"`
	Audit      auditStatus    `json:"audit"`
	Sources    []sourceStatus `json:"sources"`
}

func (h *handler) status(ctx context.Context, c *api.Call, _ *statusInput) (*statusOutput, error) {
	st, err := h.locs.Status(ctx, c.Caller)
	if err != nil {
		return nil, err
	}
	out := &statusOutput{Queued: st.Queued, Done: st.Done, Failed: st.Failed, LagSeconds: st.Lag.Seconds(),
		Audit: auditStatus{Cursor: int64(st.Audit.Cursor), Events: st.Audit.Events}, Sources: []sourceStatus{}}
	for _, r := range st.Sources {
		out.Sources = append(out.Sources, sourceStatus{Source: r.Source, LocationID: r.Location, Queued: r.Queued, Done: r.Done,
			Failed: r.Failed, Records: r.Records, Events: r.Events, SetAside: r.SetAside, Skipped: r.Skipped, Bytes: r.Bytes,
			SkippedReason: r.SkippedReason, LagSeconds: r.Lag.Seconds(), LastError: r.LastError, LastErrorTime: rfc3339(r.LastErrorTime)})
	}
	return out, nil
}

type failuresInput struct {
	MaxResults *int32 `json:"-" location:"querystring" name:"maxResults"`
}

type failure struct {
	Bucket      string `json:"bucket"`
	Key         string `json:"key"`
	VersionID   string `json:"versionId,omitempty"`
	ETag        string `json:"etag,omitempty"`
	Account     string `json:"account"`
	Region      string `json:"region"`
	Source      string `json:"source,omitempty"`
	LocationID  string `json:"locationId,omitempty"`
	Reason      string `json:"reason"`
	Attempts    int    `json:"attempts"`
	LastAttempt string `json:"lastAttempt,omitempty"`
	NextAttempt string `json:"nextAttempt,omitempty"`
}

type failuresOutput struct {
	Failures []failure `json:"failures"`
}

func (h *handler) failures(ctx context.Context, c *api.Call, in *failuresInput) (*failuresOutput, error) {
	fs, err := h.locs.Failures(ctx, c.Caller, maxResults(in.MaxResults))
	if err != nil {
		return nil, err
	}
	out := &failuresOutput{Failures: []failure{}}
	for _, f := range fs {
		out.Failures = append(out.Failures, failure{Bucket: f.Ref.Bucket, Key: f.Ref.Key, VersionID: f.Ref.VersionID, ETag: f.Ref.ETag,
			Account: f.Ref.Account, Region: f.Ref.Region, Source: f.Ref.Source, LocationID: f.Ref.Location, Reason: f.Reason,
			Attempts: f.Attempts, LastAttempt: rfc3339(f.Last), NextAttempt: rfc3339(f.Next)})
	}
	return out, nil
}

type setAsideInput struct {
	Source     string `json:"-" location:"querystring" name:"source"`
	MaxResults *int32 `json:"-" location:"querystring" name:"maxResults"`
}

type setAsideRecord struct {
	Source    string `json:"source"`
	Object    string `json:"object"`
	Record    int64  `json:"record"`
	Reason    string `json:"reason"`
	Raw       string `json:"raw"`
	Truncated bool   `json:"truncated"`
	Time      string `json:"time"`
}

type setAsideOutput struct {
	Records []setAsideRecord `json:"records"`
}

func (h *handler) setAside(ctx context.Context, c *api.Call, in *setAsideInput) (*setAsideOutput, error) {
	recs, err := h.locs.SetAside(ctx, c.Caller, in.Source, maxResults(in.MaxResults))
	if err != nil {
		return nil, err
	}
	out := &setAsideOutput{Records: []setAsideRecord{}}
	for _, r := range recs {
		out.Records = append(out.Records, wireSetAside(r))
	}
	return out, nil
}

func wireSetAside(r ingest.SetAsideRecord) setAsideRecord {
	return setAsideRecord{Source: r.Source, Object: r.Object, Record: r.Record, Reason: r.Reason,
		Raw: strings.ToValidUTF8(string(r.Raw), "\uFFFD"), Truncated: r.Truncated, Time: rfc3339(r.Time)}
}

// maxResults is a page size: 100 by default, at most 1000.
func maxResults(p *int32) int {
	if p == nil || *p <= 0 {
		return 100
	}
	return int(min(*p, 1000))
}

func rfc3339(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}
