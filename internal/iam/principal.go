package iam

import "time"

// PrincipalType is the kind of identity behind a request, spelled as CloudTrail's userIdentity.type spells it.
type PrincipalType string

// Principal types.
const (
	TypeRoot        PrincipalType = "Root"
	TypeUser        PrincipalType = "IAMUser"
	TypeAssumedRole PrincipalType = "AssumedRole"
	TypeService     PrincipalType = "AWSService"
	TypeAnonymous   PrincipalType = "AWSAccount" // CloudTrail's type for anonymous (unsigned) callers
)

// Principal is an authenticated identity.
type Principal struct {
	Type PrincipalType
	// Account is the 12-digit ID of the account the principal belongs to.
	Account string
	// ARN is the principal's ARN: arn:aws:iam::<acct>:root, …:user/<path><name>,
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

// RootARN returns the ARN of an account's root user.
func RootARN(account string) string { return "arn:aws:iam::" + account + ":root" }

// Caller is a principal making a request, with the request context that condition keys and the audit trail see.
type Caller struct {
	Principal
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
	// aws:CalledVia; empty for direct calls.
	InvokedBy string
	// RequestID is the ID of the request, for the audit trail.
	RequestID string
}
