package iam

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/seclake/seclake/internal/meta"
)

// Account is an AWS account held by seclake.
type Account struct {
	ID         string    `json:"id"`
	Name       string    `json:"name"`
	Email      string    `json:"email,omitempty"`
	Created    time.Time `json:"created"`
	Management bool      `json:"management,omitempty"`
	// Parent is the root or organizational unit the account sits in.
	Parent string `json:"parent,omitempty"`
	// JoinedMethod is "CREATED" (CreateAccount, or the management account) and Joined when.
	JoinedMethod string    `json:"joinedMethod,omitempty"`
	Joined       time.Time `json:"joined,omitzero"`
	// ARN is the account's ARN in the organization, filled in by the Organizations reads.
	ARN string `json:"-"`
}

// ErrNoAccount is returned when an account does not exist.
var ErrNoAccount = errors.New("iam: no such account")

// Account returns the account with the given ID.
func (s *Service) Account(ctx context.Context, id string) (*Account, error) {
	var a *Account
	err := s.store.View(ctx, func(tx meta.Tx) error {
		var err error
		a, err = getAccount(tx, id)
		return err
	})
	return a, err
}

// ManagementAccount returns the account created at bootstrap, or ErrNoAccount before bootstrap.
func (s *Service) ManagementAccount(ctx context.Context) (*Account, error) {
	var found *Account
	err := s.store.View(ctx, func(tx meta.Tx) error {
		var derr error
		serr := tx.Scan(tableAccounts, meta.Range{}, func(_ string, v []byte) bool {
			var a Account
			if derr = json.Unmarshal(v, &a); derr != nil {
				return false
			}
			if a.Management {
				found = &a
				return false
			}
			return true
		})
		return errors.Join(serr, derr)
	})
	if err != nil {
		return nil, fmt.Errorf("find management account: %w", err)
	}
	if found == nil {
		return nil, ErrNoAccount
	}
	return found, nil
}

func getAccount(tx meta.Tx, id string) (*Account, error) {
	b, err := tx.Get(tableAccounts, id)
	if errors.Is(err, meta.ErrNotFound) {
		return nil, fmt.Errorf("%w: %s", ErrNoAccount, id)
	}
	if err != nil {
		return nil, fmt.Errorf("load account %s: %w", id, err)
	}
	var a Account
	if err := json.Unmarshal(b, &a); err != nil {
		return nil, fmt.Errorf("decode account %s: %w", id, err)
	}
	return &a, nil
}

func putAccount(tx meta.Tx, a *Account) error {
	b, err := json.Marshal(a)
	if err != nil {
		return err
	}
	return tx.Insert(tableAccounts, a.ID, b)
}
