package kms

import (
	"context"

	"github.com/seclake/seclake/internal/actor"
)

// Simulate decides whether c may perform the cryptographic operation op ("GenerateDataKey", "Decrypt",
// "Encrypt") on the key with the encryption context, as the operation would decide it (key policy with the
// caller's IAM policies, then grants), without performing it: nil when allowed, else the operation's refusal.
func (s *Service) Simulate(ctx context.Context, c *actor.Caller, keyID, op string, ec map[string]string) error {
	_, err := s.use(ctx, c, keyID, true, cryptoAccess("kms:"+op, op, ec, nil, c.Source))
	return err
}
