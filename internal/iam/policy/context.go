package policy

import (
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// Context holds a request's condition keys and their values. Key names are case-insensitive, as in AWS
// ("aws:CurrentTime is equivalent to AWS:currenttime"); that includes the whole of
// kms:EncryptionContext:<context-key> (KMS DG conditions-kms, "Case sensitivity of the encryption context
// condition"). Every value is a string, as on the wire; typed setters format times, booleans and numbers the
// way AWS does. The zero Context is empty and ready to use.
//
// Keys derived from the principal (aws:PrincipalArn, aws:PrincipalAccount, aws:PrincipalType, aws:userid,
// aws:username, aws:PrincipalServiceName, aws:PrincipalIsAWSService) need not be set: Evaluate supplies them
// from Request.Principal unless the Context overrides them.
type Context struct {
	m map[string][]string
	// base holds the keys of the context this one was layered on (Layer); m's keys hide base's.
	base map[string][]string
}

// cloneRoom is the number of keys a Clone has room for beyond the original's before its map grows: the
// global keys IAM adds to a request's context (about ten) and the principal's.
const cloneRoom = 16

// Set gives key the values (one for a single-valued key, any number for a multivalued key such as
// aws:TagKeys or kms:EncryptionContextKeys). Setting no values makes the key present with an empty set.
func (c *Context) Set(key string, values ...string) {
	if c.m == nil {
		if c.base != nil {
			c.m = make(map[string][]string, cloneRoom)
		} else {
			c.m = make(map[string][]string)
		}
	}
	c.m[strings.ToLower(key)] = values
}

// SetBool sets key to "true" or "false".
func (c *Context) SetBool(key string, v bool) { c.Set(key, strconv.FormatBool(v)) }

// SetTime sets key to t in ISO 8601 (UTC, seconds), as aws:CurrentTime is given.
func (c *Context) SetTime(key string, t time.Time) { c.Set(key, t.UTC().Format(time.RFC3339)) }

// SetInt sets key to the decimal form of n (aws:EpochTime, s3:max-keys, …).
func (c *Context) SetInt(key string, n int64) { c.Set(key, strconv.FormatInt(n, 10)) }

// SetIP sets key to the address (aws:SourceIp).
func (c *Context) SetIP(key string, ip netip.Addr) { c.Set(key, ip.String()) }

// Delete removes key.
func (c *Context) Delete(key string) {
	if c.base != nil {
		c.flatten()
	}
	delete(c.m, strings.ToLower(key))
}

// Get returns the values of key and whether it is present.
func (c Context) Get(key string) ([]string, bool) { return c.lookup(strings.ToLower(key)) }

// lookup is Get for a lowercased key.
func (c Context) lookup(lkey string) ([]string, bool) {
	if v, ok := c.m[lkey]; ok {
		return v, true
	}
	v, ok := c.base[lkey]
	return v, ok
}

// Len returns the number of keys.
func (c Context) Len() int {
	n := len(c.m)
	for k := range c.base {
		if _, hidden := c.m[k]; !hidden {
			n++
		}
	}
	return n
}

// Keys returns the (lowercased) key names, in no particular order.
func (c Context) Keys() []string {
	out := make([]string, 0, c.Len())
	for k := range c.m {
		out = append(out, k)
	}
	for k := range c.base {
		if _, hidden := c.m[k]; !hidden {
			out = append(out, k)
		}
	}
	return out
}

// Layer returns a context that holds c's keys and takes new ones (and new values for c's keys) without
// copying c or changing it: what IAM does with every request's context before it adds the global keys. c
// must not be changed while the layer is in use; Clone when it might be. A layer cannot be layered again
// without flattening (Layer of a layer copies).
func (c Context) Layer() Context {
	if c.base != nil {
		return c.Clone()
	}
	return Context{base: c.m}
}

// flatten copies the base's keys into m, so that the context no longer refers to its base.
func (c *Context) flatten() {
	*c = c.Clone()
}

// Clone returns a copy that can be changed without affecting c. The copy has room for the keys a caller
// usually adds (IAM clones a request's context and adds the global keys), and its values share one backing
// array, each sliced to its own capacity so that appending to one cannot overwrite another.
func (c Context) Clone() Context {
	out := Context{m: make(map[string][]string, c.Len()+cloneRoom)}
	n := 0
	for _, v := range c.base {
		n += len(v)
	}
	for _, v := range c.m {
		n += len(v)
	}
	all := make([]string, 0, n)
	for _, m := range []map[string][]string{c.base, c.m} { // m's values replace base's
		for k, v := range m {
			i := len(all)
			all = append(all, v...)
			out.m[k] = all[i:len(all):len(all)]
		}
	}
	return out
}

// Derived keys, lowercased. AWS always includes aws:PrincipalIsAWSService; the others are present for the
// principal types that have them (IAM UG reference_policies_condition-keys and reference_policies_variables
// "Principal key values").
const (
	keyPrincipalArn         = "aws:principalarn"
	keyPrincipalAccount     = "aws:principalaccount"
	keyPrincipalType        = "aws:principaltype"
	keyUserID               = "aws:userid"
	keyUsername             = "aws:username"
	keyPrincipalServiceName = "aws:principalservicename"
	keyPrincipalIsService   = "aws:principalisawsservice"
)

// derivedKeys lists the keys derivedValue knows, indexing the evaluator's scratch space.
var derivedKeys = [...]string{keyPrincipalArn, keyPrincipalAccount, keyPrincipalType, keyUserID, keyUsername,
	keyPrincipalServiceName, keyPrincipalIsService}

// derivedValue returns the value AWS gives key for principal p.
func derivedValue(p *Principal, key string) (string, bool) {
	switch key {
	case keyPrincipalArn:
		switch p.Type {
		case Root, IAMUser, FederatedUser:
			return p.ARN, p.ARN != ""
		case AssumedRole:
			// "the ARN of the role … not the ARN of the resulting session" (IAM UG, principal-roles).
			return p.IssuerARN, p.IssuerARN != ""
		}
	case keyPrincipalAccount:
		return p.Account, p.Account != ""
	case keyPrincipalType:
		switch p.Type {
		case Root:
			return "Account", true
		case IAMUser:
			return "User", true
		case AssumedRole:
			return "AssumedRole", true
		case FederatedUser:
			return "FederatedUser", true
		case Anonymous:
			return "Anonymous", true
		}
	case keyUserID:
		switch p.Type {
		case Root:
			return p.Account, p.Account != ""
		case Anonymous:
			return "anonymous", true
		case IAMUser, AssumedRole, FederatedUser:
			return p.ID, p.ID != ""
		}
	case keyUsername:
		return p.Name, p.Type == IAMUser && p.Name != ""
	case keyPrincipalServiceName:
		return p.Service, p.Type == Service && p.Service != ""
	case keyPrincipalIsService:
		if p.Type == Service {
			return "true", true
		}
		return "false", true
	}
	return "", false
}
