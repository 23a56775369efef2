package iam

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"errors"
	"fmt"
	"math/big"

	"github.com/seclake/seclake/internal/actor"

	"github.com/seclake/seclake/internal/meta"
)

// BootstrapInput pins what the first start creates; empty fields are generated.
type BootstrapInput struct {
	AccountID       string
	AccessKeyID     string
	SecretAccessKey string
}

// BootstrapResult is the management account and its root access key. Secret is set only when the key was
// created by this call, so it is shown once.
type BootstrapResult struct {
	Account     *Account
	AccessKeyID string
	Secret      string
	Created     bool
}

// Bootstrap creates the management account, its root access key and its organization on first start, or
// returns the existing account on later starts (creating the organization if an older seclake made none). Pinned values that disagree with what exists are refused: the data directory
// belongs to one account.
func (s *Service) Bootstrap(ctx context.Context, in BootstrapInput) (*BootstrapResult, error) {
	if in.AccountID != "" && !actor.ValidAccountID(in.AccountID) {
		return nil, fmt.Errorf("account ID %q is not 12 digits", in.AccountID)
	}
	if in.AccessKeyID != "" && !validKeyID(in.AccessKeyID) {
		return nil, fmt.Errorf("access key ID %q must be 16 to 128 upper-case letters and digits", in.AccessKeyID)
	}
	if (in.AccessKeyID == "") != (in.SecretAccessKey == "") {
		return nil, errors.New("the root access key ID and secret access key must be given together")
	}
	existing, err := s.ManagementAccount(ctx)
	switch {
	case err == nil:
		res, err := s.checkPinned(ctx, existing, in)
		if err != nil {
			return nil, err
		}
		return res, s.ensureOrganization(ctx, existing.ID)
	case !errors.Is(err, ErrNoAccount):
		return nil, err
	}
	res, err := s.generate(in)
	if err != nil {
		return nil, err
	}
	key, err := s.newAccessKey(res.AccessKeyID, res.Secret, res.Account.ID, "")
	if err != nil {
		return nil, err
	}
	err = s.change(ctx, func(tx meta.Tx) error {
		if err := putAccount(tx, res.Account); err != nil {
			return fmt.Errorf("create account %s: %w", res.Account.ID, err)
		}
		if err := putAccessKey(tx, key); err != nil {
			return fmt.Errorf("create root access key: %w", err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return res, s.ensureOrganization(ctx, res.Account.ID)
}

func (s *Service) generate(in BootstrapInput) (*BootstrapResult, error) {
	id := in.AccountID
	if id == "" {
		n, err := rand.Int(s.rand, big.NewInt(9e11))
		if err != nil {
			return nil, fmt.Errorf("generate account id: %w", err)
		}
		id = fmt.Sprintf("%012d", n.Int64()+1e11) // 12 digits, no leading zero
	}
	keyID, secret := in.AccessKeyID, in.SecretAccessKey
	if keyID == "" {
		var err error
		if keyID, err = NewAccessKeyID(s.rand, "AKIA"); err != nil {
			return nil, err
		}
		if secret, err = NewSecretAccessKey(s.rand); err != nil {
			return nil, err
		}
	}
	acct := &Account{ID: id, Name: "management", Created: s.clock.Now().UTC(), Management: true}
	return &BootstrapResult{Account: acct, AccessKeyID: keyID, Secret: secret, Created: true}, nil
}

func (s *Service) checkPinned(ctx context.Context, acct *Account, in BootstrapInput) (*BootstrapResult, error) {
	if in.AccountID != "" && in.AccountID != acct.ID {
		return nil, fmt.Errorf("this data directory belongs to account %s, but SECLAKE_ACCOUNT_ID is %s: unset it or use another data directory", acct.ID, in.AccountID)
	}
	res := &BootstrapResult{Account: acct}
	if in.AccessKeyID == "" {
		return res, nil
	}
	cred, err := s.Authenticate(ctx, in.AccessKeyID, "")
	if err != nil || cred.Identity.Type != actor.TypeRoot || cred.Identity.Account != acct.ID {
		return nil, fmt.Errorf("SECLAKE_ROOT_ACCESS_KEY_ID %s is not an active root key of account %s in this data directory: unset it or use another data directory", in.AccessKeyID, acct.ID)
	}
	if !constantTimeEqual(cred.Secret, in.SecretAccessKey) {
		return nil, fmt.Errorf("SECLAKE_ROOT_SECRET_ACCESS_KEY does not match the stored secret of %s", in.AccessKeyID)
	}
	res.AccessKeyID = in.AccessKeyID
	return res, nil
}

func validKeyID(id string) bool {
	if len(id) < 16 || len(id) > 128 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

func constantTimeEqual(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}
