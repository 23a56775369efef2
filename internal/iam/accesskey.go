package iam

import (
	"context"
	"encoding/base32"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/seclake/seclake/internal/meta"
)

// KeyStatus is an access key's status, as IAM spells it.
type KeyStatus string

// Access key statuses.
const (
	KeyActive   KeyStatus = "Active"
	KeyInactive KeyStatus = "Inactive"
)

// Errors returned when authenticating an access key.
var (
	// ErrUnknownKey means no such access key exists (or it was deleted).
	ErrUnknownKey = errors.New("iam: unknown access key")
	// ErrInactiveKey means the key exists but was deactivated.
	ErrInactiveKey = errors.New("iam: access key is inactive")
	// ErrExpiredToken means the temporary credentials have expired.
	ErrExpiredToken = errors.New("iam: security token expired")
	// ErrBadToken means the session token does not belong to the access key, or is missing.
	ErrBadToken = errors.New("iam: invalid security token")
)

// accessKey is the stored form of an access key. The secret is sealed with the root key.
type accessKey struct {
	ID      string    `json:"id"`
	Account string    `json:"account"`
	User    string    `json:"user,omitempty"` // empty for the account's root user
	Status  KeyStatus `json:"status"`
	Created time.Time `json:"created"`
	Secret  []byte    `json:"secret"` // sealed
}

// Credential is what authenticating an access key yields: the secret to verify the signature with and the
// principal the key belongs to.
type Credential struct {
	Secret    string
	Principal Principal
	// SessionToken is the token temporary credentials must present; empty for long-term keys.
	SessionToken string
}

// NewAccessKeyID returns a random access key ID with the given four-letter prefix ("AKIA" for long-term keys,
// "ASIA" for temporary ones).
func NewAccessKeyID(rand io.Reader, prefix string) (string, error) {
	b := make([]byte, 10)
	if _, err := io.ReadFull(rand, b); err != nil {
		return "", fmt.Errorf("generate access key id: %w", err)
	}
	return prefix + base32.StdEncoding.EncodeToString(b), nil
}

// NewSecretAccessKey returns a random 40-character secret access key.
func NewSecretAccessKey(rand io.Reader) (string, error) {
	b := make([]byte, 30)
	if _, err := io.ReadFull(rand, b); err != nil {
		return "", fmt.Errorf("generate secret access key: %w", err)
	}
	return base64.StdEncoding.EncodeToString(b), nil
}

func secretAAD(keyID string) []byte { return []byte("iam access key secret\x00" + keyID) }

func (s *Service) newAccessKey(id, secret, account, user string) (*accessKey, error) {
	sealed, err := s.seal.Seal([]byte(secret), secretAAD(id))
	if err != nil {
		return nil, fmt.Errorf("seal secret of %s: %w", id, err)
	}
	return &accessKey{ID: id, Account: account, User: user, Status: KeyActive, Created: s.clock.Now().UTC(), Secret: sealed}, nil
}

func putAccessKey(tx meta.Tx, k *accessKey) error {
	b, err := json.Marshal(k)
	if err != nil {
		return err
	}
	return tx.Insert(tableAccessKeys, k.ID, b)
}

func getAccessKey(tx meta.Tx, id string) (*accessKey, error) {
	b, err := tx.Get(tableAccessKeys, id)
	if errors.Is(err, meta.ErrNotFound) {
		return nil, ErrUnknownKey
	}
	if err != nil {
		return nil, fmt.Errorf("load access key: %w", err)
	}
	var k accessKey
	if err := json.Unmarshal(b, &k); err != nil {
		return nil, fmt.Errorf("decode access key %s: %w", id, err)
	}
	return &k, nil
}

// Authenticate looks up an access key and returns its secret and principal. sessionToken is the
// X-Amz-Security-Token the request carried (empty if none). It returns ErrUnknownKey, ErrInactiveKey,
// ErrBadToken or ErrExpiredToken when the key cannot be used.
func (s *Service) Authenticate(ctx context.Context, keyID, sessionToken string) (*Credential, error) {
	var k *accessKey
	err := s.store.View(ctx, func(tx meta.Tx) error {
		var err error
		k, err = getAccessKey(tx, keyID)
		return err
	})
	if err != nil {
		return nil, err
	}
	if k.Status != KeyActive {
		return nil, ErrInactiveKey
	}
	// A long-term key takes no session token: AWS refuses one as an invalid security token.
	if sessionToken != "" {
		return nil, ErrBadToken
	}
	secret, err := s.seal.Open(k.Secret, secretAAD(k.ID))
	if err != nil {
		return nil, fmt.Errorf("open secret of access key %s: %w", k.ID, err)
	}
	p := Principal{Type: TypeRoot, Account: k.Account, ARN: RootARN(k.Account), ID: k.Account, AccessKeyID: k.ID}
	if k.User != "" {
		var u *User
		if err := s.store.View(ctx, func(tx meta.Tx) error {
			var err error
			u, err = getUser(tx, k.Account, k.User)
			return err
		}); err != nil {
			return nil, fmt.Errorf("load owner of access key %s: %w", k.ID, err)
		}
		p = Principal{Type: TypeUser, Account: k.Account, ARN: u.ARN(), ID: u.ID, Name: u.Name, AccessKeyID: k.ID}
	}
	return &Credential{Secret: string(secret), Principal: p}, nil
}
