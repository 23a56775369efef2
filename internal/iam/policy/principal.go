package policy

import "strings"

// PrincipalType is the kind of a principal: who makes a request, or who a policy names.
type PrincipalType uint8

const (
	// Anonymous is an unauthenticated caller (S3 public access).
	Anonymous PrincipalType = iota
	// Root is an account's root user. In a policy, an account ID or arn:aws:iam::<account>:root names the
	// whole account, not only its root user.
	Root
	// IAMUser is an IAM user.
	IAMUser
	// Role is an IAM role as a policy names it; requests come from its sessions (AssumedRole).
	Role
	// AssumedRole is a role session (AssumeRole, AssumeRoleWithSAML, AssumeRoleWithWebIdentity).
	AssumedRole
	// FederatedUser is a GetFederationToken session.
	FederatedUser
	// Service is an AWS service principal such as cloudtrail.amazonaws.com.
	Service
	// WebIdentity is a user of an OIDC or SAML identity provider, as trust policies name it with
	// "Federated".
	WebIdentity
	// CanonicalUser is an S3 canonical user ID.
	CanonicalUser
)

var principalTypeNames = [...]string{"Anonymous", "Root", "IAMUser", "Role", "AssumedRole", "FederatedUser",
	"Service", "WebIdentity", "CanonicalUser"}

// String returns the type's name.
func (t PrincipalType) String() string {
	if int(t) < len(principalTypeNames) {
		return principalTypeNames[t]
	}
	return "Unknown"
}

// Principal is who makes a request, or (from Policy.Principals) who a policy names.
type Principal struct {
	Type PrincipalType
	// Account is the 12-digit account the principal belongs to; empty for services and anonymous callers.
	Account string
	// ARN is the principal's ARN: arn:aws:iam::<acct>:root, arn:aws:iam::<acct>:user/<path><name>,
	// arn:aws:sts::<acct>:assumed-role/<role>/<session>, arn:aws:sts::<acct>:federated-user/<name>.
	ARN string
	// ID is the unique ID: AIDA… for users, AROA…:<session> for role sessions (the value of aws:userid).
	ID string
	// Name is the IAM user name (aws:username), or the federated user's name.
	Name string
	// IssuerARN is, for a role session, the role's ARN (with its path), and for a federated user, the ARN of
	// the IAM user or root user that called GetFederationToken.
	IssuerARN string
	// SessionName is the role session name.
	SessionName string
	// Service is the service principal name (Type Service).
	Service string
	// Provider is the identity provider (Type WebIdentity): "accounts.google.com", an OIDC or SAML
	// provider ARN, …
	Provider string
	// CanonicalID is the S3 canonical user ID, if known.
	CanonicalID string
}

// RootPrincipal returns the root user of account.
func RootPrincipal(account string) Principal {
	return Principal{Type: Root, Account: account, ARN: "arn:aws:iam::" + account + ":root", ID: account}
}

// UserPrincipal returns the IAM user with the given ARN and unique ID.
func UserPrincipal(userARN, userID string) Principal {
	a, _ := splitARN(userARN)
	name := a.resource[strings.LastIndexByte(a.resource, '/')+1:]
	return Principal{Type: IAMUser, Account: a.account, ARN: userARN, ID: userID, Name: name}
}

// SessionPrincipal returns a session of the role with the given ARN and unique ID (AROA…).
func SessionPrincipal(roleARN, roleID, sessionName string) Principal {
	a, _ := splitARN(roleARN)
	roleName := a.resource[strings.LastIndexByte(a.resource, '/')+1:]
	return Principal{
		Type:        AssumedRole,
		Account:     a.account,
		ARN:         "arn:" + a.partition + ":sts::" + a.account + ":assumed-role/" + roleName + "/" + sessionName,
		ID:          roleID + ":" + sessionName,
		IssuerARN:   roleARN,
		SessionName: sessionName,
	}
}

// FederatedUserPrincipal returns the GetFederationToken session named name, issued to the IAM user or root
// user issuerARN.
func FederatedUserPrincipal(issuerARN, name string) Principal {
	a, _ := splitARN(issuerARN)
	return Principal{
		Type:      FederatedUser,
		Account:   a.account,
		ARN:       "arn:" + a.partition + ":sts::" + a.account + ":federated-user/" + name,
		ID:        a.account + ":" + name,
		Name:      name,
		IssuerARN: issuerARN,
	}
}

// ServicePrincipal returns the AWS service principal name (for example "delivery.logs.amazonaws.com").
func ServicePrincipal(name string) Principal { return Principal{Type: Service, Service: name} }

// String names the principal for people: its ARN, "service principal X", "anonymous", ….
func (p Principal) String() string {
	switch p.Type {
	case Service:
		return "service principal " + p.Service
	case WebIdentity:
		return "federated identity of " + p.Provider
	case CanonicalUser:
		return "canonical user " + p.CanonicalID
	case Anonymous:
		return "anonymous"
	}
	if p.ARN != "" {
		return p.ARN
	}
	return "account " + p.Account
}

// isIAM reports whether the principal belongs to an account (and so has identity-based policies).
func (p *Principal) isIAM() bool {
	return p.Type == Root || p.Type == IAMUser || p.Type == AssumedRole || p.Type == FederatedUser
}

// roleID returns the role's unique ID from a session's ID ("AROA…:session").
func (p *Principal) roleID() string {
	id, _, _ := strings.Cut(p.ID, ":")
	return id
}

// arnParts are the six colon-separated fields of an ARN ("arn", partition, service, region, account,
// resource); the resource may itself contain colons.
type arnParts struct {
	partition, service, region, account, resource string
}

func splitARN(s string) (arnParts, bool) {
	f := strings.SplitN(s, ":", 6)
	if len(f) != 6 || f[0] != "arn" {
		return arnParts{}, false
	}
	return arnParts{partition: f[1], service: f[2], region: f[3], account: f[4], resource: f[5]}, true
}

// isAccountID reports whether s is a 12-digit account ID.
func isAccountID(s string) bool {
	if len(s) != 12 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
