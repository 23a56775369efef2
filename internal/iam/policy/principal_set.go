package policy

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// PrincipalSet is a statement's Principal or NotPrincipal element (IAM UG reference_policies_elements_principal).
type PrincipalSet struct {
	// Wildcard is set when the element is the string "*" (everyone, including anonymous callers).
	Wildcard bool
	// Entries are the typed lists in document order: {"AWS": [...]}, {"Service": [...]}, ….
	Entries []PrincipalEntry

	everyone  bool     // "*" or {"AWS": "*"}
	accounts  []string // 12-digit IDs, from "123…" or arn:…:iam::123…:root
	users     []string // IAM user ARNs
	roles     []string // IAM role ARNs: match the role's sessions
	sessions  []string // assumed-role and federated-user session ARNs
	ids       []string // unique IDs (AIDA…, AROA…) that AWS shows for deleted principals
	services  []string
	federated []string
	canonical []string
}

// PrincipalEntry is one typed list of a PrincipalSet.
type PrincipalEntry struct {
	// Type is "AWS", "Service", "Federated" or "CanonicalUser".
	Type string
	// Values are the principals as written.
	Values []string
	// Single is set when the values were written as one string rather than an array.
	Single bool
}

// grant is how a resource-policy statement names the requesting principal; it decides which other policy
// types must also allow the request (IAM UG reference_policies_evaluation-logic, "Resource-based policies").
type grant uint8

const (
	grantNone    grant = iota
	grantAccount       // the principal's account: delegation, the identity side must also allow
	grantIssuer        // the role (or federating user) of a session: limited by boundaries and session policies
	grantDirect        // the principal itself, or everyone: not limited by identity policies or boundaries
)

var principalKeys = []string{"AWS", "Service", "Federated", "CanonicalUser"}

// parsePrincipalSet validates and compiles a Principal or NotPrincipal value.
func parsePrincipalSet(v jsonValue, k Kind) (*PrincipalSet, fault, string, string) {
	ps := &PrincipalSet{}
	switch v.kind {
	case jsonString:
		if v.text != "*" {
			return nil, faultInvalidPrincipal, strconv.Quote(v.text),
				fmt.Sprintf("only \"*\" may be written without a type; write {\"AWS\": %q}", v.text)
		}
		ps.Wildcard, ps.everyone = true, true
		return ps, 0, "", ""
	case jsonObject:
	default:
		return nil, faultInvalidPrincipal, "", "the value must be \"*\" or an object such as {\"AWS\": \"…\"}, not a " + v.kind.String()
	}
	if len(v.fields) == 0 {
		return nil, faultMissingPrincipal, "", "the Principal object is empty"
	}
	for _, f := range v.fields {
		if !slices.Contains(principalKeys, f.key) || (f.key == "CanonicalUser" && k != Resource) {
			return nil, faultInvalidPrincipal, strconv.Quote(f.key), unknownPrincipalKey(f.key, k)
		}
		values, single, ok := stringList(f.value)
		if !ok || len(values) == 0 {
			return nil, faultInvalidPrincipal, strconv.Quote(f.key),
				fmt.Sprintf("the value of %q must be a string or a non-empty array of strings", f.key)
		}
		ps.Entries = append(ps.Entries, PrincipalEntry{Type: f.key, Values: values, Single: single})
		for _, val := range values {
			if detail := ps.add(f.key, val); detail != "" {
				return nil, faultInvalidPrincipal, fmt.Sprintf("%q:%q", f.key, val), detail
			}
		}
	}
	return ps, 0, "", ""
}

func unknownPrincipalKey(key string, k Kind) string {
	allowed := `"AWS", "Service" and "Federated"`
	if k == Resource {
		allowed = `"AWS", "Service", "Federated" and "CanonicalUser"`
	}
	msg := fmt.Sprintf("%q is not a principal type; the types are %s", key, allowed)
	trimmed := strings.Trim(key, " :\t")
	for _, want := range principalKeys {
		if key != want && strings.EqualFold(trimmed, want) {
			return msg + fmt.Sprintf(" (did you mean %q?)", want)
		}
	}
	return msg
}

// add classifies one value; it returns why the value is invalid, or "".
func (ps *PrincipalSet) add(key, val string) string {
	if val == "" {
		return "empty principal"
	}
	switch key {
	case "Service":
		if !isServiceName(val) {
			return fmt.Sprintf("%q is not a service principal name such as cloudtrail.amazonaws.com", val)
		}
		ps.services = append(ps.services, val)
		return ""
	case "Federated":
		if strings.ContainsAny(val, "*? ") {
			return fmt.Sprintf("%q is not an identity provider", val)
		}
		ps.federated = append(ps.federated, val)
		return ""
	case "CanonicalUser":
		if len(val) != 64 || strings.Trim(strings.ToLower(val), "0123456789abcdef") != "" {
			return fmt.Sprintf("%q is not a 64-digit hexadecimal canonical user ID", val)
		}
		ps.canonical = append(ps.canonical, val)
		return ""
	}
	return ps.addAWS(val)
}

func (ps *PrincipalSet) addAWS(val string) string {
	switch {
	case val == "*":
		ps.everyone = true
		return ""
	case isAccountID(val):
		ps.accounts = append(ps.accounts, val)
		return ""
	case isUniqueID(val):
		ps.ids = append(ps.ids, val)
		return ""
	}
	if strings.ContainsAny(val, "*?") {
		return fmt.Sprintf("%q: a principal cannot contain wildcards; use \"*\" with an aws:PrincipalArn condition", val)
	}
	a, ok := splitARN(val)
	if !ok || a.partition == "" || a.region != "" || !isAccountID(a.account) {
		return fmt.Sprintf("%q is not an account ID or the ARN of an account, user, role or session", val)
	}
	kind, rest, _ := strings.Cut(a.resource, "/")
	switch {
	case a.service == "iam" && a.resource == "root":
		ps.accounts = append(ps.accounts, a.account)
	case a.service == "iam" && kind == "user" && rest != "":
		ps.users = append(ps.users, val)
	case a.service == "iam" && kind == "role" && rest != "":
		ps.roles = append(ps.roles, val)
	case a.service == "sts" && kind == "assumed-role" && strings.Count(rest, "/") == 1 && !strings.HasSuffix(rest, "/") && !strings.HasPrefix(rest, "/"):
		ps.sessions = append(ps.sessions, val)
	case a.service == "sts" && kind == "federated-user" && rest != "":
		ps.sessions = append(ps.sessions, val)
	default:
		return fmt.Sprintf("%q is not the ARN of an account root, user, role, assumed-role session or federated user", val)
	}
	return ""
}

// isUniqueID reports whether s looks like an IAM unique ID of a user or role, as AWS shows a principal that
// no longer exists.
func isUniqueID(s string) bool {
	if len(s) < 16 || len(s) > 128 || (!strings.HasPrefix(s, "AIDA") && !strings.HasPrefix(s, "AROA")) {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !('A' <= c && c <= 'Z' || '0' <= c && c <= '9') {
			return false
		}
	}
	return true
}

func isServiceName(s string) bool {
	if !strings.Contains(s, ".") || strings.HasPrefix(s, ".") || strings.HasSuffix(s, ".") {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '-') {
			return false
		}
	}
	return true
}

// match returns how the set names p.
func (ps *PrincipalSet) match(p *Principal) grant {
	if ps.everyone {
		return grantDirect
	}
	switch p.Type {
	case Service:
		return grantIf(slices.Contains(ps.services, p.Service))
	case WebIdentity:
		return grantIf(slices.Contains(ps.federated, p.Provider))
	case CanonicalUser:
		return grantIf(p.CanonicalID != "" && slices.Contains(ps.canonical, p.CanonicalID))
	case Anonymous:
		return grantNone
	}
	switch {
	case p.Type == IAMUser && (slices.Contains(ps.users, p.ARN) || (p.ID != "" && slices.Contains(ps.ids, p.ID))):
		return grantDirect
	case (p.Type == AssumedRole || p.Type == FederatedUser) && slices.Contains(ps.sessions, p.ARN):
		return grantDirect
	case p.Type == AssumedRole && (slices.Contains(ps.roles, p.IssuerARN) || (p.ID != "" && slices.Contains(ps.ids, p.roleID()))):
		return grantIssuer
	case p.Type == FederatedUser && slices.Contains(ps.users, p.IssuerARN):
		return grantIssuer
	case p.Account != "" && slices.Contains(ps.accounts, p.Account):
		return grantAccount
	}
	return grantNone
}

func grantIf(ok bool) grant {
	if ok {
		return grantDirect
	}
	return grantNone
}

// excludes reports whether a NotPrincipal set exempts p: every identity AWS evaluates for the request (the
// account, then the user or role, then the session) must be listed (IAM UG
// reference_policies_elements_notprincipal: "AWS might validate the account first, then the role, and then
// the assumed-role user").
func (ps *PrincipalSet) excludes(p *Principal) bool {
	if ps.everyone {
		return true
	}
	switch p.Type {
	case Service, WebIdentity, CanonicalUser:
		return ps.match(p) == grantDirect
	case Anonymous:
		return false
	}
	if !slices.Contains(ps.accounts, p.Account) {
		return false
	}
	switch p.Type {
	case IAMUser:
		return slices.Contains(ps.users, p.ARN) || (p.ID != "" && slices.Contains(ps.ids, p.ID))
	case AssumedRole:
		roleListed := slices.Contains(ps.roles, p.IssuerARN) || (p.ID != "" && slices.Contains(ps.ids, p.roleID()))
		return roleListed && slices.Contains(ps.sessions, p.ARN)
	case FederatedUser:
		return slices.Contains(ps.sessions, p.ARN)
	}
	return true // Root: the account is its only identity
}

// principals lists the named principals (not "*") as Principal values.
func (ps *PrincipalSet) principals() []Principal {
	var out []Principal
	for _, a := range ps.accounts {
		out = append(out, RootPrincipal(a))
	}
	for _, u := range ps.users {
		out = append(out, UserPrincipal(u, ""))
	}
	for _, r := range ps.roles {
		a, _ := splitARN(r)
		out = append(out, Principal{Type: Role, Account: a.account, ARN: r})
	}
	for _, s := range ps.sessions {
		a, _ := splitARN(s)
		t := AssumedRole
		if strings.HasPrefix(a.resource, "federated-user/") {
			t = FederatedUser
		}
		out = append(out, Principal{Type: t, Account: a.account, ARN: s})
	}
	for _, id := range ps.ids {
		t := IAMUser
		if strings.HasPrefix(id, "AROA") {
			t = Role
		}
		out = append(out, Principal{Type: t, ID: id})
	}
	for _, s := range ps.services {
		out = append(out, ServicePrincipal(s))
	}
	for _, f := range ps.federated {
		out = append(out, Principal{Type: WebIdentity, Provider: f})
	}
	for _, c := range ps.canonical {
		out = append(out, Principal{Type: CanonicalUser, CanonicalID: c})
	}
	return out
}

// stringList reads a string or an array of strings.
func stringList(v jsonValue) (values []string, single, ok bool) {
	switch v.kind {
	case jsonString:
		return []string{v.text}, true, true
	case jsonArray:
		values = make([]string, 0, len(v.items))
		for _, it := range v.items {
			if it.kind != jsonString {
				return nil, false, false
			}
			values = append(values, it.text)
		}
		return values, false, true
	}
	return nil, false, false
}
