package envelope

import (
	"github.com/seclake/seclake/internal/actor"
	"github.com/seclake/seclake/internal/awserr"
)

// S3Failure reports a KMS failure as S3 does: a refusal is S3's 403 AccessDenied with KMS's message, which
// names the action and the key; any other KMS error is KMS's code prefixed with "KMS." (HTTP 400).
func S3Failure(c *actor.Caller, action, keyID string, kerr *awserr.Error, denial *actor.Denial) error {
	if kerr.Code == "AccessDeniedException" {
		d := actor.Denial{}
		if denial != nil {
			d = *denial
		}
		return actor.AccessDenied.Refuse(c, action, keyID, d.Decision, kerr.Message)
	}
	return awserr.New("KMS."+kerr.Code, awserr.StatusBadRequest, "%s", kerr.Message)
}

var _ Failure = S3Failure
