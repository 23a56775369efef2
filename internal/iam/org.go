package iam

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/seclake/seclake/internal/actor"

	"github.com/seclake/seclake/internal/awserr"
	"github.com/seclake/seclake/internal/iam/policy"
	"github.com/seclake/seclake/internal/meta"
)

// Tables of the organization.
const (
	tableOrg      = "iam.org"           // "org" → Organization
	tableOUs      = "iam.ous"           // <OU ID> → OU
	tableCreate   = "iam.createaccount" // <request ID> → CreateAccountStatus
	tableSCPs     = "iam.scps"          // <policy ID> → OrgPolicy
	tableSCPLinks = "iam.scplinks"      // t/<target>/<policy> and p/<policy>/<target> → ""
)

// PolicyTypeSCP is the only organization policy type seclake has.
const PolicyTypeSCP = "SERVICE_CONTROL_POLICY"

// Organization is the organization the management account owns.
type Organization struct {
	ID                string    `json:"id"`
	RootID            string    `json:"rootId"`
	ManagementAccount string    `json:"management"`
	Created           time.Time `json:"created"`
	// SCPEnabled is set once EnablePolicyType has enabled service control policies in the root.
	SCPEnabled bool `json:"scpEnabled,omitempty"`
}

// ARN returns the organization's ARN.
func (o *Organization) ARN() string {
	return "arn:aws:organizations::" + o.ManagementAccount + ":organization/" + o.ID
}

// RootARN returns the ARN of the organization's root.
func (o *Organization) RootARN() string {
	return "arn:aws:organizations::" + o.ManagementAccount + ":root/" + o.ID + "/" + o.RootID
}

// AccountARN returns the organization ARN of a member account.
func (o *Organization) AccountARN(id string) string {
	return "arn:aws:organizations::" + o.ManagementAccount + ":account/" + o.ID + "/" + id
}

// OUARN returns the ARN of an organizational unit.
func (o *Organization) OUARN(id string) string {
	return "arn:aws:organizations::" + o.ManagementAccount + ":ou/" + o.ID + "/" + id
}

// Organizations' errors.

func orgError(code, format string, args ...any) *awserr.Error {
	return awserr.New(code, awserr.StatusBadRequest, format, args...)
}

func orgAccessDenied() error {
	return orgError("AccessDeniedException", "You don't have permissions to access this resource.")
}

func constraintViolation(reason, format string, args ...any) error {
	return orgError("ConstraintViolationException", format, args...).With("Reason", reason)
}

func orgInvalidInput(reason, format string, args ...any) error {
	return orgError("InvalidInputException", format, args...).With("Reason", reason)
}

// ensureOrganization creates the management account's organization on first start.
func (s *Service) ensureOrganization(ctx context.Context, management string) error {
	id, err := randomName(s.rand, "o-", 10)
	if err != nil {
		return err
	}
	root, err := randomName(s.rand, "r-", 4)
	if err != nil {
		return err
	}
	org := &Organization{ID: id, RootID: root, ManagementAccount: management, Created: s.now()}
	err = s.change(ctx, func(tx meta.Tx) error {
		var a Account
		found, err := getJSON(tx, tableAccounts, management, &a)
		if err != nil {
			return err
		}
		if !found {
			return fmt.Errorf("%w: %s", ErrNoAccount, management)
		}
		if a.Parent == "" {
			a.Parent, a.JoinedMethod, a.Joined = root, "CREATED", a.Created
			if err := putJSON(tx, tableAccounts, a.ID, &a); err != nil {
				return err
			}
		}
		return insertJSON(tx, tableOrg, "org", org)
	})
	if errors.Is(err, meta.ErrExists) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("create organization: %w", err)
	}
	return nil
}

func getOrg(tx meta.Tx) (*Organization, error) {
	var o Organization
	found, err := getJSON(tx, tableOrg, "org", &o)
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, orgError("AWSOrganizationsNotInUseException", "Your account is not a member of an organization.")
	}
	return &o, nil
}

// orgCall authorizes an Organizations action: the caller's identity policies must allow it and, unless
// anyMember, the caller must belong to the management account.
func (s *Service) orgCall(ctx context.Context, tx meta.Tx, c *actor.Caller, action, resource string, anyMember bool) (*Organization, error) {
	org, err := getOrg(tx)
	if err != nil {
		return nil, err
	}
	held, err := accountHeld(tx, c.Account)
	if err != nil {
		return nil, err
	}
	if !held || (!anyMember && c.Account != org.ManagementAccount) {
		return nil, orgAccessDenied()
	}
	if err := s.decide(ctx, tx, c, actor.Request{Action: action, Resource: resource}, actor.AccessDeniedException); err != nil {
		return nil, err
	}
	return org, nil
}

// DescribeOrganization returns the organization the caller's account belongs to.
func (s *Service) DescribeOrganization(ctx context.Context, c *actor.Caller) (*Organization, error) {
	var org *Organization
	err := s.store.View(ctx, func(tx meta.Tx) error {
		var err error
		org, err = s.orgCall(ctx, tx, c, "organizations:DescribeOrganization", "*", true)
		return err
	})
	return org, wrapDomain(err, "describe organization")
}

// orgInfo is where an account sits in the organization: the organization's ID, the account's path
// ("o-…/r-…/ou-…/") and the service control policies that apply to it, one slice per level.
type orgInfo struct {
	id, path string
	scps     [][]*policy.Policy
}

// orgScope returns the organization facts of an account seclake holds (none for other accounts). The
// management account is not subject to SCPs.
func (s *Service) orgScope(tx meta.Tx, account string) (orgInfo, error) {
	var info orgInfo
	var org Organization
	found, err := getJSON(tx, tableOrg, "org", &org)
	if err != nil || !found {
		return info, err
	}
	var a Account
	if found, err := getJSON(tx, tableAccounts, account, &a); err != nil || !found {
		return info, err
	}
	chain, err := parentChain(tx, &org, a.Parent)
	if err != nil {
		return info, err
	}
	info.id, info.path = org.ID, org.ID+"/"
	for _, p := range chain {
		info.path += p + "/"
	}
	if !org.SCPEnabled || account == org.ManagementAccount {
		return info, nil
	}
	for _, target := range append(chain, account) {
		level, err := s.targetSCPs(tx, target)
		if err != nil {
			return info, err
		}
		info.scps = append(info.scps, level)
	}
	return info, nil
}

// parentChain returns the IDs from the root down to parent.
func parentChain(tx meta.Tx, org *Organization, parent string) ([]string, error) {
	var chain []string
	for p := parent; p != "" && p != org.RootID && len(chain) < 10; {
		var ou OU
		found, err := getJSON(tx, tableOUs, p, &ou)
		if err != nil {
			return nil, err
		}
		if !found {
			break
		}
		chain = append([]string{ou.ID}, chain...)
		p = ou.Parent
	}
	return append([]string{org.RootID}, chain...), nil
}

// randomName returns prefix followed by n random lower-case letters and digits.
func randomName(r io.Reader, prefix string, n int) (string, error) {
	const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, n)
	if _, err := io.ReadFull(r, b); err != nil {
		return "", fmt.Errorf("generate id: %w", err)
	}
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return prefix + string(b), nil
}
