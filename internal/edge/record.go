package edge

import (
	"context"
	"fmt"

	"github.com/seclake/seclake/internal/audit"
	"github.com/seclake/seclake/internal/awserr"
	"github.com/seclake/seclake/internal/iam"
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
	rec := &audit.Record{
		UserIdentity:       userIdentity(&c.Principal, c.InvokedBy),
		EventTime:          rq.start,
		EventSource:        rq.svc.EventSource,
		EventName:          rq.op.Name,
		AWSRegion:          region,
		SourceIPAddress:    c.SourceIP,
		UserAgent:          c.UserAgent,
		RequestID:          rq.id,
		ReadOnly:           rq.op.ReadOnly,
		EventType:          audit.EventTypeAPICall,
		RecipientAccountID: recipient,
		EventCategory:      audit.CategoryManagement,
	}
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

// userIdentity describes a principal as CloudTrail's userIdentity does.
func userIdentity(p *iam.Principal, invokedBy string) audit.UserIdentity {
	u := audit.UserIdentity{
		PrincipalID: p.ID,
		ARN:         p.ARN,
		AccountID:   p.Account,
		AccessKeyID: p.AccessKeyID,
		InvokedBy:   invokedBy,
	}
	switch p.Type {
	case iam.TypeRoot:
		u.Type = audit.IdentityRoot
	case iam.TypeUser:
		u.Type, u.UserName = audit.IdentityIAMUser, p.Name
	case iam.TypeAssumedRole:
		u.Type = audit.IdentityAssumedRole
		if p.Session != nil {
			u.SessionContext = &audit.SessionContext{
				SessionIssuer: &audit.SessionIssuer{Type: audit.IdentityRole, PrincipalID: p.Session.RoleID,
					ARN: p.Session.RoleARN, AccountID: p.Account, UserName: p.Name},
				Attributes:     &audit.SessionAttributes{CreationDate: p.Session.Issued, MFAAuthenticated: "false"},
				SourceIdentity: p.Session.SourceIdentity,
			}
		}
	case iam.TypeService:
		u = audit.UserIdentity{Type: audit.IdentityAWSService, InvokedBy: p.Service}
	case iam.TypeAnonymous:
		u = audit.UserIdentity{Type: audit.IdentityAWSAccount, PrincipalID: "", AccountID: "anonymous"}
	default:
		u.Type = audit.IdentityUnknown
	}
	return u
}
