package edge

import (
	"context"
	"fmt"

	"github.com/seclake/seclake/internal/audit"
	"github.com/seclake/seclake/internal/awserr"
)

// globalRegion is where CloudTrail records the events of global services (IAM, Organizations).
const globalRegion = "us-east-1"

// audit writes the call's record. Mutating calls wait until it is durable; read-only calls queue it.
// Anonymous calls are recorded only for the account whose resource they touched.
func (s *Server) audit(ctx context.Context, rq *request, opErr error) error {
	c := rq.caller
	recipient := rq.call.Audit.RecipientAccount
	if recipient == "" {
		recipient = c.Account
	}
	if recipient == "" || s.cfg.Audit == nil {
		return nil
	}
	rec, err := s.record(rq, recipient, opErr)
	if err != nil {
		return err
	}
	if rq.op.ReadOnly {
		s.cfg.Audit.AppendAsync(rec)
		return nil
	}
	return s.cfg.Audit.Append(context.WithoutCancel(ctx), rec)
}

func (s *Server) record(rq *request, recipient string, opErr error) (*audit.Record, error) {
	c, call := rq.caller, rq.call
	region := c.Region
	if rq.svc.Global {
		region = globalRegion
	}
	rec := audit.CallerRecord(c, rq.svc.EventSource, rq.op.Name, rq.op.ReadOnly)
	rec.EventTime, rec.AWSRegion, rec.RequestID, rec.RecipientAccountID = rq.start, region, rq.id, recipient
	if rq.op.Data {
		rec.EventCategory = audit.CategoryData
	}
	if opErr != nil {
		e, ok := awserr.As(opErr)
		if !ok {
			e = awserr.Internal()
		}
		rec.ErrorCode, rec.ErrorMessage = e.Code, e.Message
	}
	var err error
	if rec.RequestParameters, err = audit.Params(call.Audit.RequestParameters); err != nil {
		return nil, fmt.Errorf("audit request parameters: %w", err)
	}
	if opErr == nil {
		if rec.ResponseElements, err = audit.Params(call.Audit.ResponseElements); err != nil {
			return nil, fmt.Errorf("audit response elements: %w", err)
		}
	}
	if call.Audit.AdditionalEventData != nil {
		if rec.AdditionalEventData, err = audit.Params(call.Audit.AdditionalEventData); err != nil {
			return nil, fmt.Errorf("audit additional event data: %w", err)
		}
	}
	for _, r := range call.Audit.Resources {
		rec.Resources = append(rec.Resources, audit.Resource{ARN: r.ARN, AccountID: r.Account, Type: r.Type})
	}
	return rec, nil
}
