package iam

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base32"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/seclake/seclake/internal/actor"

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

// accessKey is the stored form of an access key, long-term or temporary. The secret is sealed with the root
// key; of a session token only a keyed hash is kept.
type accessKey struct {
	ID      string `json:"id"`
	Account string `json:"account"`
	User    string `json:"user,omitempty"` // empty for the account's root user and for role sessions
	// UserID and UserPath describe the user, so that authenticating needs no second read.
	UserID   string    `json:"userId,omitempty"`
	UserPath string    `json:"userPath,omitempty"`
	Status   KeyStatus `json:"status"`
	Created  time.Time `json:"created"`
	Secret   []byte    `json:"secret"` // sealed
	// Temporary credentials: the HMAC of the session token, when they expire, and the session.
	Token    []byte         `json:"token,omitempty"`
	Expires  time.Time      `json:"expires,omitzero"`
	Session  *actor.Session `json:"session,omitempty"`
	RoleName string         `json:"roleName,omitempty"`
}

// Credential is what authenticating an access key yields: the secret to verify the signature with and the
// principal the key belongs to.
type Credential struct {
	Secret   string
	Identity actor.Identity
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
// ErrBadToken or ErrExpiredToken when the key cannot be used. Temporary credentials need their session
// token, compared in constant time; long-term keys refuse one.
func (s *Service) Authenticate(ctx context.Context, keyID, sessionToken string) (*Credential, error) {
	cred, gen, hit, err := s.cachedCredential(ctx, keyID, sessionToken)
	if hit || err != nil {
		return cred, err
	}
	var k *accessKey
	var u *User
	err = s.store.View(ctx, func(tx meta.Tx) error {
		var err error
		if k, err = getAccessKey(tx, keyID); err != nil {
			return err
		}
		if k.User != "" && k.UserID == "" {
			if u, err = getUser(tx, k.Account, k.User); err != nil {
				return fmt.Errorf("load owner of access key %s: %w", k.ID, err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if err := s.checkKey(k, sessionToken); err != nil {
		return nil, err
	}
	secret, err := s.seal.Open(k.Secret, secretAAD(k.ID))
	if err != nil {
		return nil, fmt.Errorf("open secret of access key %s: %w", k.ID, err)
	}
	if u == nil && k.User != "" {
		u = &User{Account: k.Account, Name: k.User, Path: k.UserPath, ID: k.UserID}
	}
	// Cached at the counter read before the key was: a change since then makes the entry stale at once.
	s.creds.put(keyID, credEntry{gen: gen, key: k, user: u, secret: string(secret)})
	return &Credential{Secret: string(secret), Identity: keyPrincipal(k, u), SessionToken: sessionToken}, nil
}

// checkKey decides whether a key may sign requests now.
func (s *Service) checkKey(k *accessKey, sessionToken string) error {
	if k.Status != KeyActive {
		return ErrInactiveKey
	}
	if k.Token == nil {
		// A long-term key takes no session token: AWS refuses one as an invalid security token.
		if sessionToken != "" {
			return ErrBadToken
		}
		return nil
	}
	if sessionToken == "" || !hmac.Equal(s.tokenMAC(k.ID, sessionToken), k.Token) {
		return ErrBadToken
	}
	if !s.clock.Now().Before(k.Expires) {
		return ErrExpiredToken
	}
	return nil
}

// keyPrincipal is the principal a key signs for: the root user, a user, or a role session.
func keyPrincipal(k *accessKey, u *User) actor.Identity {
	var p actor.Identity
	switch {
	case k.Session != nil && k.Session.RoleARN != "":
		sess := *k.Session
		p = actor.Identity{Type: actor.TypeAssumedRole, Account: k.Account, ARN: sessionARN(k.Account, k.RoleName, sess.Name),
			ID: sess.RoleID + ":" + sess.Name, Name: k.RoleName, Session: &sess}
	case u != nil:
		p = actor.Identity{Type: actor.TypeUser, Account: k.Account, ARN: u.ARN(), ID: u.ID, Name: u.Name}
	default:
		p = actor.Identity{Type: actor.TypeRoot, Account: k.Account, ARN: actor.RootARN(k.Account), ID: k.Account}
	}
	if k.Session != nil && k.Session.RoleARN == "" {
		sess := *k.Session
		p.Session = &sess
	}
	p.AccessKeyID = k.ID
	return p
}

// tokenMAC is the keyed hash under which a session token is stored.
func (s *Service) tokenMAC(keyID, token string) []byte {
	m := hmac.New(sha256.New, s.tokenKey)
	m.Write([]byte(keyID))
	m.Write([]byte{0})
	m.Write([]byte(token))
	return m.Sum(nil)
}
