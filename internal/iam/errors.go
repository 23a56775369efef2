package iam

import (
	"errors"
	"strings"

	"github.com/seclake/seclake/internal/awserr"
	"github.com/seclake/seclake/internal/iam/policy"
	"github.com/seclake/seclake/internal/meta"
)

// IAM's error codes, as its model spells them.

func noSuchEntity(format string, args ...any) *awserr.Error {
	return awserr.New("NoSuchEntity", awserr.StatusNotFound, format, args...)
}

func entityExists(format string, args ...any) *awserr.Error {
	return awserr.New("EntityAlreadyExists", awserr.StatusConflict, format, args...)
}

func validationError(format string, args ...any) *awserr.Error {
	return awserr.New("ValidationError", awserr.StatusBadRequest, format, args...)
}

func invalidInput(format string, args ...any) *awserr.Error {
	return awserr.New("InvalidInput", awserr.StatusBadRequest, format, args...)
}

func limitExceeded(format string, args ...any) *awserr.Error {
	return awserr.New("LimitExceeded", awserr.StatusConflict, format, args...)
}

func deleteConflict(format string, args ...any) *awserr.Error {
	return awserr.New("DeleteConflict", awserr.StatusConflict, format, args...)
}

func unmodifiable(role string) *awserr.Error {
	return awserr.New("UnmodifiableEntity", awserr.StatusBadRequest,
		"Cannot perform the operation on the protected role '%s' - this role is only modifiable by AWS", role)
}

// constraint is the ValidationError AWS returns for a parameter outside its model's constraints.
func constraint(value, member, rule string) *awserr.Error {
	return validationError("1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: Member %s", value, member, rule)
}

// malformed turns a policy parse error into IAM's MalformedPolicyDocument. The message starts with AWS's text
// and then says where the fault is and what would fix it.
func malformed(err error) error {
	return malformedCode(err, "MalformedPolicyDocument")
}

// malformedCode is malformed with another service's error code (STS's is the same; Organizations' is
// MalformedPolicyDocumentException).
func malformedCode(err error, code string) error {
	var ve *policy.ValidationError
	if !errors.As(err, &ve) {
		return err
	}
	return awserr.New(code, awserr.StatusBadRequest, "%s", MalformedMessage(ve))
}

// MalformedMessage words a policy validation error for a MalformedPolicyDocument error: AWS's message, then
// the statement, element and detail in parentheses.
func MalformedMessage(ve *policy.ValidationError) string {
	var where []string
	if ve.Statement >= 0 {
		s := "statement " + itoa(ve.Statement)
		if ve.Sid != "" {
			s += ` (Sid "` + ve.Sid + `")`
		}
		where = append(where, s)
	}
	if ve.Element != "" {
		where = append(where, "element "+ve.Element)
	}
	if ve.Detail != "" {
		where = append(where, ve.Detail)
	}
	if len(where) == 0 {
		return ve.Message
	}
	return ve.Message + " (" + strings.Join(where, ": ") + ")"
}

func isNotFound(err error) bool { return errors.Is(err, meta.ErrNotFound) }

// asNoSuchEntity reports whether err is IAM's NoSuchEntity.
func asNoSuchEntity(err error) (*awserr.Error, bool) { return asCode(err, "NoSuchEntity") }

// asCode reports whether err is the AWS error with the given code.
func asCode(err error, code string) (*awserr.Error, bool) {
	e, ok := awserr.As(err)
	return e, ok && e.Code == code
}
