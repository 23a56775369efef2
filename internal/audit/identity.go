package audit

import "github.com/seclake/seclake/internal/actor"

// UserIdentityOf describes a principal as CloudTrail's userIdentity does. invokedBy names the service that made
// the call on the principal's behalf ("s3.amazonaws.com"), or is empty for direct calls.
func UserIdentityOf(p *actor.Identity, invokedBy string) UserIdentity {
	u := UserIdentity{
		PrincipalID: p.ID,
		ARN:         p.ARN,
		AccountID:   p.Account,
		AccessKeyID: p.AccessKeyID,
		InvokedBy:   invokedBy,
	}
	switch p.Type {
	case actor.TypeRoot:
		u.Type = IdentityRoot
	case actor.TypeUser:
		u.Type, u.UserName = IdentityIAMUser, p.Name
	case actor.TypeAssumedRole:
		u.Type = IdentityAssumedRole
		if s := p.Session; s != nil {
			u.SessionContext = &SessionContext{
				SessionIssuer: &SessionIssuer{Type: IdentityRole, PrincipalID: s.RoleID, ARN: s.RoleARN,
					AccountID: p.Account, UserName: p.Name},
				Attributes:     &SessionAttributes{CreationDate: s.Issued, MFAAuthenticated: "false"},
				SourceIdentity: s.SourceIdentity,
			}
		}
	case actor.TypeService:
		u = UserIdentity{Type: IdentityAWSService, InvokedBy: p.Service}
	case actor.TypeAnonymous:
		u = UserIdentity{Type: IdentityAWSAccount, AccountID: "anonymous"}
	default:
		u.Type = IdentityUnknown
	}
	return u
}

// CallerRecord starts the record of a call made by c: identity, time, region, source and request ID. For a
// call a service makes on c's behalf (c.InvokedBy set), the source address and user agent are the service's,
// as CloudTrail writes them.
func CallerRecord(c *actor.Caller, eventSource, eventName string, readOnly bool) *Record {
	r := &Record{
		UserIdentity:       UserIdentityOf(&c.Identity, c.InvokedBy),
		EventTime:          c.Time,
		EventSource:        eventSource,
		EventName:          eventName,
		AWSRegion:          c.Region,
		SourceIPAddress:    c.SourceIP,
		UserAgent:          c.UserAgent,
		RequestID:          c.RequestID,
		ReadOnly:           readOnly,
		EventType:          EventTypeAPICall,
		RecipientAccountID: c.Account,
		EventCategory:      CategoryManagement,
	}
	if c.InvokedBy != "" {
		r.SourceIPAddress, r.UserAgent = c.InvokedBy, c.InvokedBy
	}
	return r
}
