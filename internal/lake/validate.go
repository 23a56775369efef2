package lake

import (
	"regexp"
	"slices"
)

// The patterns of the model's string shapes.
var (
	reRegion        = regexp.MustCompile(`^(us(-gov)?|af|ap|ca|eu|me|sa)-(central|north|(north(?:east|west))|south|south(?:east|west)|east|west)-\d+$`)
	reRoleARN       = regexp.MustCompile(`^arn:(aws[a-zA-Z-]*)?:iam::\d{12}:role/?[a-zA-Z_0-9+=,.@\-_/]+$`)
	reAccount       = regexp.MustCompile(`^[0-9]{12}$`)
	reResourceARN   = regexp.MustCompile(`^arn:(aws|aws-us-gov|aws-cn):securitylake:[A-Za-z0-9_/.\-]{0,63}:[A-Za-z0-9_/.\-]{0,63}:[A-Za-z0-9][A-Za-z0-9_/.\-]{0,127}$`)
	reUUID          = regexp.MustCompile(`^[a-f0-9]{8}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{12}$`)
	reExternalID    = regexp.MustCompile(`^[\w+=,.@:\/-]*$`)
	rePrincipal     = regexp.MustCompile(`^([0-9]{12}|[a-z0-9\.\-]*\.(amazonaws|amazon)\.com)$`)
	reSafe          = regexp.MustCompile(`^[\\\w\-_:/.@=+]*$`)
	reDescription   = regexp.MustCompile(`^[\\\w\s\-_:/,.@=+]*$`)
	reCustomName    = regexp.MustCompile(`^[\w\-\_\:\.]*$`)
	reCustomVersion = regexp.MustCompile(`^[A-Za-z0-9\-\.\_]*$`)
	reEventClass    = regexp.MustCompile(`^[A-Z\_0-9]*$`)
	reSourceVersion = regexp.MustCompile(`^(latest|[0-9]\.[0-9])$`)
	reProtocol      = regexp.MustCompile(`^[a-z\-]*$`)
	reHTTPS         = regexp.MustCompile(`^https?://.+$`)
)

// AwsLogSourceNames are the AWS log sources Security Lake collects.
var AwsLogSourceNames = []string{"ROUTE53", "VPC_FLOW", "SH_FINDINGS", "CLOUD_TRAIL_MGMT", "LAMBDA_EXECUTION", "S3_DATA", "EKS_AUDIT", "WAF"}

// field checks one member of a request; the first failure is the request's BadRequestException.
type fields struct{ err error }

func (f *fields) fail(format string, args ...any) {
	if f.err == nil {
		f.err = badRequest(format, args...)
	}
}

// match checks an optional string against a pattern.
func (f *fields) match(name, v string, re *regexp.Regexp) {
	if v != "" && !re.MatchString(v) {
		f.fail("Value '%s' at '%s' failed to satisfy constraint: Member must satisfy regular expression pattern: %s", v, name, re)
	}
}

// required checks a required string member and its pattern (nil: none).
func (f *fields) required(name, v string, re *regexp.Regexp) {
	if v == "" {
		f.fail("The request is missing the required member %s.", name)
		return
	}
	if re != nil {
		f.match(name, v, re)
	}
}

// length checks a string's length in characters.
func (f *fields) length(name, v string, lo, hi int) {
	if n := len([]rune(v)); n < lo || n > hi {
		f.fail("Value at '%s' failed to satisfy constraint: Member must have length between %d and %d.", name, lo, hi)
	}
}

// regions checks a list of regions.
func (f *fields) regions(name string, rs []string) {
	for _, r := range rs {
		f.match(name, r, reRegion)
	}
}

// accounts checks a list of account IDs.
func (f *fields) accounts(name string, as []string) {
	for _, a := range as {
		f.match(name, a, reAccount)
	}
}

// atLeast checks a positive lower bound on an optional number.
func (f *fields) atLeast(name string, v *int, lo int) {
	if v != nil && *v < lo {
		f.fail("Value '%d' at '%s' failed to satisfy constraint: Member must have value greater than or equal to %d.", *v, name, lo)
	}
}

// oneOf checks an enum.
func (f *fields) oneOf(name, v string, allowed []string) {
	if v != "" && !slices.Contains(allowed, v) {
		f.fail("Value '%s' at '%s' failed to satisfy constraint: Member must satisfy enum value set: %v", v, name, allowed)
	}
}

// tags checks a tag list.
func (f *fields) tags(ts []Tag) {
	if len(ts) > 50 {
		f.fail("Value at 'tags' failed to satisfy constraint: Member must have length less than or equal to 50.")
	}
	for _, t := range ts {
		f.length("tags.member.key", t.Key, 1, 128)
		f.length("tags.member.value", t.Value, 0, 256)
	}
}

// identity checks an AwsIdentity.
func (f *fields) identity(name string, id AwsIdentity) {
	f.required(name+".principal", id.Principal, rePrincipal)
	f.required(name+".externalId", id.ExternalID, reExternalID)
	if id.ExternalID != "" {
		f.length(name+".externalId", id.ExternalID, 2, 1224)
	}
}

// AwsIdentity is a principal and the external ID it must present.
type AwsIdentity struct {
	ExternalID string `json:"externalId"`
	Principal  string `json:"principal"`
}
