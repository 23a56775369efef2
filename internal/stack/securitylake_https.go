package stack

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"

	"github.com/seclake/seclake/internal/actor"
	"github.com/seclake/seclake/internal/awserr"
	"github.com/seclake/seclake/internal/eventbus"
	"github.com/seclake/seclake/internal/lake"
)

// lakeEndpoints notifies HTTPS endpoints for Security Lake through EventBridge (lake.Endpoints): a connection, an
// API destination and a rule on the default bus, all named after the endpoint, created as the lake's owner acting
// through Security Lake (each call on the audit trail); events reach them through the durable delivery queue.
type lakeEndpoints struct {
	ev  *eventbus.Service
	rec actor.Recorder
}

// endpointTarget is the ID of the target of a Security Lake rule.
const endpointTarget = "SecurityLake"

func (e lakeEndpoints) EnsureEndpoint(ctx context.Context, owner *actor.Caller, name string, ep lake.Endpoint) error {
	if err := e.DeleteEndpoint(ctx, owner, name, ep.Region); err != nil {
		return err
	}
	var conn *eventbus.Connection
	err := lakeDo(ctx, e.rec, owner, eventbus.EventSource, "CreateConnection", map[string]any{"name": name}, func(ctx context.Context) (err error) {
		conn, err = e.ev.CreateConnection(ctx, owner, name, "Security Lake notifications", eventbus.AuthAPIKey,
			eventbus.ConnectionAuth{APIKeyName: ep.APIKeyName, APIKeyValue: ep.APIKeyValue})
		return err
	})
	if err != nil {
		return err
	}
	var dest *eventbus.APIDestination
	err = lakeDo(ctx, e.rec, owner, eventbus.EventSource, "CreateApiDestination", map[string]any{"name": name}, func(ctx context.Context) (err error) {
		dest, err = e.ev.CreateAPIDestination(ctx, owner, eventbus.APIDestinationInput{Name: name, ConnectionARN: conn.ARN,
			Endpoint: ep.URL, Method: ep.Method, Description: "Security Lake notifications"})
		return err
	})
	if err != nil {
		return err
	}
	err = lakeDo(ctx, e.rec, owner, eventbus.EventSource, "PutRule", map[string]any{"name": name}, func(ctx context.Context) error {
		_, err := e.ev.PutRule(ctx, owner, eventbus.RuleInput{Name: name, EventPattern: ep.Pattern,
			Description: "Security Lake notifications to " + ep.URL})
		return err
	})
	if err != nil {
		return err
	}
	return lakeDo(ctx, e.rec, owner, eventbus.EventSource, "PutTargets", map[string]any{"rule": name}, func(ctx context.Context) error {
		failed, err := e.ev.PutTargets(ctx, owner, name, "", []eventbus.Target{{ID: endpointTarget, ARN: dest.ARN, InputPath: ep.InputPath}})
		if err == nil && len(failed) > 0 {
			err = errors.New(failed[0].ErrorCode + ": " + failed[0].ErrorMessage)
		}
		return err
	})
}

func (e lakeEndpoints) DeleteEndpoint(ctx context.Context, owner *actor.Caller, name, region string) error {
	if region != "" {
		c := *owner
		c.Region = region
		owner = &c
	}
	steps := []struct {
		op string
		fn func(context.Context) error
	}{
		{"RemoveTargets", func(ctx context.Context) error {
			_, err := e.ev.RemoveTargets(ctx, owner, name, "", []string{endpointTarget}, false)
			return err
		}},
		{"DeleteRule", func(ctx context.Context) error { return e.ev.DeleteRule(ctx, owner, name, "", false) }},
		{"DeleteApiDestination", func(ctx context.Context) error { return e.ev.DeleteAPIDestination(ctx, owner, name) }},
		{"DeleteConnection", func(ctx context.Context) error { _, err := e.ev.DeleteConnection(ctx, owner, name); return err }},
	}
	for _, st := range steps {
		err := lakeDo(ctx, e.rec, owner, eventbus.EventSource, st.op, map[string]any{"name": name}, st.fn)
		if ae, ok := awserr.As(err); err != nil && (!ok || ae.Code != "ResourceNotFoundException") {
			return err
		}
	}
	return nil
}

func (e lakeEndpoints) PutEvent(ctx context.Context, account, region string, ev lake.Event) error {
	_, err := e.ev.PutServiceEvent(ctx, account, region, eventbus.Entry{Source: ev.Source, DetailType: ev.DetailType,
		Detail: ev.Detail, Resources: ev.Resources})
	return err
}

// lakeDeliveries tells Security Lake how EventBridge's deliveries to its rules went (eventbus.Observer).
type lakeDeliveries struct{ l *lake.Service }

func (d lakeDeliveries) Delivered(ctx context.Context, account, region, rule string) {
	if strings.HasPrefix(rule, lake.EndpointPrefix) {
		d.l.EndpointDelivered(ctx, account, region, rule)
	}
}

func (d lakeDeliveries) Failed(ctx context.Context, f eventbus.Failure) {
	if strings.HasPrefix(f.Rule, lake.EndpointPrefix) {
		d.l.EndpointFailed(ctx, f.Account, f.Region, f.Rule, f.Reason, f.Attempts, f.State == eventbus.FailureRetrying)
	}
}

// lakeProblems reads what ingestion fails at (lake.Problems), once ingestion runs.
type lakeProblems struct{ s *Stack }

func (p lakeProblems) Problems(ctx context.Context, account, region string) ([]lake.Problem, error) {
	in := p.s.Ingest
	if in == nil {
		return nil, nil
	}
	got, err := in.Problems(ctx, account, region)
	out := make([]lake.Problem, len(got))
	for i, g := range got {
		out[i] = lake.Problem{Account: g.Account, Region: g.Region, Source: g.Source, Version: g.Version, Cause: g.Cause,
			Kind: g.Kind, Reason: g.Reason, Principal: g.Principal, Action: g.Action, Resource: g.Resource, Objects: g.Objects,
			First: g.First, Last: g.Last}
	}
	return append(out, p.replication(ctx, account, region)...), err
}

// replication reads the lasting replication failures of the lake buckets (as lake problems of kind
// REPLICATION, one per bucket and error).
func (p lakeProblems) replication(ctx context.Context, account, region string) []lake.Problem {
	if p.s.Objects == nil {
		return nil
	}
	fs, err := p.s.Objects.ReplicationFailures(ctx)
	if err != nil {
		p.s.cfg.Logger.Warn("reading the replication failures", "err", err)
		return nil
	}
	var out []lake.Problem
	for _, f := range fs {
		if !strings.HasPrefix(f.Bucket, "aws-security-data-lake-") || account != "" && f.Owner != account || region != "" && f.Region != region {
			continue
		}
		sum := sha256.Sum256([]byte(f.Bucket + "\n" + f.Error))
		out = append(out, lake.Problem{Account: f.Owner, Region: f.Region, Source: "S3_REPLICATION", Cause: hex.EncodeToString(sum[:8]),
			Kind: lake.ProblemReplication, Reason: f.Error, Resource: "arn:aws:s3:::" + f.Bucket, Objects: f.Versions, First: f.First, Last: f.Last})
	}
	return out
}
