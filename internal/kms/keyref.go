package kms

import (
	"strings"

	"github.com/seclake/seclake/internal/actor"
)

// keyRef is a parsed KeyId parameter: a key ID, key ARN, alias name or alias ARN.
type keyRef struct {
	account, region string
	// id is the key ID, or "" when the reference is an alias.
	id string
	// alias is the alias name ("alias/…"), or "" when the reference is a key.
	alias string
}

// defaultRegion is used for callers without a region (in-process callers that did not set one).
const defaultRegion = "us-east-1"

// callerRegion returns the region a caller's request is in.
func callerRegion(c *actor.Caller) string {
	if c.Region != "" {
		return c.Region
	}
	return defaultRegion
}

// storeKey returns where the referenced key (or alias) is stored.
func (r keyRef) storeKey() string {
	if r.id != "" {
		return keyStoreKey(r.account, r.region, r.id)
	}
	return aliasStoreKey(r.account, r.region, r.alias)
}

// arn returns the key or alias ARN the reference names.
func (r keyRef) arn() string {
	if r.id != "" {
		return keyARN(r.account, r.region, r.id)
	}
	return aliasARN(r.account, r.region, r.alias)
}

// parseKeyID parses a KeyId parameter in the context of the caller's account (account) and region. Aliases
// are refused where the operation takes only keys (allowAlias false), as KMS does for key-management
// operations.
func parseKeyID(account, region, keyID string, allowAlias bool) (keyRef, error) {
	ref := keyRef{account: account, region: region}
	rest := keyID
	if strings.HasPrefix(keyID, "arn:") {
		parts := strings.SplitN(keyID, ":", 6)
		if len(parts) != 6 || parts[1] != "aws" || parts[2] != "kms" || !validAccount(parts[4]) {
			return keyRef{}, errInvalidKeyID(keyID)
		}
		if parts[3] != region {
			return keyRef{}, errOtherRegion(parts[3])
		}
		ref.account, rest = parts[4], parts[5]
		if strings.HasPrefix(rest, "key/") {
			rest = rest[len("key/"):]
			if !validKeyID(rest) {
				return keyRef{}, errInvalidKeyID(keyID)
			}
			ref.id = rest
			return ref, nil
		}
		if !strings.HasPrefix(rest, "alias/") {
			return keyRef{}, errInvalidKeyID(keyID)
		}
	}
	switch {
	case strings.HasPrefix(rest, "alias/"):
		if !allowAlias || !validAliasName(rest) {
			return keyRef{}, errInvalidKeyID(keyID)
		}
		ref.alias = rest
	case validKeyID(rest):
		ref.id = rest
	default:
		return keyRef{}, errInvalidKeyID(keyID)
	}
	if ref.account == "" {
		return keyRef{}, errInvalidKeyID(keyID)
	}
	return ref, nil
}

// validKeyID reports whether s is a key ID: a UUID in lowercase hex (8-4-4-4-12).
func validKeyID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
				return false
			}
		}
	}
	return true
}

func validAccount(s string) bool { return actor.ValidAccountID(s) }

// validAliasName reports whether s matches the model's AliasName pattern and starts with "alias/".
func validAliasName(s string) bool {
	if len(s) <= len("alias/") || len(s) > 256 || !strings.HasPrefix(s, "alias/") {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == ':' || c == '/' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}
