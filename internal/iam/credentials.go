package iam

import (
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/seclake/seclake/internal/actor"

	"github.com/seclake/seclake/internal/meta"
)

// tableExpiry indexes temporary credentials by expiry: <expiry, 20 decimal digits of Unix seconds>/<keyID>.
const tableExpiry = "iam.expiry"

// ExpiredRetention is how long expired temporary credentials are kept, so that requests signed with them are
// told ExpiredToken rather than that the key is unknown.
const ExpiredRetention = 24 * time.Hour

// Credentials are temporary security credentials.
type Credentials struct {
	AccessKeyID     string
	SecretAccessKey string
	SessionToken    string
	Expiration      time.Time
}

// newSessionToken returns a random session token.
func newSessionToken(rand io.Reader) (string, error) {
	b := make([]byte, 96)
	if _, err := io.ReadFull(rand, b); err != nil {
		return "", fmt.Errorf("generate session token: %w", err)
	}
	return base64.StdEncoding.EncodeToString(b), nil
}

// issued is a temporary credential ready to store: the record and what the caller receives.
type issued struct {
	key   *accessKey
	creds Credentials
}

// newTemporary generates temporary credentials for account that expire at expires.
func (s *Service) newTemporary(account, user, roleName string, sess *actor.Session, expires time.Time) (*issued, error) {
	id, err := NewAccessKeyID(s.rand, "ASIA")
	if err != nil {
		return nil, err
	}
	secret, err := NewSecretAccessKey(s.rand)
	if err != nil {
		return nil, err
	}
	token, err := newSessionToken(s.rand)
	if err != nil {
		return nil, err
	}
	k, err := s.newAccessKey(id, secret, account, user)
	if err != nil {
		return nil, err
	}
	k.Token, k.Expires, k.Session, k.RoleName = s.tokenMAC(id, token), expires, sess, roleName
	return &issued{key: k, creds: Credentials{AccessKeyID: id, SecretAccessKey: secret, SessionToken: token, Expiration: expires}}, nil
}

// store saves temporary credentials and their expiry index entry.
func (is *issued) store(tx meta.Tx) error {
	if err := putAccessKey(tx, is.key); err != nil {
		return fmt.Errorf("store temporary credentials: %w", err)
	}
	return tx.Put(tableExpiry, expiryKey(is.key.Expires, is.key.ID), nil)
}

func expiryKey(t time.Time, keyID string) string { return fmt.Sprintf("%020d/%s", t.Unix(), keyID) }

// PurgeExpiredCredentials deletes temporary credentials that expired more than ExpiredRetention ago, at most
// limit of them (all when limit is 0), and returns how many it deleted.
func (s *Service) PurgeExpiredCredentials(ctx context.Context, limit int) (int, error) {
	end := expiryKey(s.clock.Now().Add(-ExpiredRetention), "")
	n := 0
	for limit == 0 || n < limit {
		batch := 256
		if limit > 0 {
			batch = min(batch, limit-n)
		}
		var keys []string
		err := s.store.Update(ctx, func(tx meta.Tx) error {
			keys = keys[:0]
			if err := tx.Scan(tableExpiry, meta.Range{End: end, Limit: batch}, func(k string, _ []byte) bool {
				keys = append(keys, k)
				return true
			}); err != nil {
				return err
			}
			for _, k := range keys {
				_, id, _ := strings.Cut(k, "/")
				if err := deleteIfPresent(tx, tableAccessKeys, id); err != nil {
					return err
				}
				if err := tx.Delete(tableExpiry, k); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return n, fmt.Errorf("purge expired credentials: %w", err)
		}
		for _, k := range keys {
			_, id, _ := strings.Cut(k, "/")
			s.creds.drop(id)
		}
		n += len(keys)
		if len(keys) < batch {
			break
		}
	}
	return n, nil
}
