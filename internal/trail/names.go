package trail

import (
	"net"
	"strings"

	"github.com/seclake/seclake/internal/actor"
)

// Name limits of CreateTrail.
const (
	minNameLen   = 3
	maxNameLen   = 128
	maxPrefixLen = 200
)

// validName checks a trail name against CloudTrail's rules.
func validName(name string) error {
	switch {
	case len(name) < minNameLen:
		return errInvalidName("Trail name too short. Minimum allowed length: %d characters. Specified name length: %d characters.", minNameLen, len(name))
	case len(name) > maxNameLen:
		return errInvalidName("Trail name too long. Maximum allowed length: %d characters. Specified name length: %d characters.", maxNameLen, len(name))
	}
	for i := 0; i < len(name); i++ {
		if !alnum(name[i]) && !special(name[i]) {
			return errInvalidName("Trail name or ARN can only contain uppercase letters, lowercase letters, numbers, periods (.), hyphens (-), and underscores (_).")
		}
		if i > 0 && special(name[i]) && special(name[i-1]) {
			return errInvalidName("Trail name cannot contain consecutive special characters: %q is not valid.", name)
		}
	}
	switch {
	case !alnum(name[0]):
		return errInvalidName("Trail name must start with a letter or number.")
	case !alnum(name[len(name)-1]):
		return errInvalidName("Trail name must end with a letter or number.")
	case net.ParseIP(name) != nil:
		return errInvalidName("Trail name must not be formatted as an IP address.")
	}
	return nil
}

func alnum(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' }

func special(c byte) bool { return c == '.' || c == '_' || c == '-' }

// ref is a trail named by a request: by name (in the caller's region) or by ARN.
type ref struct {
	account, region, name string
	byARN                 bool
}

func (r ref) arn() string { return TrailARN(r.region, r.account, r.name) }

// parseRef parses the Name or TrailName member of a request, a trail name or a trail ARN, for caller c in
// region.
func parseRef(c *actor.Caller, region, nameOrARN string) (ref, error) {
	if nameOrARN == "" {
		return ref{}, errInvalidName("Trail name or ARN is required.")
	}
	if !strings.HasPrefix(nameOrARN, "arn:") {
		if err := validName(nameOrARN); err != nil {
			return ref{}, err
		}
		return ref{account: c.Account, region: region, name: nameOrARN}, nil
	}
	r, ok := parseARN(nameOrARN)
	if !ok {
		return ref{}, errInvalidARN(nameOrARN)
	}
	return r, nil
}

// parseARN parses arn:aws:cloudtrail:<region>:<account>:trail/<name>.
func parseARN(s string) (ref, bool) {
	parts := strings.SplitN(s, ":", 6)
	if len(parts) != 6 || parts[1] != "aws" || parts[2] != "cloudtrail" || parts[3] == "" || !actor.ValidAccountID(parts[4]) {
		return ref{}, false
	}
	name, ok := strings.CutPrefix(parts[5], "trail/")
	if !ok || validName(name) != nil || strings.Contains(parts[3], "/") {
		return ref{}, false
	}
	return ref{account: parts[4], region: parts[3], name: name, byARN: true}, true
}

// validPrefix checks an S3 key prefix.
func validPrefix(p string) error {
	if len(p) > maxPrefixLen || strings.HasPrefix(p, "/") {
		return errInvalidPrefix(p)
	}
	return nil
}
