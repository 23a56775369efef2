package iam

import (
	"context"
	"encoding/base32"
	"errors"
	"fmt"
	"io"
	"regexp"
	"time"

	"github.com/seclake/seclake/internal/actor"

	"github.com/seclake/seclake/internal/meta"
)

const (
	tableUsers    = "iam.users"    // <account>/<lower(name)> → User
	tableUserKeys = "iam.userkeys" // <account>/<lower(name)>/<keyID> → "" (a user's access keys)
)

// MaxAccessKeysPerUser is IAM's quota of access keys per user.
const MaxAccessKeysPerUser = 2

// User is an IAM user.
type User struct {
	Account string      `json:"account"`
	Name    string      `json:"name"`
	Path    string      `json:"path"`
	ID      string      `json:"id"`
	Created time.Time   `json:"created"`
	Tags    []actor.Tag `json:"tags,omitempty"`
	// Boundary is the ARN of the user's permissions boundary, or "".
	Boundary string `json:"boundary,omitempty"`
}

// ARN returns the user's ARN.
func (u *User) ARN() string { return "arn:aws:iam::" + u.Account + ":user" + u.Path + u.Name }

func userKey(account, name string) string { return entityKey(account, name) }

var pathRE = regexp.MustCompile(`^(/|/[\x21-\x7E]{0,510}/)$`)

func noSuchUser(name string) error {
	return noSuchEntity("The user with name %s cannot be found.", name)
}

// CreateUserInput is what CreateUser needs.
type CreateUserInput struct {
	Name string
	Path string
	Tags []actor.Tag
	// Boundary is the ARN of a managed policy to use as the permissions boundary, or "".
	Boundary string
}

// CreateUser creates an IAM user in the caller's account.
func (s *Service) CreateUser(ctx context.Context, c *actor.Caller, in CreateUserInput) (*User, error) {
	if err := validateName(in.Name, "userName", 64); err != nil {
		return nil, err
	}
	path, err := normalizePath(in.Path)
	if err != nil {
		return nil, err
	}
	if err := validateTags(in.Tags, "tags"); err != nil {
		return nil, err
	}
	id, err := s.newID("AIDA")
	if err != nil {
		return nil, err
	}
	u := &User{Account: c.Account, Name: in.Name, Path: path, ID: id, Created: s.now(), Tags: in.Tags, Boundary: in.Boundary}
	err = s.change(ctx, func(tx meta.Tx) error {
		pc := requestTagContext(in.Tags)
		if in.Boundary != "" {
			pc.Set("iam:PermissionsBoundary", in.Boundary)
		}
		if err := s.authorizeCtx(ctx, tx, c, "iam:CreateUser", u.ARN(), pc); err != nil {
			return err
		}
		return insertUser(s, tx, u)
	})
	if err != nil {
		return nil, wrapDomain(err, "create user "+in.Name)
	}
	return u, nil
}

func insertUser(s *Service, tx meta.Tx, u *User) error {
	if u.Boundary != "" {
		if _, err := s.attachable(tx, u.Account, u.Boundary); err != nil {
			return err
		}
		if err := tx.Put(tablePolicyRefs, policyRefKey(u.Account, u.Boundary, refBoundaryUser, u.Name), nil); err != nil {
			return err
		}
	}
	if err := insertJSON(tx, tableUsers, userKey(u.Account, u.Name), u); err != nil {
		if errors.Is(err, meta.ErrExists) {
			return entityExists("User with name %s already exists.", u.Name)
		}
		return err
	}
	return insertJSON(tx, tableIDs, u.ID, idRef{Account: u.Account, Kind: KindUser, Name: u.Name})
}

// GetUser returns a user of the caller's account; an empty name means the calling user (or, for the root
// user, the root user itself, which has no name).
func (s *Service) GetUser(ctx context.Context, c *actor.Caller, name string) (*User, error) {
	if name == "" {
		switch {
		case c.Type == actor.TypeRoot:
			return &User{Account: c.Account, ID: c.Account}, nil
		case c.Type != actor.TypeUser:
			return nil, validationError("Must specify userName when calling with non-User credentials")
		}
		name = c.Name
	}
	var u *User
	err := s.store.View(ctx, func(tx meta.Tx) error {
		var err error
		if u, err = getUser(tx, c.Account, name); err != nil {
			return err
		}
		return s.authorizeCtx(ctx, tx, c, "iam:GetUser", u.ARN(), resourceTagContext(u.Tags))
	})
	return u, wrapDomain(err, "get user "+name)
}

func getUser(tx meta.Tx, account, name string) (*User, error) {
	var u User
	found, err := getJSON(tx, tableUsers, userKey(account, name), &u)
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, noSuchUser(name)
	}
	return &u, nil
}

// ListUsersInput pages through users.
type ListUsersInput = ListInput

// ListUsers returns the users of the caller's account in name order, a page at a time. The marker is the
// next user's name.
func (s *Service) ListUsers(ctx context.Context, c *actor.Caller, in ListUsersInput) ([]*User, string, error) {
	var users []*User
	var next string
	err := s.store.View(ctx, func(tx meta.Tx) error {
		if err := s.authorize(ctx, tx, c, "iam:ListUsers", "arn:aws:iam::"+c.Account+":user/"); err != nil {
			return err
		}
		var err error
		users, next, err = listPage[User](tx, tableUsers, c.Account, in, func(u *User) (string, string) { return u.Name, u.Path })
		return err
	})
	return users, next, wrapDomain(err, "list users")
}

// DeleteUser deletes a user that has no access keys and no policies left.
func (s *Service) DeleteUser(ctx context.Context, c *actor.Caller, name string) error {
	err := s.change(ctx, func(tx meta.Tx) error {
		u, err := getUser(tx, c.Account, name)
		if err != nil {
			return err
		}
		if err := s.authorizeCtx(ctx, tx, c, "iam:DeleteUser", u.ARN(), resourceTagContext(u.Tags)); err != nil {
			return err
		}
		hasKeys, err := hasAny(tx, tableUserKeys, userKey(c.Account, name)+"/")
		if err != nil {
			return err
		}
		if hasKeys {
			return deleteConflict("Cannot delete entity, must delete access keys first.")
		}
		if err := checkNoPolicies(tx, entity{kind: KindUser, user: u}); err != nil {
			return err
		}
		if u.Boundary != "" {
			if err := deleteIfPresent(tx, tablePolicyRefs, policyRefKey(u.Account, u.Boundary, refBoundaryUser, u.Name)); err != nil {
				return err
			}
		}
		if err := deleteIfPresent(tx, tableIDs, u.ID); err != nil {
			return err
		}
		return tx.Delete(tableUsers, userKey(c.Account, name))
	})
	return wrapDomain(err, "delete user "+name)
}

// newID returns a unique ID in IAM's style: a four-letter prefix and 17 upper-case letters and digits.
func (s *Service) newID(prefix string) (string, error) {
	b := make([]byte, 11)
	if _, err := io.ReadFull(s.rand, b); err != nil {
		return "", fmt.Errorf("generate id: %w", err)
	}
	return prefix + base32.StdEncoding.EncodeToString(b)[:17], nil
}
