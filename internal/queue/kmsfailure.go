package queue

import (
	"github.com/seclake/seclake/internal/actor"
	"github.com/seclake/seclake/internal/awserr"
	"github.com/seclake/seclake/internal/envelope"
)

// KMSFailure reports a KMS failure as SQS does: KMS's error becomes SQS's Kms* error (query code KMS.<code>),
// its message naming the permission, the principal and the key, so that a sender or receiver refused by a key
// policy learns which statement is missing.
func KMSFailure(c *actor.Caller, action, keyID string, kerr *awserr.Error, denial *actor.Denial) error {
	code := "KmsInvalidState"
	switch kerr.Code {
	case "AccessDeniedException":
		code = "KmsAccessDenied"
	case "DisabledException":
		code = "KmsDisabled"
	case "NotFoundException":
		code = "KmsNotFound"
	case "InvalidKeyUsageException", "IncorrectKeyException", "InvalidCiphertextException":
		code = "KmsInvalidKeyUsage"
	case "ThrottlingException", "LimitExceededException":
		code = "KmsThrottled"
	case "KMSInvalidStateException":
	default:
		return kerr
	}
	e := sqsError(code, "KMS."+kerr.Code, "%s is needed by %s on the KMS key %s for this queue, and KMS refused it: %s",
		action, c.Who(), keyID, kerr.Message)
	return e
}

var _ envelope.Failure = KMSFailure
