package iam

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/seclake/seclake/internal/actor"

	"github.com/seclake/seclake/internal/awserr"
	"github.com/seclake/seclake/internal/meta"
)

// AccessKey describes an access key; Secret is set only when the key is created.
type AccessKey struct {
	UserName string
	ID       string
	Status   KeyStatus
	Created  time.Time
	Secret   string
}

// keyOwner resolves whose keys a call manages: the named user, or the caller itself when name is empty (an IAM
// user manages its own keys; root manages the account's root keys, which IAM reports with no user name).
func (s *Service) keyOwner(tx meta.Tx, c *actor.Caller, name string) (user string, arn string, err error) {
	if name == "" {
		switch c.Type {
		case actor.TypeUser:
			name = c.Name
		case actor.TypeRoot:
			return "", actor.RootARN(c.Account), nil
		default:
			return "", "", awserr.New("ValidationError", awserr.StatusBadRequest, "Must specify userName when calling with non-User credentials")
		}
	}
	u, err := getUser(tx, c.Account, name)
	if err != nil {
		return "", "", err
	}
	return u.Name, u.ARN(), nil
}

// CreateAccessKey creates an access key for a user (or for the caller) and returns it with its secret, which
// is never shown again.
func (s *Service) CreateAccessKey(ctx context.Context, c *actor.Caller, userName string) (*AccessKey, error) {
	id, err := NewAccessKeyID(s.rand, "AKIA")
	if err != nil {
		return nil, err
	}
	secret, err := NewSecretAccessKey(s.rand)
	if err != nil {
		return nil, err
	}
	var out *AccessKey
	err = s.store.Update(ctx, func(tx meta.Tx) error {
		user, arn, err := s.keyOwner(tx, c, userName)
		if err != nil {
			return err
		}
		if err := s.authorize(ctx, tx, c, "iam:CreateAccessKey", arn); err != nil {
			return err
		}
		n, err := countKeys(tx, c.Account, user)
		if err != nil {
			return err
		}
		if n >= MaxAccessKeysPerUser {
			return awserr.New("LimitExceeded", awserr.StatusConflict, "Cannot exceed quota for AccessKeysPerUser: %d", MaxAccessKeysPerUser)
		}
		k, err := s.newAccessKey(id, secret, c.Account, user)
		if err != nil {
			return err
		}
		if err := describeKeyUser(tx, k); err != nil {
			return err
		}
		if err := putAccessKey(tx, k); err != nil {
			return err
		}
		if err := tx.Put(tableUserKeys, userKey(c.Account, user)+"/"+id, nil); err != nil {
			return err
		}
		out = &AccessKey{UserName: user, ID: id, Status: KeyActive, Created: k.Created, Secret: secret}
		return nil
	})
	return out, wrapDomain(err, "create access key")
}

func countKeys(tx meta.Tx, account, user string) (int, error) {
	n := 0
	err := tx.Scan(tableUserKeys, meta.Range{Prefix: userKey(account, user) + "/"}, func(string, []byte) bool {
		n++
		return true
	})
	return n, err
}

// ListAccessKeys returns the access keys of a user (or of the caller), without secrets.
func (s *Service) ListAccessKeys(ctx context.Context, c *actor.Caller, userName string) ([]*AccessKey, error) {
	var out []*AccessKey
	err := s.store.View(ctx, func(tx meta.Tx) error {
		user, arn, err := s.keyOwner(tx, c, userName)
		if err != nil {
			return err
		}
		if err := s.authorize(ctx, tx, c, "iam:ListAccessKeys", arn); err != nil {
			return err
		}
		var ids []string
		prefix := userKey(c.Account, user) + "/"
		if err := tx.Scan(tableUserKeys, meta.Range{Prefix: prefix}, func(k string, _ []byte) bool {
			ids = append(ids, strings.TrimPrefix(k, prefix))
			return true
		}); err != nil {
			return err
		}
		for _, id := range ids {
			k, err := getAccessKey(tx, id)
			if err != nil {
				return err
			}
			out = append(out, &AccessKey{UserName: user, ID: k.ID, Status: k.Status, Created: k.Created})
		}
		return nil
	})
	return out, wrapDomain(err, "list access keys")
}

// UpdateAccessKey activates or deactivates a key. A deactivated key is refused from the next request on.
func (s *Service) UpdateAccessKey(ctx context.Context, c *actor.Caller, userName, keyID string, status KeyStatus) error {
	if status != KeyActive && status != KeyInactive {
		return awserr.New("ValidationError", awserr.StatusBadRequest, "1 validation error detected: Value '%s' at 'status' failed to satisfy constraint: Member must satisfy enum value set: [Active, Inactive]", status)
	}
	err := s.change(ctx, func(tx meta.Tx) error {
		k, err := s.ownedKey(ctx, tx, c, userName, keyID, "iam:UpdateAccessKey")
		if err != nil {
			return err
		}
		k.Status = status
		return replaceAccessKey(tx, k)
	})
	return wrapDomain(err, "update access key")
}

// DeleteAccessKey deletes a key. A deleted key is refused from the next request on.
func (s *Service) DeleteAccessKey(ctx context.Context, c *actor.Caller, userName, keyID string) error {
	err := s.change(ctx, func(tx meta.Tx) error {
		k, err := s.ownedKey(ctx, tx, c, userName, keyID, "iam:DeleteAccessKey")
		if err != nil {
			return err
		}
		if err := tx.Delete(tableAccessKeys, k.ID); err != nil {
			return err
		}
		return tx.Delete(tableUserKeys, userKey(c.Account, k.User)+"/"+k.ID)
	})
	return wrapDomain(err, "delete access key")
}

// ownedKey loads a key that belongs to the named user (or the caller) and authorizes action on it.
func (s *Service) ownedKey(ctx context.Context, tx meta.Tx, c *actor.Caller, userName, keyID, action string) (*accessKey, error) {
	user, arn, err := s.keyOwner(tx, c, userName)
	if err != nil {
		return nil, err
	}
	if err := s.authorize(ctx, tx, c, action, arn); err != nil {
		return nil, err
	}
	k, err := getAccessKey(tx, keyID)
	if errors.Is(err, ErrUnknownKey) || (err == nil && (k.Account != c.Account || k.User != user)) {
		return nil, awserr.New("NoSuchEntity", awserr.StatusNotFound, "The Access Key with id %s cannot be found.", keyID)
	}
	return k, err
}

func replaceAccessKey(tx meta.Tx, k *accessKey) error {
	b, err := json.Marshal(k)
	if err != nil {
		return err
	}
	return tx.Put(tableAccessKeys, k.ID, b)
}

// wrapDomain passes AWS errors through and wraps others with context.
func wrapDomain(err error, what string) error {
	if err == nil {
		return nil
	}
	if _, ok := awserr.As(err); ok {
		return err
	}
	return fmt.Errorf("%s: %w", what, err)
}

// describeKeyUser records the key's user's ID and path in the key.
func describeKeyUser(tx meta.Tx, k *accessKey) error {
	if k.User == "" {
		return nil
	}
	u, err := getUser(tx, k.Account, k.User)
	if err != nil {
		return err
	}
	k.UserID, k.UserPath = u.ID, u.Path
	return nil
}
