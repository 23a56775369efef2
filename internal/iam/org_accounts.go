package iam

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"math/big"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/seclake/seclake/internal/actor"

	"github.com/seclake/seclake/internal/meta"
)

// DefaultMemberRole is the role CreateAccount creates in a new account for the management account.
const DefaultMemberRole = "OrganizationAccountAccessRole"

// CreateAccountStatus is the state of a CreateAccount request.
type CreateAccountStatus struct {
	ID            string    `json:"id"`
	AccountName   string    `json:"accountName"`
	State         string    `json:"state"` // IN_PROGRESS, SUCCEEDED or FAILED
	Requested     time.Time `json:"requested"`
	Completed     time.Time `json:"completed,omitzero"`
	AccountID     string    `json:"accountId,omitempty"`
	FailureReason string    `json:"failureReason,omitempty"`
}

// CreateAccountInput is what CreateAccount needs.
type CreateAccountInput struct {
	Email, Name string
	// RoleName defaults to OrganizationAccountAccessRole.
	RoleName string
}

var (
	emailRE       = regexp.MustCompile(`^[^\s@]+@[^\s@]+\.[^\s@]+$`)
	accountNameRE = regexp.MustCompile(`^[\x{0020}-\x{007E}]+$`)
)

func noSuchAccount() error {
	return orgError("AccountNotFoundException", "You specified an account that doesn't exist.")
}

// CreateAccount creates a member account in the organization, with a role (OrganizationAccountAccessRole
// unless RoleName says otherwise) that trusts the management account and has full administrator permissions.
//
// AWS creates accounts asynchronously: CreateAccount answers IN_PROGRESS and DescribeCreateAccountStatus
// reports the outcome. seclake does the work before answering, in one transaction, and still answers with the
// request as it was accepted (IN_PROGRESS); DescribeCreateAccountStatus then says SUCCEEDED, with the account
// ID, or FAILED with the reason (EMAIL_ALREADY_EXISTS), as AWS reports failures.
func (s *Service) CreateAccount(ctx context.Context, c *actor.Caller, in CreateAccountInput) (*CreateAccountStatus, error) {
	if err := in.validate(); err != nil {
		return nil, err
	}
	reqID, err := randomHex(s.rand, "car-", 16)
	if err != nil {
		return nil, err
	}
	now := s.now()
	accepted := &CreateAccountStatus{ID: reqID, AccountName: in.Name, State: "IN_PROGRESS", Requested: now}
	err = s.change(ctx, func(tx meta.Tx) error {
		org, err := s.orgCall(ctx, tx, c, "organizations:CreateAccount", "*", false)
		if err != nil {
			return err
		}
		done := *accepted
		done.Completed = now
		if err := s.createMember(tx, org, &in, &done); err != nil {
			return err
		}
		return insertJSON(tx, tableCreate, done.ID, &done)
	})
	if err != nil {
		return nil, wrapDomain(err, "create account")
	}
	return accepted, nil
}

func (in *CreateAccountInput) validate() error {
	if len(in.Email) < 6 || len(in.Email) > 64 || !emailRE.MatchString(in.Email) {
		return orgInvalidInput("INVALID_PATTERN", "You provided a value that does not match the required pattern.")
	}
	if len(in.Name) < 1 || len(in.Name) > 50 || !accountNameRE.MatchString(in.Name) {
		return orgInvalidInput("INVALID_PATTERN", "You provided a value that does not match the required pattern.")
	}
	if in.RoleName == "" {
		in.RoleName = DefaultMemberRole
	}
	if err := validateName(in.RoleName, "roleName", 64); err != nil {
		return orgInvalidInput("INVALID_PATTERN", "You provided a value that does not match the required pattern.")
	}
	return nil
}

// createMember creates the account and its access role, or records why it could not.
func (s *Service) createMember(tx meta.Tx, org *Organization, in *CreateAccountInput, st *CreateAccountStatus) error {
	accounts, err := allAccounts(tx)
	if err != nil {
		return err
	}
	for _, a := range accounts {
		if strings.EqualFold(a.Email, in.Email) {
			st.State, st.FailureReason = "FAILED", "EMAIL_ALREADY_EXISTS"
			return nil
		}
	}
	id, err := newAccountID(tx, s.rand)
	if err != nil {
		return err
	}
	now := s.now()
	a := &Account{ID: id, Name: in.Name, Email: in.Email, Created: now, Parent: org.RootID, JoinedMethod: "CREATED", Joined: now}
	if err := putAccount(tx, a); err != nil {
		return err
	}
	roleID, err := s.newID("AROA")
	if err != nil {
		return err
	}
	r := &Role{Account: id, Name: in.RoleName, Path: "/", ID: roleID, Created: now, MaxSessionDuration: DefaultMaxSessionDuration,
		TrustPolicy: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + org.ManagementAccount + `:root"},"Action":"sts:AssumeRole"}]}`}
	if err := s.insertRole(tx, r); err != nil {
		return err
	}
	admin := inlinePolicy{Name: "AdministratorAccess", Document: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`}
	if err := putJSON(tx, tableInline, entityPrefix(id, KindRole, r.Name)+"/"+strings.ToLower(admin.Name), admin); err != nil {
		return err
	}
	if err := s.attachDefaultSCP(tx, org, id); err != nil {
		return err
	}
	st.State, st.AccountID = "SUCCEEDED", id
	return nil
}

// newAccountID picks a random 12-digit account ID that no account has.
func newAccountID(tx meta.Tx, r io.Reader) (string, error) {
	for {
		n, err := rand.Int(r, big.NewInt(9e11))
		if err != nil {
			return "", fmt.Errorf("generate account id: %w", err)
		}
		id := fmt.Sprintf("%012d", n.Int64()+1e11)
		held, err := accountHeld(tx, id)
		if err != nil || !held {
			return id, err
		}
	}
}

func randomHex(r io.Reader, prefix string, n int) (string, error) {
	b := make([]byte, n)
	if _, err := io.ReadFull(r, b); err != nil {
		return "", fmt.Errorf("generate id: %w", err)
	}
	return prefix + hex.EncodeToString(b), nil
}

// DescribeCreateAccountStatus returns the state of a CreateAccount request.
func (s *Service) DescribeCreateAccountStatus(ctx context.Context, c *actor.Caller, id string) (*CreateAccountStatus, error) {
	var out CreateAccountStatus
	err := s.store.View(ctx, func(tx meta.Tx) error {
		if _, err := s.orgCall(ctx, tx, c, "organizations:DescribeCreateAccountStatus", "*", false); err != nil {
			return err
		}
		found, err := getJSON(tx, tableCreate, id, &out)
		if err == nil && !found {
			err = orgError("CreateAccountStatusNotFoundException", "We can't find an create account request with the CreateAccountRequestId that you specified.")
		}
		return err
	})
	if err != nil {
		return nil, wrapDomain(err, "describe create account status")
	}
	return &out, nil
}

// ListCreateAccountStatus returns the CreateAccount requests in the given states (all when states is
// empty), newest first.
func (s *Service) ListCreateAccountStatus(ctx context.Context, c *actor.Caller, states []string) ([]CreateAccountStatus, error) {
	var out []CreateAccountStatus
	err := s.store.View(ctx, func(tx meta.Tx) error {
		if _, err := s.orgCall(ctx, tx, c, "organizations:ListCreateAccountStatus", "*", false); err != nil {
			return err
		}
		all, err := scanJSON[CreateAccountStatus](tx, tableCreate, "")
		for _, st := range all {
			if len(states) == 0 || contains(states, st.State) {
				out = append(out, st)
			}
		}
		return err
	})
	sort.SliceStable(out, func(i, j int) bool { return out[i].Requested.After(out[j].Requested) })
	return out, wrapDomain(err, "list create account status")
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// allAccounts returns every account seclake holds, in ID order.
func allAccounts(tx meta.Tx) ([]Account, error) {
	return scanJSON[Account](tx, tableAccounts, "")
}

func accountsUnder(tx meta.Tx, parent string) ([]Account, error) {
	all, err := allAccounts(tx)
	var out []Account
	for _, a := range all {
		if a.Parent == parent {
			out = append(out, a)
		}
	}
	return out, err
}

// ListAccounts returns the accounts of the organization in ID order, a page at a time; the token is the next
// account's ID.
func (s *Service) ListAccounts(ctx context.Context, c *actor.Caller, parent, token string, max int) ([]Account, string, error) {
	var out []Account
	var next string
	err := s.store.View(ctx, func(tx meta.Tx) error {
		action := "organizations:ListAccounts"
		if parent != "" {
			action = "organizations:ListAccountsForParent"
		}
		org, err := s.orgCall(ctx, tx, c, action, "*", false)
		if err != nil {
			return err
		}
		if parent != "" {
			if _, err := checkParent(tx, org, parent); err != nil {
				return err
			}
		}
		all, err := allAccounts(tx)
		if err != nil {
			return err
		}
		out, next = pageAccounts(all, parent, token, max)
		for i := range out {
			out[i].ARN = org.AccountARN(out[i].ID)
		}
		return nil
	})
	return out, next, wrapDomain(err, "list accounts")
}

func pageAccounts(all []Account, parent, token string, max int) ([]Account, string) {
	if max <= 0 || max > 20 {
		max = 20
	}
	var out []Account
	for _, a := range all {
		if a.ID < token || (parent != "" && a.Parent != parent) {
			continue
		}
		if len(out) == max {
			return out, a.ID
		}
		out = append(out, a)
	}
	return out, ""
}

// DescribeAccount returns an account of the organization.
func (s *Service) DescribeAccount(ctx context.Context, c *actor.Caller, id string) (*Account, error) {
	var out Account
	err := s.store.View(ctx, func(tx meta.Tx) error {
		org, err := s.orgCall(ctx, tx, c, "organizations:DescribeAccount", "*", false)
		if err != nil {
			return err
		}
		found, err := getJSON(tx, tableAccounts, id, &out)
		if err == nil && (!found || out.Parent == "") {
			err = noSuchAccount()
		}
		out.ARN = org.AccountARN(out.ID)
		return err
	})
	if err != nil {
		return nil, wrapDomain(err, "describe account")
	}
	return &out, nil
}

// MoveAccount moves an account from one root or OU to another.
func (s *Service) MoveAccount(ctx context.Context, c *actor.Caller, id, from, to string) error {
	err := s.change(ctx, func(tx meta.Tx) error {
		org, err := s.orgCall(ctx, tx, c, "organizations:MoveAccount", "*", false)
		if err != nil {
			return err
		}
		var a Account
		found, err := getJSON(tx, tableAccounts, id, &a)
		if err != nil {
			return err
		}
		if !found {
			return noSuchAccount()
		}
		if _, err := checkParent(tx, org, from); err != nil || a.Parent != from {
			return orgError("SourceParentNotFoundException", "We can't find a source root or OU with the ParentId that you specified.")
		}
		if _, err := checkParent(tx, org, to); err != nil {
			return orgError("DestinationParentNotFoundException", "We can't find the destination container (a root or OU) with the ParentId that you specified.")
		}
		if from == to {
			return orgError("DuplicateAccountException", "That account is already present in the specified destination.")
		}
		a.Parent = to
		return putJSON(tx, tableAccounts, a.ID, &a)
	})
	return wrapDomain(err, "move account")
}
