package kms

import (
	"fmt"
	"strings"

	"github.com/seclake/seclake/internal/awserr"
)

// kmsError returns a KMS client error (HTTP 400, as every KMS client error is).
func kmsError(code, format string, args ...any) *awserr.Error {
	return awserr.New(code, awserr.StatusBadRequest, format, args...)
}

// Error texts are AWS's where AWS's are known (KMS DG key-state footnotes, AWS-recorded responses); see
// reference/aws-kms-iam.md §1.

func errKeyNotFound(arn string) *awserr.Error {
	return kmsError("NotFoundException", "Key '%s' does not exist", arn)
}

func errInvalidKeyID(id string) *awserr.Error {
	return kmsError("NotFoundException", "Invalid keyId '%s'", id)
}

func errAliasNotFound(aliasARN string) *awserr.Error {
	return kmsError("NotFoundException", "Alias %s is not found.", aliasARN)
}

func errOtherRegion(region string) *awserr.Error {
	return kmsError("NotFoundException", "Invalid arn %s", region)
}

func errDisabled(arn string) *awserr.Error {
	return kmsError("DisabledException", "%s is disabled.", arn)
}

func errPendingDeletion(arn string) *awserr.Error {
	return kmsError("KMSInvalidStateException", "%s is pending deletion.", arn)
}

func errNotPendingDeletion(arn string) *awserr.Error {
	return kmsError("KMSInvalidStateException", "%s is not pending deletion.", arn)
}

// errInvalidCiphertext is InvalidCiphertextException, which AWS sends with an empty message whatever the
// cause (corrupt blob, wrong encryption context), so it reveals nothing.
func errInvalidCiphertext() *awserr.Error {
	return kmsError("InvalidCiphertextException", "")
}

func errIncorrectKey() *awserr.Error {
	return kmsError("IncorrectKeyException", "The key ID in the request does not identify a CMK that can perform this operation.")
}

// errUnknownCiphertextKey is Decrypt's answer for a ciphertext whose key does not exist (any more, or in this
// region), worded so that it does not reveal which.
func errUnknownCiphertextKey() *awserr.Error {
	return kmsError("AccessDeniedException", "The ciphertext refers to a customer master key that does not exist, does not exist in this region, or you are not allowed to access.")
}

func errMalformedPolicy(format string, args ...any) *awserr.Error {
	return kmsError("MalformedPolicyDocumentException", format, args...)
}

func errLockout() *awserr.Error {
	return errMalformedPolicy("The new key policy will not allow you to update the key policy in the future.")
}

func errUnsupported(format string, args ...any) *awserr.Error {
	return kmsError("UnsupportedOperationException", format, args...)
}

func errLimit(format string, args ...any) *awserr.Error {
	return kmsError("LimitExceededException", format, args...)
}

func errDryRun() *awserr.Error {
	return kmsError("DryRunOperationException", "The request would have succeeded, but the DryRun option is set.")
}

func errInvalidGrantToken() *awserr.Error {
	return kmsError("InvalidGrantTokenException", "The grant token is not valid: it was not issued by this service, or it was altered.")
}

func errInvalidMarker() *awserr.Error {
	return kmsError("InvalidMarkerException", "The marker is not valid: pass the NextMarker of the previous response unchanged.")
}

func errTag(format string, args ...any) *awserr.Error {
	return kmsError("TagException", format, args...)
}

// validation is one failed model constraint, worded as AWS's Coral validation messages are
// ("1 validation error detected: Value '1025' at 'numberOfBytes' failed to satisfy constraint: …").
type validation struct{ errs []string }

func (v *validation) add(member, value, constraint string) {
	if value != "" {
		v.errs = append(v.errs, fmt.Sprintf("Value '%s' at '%s' failed to satisfy constraint: %s", value, member, constraint))
		return
	}
	v.errs = append(v.errs, fmt.Sprintf("Value at '%s' failed to satisfy constraint: %s", member, constraint))
}

// length checks the length of a required or optional string member.
func (v *validation) length(member, value string, min, max int, required bool) {
	switch {
	case value == "" && required:
		v.errs = append(v.errs, fmt.Sprintf("Value null at '%s' failed to satisfy constraint: Member must not be null", member))
	case value == "" && min > 0:
	case len(value) < min:
		v.add(member, value, fmt.Sprintf("Member must have length greater than or equal to %d", min))
	case len(value) > max:
		v.add(member, "", fmt.Sprintf("Member must have length less than or equal to %d", max))
	}
}

func (v *validation) err() error {
	if len(v.errs) == 0 {
		return nil
	}
	noun := "error"
	if len(v.errs) > 1 {
		noun = "errors"
	}
	return awserr.Validation("%d validation %s detected: %s", len(v.errs), noun, strings.Join(v.errs, "; "))
}

// errValidationMsg is a ValidationException with a message of its own.
func errValidationMsg(msg string) error { return awserr.Validation("%s", msg) }
