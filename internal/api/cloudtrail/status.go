package cloudtrail

import (
	"context"
	"encoding/json"
	"time"

	"github.com/seclake/seclake/internal/api"
	"github.com/seclake/seclake/internal/awsproto"
	"github.com/seclake/seclake/internal/trail"
)

type getTrailStatusOutput struct {
	IsLogging                      bool
	LatestDeliveryError            string              `json:",omitempty"`
	LatestDeliveryTime             *awsproto.Timestamp `json:",omitempty"`
	StartLoggingTime               *awsproto.Timestamp `json:",omitempty"`
	StopLoggingTime                *awsproto.Timestamp `json:",omitempty"`
	LatestDigestDeliveryTime       *awsproto.Timestamp `json:",omitempty"`
	LatestDigestDeliveryError      string              `json:",omitempty"`
	LatestDeliveryAttemptTime      string              `json:",omitempty"`
	LatestDeliveryAttemptSucceeded string              `json:",omitempty"`
	TimeLoggingStarted             string              `json:",omitempty"`
	TimeLoggingStopped             string              `json:",omitempty"`
}

// stamp returns t as a JSON timestamp, or nil for the zero time.
func stamp(t time.Time) *awsproto.Timestamp {
	if t.IsZero() {
		return nil
	}
	ts := awsproto.Timestamp(t)
	return &ts
}

// text returns t as CloudTrail's status strings write times, or "" for the zero time.
func text(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02T15:04:05Z")
}

func (h *handler) getTrailStatus(ctx context.Context, c *api.Call, in *nameInput) (*getTrailStatusOutput, error) {
	t, st, err := h.trails.GetTrailStatus(ctx, c.Caller, in.Name)
	if err != nil {
		return nil, err
	}
	touched(c, t)
	return &getTrailStatusOutput{IsLogging: st.IsLogging, LatestDeliveryError: st.LatestDeliveryError,
		LatestDeliveryTime: stamp(st.LatestDeliveryTime), StartLoggingTime: stamp(st.StartLoggingTime), StopLoggingTime: stamp(st.StopLoggingTime),
		LatestDigestDeliveryTime: stamp(st.LatestDigestDeliveryTime), LatestDigestDeliveryError: st.LatestDigestDeliveryError,
		LatestDeliveryAttemptTime: text(st.LatestDeliveryAttemptTime), LatestDeliveryAttemptSucceeded: text(st.LatestDeliveryTime),
		TimeLoggingStarted: text(st.StartLoggingTime), TimeLoggingStopped: text(st.StopLoggingTime)}, nil
}

type dataResource struct {
	Type   string   `json:",omitempty"`
	Values []string `json:",omitempty"`
}

type eventSelector struct {
	ReadWriteType                 string         `json:",omitempty"`
	IncludeManagementEvents       *bool          `json:",omitempty"`
	DataResources                 []dataResource `json:",omitempty"`
	ExcludeManagementEventSources []string       `json:",omitempty"`
}

type putEventSelectorsInput struct {
	TrailName              string
	EventSelectors         []eventSelector   `json:",omitempty"`
	AdvancedEventSelectors []json.RawMessage `json:",omitempty"`
}

type eventSelectorsOutput struct {
	TrailARN       string
	EventSelectors []eventSelector
}

func (h *handler) putEventSelectors(ctx context.Context, c *api.Call, in *putEventSelectorsInput) (*eventSelectorsOutput, error) {
	sel := make([]trail.EventSelector, 0, len(in.EventSelectors))
	for _, s := range in.EventSelectors {
		d := trail.EventSelector{ReadWriteType: trail.ReadWriteType(s.ReadWriteType), IncludeManagementEvents: s.IncludeManagementEvents,
			ExcludeManagementEventSources: s.ExcludeManagementEventSources}
		for _, r := range s.DataResources {
			d.DataResources = append(d.DataResources, trail.DataResource{Type: r.Type, Values: r.Values})
		}
		sel = append(sel, d)
	}
	t, err := h.trails.PutEventSelectors(ctx, c.Caller, in.TrailName, sel, len(in.AdvancedEventSelectors) > 0)
	if err != nil {
		return nil, err
	}
	touched(c, t)
	return selectorsOutput(t), nil
}

func selectorsOutput(t *trail.Trail) *eventSelectorsOutput {
	out := &eventSelectorsOutput{TrailARN: t.ARN(), EventSelectors: []eventSelector{}}
	for _, s := range t.EventSelectors {
		w := eventSelector{ReadWriteType: string(s.ReadWriteType), IncludeManagementEvents: s.IncludeManagementEvents,
			ExcludeManagementEventSources: s.ExcludeManagementEventSources, DataResources: []dataResource{}}
		for _, r := range s.DataResources {
			w.DataResources = append(w.DataResources, dataResource{Type: r.Type, Values: r.Values})
		}
		out.EventSelectors = append(out.EventSelectors, w)
	}
	return out
}

type getEventSelectorsInput struct{ TrailName string }

func (h *handler) getEventSelectors(ctx context.Context, c *api.Call, in *getEventSelectorsInput) (*eventSelectorsOutput, error) {
	t, err := h.trails.GetEventSelectors(ctx, c.Caller, in.TrailName)
	if err != nil {
		return nil, err
	}
	touched(c, t)
	return selectorsOutput(t), nil
}

type listPublicKeysInput struct {
	StartTime *awsproto.Timestamp `json:",omitempty"`
	EndTime   *awsproto.Timestamp `json:",omitempty"`
	NextToken string              `json:",omitempty"`
}

type publicKey struct {
	Value             []byte
	ValidityStartTime *awsproto.Timestamp `json:",omitempty"`
	ValidityEndTime   *awsproto.Timestamp `json:",omitempty"`
	Fingerprint       string
}

type listPublicKeysOutput struct {
	PublicKeyList []publicKey
}

func (h *handler) listPublicKeys(ctx context.Context, c *api.Call, in *listPublicKeysInput) (*listPublicKeysOutput, error) {
	var start, end *time.Time
	if in.StartTime != nil {
		t := in.StartTime.Time()
		start = &t
	}
	if in.EndTime != nil {
		t := in.EndTime.Time()
		end = &t
	}
	keys, err := h.trails.ListPublicKeys(ctx, c.Caller, start, end)
	if err != nil {
		return nil, err
	}
	out := &listPublicKeysOutput{PublicKeyList: make([]publicKey, 0, len(keys))}
	for _, k := range keys {
		out.PublicKeyList = append(out.PublicKeyList, publicKey{Value: k.Value, ValidityStartTime: stamp(k.ValidityStart),
			ValidityEndTime: stamp(k.ValidityEnd), Fingerprint: k.Fingerprint})
	}
	return out, nil
}
