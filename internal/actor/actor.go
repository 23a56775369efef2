// Package actor describes who acts in a request and on whose behalf, the same way for every service: the
// caller's identity and request context, the resource a service principal acts for (aws:SourceArn,
// aws:SourceAccount), service principals and service-linked-role sessions, the authorization question a
// service asks about a caller and the AWS wording of a refusal, and the call itself as the audit trail records
// it (Call, Recorder) with the decisions that were made during it.
//
// Domain packages (iam, kms, objstore, trail, …) take a *Caller for every operation and import this package,
// not each other's identity types. The edge builds the Caller of a signed request; a service that acts on
// its own builds one with ServicePrincipal, or obtains a role session (RoleSessions), or acts for a requester
// through Via.
package actor

import "time"

// Type is the kind of identity behind a request, spelled as CloudTrail's userIdentity.type spells it.
type Type string

// Identity types.
const (
	TypeRoot        Type = "Root"
	TypeUser        Type = "IAMUser"
	TypeAssumedRole Type = "AssumedRole"
	TypeService     Type = "AWSService"
	TypeAnonymous   Type = "AWSAccount" // CloudTrail's type for anonymous (unsigned) callers
)

// Identity is an authenticated identity: a root user, an IAM user, a role session or a service principal.
type Identity struct {
	Type Type
	// Account is the 12-digit ID of the account the identity belongs to; empty for service principals and
	// anonymous callers.
	Account string
	// ARN is the identity's ARN: arn:aws:iam::<acct>:root, …:user/<path><name>,
	// arn:aws:sts::<acct>:assumed-role/<role>/<session>; empty for services and anonymous callers.
	ARN string
	// ID is the principal ID CloudTrail reports: the account ID for root, AIDA… for users, AROA…:<session> for
	// role sessions.
	ID string
	// Name is the user or role name.
	Name string
	// AccessKeyID is the key the request was signed with.
	AccessKeyID string
	// Session describes the temporary credentials the request was signed with: a role session (Type
	// AssumedRole), or a GetSessionToken session of a user or root user (RoleARN empty). Nil for long-term
	// keys and for services.
	Session *Session
	// Service is the service principal (for example "delivery.logs.amazonaws.com") when Type is TypeService.
	Service string
}

// Session describes temporary credentials: a role session obtained with AssumeRole, or a GetSessionToken
// session (RoleARN, RoleID and Name empty).
type Session struct {
	RoleARN        string
	RoleID         string
	Name           string
	Issued         time.Time
	Expires        time.Time
	SourceIdentity string
	// Chained is set for a role session obtained with another role session's credentials.
	Chained bool
	// Policies are the session policies (the inline Policy, then the documents of PolicyArns, as they were
	// when the session was issued); nil when AssumeRole passed none.
	Policies []string
	// PolicyARNs are the managed policies passed as session policies.
	PolicyARNs []string
	// Tags are the session tags; they override the role's tags of the same key in aws:PrincipalTag.
	Tags []Tag
	// TransitiveTagKeys are the session tags that pass on to sessions chained from this one.
	TransitiveTagKeys []string
}

// Tag is a session tag.
type Tag struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// ValidAccountID reports whether id is a 12-digit account ID.
func ValidAccountID(id string) bool {
	if len(id) != 12 {
		return false
	}
	for i := 0; i < len(id); i++ {
		if id[i] < '0' || id[i] > '9' {
			return false
		}
	}
	return true
}

// RootARN returns the ARN of an account's root user.
func RootARN(account string) string { return "arn:aws:iam::" + account + ":root" }

// Source names the resource on whose behalf a service acts — a trail, a flow log, a data lake — as the
// global condition keys aws:SourceArn and aws:SourceAccount, which resource and key policies use against the
// confused deputy. It is empty for callers that act for nobody but themselves.
type Source struct {
	ARN     string
	Account string
}

// Caller is an identity making a request, with the request context that condition keys and the audit trail
// see.
type Caller struct {
	Identity
	// SourceIP is the client's address (aws:SourceIp); empty for calls made by seclake's own services.
	SourceIP string
	// UserAgent is the client's User-Agent (aws:UserAgent).
	UserAgent string
	// SecureTransport reports whether the request came over TLS (aws:SecureTransport).
	SecureTransport bool
	// Region is the region of the request, from its credential scope (aws:RequestedRegion).
	Region string
	// Time is when the request arrived (aws:CurrentTime).
	Time time.Time
	// InvokedBy is the service acting on the caller's behalf ("s3.amazonaws.com"), which sets kms:ViaService and
	// aws:CalledVia; empty for direct calls. A service-linked-role session made by a service has it set too.
	InvokedBy string
	// RequestID is the ID of the request, for the audit trail.
	RequestID string
	// Source is the resource a service principal (or a service's role session) acts for: aws:SourceArn and
	// aws:SourceAccount.
	Source Source
}

// ServicePrincipal returns the caller of work that one of seclake's services does as its service principal
// ("cloudtrail.amazonaws.com", "delivery.logs.amazonaws.com") in region, for the resource src (may be empty).
func ServicePrincipal(service, region string, now time.Time, src Source) *Caller {
	return &Caller{
		Identity: Identity{Type: TypeService, Service: service},
		SourceIP: service, UserAgent: service, Region: region, Time: now, Source: src,
	}
}

// Via returns a copy of c for a call that service makes on c's behalf (S3 calling KMS for the requester):
// InvokedBy names the service, which KMS sees as kms:ViaService. A service principal calls as itself.
func (c *Caller) Via(service string) *Caller {
	out := *c
	if c.Type != TypeService {
		out.InvokedBy = service
	}
	return &out
}

// Who returns how AWS names the caller in messages: its ARN, the service principal's name, or "anonymous".
func (c *Caller) Who() string {
	switch {
	case c.Type == TypeService:
		return c.Service
	case c.ARN != "":
		return c.ARN
	}
	return "anonymous"
}

// InAccount reports whether c is a service principal or belongs to account: callers to whom a denial may
// explain which policy lacks what without revealing another account's policies.
func (c *Caller) InAccount(account string) bool {
	return c.Type == TypeService || account == "" || c.Account == account
}
