package policy_test

import (
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/iam/policy"
)

const okIdentity = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`

// rejectTests are documents Parse must reject: the statement and element at fault, AWS's wording, and a
// substring of the detail.
var rejectTests = []struct {
	name    string
	kind    policy.Kind
	doc     string
	stmt    int
	element string
	message string
	detail  string
}{
	// Grammar (IAM UG reference_policies_grammar).
	{"invalid JSON", policy.Identity, `{"Version":"2012-10-17",`, -1, "", "Syntax errors in policy.", "expected a quoted member name"},
	{"invalid JSON trust wording", policy.Trust, `{`, -1, "", "This policy contains invalid Json", ""},
	{"not an object", policy.Identity, `["Statement"]`, -1, "", "Syntax errors in policy.", "JSON object"},
	{"duplicate element", policy.Identity, `{"Statement":[{"Effect":"Allow","Effect":"Deny","Action":"*","Resource":"*"}]}`, -1, "", "Syntax errors in policy.", `duplicate member "Effect"`},
	{"trailing data", policy.Identity, okIdentity + `{}`, -1, "", "Syntax errors in policy.", "after the top-level value"},
	{"unknown top-level element", policy.Identity, `{"Version":"2012-10-17","Comment":"x","Statement":[]}`, -1, "Comment", "Unknown field Comment", ""},
	{"element names are case-sensitive", policy.Trust, `{"Version":"2012-10-17","statement":[]}`, -1, "statement", "Unknown field statement", ""},
	{"bad version", policy.Identity, `{"Version":"2012-10-18","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`, -1, "Version", "The policy must contain a valid version string", ""},
	{"no statement", policy.Identity, `{"Version":"2012-10-17"}`, -1, "Statement", "Could not parse the policy: Statement is empty!", ""},
	{"empty statement", policy.Identity, `{"Statement":[]}`, -1, "Statement", "Could not parse the policy: Statement is empty!", ""},
	{"statement not object", policy.Identity, `{"Statement":["x"]}`, 0, "Statement", "Syntax errors in policy.", "must be an object"},
	{"unknown statement element", policy.Identity, `{"Statement":[{"Effect":"Allow","Action":"*","Resources":"*"}]}`, 0, "Resources", "Unknown field Resources", ""},
	{"character outside the allowed set", policy.Identity, `{"Statement":[{"Sid":"A","Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::b/` + "\u20ac" + `"}]}`, -1, "", "Syntax errors in policy.", "U+20AC"},
	// Effect.
	{"missing effect", policy.Identity, `{"Statement":[{"Action":"*","Resource":"*"}]}`, 0, "Effect", "Missing required field Effect", ""},
	{"lowercase effect", policy.Identity, `{"Statement":[{"Effect":"allow","Action":"*","Resource":"*"}]}`, 0, "Effect", "Invalid effect: allow", "exactly"},
	// Sid (IAM: alphanumeric, unique).
	{"sid with spaces in IAM", policy.Identity, `{"Statement":[{"Sid":"My Sid","Effect":"Allow","Action":"*","Resource":"*"}]}`, 0, "Sid", "Statement IDs (SID) must be alpha-numeric. Check that your input satisfies the regular expression [0-9A-Za-z]*", ""},
	{"duplicate sid", policy.Identity, `{"Statement":[{"Sid":"A","Effect":"Allow","Action":"*","Resource":"*"},{"Sid":"A","Effect":"Deny","Action":"*","Resource":"*"}]}`, 1, "Sid", "Statement IDs (SID) in a single policy must be unique.", ""},
	{"duplicate sid trust wording", policy.Trust, `{"Statement":[{"Sid":"A","Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":"sts:AssumeRole"},{"Sid":"A","Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":"sts:TagSession"}]}`, 1, "Sid", "The Statement Ids in the policy are not unique", ""},
	// Principal.
	{"principal in identity policy", policy.Identity, `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}`, 0, "Principal", "Policy document should not specify a principal.", ""},
	{"principal in SCP", policy.SCP, `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}`, 0, "Principal", "The provided policy document does not meet the requirements of the specified policy type.", ""},
	{"missing principal in bucket policy", policy.Resource, `{"Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`, 0, "Principal", "Missing required field Principal", ""},
	{"missing principal in key policy", policy.KeyPolicy, `{"Statement":[{"Effect":"Allow","Action":"kms:*","Resource":"*"}]}`, 0, "Principal", "Policy contains a statement with one or more invalid principals.", ""},
	{"unknown principal type AWS colon", policy.KeyPolicy, `{"Statement":[{"Effect":"Allow","Principal":{"AWS:":"arn:aws:iam::111122223333:root"},"Action":"kms:*","Resource":"*"}]}`, 0, "Principal", "Policy contains a statement with one or more invalid principals.", `"AWS:" is not a principal type`},
	{"unknown principal type IAM wording", policy.Trust, `{"Statement":[{"Effect":"Allow","Principal":{"aws":"111122223333"},"Action":"sts:AssumeRole"}]}`, 0, "Principal", `Invalid principal in policy: "aws"`, `did you mean "AWS"?`},
	{"principal string other than star", policy.Resource, `{"Statement":[{"Effect":"Allow","Principal":"arn:aws:iam::111122223333:root","Action":"s3:*","Resource":"*"}]}`, 0, "Principal", "Invalid principal in policy", `write {"AWS"`},
	{"principal wildcard in ARN", policy.Resource, `{"Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:role/*"},"Action":"s3:*","Resource":"*"}]}`, 0, "Principal", "Invalid principal in policy", "cannot contain wildcards"},
	{"principal not an ARN", policy.Trust, `{"Statement":[{"Effect":"Allow","Principal":{"AWS":"bob"},"Action":"sts:AssumeRole"}]}`, 0, "Principal", `Invalid principal in policy: "AWS":"bob"`, ""},
	{"principal empty object", policy.Resource, `{"Statement":[{"Effect":"Allow","Principal":{},"Action":"s3:*","Resource":"*"}]}`, 0, "Principal", "Missing required field Principal", "empty"},
	{"service principal star", policy.KeyPolicy, `{"Statement":[{"Effect":"Allow","Principal":{"Service":"*"},"Action":"kms:*","Resource":"*"}]}`, 0, "Principal", "Policy contains a statement with one or more invalid principals.", "service principal"},
	{"canonical user outside S3", policy.KeyPolicy, `{"Statement":[{"Effect":"Allow","Principal":{"CanonicalUser":"79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"},"Action":"kms:*","Resource":"*"}]}`, 0, "Principal", "Policy contains a statement with one or more invalid principals.", ""},
	{"principal and notprincipal", policy.Resource, `{"Statement":[{"Effect":"Deny","Principal":"*","NotPrincipal":{"AWS":"111122223333"},"Action":"s3:*","Resource":"*"}]}`, 0, "NotPrincipal", "Syntax errors in policy.", "both"},
	{"notprincipal with allow", policy.Resource, `{"Statement":[{"Effect":"Allow","NotPrincipal":{"AWS":"111122223333"},"Action":"s3:*","Resource":"*"}]}`, 0, "NotPrincipal", "Allow with NotPrincipal is not allowed.", ""},
	{"notprincipal in trust policy", policy.Trust, `{"Statement":[{"Effect":"Deny","NotPrincipal":{"AWS":"111122223333"},"Action":"sts:AssumeRole"}]}`, 0, "NotPrincipal", "AssumeRole policy must not contain NotPrincipal field.", ""},
	// Action.
	{"missing action", policy.Identity, `{"Statement":[{"Effect":"Allow","Resource":"*"}]}`, 0, "Action", "Policy statement must contain actions.", ""},
	{"missing action trust", policy.Trust, `{"Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"}}]}`, 0, "Action", "Missing required field Action", ""},
	{"action and notaction", policy.Identity, `{"Statement":[{"Effect":"Allow","Action":"s3:*","NotAction":"iam:*","Resource":"*"}]}`, 0, "NotAction", "Syntax errors in policy.", "both Action and NotAction"},
	{"empty action list", policy.Identity, `{"Statement":[{"Effect":"Allow","Action":[],"Resource":"*"}]}`, 0, "Action", "Policy statement must contain actions.", ""},
	{"action without vendor", policy.Identity, `{"Statement":[{"Effect":"Allow","Action":"GetObject","Resource":"*"}]}`, 0, "Action", "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.", ""},
	{"action two colons", policy.Identity, `{"Statement":[{"Effect":"Allow","Action":"s3:Get:Object","Resource":"*"}]}`, 0, "Action", "Actions/Condition can contain only one colon.", ""},
	{"action bad vendor", policy.Identity, `{"Statement":[{"Effect":"Allow","Action":"s 3:GetObject","Resource":"*"}]}`, 0, "Action", "Vendor s 3 is not valid", ""},
	{"action bad vendor S3 wording", policy.Resource, `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"invalid_action","Resource":"*"}]}`, 0, "Action", "Policy has invalid action", ""},
	{"action not a string", policy.Identity, `{"Statement":[{"Effect":"Allow","Action":[1],"Resource":"*"}]}`, 0, "Action", "Policy statement must contain actions.", ""},
	{"trust non-sts action", policy.Trust, `{"Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"*"}]}`, 0, "Action", "AssumeRole policy may only specify STS AssumeRole actions.", ""},
	// Resource.
	{"missing resource", policy.Identity, `{"Statement":[{"Effect":"Allow","Action":"s3:*"}]}`, 0, "Resource", "Policy statement must contain resources.", ""},
	{"resource not ARN", policy.Identity, `{"Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"my-bucket"}]}`, 0, "Resource", `Resource my-bucket must be in ARN format or "*".`, ""},
	{"resource short ARN", policy.Identity, `{"Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3"}]}`, 0, "Resource", `Resource arn:aws:s3 must be in ARN format or "*".`, ""},
	{"resource S3 wording", policy.Resource, `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"bucket"}]}`, 0, "Resource", "Policy has invalid resource", ""},
	{"resource and notresource", policy.Identity, `{"Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*","NotResource":"*"}]}`, 0, "NotResource", "Syntax errors in policy.", "both"},
	{"trust with resource", policy.Trust, `{"Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole","Resource":"*"}]}`, 0, "Resource", "Has prohibited field Resource", ""},
	{"trust with notresource", policy.Trust, `{"Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole","NotResource":"*"}]}`, 0, "NotResource", "AssumeRole policy must not contain resources.", ""},
	// Condition.
	{"unknown operator", policy.Identity, `{"Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"StringEqual":{"aws:SourceIp":"x"}}}]}`, 0, "Condition", "Syntax errors in policy.", `"StringEqual" is not a condition operator`},
	{"operator case", policy.Identity, `{"Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"stringequals":{"aws:SourceIp":"x"}}}]}`, 0, "Condition", "Syntax errors in policy.", `"StringEquals"`},
	{"null if exists", policy.Identity, `{"Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"NullIfExists":{"aws:SourceIp":"true"}}}]}`, 0, "Condition", "Syntax errors in policy.", "Null takes neither"},
	{"condition not object", policy.Identity, `{"Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":[]}]}`, 0, "Condition", "Syntax errors in policy.", ""},
	{"condition key without vendor", policy.Identity, `{"Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"StringEquals":{"SourceIp":"x"}}}]}`, 0, "Condition", "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.", ""},
	{"condition value object", policy.Identity, `{"Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"StringEquals":{"aws:x":{}}}}]}`, 0, "Condition", "Syntax errors in policy.", ""},
	{"condition empty values", policy.Identity, `{"Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"StringEquals":{"aws:x":[]}}}]}`, 0, "Condition", "Syntax errors in policy.", "no values"},
	{"numeric not a number", policy.Identity, `{"Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"NumericLessThan":{"s3:max-keys":"ten"}}}]}`, 0, "Condition", "Syntax errors in policy.", "not a number"},
	{"numeric variable", policy.Identity, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"NumericLessThan":{"s3:max-keys":"${aws:x}"}}}]}`, 0, "Condition", "Syntax errors in policy.", "not a number"},
	{"date invalid", policy.Identity, `{"Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"DateLessThan":{"aws:CurrentTime":"yesterday"}}}]}`, 0, "Condition", "Syntax errors in policy.", "ISO 8601"},
	{"bool invalid", policy.Identity, `{"Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"yes"}}}]}`, 0, "Condition", "Syntax errors in policy.", "true or false"},
	{"ip invalid", policy.Identity, `{"Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/33"}}}]}`, 0, "Condition", "Syntax errors in policy.", "CIDR"},
	{"binary invalid", policy.Identity, `{"Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"BinaryEquals":{"aws:x":"%%%"}}}]}`, 0, "Condition", "Syntax errors in policy.", "base64"},
	{"kms forallvalues encryption context", policy.KeyPolicy, `{"Statement":[{"Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":"kms:Decrypt","Resource":"*","Condition":{"ForAllValues:StringEquals":{"kms:EncryptionContext:Department":"IT"}}}]}`, 0, "Condition",
		"OverlyPermissiveCondition:EncryptionContext: Using the ForAllValues set operator with a single-valued condition key matches requests without the specified encryption context or with an unspecified encryption context. To fix, remove ForAllValues.", ""},
	{"kms forallvalues request tag", policy.KeyPolicy, `{"Statement":[{"Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":"kms:TagResource","Resource":"*","Condition":{"ForAllValues:StringEquals":{"aws:RequestTag/env":"dev"}}}]}`, 0, "Condition",
		"OverlyPermissiveCondition: Using the ForAllValues set operator with a single-valued condition key matches requests without the specified tag or with an unspecified tag. To fix, remove ForAllValues.", ""},
	{"second statement at fault", policy.Identity, `{"Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"},{"Sid":"Two","Effect":"Allow","Action":"s3:*"}]}`, 1, "Resource", "Policy statement must contain resources.", ""},
}

// TestParseRejects checks each validation rule: the statement and element at fault, and AWS's wording.
func TestParseRejects(t *testing.T) {
	for _, tc := range rejectTests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := policy.Parse([]byte(tc.doc), tc.kind)
			require.Nil(t, p)
			var ve *policy.ValidationError
			require.True(t, errors.As(err, &ve), "error %v is a *ValidationError", err)
			require.Equal(t, tc.stmt, ve.Statement, "statement: %v", err)
			require.Equal(t, tc.element, ve.Element, "element: %v", err)
			require.Equal(t, tc.message, ve.Message)
			require.Contains(t, ve.Detail, tc.detail)
			require.Contains(t, err.Error(), tc.message)
		})
	}
}

// TestParseAccepts covers documents AWS accepts, some of them unusual.
func TestParseAccepts(t *testing.T) {
	tests := []struct {
		name string
		kind policy.Kind
		doc  string
	}{
		{"statement as object", policy.Identity, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}}`},
		{"no version", policy.Identity, `{"Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}}`},
		{"version 2008", policy.Resource, `{"Version":"2008-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}}`},
		{"action star", policy.Identity, `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}`},
		{"id in identity policy", policy.Identity, `{"Id":"x","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}`},
		{"key policy sid with spaces", policy.KeyPolicy, `{"Statement":[{"Sid":"Enable IAM User Permissions","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:*","Resource":"*"}]}`},
		{"key policy statement without resource", policy.KeyPolicy, `{"Statement":[{"Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":"kms:*"}]}`},
		{"key policy statement without action", policy.KeyPolicy, `{"Statement":[{"Effect":"Allow","Principal":{"AWS":"111122223333"},"Resource":"*"}]}`},
		{"all principal forms", policy.Resource, `{"Statement":[{"Effect":"Allow","Principal":{"AWS":["111122223333","arn:aws:iam::111122223333:root","arn:aws:iam::111122223333:user/path/bob","arn:aws:iam::111122223333:role/service-role/x","arn:aws:sts::111122223333:assumed-role/x/s","arn:aws:sts::111122223333:federated-user/f","AIDAEXAMPLEEXAMPLE01","*"],"Service":["logs.us-east-1.amazonaws.com"],"Federated":"arn:aws:iam::111122223333:saml-provider/idp","CanonicalUser":"79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"},"Action":"s3:*","Resource":"*"}]}`},
		{"notprincipal deny", policy.Resource, `{"Statement":[{"Effect":"Deny","NotPrincipal":{"AWS":["arn:aws:iam::444455556666:user/Bob","arn:aws:iam::444455556666:root"]},"Action":"s3:*","Resource":["arn:aws:s3:::BUCKETNAME","arn:aws:s3:::BUCKETNAME/*"]}]}`},
		{"condition scalars", policy.KeyPolicy, `{"Statement":[{"Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":"kms:CreateGrant","Resource":"*","Condition":{"Bool":{"kms:GrantIsForAWSResource":true},"NumericLessThan":{"kms:x":10},"Null":{"kms:y":false}}}]}`},
		{"every operator", policy.Identity, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{` +
			`"StringEquals":{"a:k":"v"},"StringNotEquals":{"a:k":"v"},"StringEqualsIgnoreCase":{"a:k":"v"},"StringNotEqualsIgnoreCase":{"a:k":"v"},"StringLike":{"a:k":"v*"},"StringNotLike":{"a:k":"v?"},` +
			`"NumericEquals":{"a:k":"1"},"NumericNotEquals":{"a:k":"1"},"NumericLessThan":{"a:k":"1"},"NumericLessThanEquals":{"a:k":"1.5"},"NumericGreaterThan":{"a:k":"-1"},"NumericGreaterThanEquals":{"a:k":"1e3"},` +
			`"DateEquals":{"a:k":"2020-01-01T00:00:00Z"},"DateNotEquals":{"a:k":"1577836800"},"DateLessThan":{"a:k":"2020-01-01"},"DateLessThanEquals":{"a:k":"2020-01"},"DateGreaterThan":{"a:k":"2020"},"DateGreaterThanEquals":{"a:k":"2020-01-01T00:00+01:00"},` +
			`"Bool":{"a:k":"true"},"BinaryEquals":{"a:k":"QmluYXJ5"},"IpAddress":{"a:k":["10.0.0.0/8","2001:DB8::/32","192.0.2.1"]},"NotIpAddress":{"a:k":"::1"},` +
			`"ArnEquals":{"a:k":"arn:aws:s3:::b"},"ArnLike":{"a:k":"arn:aws:*:*:*:*"},"ArnNotEquals":{"a:k":"*"},"ArnNotLike":{"a:k":"arn:*"},"Null":{"a:k":"true"},` +
			`"StringEqualsIfExists":{"a:k":"v"},"ForAnyValue:StringLike":{"a:k":"v"},"ForAllValues:NumericLessThanIfExists":{"a:k":"3"},"BoolIfExists":{"a:k":"${a:b}"}}}]}`},
		{"trust web identity", policy.Trust, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"accounts.google.com"},"Action":["sts:AssumeRoleWithWebIdentity","sts:TagSession"],"Condition":{"StringEquals":{"accounts.google.com:aud":"x"}}}]}`},
		{"non-ASCII Latin-1 allowed", policy.Identity, `{"Statement":{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::b/caf` + "\u00e9" + `"}}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := policy.Parse([]byte(tc.doc), tc.kind)
			require.NoError(t, err)
			require.Equal(t, tc.doc, p.String())
			require.Equal(t, tc.kind, p.Kind())
			again, err := policy.Parse([]byte(p.Normalized()), tc.kind)
			require.NoError(t, err, "normalized: %s", p.Normalized())
			require.Equal(t, p.Normalized(), again.Normalized())
		})
	}
}

// TestScenarioS3KeyPolicyAsWritten parses the Security Lake S3 key policy exactly as the guide prints it
// (placeholders filled): AWS rejects the replication statement's "AWS:" principal key, and so must we, with a
// message that points at it (SCENARIOS.md 1a).
func TestScenarioS3KeyPolicyAsWritten(t *testing.T) {
	doc, err := os.ReadFile("testdata/scenarios/security-lake-s3-key-as-written.json")
	require.NoError(t, err)
	_, err = policy.Parse(doc, policy.KeyPolicy)
	var ve *policy.ValidationError
	require.True(t, errors.As(err, &ve))
	require.Equal(t, 4, ve.Statement)
	require.Equal(t, "Allow SecurityLake ReplicationRole To Use The Key (only with a rollup region)", ve.Sid)
	require.Equal(t, "Principal", ve.Element)
	require.Equal(t, "Policy contains a statement with one or more invalid principals.", ve.Message)
	require.Contains(t, ve.Detail, `"AWS:" is not a principal type`)
	require.Contains(t, ve.Detail, `did you mean "AWS"?`)
	require.Contains(t, err.Error(), `statement[4] (Sid "Allow SecurityLake ReplicationRole`)

	fixed := strings.Replace(string(doc), `"AWS:"`, `"AWS"`, 1)
	p, err := policy.Parse([]byte(fixed), policy.KeyPolicy)
	require.NoError(t, err)
	require.Len(t, p.Statements, 5)

	// The guide misspells the Lake Formation role: the policy parses, and Principals lists the role so the
	// caller can reject it as a principal that does not exist.
	var roles []string
	for _, pr := range p.Principals() {
		if pr.Type == policy.Role {
			roles = append(roles, pr.ARN)
		}
	}
	require.Contains(t, roles, "arn:aws:iam::111122223333:role/aws-service-role/lakeformation.amazonaws.com/AWSServiceRoleForLakeFormatinoDataAccess")
	require.Len(t, roles, 6)
	require.Equal(t, []string{"kms:EncryptionContext:aws:s3:arn", "kms:ViaService"}, p.ContextKeys())
}

func TestScenarioSubscriberIAMPolicy(t *testing.T) {
	doc, err := os.ReadFile("testdata/scenarios/sqs-subscriber-iam-policy.json")
	require.NoError(t, err)
	p, err := policy.Parse(doc, policy.Identity)
	require.NoError(t, err)
	require.Equal(t, "AllowDecryptForSpecificKey", p.Statements[0].Sid)
	require.Equal(t, policy.Position{Line: 2, Column: 16}, p.Statements[0].Start)
}

func TestPrincipals(t *testing.T) {
	p, err := policy.Parse([]byte(`{"Statement":[{"Effect":"Allow","Principal":{"AWS":["111122223333","arn:aws:iam::444455556666:user/bob","arn:aws:sts::111122223333:assumed-role/r/s","*"],"Service":"logs.amazonaws.com"},"Action":"s3:*","Resource":"*"},{"Effect":"Deny","NotPrincipal":{"AWS":"AROAEXAMPLEEXAMPLE01"},"Action":"s3:*","Resource":"*"}]}`), policy.Resource)
	require.NoError(t, err)
	got := map[string]policy.PrincipalType{}
	for _, pr := range p.Principals() {
		key := pr.ARN
		if pr.Type == policy.Service {
			key = pr.Service
		}
		if key == "" {
			key = pr.ID
		}
		got[key] = pr.Type
	}
	require.Equal(t, map[string]policy.PrincipalType{
		"arn:aws:iam::111122223333:root":             policy.Root,
		"arn:aws:iam::444455556666:user/bob":         policy.IAMUser,
		"arn:aws:sts::111122223333:assumed-role/r/s": policy.AssumedRole,
		"logs.amazonaws.com":                         policy.Service,
		"AROAEXAMPLEEXAMPLE01":                       policy.Role,
	}, got)
}
