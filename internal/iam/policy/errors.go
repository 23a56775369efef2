package policy

import (
	"fmt"
	"strconv"
	"strings"
)

// ValidationError says why Parse rejected a document. Message is the text AWS's MalformedPolicyDocument
// error carries for the same fault (IAM, KMS or S3 wording, after the document's Kind); Detail says exactly
// what is wrong and where, for a person to act on. API layers send Message (or Message and Detail) as the
// MalformedPolicyDocument message.
type ValidationError struct {
	// Statement is the 0-based index of the statement at fault, or -1 when the fault is in the document as a
	// whole (JSON syntax, Version, Statement missing).
	Statement int
	// Sid is the statement's Sid, if it has one.
	Sid string
	// Element is the policy element at fault: "Version", "Statement", "Effect", "Principal", "Action",
	// "Resource", "Condition", … or "" for JSON syntax errors.
	Element string
	// Message is AWS's wording of the error.
	Message string
	// Detail names the offending value and what would fix it.
	Detail string
}

// Error returns a sentence that names the statement, the element, AWS's message and the detail.
func (e *ValidationError) Error() string {
	var b strings.Builder
	b.WriteString("policy")
	if e.Statement >= 0 {
		b.WriteString(" statement[")
		b.WriteString(strconv.Itoa(e.Statement))
		b.WriteByte(']')
		if e.Sid != "" {
			b.WriteString(" (Sid ")
			b.WriteString(strconv.Quote(e.Sid))
			b.WriteByte(')')
		}
	}
	if e.Element != "" {
		b.WriteByte(' ')
		b.WriteString(e.Element)
	}
	b.WriteString(": ")
	b.WriteString(e.Message)
	if e.Detail != "" {
		b.WriteString(" (")
		b.WriteString(e.Detail)
		b.WriteByte(')')
	}
	return b.String()
}

// fault is a class of validation error; message words it as AWS does for a given Kind.
type fault uint8

const (
	faultJSON fault = iota
	faultSyntax
	faultVersion
	faultNoStatement
	faultUnknownField
	faultMissingEffect
	faultInvalidEffect
	faultPrincipalProhibited
	faultMissingPrincipal
	faultInvalidPrincipal
	faultNotPrincipalAllow
	faultNotPrincipalTrust
	faultMissingAction
	faultNoVendor
	faultActionColons
	faultInvalidVendor
	faultTrustAction
	faultMissingResource
	faultResourceProhibited
	faultNotResourceProhibited
	faultInvalidResource
	faultSidCharset
	faultDuplicateSid
	faultOverlyPermissive
)

// message returns AWS's text for fault f in a document of kind k. arg is the offending value where AWS's
// text includes one.
//
// Sources: the IAM texts are those IAM returns from CreatePolicy/PutUserPolicy/CreateRole/
// UpdateAssumeRolePolicy as quoted in public issue threads and the IAM UG ("Syntax errors in policy.",
// "Policy document should not specify a principal.", "Has prohibited field Resource", "AssumeRole policy
// may only specify STS AssumeRole actions.", "Statement IDs (SID) must be alpha-numeric…", …); KMS's are from
// the KMS DG and API reference ("Policy contains a statement with one or more invalid principals.",
// "OverlyPermissiveCondition…"); S3's from PutBucketPolicy ("Invalid principal in policy", "Missing required
// field Principal", "Policy has invalid action", "Invalid effect: X").
func message(k Kind, f fault, arg string) string {
	if msg, ok := kindMessage(k, f, arg); ok {
		return msg
	}
	switch f {
	case faultJSON, faultSyntax:
		return "Syntax errors in policy."
	case faultVersion:
		return "The policy must contain a valid version string"
	case faultNoStatement:
		return "Could not parse the policy: Statement is empty!"
	case faultUnknownField:
		return "Unknown field " + arg
	case faultMissingEffect:
		return "Missing required field Effect"
	case faultInvalidEffect:
		return "Invalid effect: " + arg
	case faultPrincipalProhibited:
		return "Policy document should not specify a principal."
	case faultMissingPrincipal:
		return "Missing required field Principal"
	case faultInvalidPrincipal:
		return "Invalid principal in policy: " + arg
	case faultNotPrincipalAllow:
		return "Allow with NotPrincipal is not allowed."
	case faultNotPrincipalTrust:
		return "AssumeRole policy must not contain NotPrincipal field."
	case faultMissingAction:
		return "Policy statement must contain actions."
	case faultNoVendor:
		return "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc."
	case faultActionColons:
		return "Actions/Condition can contain only one colon."
	case faultInvalidVendor:
		return "Vendor " + arg + " is not valid"
	case faultTrustAction:
		return "AssumeRole policy may only specify STS AssumeRole actions."
	case faultMissingResource:
		return "Policy statement must contain resources."
	case faultResourceProhibited:
		return "Has prohibited field Resource"
	case faultNotResourceProhibited:
		return "AssumeRole policy must not contain resources."
	case faultInvalidResource:
		return fmt.Sprintf("Resource %s must be in ARN format or \"*\".", arg)
	case faultSidCharset:
		return "Statement IDs (SID) must be alpha-numeric. Check that your input satisfies the regular expression [0-9A-Za-z]*"
	case faultDuplicateSid:
		return "Statement IDs (SID) in a single policy must be unique."
	case faultOverlyPermissive:
		if arg == "tag" {
			return "OverlyPermissiveCondition: Using the ForAllValues set operator with a single-valued condition " +
				"key matches requests without the specified tag or with an unspecified tag. To fix, remove ForAllValues."
		}
		return "OverlyPermissiveCondition:EncryptionContext: Using the ForAllValues set operator with a " +
			"single-valued condition key matches requests without the specified encryption context or with an " +
			"unspecified encryption context. To fix, remove ForAllValues."
	}
	return "Syntax errors in policy."
}

// kindMessage holds the wordings that differ from IAM's identity-policy validator.
func kindMessage(k Kind, f fault, arg string) (string, bool) {
	switch k {
	case Trust:
		switch f {
		case faultJSON:
			return "This policy contains invalid Json", true
		case faultMissingAction:
			return "Missing required field Action", true
		case faultDuplicateSid:
			return "The Statement Ids in the policy are not unique", true
		}
	case KeyPolicy:
		if f == faultInvalidPrincipal || f == faultMissingPrincipal {
			return "Policy contains a statement with one or more invalid principals.", true
		}
	case Resource:
		switch f {
		case faultInvalidPrincipal:
			return "Invalid principal in policy", true
		case faultNoVendor, faultActionColons, faultInvalidVendor:
			return "Policy has invalid action", true
		case faultInvalidResource:
			return "Policy has invalid resource", true
		}
	case SCP:
		if f == faultPrincipalProhibited {
			return "The provided policy document does not meet the requirements of the specified policy type.", true
		}
	}
	return "", false
}

// invalid builds a ValidationError for statement i (or -1) of a document of kind k.
func invalid(k Kind, i int, sid, element string, f fault, arg, detail string) *ValidationError {
	return &ValidationError{Statement: i, Sid: sid, Element: element, Message: message(k, f, arg), Detail: detail}
}
