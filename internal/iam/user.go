package iam

import (
	"context"
	"encoding/base32"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/seclake/seclake/internal/awserr"
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
	Account string    `json:"account"`
	Name    string    `json:"name"`
	Path    string    `json:"path"`
	ID      string    `json:"id"`
	Created time.Time `json:"created"`
	Tags    []Tag     `json:"tags,omitempty"`
}

// Tag is a key/value tag on an IAM resource.
type Tag struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// ARN returns the user's ARN.
func (u *User) ARN() string { return "arn:aws:iam::" + u.Account + ":user" + u.Path + u.Name }

func userKey(account, name string) string { return account + "/" + strings.ToLower(name) }

var (
	userNameRE = regexp.MustCompile(`^[\w+=,.@-]{1,64}$`)
	pathRE     = regexp.MustCompile(`^(/|/[\x21-\x7E]{0,510}/)$`)
)

func noSuchUser(name string) *awserr.Error {
	return awserr.New("NoSuchEntity", http.StatusNotFound, "The user with name %s cannot be found.", name)
}

func validateUserName(name string) error {
	if !userNameRE.MatchString(name) {
		return awserr.New("ValidationError", http.StatusBadRequest, "1 validation error detected: Value '%s' at 'userName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+ and have length between 1 and 64", name)
	}
	return nil
}

// CreateUserInput is what CreateUser needs.
type CreateUserInput struct {
	Name string
	Path string
	Tags []Tag
}

// CreateUser creates an IAM user in the caller's account.
func (s *Service) CreateUser(ctx context.Context, c *Caller, in CreateUserInput) (*User, error) {
	if err := validateUserName(in.Name); err != nil {
		return nil, err
	}
	if in.Path == "" {
		in.Path = "/"
	}
	if !pathRE.MatchString(in.Path) {
		return nil, awserr.New("ValidationError", http.StatusBadRequest, "The specified value for path is invalid. It must begin and end with / and contain only alphanumeric characters and/or / characters.")
	}
	u := &User{Account: c.Account, Name: in.Name, Path: in.Path, Created: s.clock.Now().UTC().Truncate(time.Second), Tags: in.Tags}
	if err := s.authorize(ctx, c, "iam:CreateUser", u.ARN()); err != nil {
		return nil, err
	}
	id, err := s.newID("AIDA")
	if err != nil {
		return nil, err
	}
	u.ID = id
	b, err := json.Marshal(u)
	if err != nil {
		return nil, err
	}
	err = s.store.Update(ctx, func(tx meta.Tx) error {
		return tx.Insert(tableUsers, userKey(u.Account, u.Name), b)
	})
	if errors.Is(err, meta.ErrExists) {
		return nil, awserr.New("EntityAlreadyExists", http.StatusConflict, "User with name %s already exists.", in.Name)
	}
	if err != nil {
		return nil, fmt.Errorf("create user %s: %w", in.Name, err)
	}
	return u, nil
}

// GetUser returns a user of the caller's account; an empty name means the calling user.
func (s *Service) GetUser(ctx context.Context, c *Caller, name string) (*User, error) {
	if name == "" {
		if c.Type != TypeUser {
			if c.Type == TypeRoot {
				return &User{Account: c.Account, Name: "", Path: "", ID: c.Account}, nil
			}
			return nil, awserr.New("ValidationError", http.StatusBadRequest, "Must specify userName when calling with non-User credentials")
		}
		name = c.Name
	}
	var u *User
	err := s.store.View(ctx, func(tx meta.Tx) error {
		var err error
		u, err = getUser(tx, c.Account, name)
		return err
	})
	if err != nil {
		return nil, err
	}
	if err := s.authorize(ctx, c, "iam:GetUser", u.ARN()); err != nil {
		return nil, err
	}
	return u, nil
}

func getUser(tx meta.Tx, account, name string) (*User, error) {
	b, err := tx.Get(tableUsers, userKey(account, name))
	if errors.Is(err, meta.ErrNotFound) {
		return nil, noSuchUser(name)
	}
	if err != nil {
		return nil, fmt.Errorf("load user %s: %w", name, err)
	}
	var u User
	if err := json.Unmarshal(b, &u); err != nil {
		return nil, fmt.Errorf("decode user %s: %w", name, err)
	}
	return &u, nil
}

// ListUsersInput pages through users.
type ListUsersInput struct {
	PathPrefix string
	Marker     string
	MaxItems   int
}

// ListUsers returns the users of the caller's account in name order, a page at a time. The marker is the
// next user's name.
func (s *Service) ListUsers(ctx context.Context, c *Caller, in ListUsersInput) ([]*User, string, error) {
	if err := s.authorize(ctx, c, "iam:ListUsers", "arn:aws:iam::"+c.Account+":user/"); err != nil {
		return nil, "", err
	}
	max := in.MaxItems
	if max <= 0 || max > 1000 {
		max = 100
	}
	prefix := c.Account + "/"
	var users []*User
	var next string
	err := s.store.View(ctx, func(tx meta.Tx) error {
		var derr error
		start := ""
		if in.Marker != "" {
			start = userKey(c.Account, in.Marker)
		}
		err := tx.Scan(tableUsers, meta.Range{Prefix: prefix, Start: start}, func(_ string, v []byte) bool {
			var u User
			if derr = json.Unmarshal(v, &u); derr != nil {
				return false
			}
			if in.PathPrefix != "" && !strings.HasPrefix(u.Path, in.PathPrefix) {
				return true
			}
			if len(users) == max {
				next = u.Name
				return false
			}
			users = append(users, &u)
			return true
		})
		return errors.Join(err, derr)
	})
	if err != nil {
		return nil, "", fmt.Errorf("list users: %w", err)
	}
	return users, next, nil
}

// DeleteUser deletes a user that has no access keys left.
func (s *Service) DeleteUser(ctx context.Context, c *Caller, name string) error {
	arn := "arn:aws:iam::" + c.Account + ":user/" + name
	err := s.store.Update(ctx, func(tx meta.Tx) error {
		u, err := getUser(tx, c.Account, name)
		if err != nil {
			return err
		}
		arn = u.ARN()
		if err := s.authorize(ctx, c, "iam:DeleteUser", arn); err != nil {
			return err
		}
		hasKeys := false
		if err := tx.Scan(tableUserKeys, meta.Range{Prefix: userKey(c.Account, name) + "/", Limit: 1}, func(string, []byte) bool {
			hasKeys = true
			return false
		}); err != nil {
			return err
		}
		if hasKeys {
			return awserr.New("DeleteConflict", http.StatusConflict, "Cannot delete entity, must delete access keys first.")
		}
		return tx.Delete(tableUsers, userKey(c.Account, name))
	})
	if err != nil {
		if _, ok := awserr.As(err); ok {
			return err
		}
		return fmt.Errorf("delete user %s: %w", name, err)
	}
	return nil
}

// newID returns a unique ID in IAM's style: a four-letter prefix and 17 upper-case letters and digits.
func (s *Service) newID(prefix string) (string, error) {
	b := make([]byte, 11)
	if _, err := io.ReadFull(s.rand, b); err != nil {
		return "", fmt.Errorf("generate id: %w", err)
	}
	return prefix + base32.StdEncoding.EncodeToString(b)[:17], nil
}
