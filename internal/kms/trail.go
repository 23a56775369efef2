package kms

import (
	"context"

	"github.com/seclake/seclake/internal/actor"

	"github.com/seclake/seclake/internal/audit"
	"github.com/seclake/seclake/internal/awserr"
)

// trailParams are the requestParameters of a key-use event, as KMS writes them in CloudTrail.
type trailParams struct {
	KeyID               string            `audit:"keyId"`
	EncryptionContext   map[string]string `audit:"encryptionContext"`
	KeySpec             string            `audit:"keySpec"`
	NumberOfBytes       int               `audit:"numberOfBytes"`
	EncryptionAlgorithm string            `audit:"encryptionAlgorithm"`
}

// inProcess reports whether a call came from another seclake service rather than through the edge: a
// service acting for a requester (InvokedBy set) or a service principal. The edge audits its own calls.
func inProcess(c *actor.Caller) bool { return c.InvokedBy != "" || c.Type == actor.TypeService }

// trail records a use of key e (nil when the key could not be resolved) on the audit trail when the edge
// does not: for in-process calls, one record in the key owner's account and, when the caller belongs to
// another account, one in the caller's; for calls through the edge from another account, the owner's copy
// (the edge records the caller's).
func (s *Service) trail(ctx context.Context, c *actor.Caller, op string, e *entry, p trailParams, opErr error) {
	if s.cfg.Audit == nil {
		return
	}
	if p.KeySpec != "" {
		p.NumberOfBytes = 0
	}
	var accounts []string
	owner := ""
	if e != nil {
		owner = e.rec.Account
	}
	switch {
	case inProcess(c):
		accounts = appendAccount(accounts, owner)
		accounts = appendAccount(accounts, c.Account)
	case owner != "" && c.Account != owner:
		accounts = appendAccount(accounts, owner)
	}
	for _, acct := range accounts {
		s.cfg.Audit.AppendAsync(s.record(c, op, e, p, opErr, acct))
	}
}

func appendAccount(list []string, acct string) []string {
	if acct == "" {
		return list
	}
	for _, a := range list {
		if a == acct {
			return list
		}
	}
	return append(list, acct)
}

// record builds a KMS event shaped as CloudTrail's: the caller, the service that invoked KMS for it, the
// request parameters (never plaintext or ciphertext), the key as the resource, and the error if any.
func (s *Service) record(c *actor.Caller, op string, e *entry, p trailParams, opErr error, recipient string) *audit.Record {
	rec := audit.CallerRecord(c, EventSource, op, true)
	if rec.EventTime.IsZero() {
		rec.EventTime = s.clock.Now()
	}
	if rec.AWSRegion == "" {
		rec.AWSRegion = callerRegion(c)
	}
	if c.Type == actor.TypeService && rec.SourceIPAddress == "" {
		rec.SourceIPAddress, rec.UserAgent = c.Service, c.Service
	}
	rec.RecipientAccountID = recipient
	rec.RequestParameters, _ = audit.Params(p)
	if e != nil {
		rec.Resources = []audit.Resource{{AccountID: e.rec.Account, Type: "AWS::KMS::Key", ARN: e.arn}}
	}
	if opErr != nil {
		ae, ok := awserr.As(opErr)
		if !ok {
			ae = awserr.Internal()
		}
		rec.ErrorCode, rec.ErrorMessage = ae.Code, ae.Message
	}
	return rec
}

// serviceEvent records work KMS did on its own (automatic rotation, deletion at the end of the waiting
// period), as CloudTrail's AwsServiceEvent records.
func (s *Service) serviceEvent(ctx context.Context, name string, r *keyRecord) {
	if s.cfg.Audit == nil {
		return
	}
	rec := &audit.Record{
		UserIdentity:       audit.UserIdentity{AccountID: r.Account, InvokedBy: "kms.amazonaws.com"},
		EventTime:          s.clock.Now(),
		EventSource:        EventSource,
		EventName:          name,
		AWSRegion:          r.Region,
		SourceIPAddress:    "kms.amazonaws.com",
		EventType:          audit.EventTypeServiceEvent,
		RecipientAccountID: r.Account,
		Resources:          []audit.Resource{{AccountID: r.Account, Type: "AWS::KMS::Key", ARN: r.arn()}},
	}
	rec.AdditionalEventData, _ = audit.Params(struct {
		KeyID string `audit:"keyId"`
	}{r.arn()})
	if err := s.cfg.Audit.Append(ctx, rec); err != nil {
		s.cfg.Logger.Error("audit record of a KMS service event not written", "event", name, "key", r.arn(), "err", err)
	}
}
