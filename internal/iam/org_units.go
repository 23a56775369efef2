package iam

import (
	"context"
	"regexp"
	"strings"

	"github.com/seclake/seclake/internal/actor"

	"github.com/seclake/seclake/internal/meta"
)

// MaxOUDepth is how deep organizational units may nest under the root.
const MaxOUDepth = 5

// OU is an organizational unit.
type OU struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	Parent string `json:"parent"`
	// ARN is the OU's ARN, filled in when the OU is read.
	ARN string `json:"-"`
}

var ouNameRE = regexp.MustCompile(`^[\s\S]{1,128}$`)

func noSuchOU() error {
	return orgError("OrganizationalUnitNotFoundException", "We can't find an OU with the OrganizationalUnitId that you specified.")
}

func noSuchParent() error {
	return orgError("ParentNotFoundException", "We can't find a root or OU with the ParentId that you specified.")
}

// Root is the organization's root as ListRoots returns it.
type Root struct {
	ID, ARN, Name string
	// SCPEnabled reports whether service control policies are enabled.
	SCPEnabled bool
}

// ListRoots returns the organization's root.
func (s *Service) ListRoots(ctx context.Context, c *actor.Caller) ([]Root, error) {
	var out []Root
	err := s.store.View(ctx, func(tx meta.Tx) error {
		org, err := s.orgCall(ctx, tx, c, "organizations:ListRoots", "*", false)
		if err != nil {
			return err
		}
		out = []Root{{ID: org.RootID, ARN: org.RootARN(), Name: "Root", SCPEnabled: org.SCPEnabled}}
		return nil
	})
	return out, wrapDomain(err, "list roots")
}

// checkParent verifies that id is the root or an existing OU, and returns its depth (root 0).
func checkParent(tx meta.Tx, org *Organization, id string) (int, error) {
	if id == org.RootID {
		return 0, nil
	}
	var ou OU
	found, err := getJSON(tx, tableOUs, id, &ou)
	if err != nil {
		return 0, err
	}
	if !found {
		return 0, noSuchParent()
	}
	chain, err := parentChain(tx, org, ou.ID)
	return len(chain) - 1, err
}

// CreateOrganizationalUnit creates an OU under the root or another OU.
func (s *Service) CreateOrganizationalUnit(ctx context.Context, c *actor.Caller, parent, name string) (*OU, error) {
	if !ouNameRE.MatchString(name) {
		return nil, orgInvalidInput("INVALID_INPUT", "You provided a value that does not match the required pattern.")
	}
	suffix, err := randomName(s.rand, "", 8)
	if err != nil {
		return nil, err
	}
	var out *OU
	err = s.change(ctx, func(tx meta.Tx) error {
		org, err := s.orgCall(ctx, tx, c, "organizations:CreateOrganizationalUnit", "*", false)
		if err != nil {
			return err
		}
		depth, err := checkParent(tx, org, parent)
		if err != nil {
			return err
		}
		if depth >= MaxOUDepth {
			return constraintViolation("OU_DEPTH_LIMIT_EXCEEDED", "You attempted to create an OU tree that is too many levels deep.")
		}
		siblings, err := childOUs(tx, parent)
		if err != nil {
			return err
		}
		for _, sib := range siblings {
			if strings.EqualFold(sib.Name, name) {
				return orgError("DuplicateOrganizationalUnitException", "An OU with the same name already exists.")
			}
		}
		out = &OU{ID: "ou-" + strings.TrimPrefix(org.RootID, "r-") + "-" + suffix, Name: name, Parent: parent}
		out.ARN = org.OUARN(out.ID)
		if err := insertJSON(tx, tableOUs, out.ID, out); err != nil {
			return err
		}
		return s.attachDefaultSCP(tx, org, out.ID)
	})
	return out, wrapDomain(err, "create organizational unit")
}

// childOUs returns the OUs directly under parent.
func childOUs(tx meta.Tx, parent string) ([]OU, error) {
	all, err := scanJSON[OU](tx, tableOUs, "")
	var out []OU
	for _, ou := range all {
		if ou.Parent == parent {
			out = append(out, ou)
		}
	}
	return out, err
}

// DescribeOrganizationalUnit returns an OU.
func (s *Service) DescribeOrganizationalUnit(ctx context.Context, c *actor.Caller, id string) (*OU, error) {
	var out *OU
	err := s.store.View(ctx, func(tx meta.Tx) error {
		org, err := s.orgCall(ctx, tx, c, "organizations:DescribeOrganizationalUnit", "*", false)
		if err != nil {
			return err
		}
		if out, err = getOU(tx, id); err == nil {
			out.ARN = org.OUARN(out.ID)
		}
		return err
	})
	return out, wrapDomain(err, "describe organizational unit")
}

func getOU(tx meta.Tx, id string) (*OU, error) {
	var ou OU
	found, err := getJSON(tx, tableOUs, id, &ou)
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, noSuchOU()
	}
	return &ou, nil
}

// RenameOrganizationalUnit changes an OU's name (UpdateOrganizationalUnit).
func (s *Service) RenameOrganizationalUnit(ctx context.Context, c *actor.Caller, id, name string) (*OU, error) {
	var out *OU
	err := s.change(ctx, func(tx meta.Tx) error {
		org, err := s.orgCall(ctx, tx, c, "organizations:UpdateOrganizationalUnit", "*", false)
		if err != nil {
			return err
		}
		ou, err := getOU(tx, id)
		if err != nil {
			return err
		}
		ou.Name, ou.ARN, out = name, org.OUARN(id), ou
		return putJSON(tx, tableOUs, ou.ID, ou)
	})
	return out, wrapDomain(err, "update organizational unit")
}

// DeleteOrganizationalUnit deletes an OU that holds no accounts and no OUs.
func (s *Service) DeleteOrganizationalUnit(ctx context.Context, c *actor.Caller, id string) error {
	err := s.change(ctx, func(tx meta.Tx) error {
		if _, err := s.orgCall(ctx, tx, c, "organizations:DeleteOrganizationalUnit", "*", false); err != nil {
			return err
		}
		if _, err := getOU(tx, id); err != nil {
			return err
		}
		kids, err := childOUs(tx, id)
		if err != nil {
			return err
		}
		accounts, err := accountsUnder(tx, id)
		if err != nil {
			return err
		}
		if len(kids)+len(accounts) > 0 {
			return orgError("OrganizationalUnitNotEmptyException", "The specified OU is not empty. Move all accounts to another root or OU and delete all child OUs, and then try the operation again.")
		}
		if err := detachAll(tx, id); err != nil {
			return err
		}
		return tx.Delete(tableOUs, id)
	})
	return wrapDomain(err, "delete organizational unit")
}

// ListOrganizationalUnitsForParent returns the OUs directly under a root or OU.
func (s *Service) ListOrganizationalUnitsForParent(ctx context.Context, c *actor.Caller, parent string) ([]OU, error) {
	var out []OU
	err := s.store.View(ctx, func(tx meta.Tx) error {
		org, err := s.orgCall(ctx, tx, c, "organizations:ListOrganizationalUnitsForParent", "*", false)
		if err != nil {
			return err
		}
		if _, err := checkParent(tx, org, parent); err != nil {
			return err
		}
		if out, err = childOUs(tx, parent); err != nil {
			return err
		}
		for i := range out {
			out[i].ARN = org.OUARN(out[i].ID)
		}
		return nil
	})
	return out, wrapDomain(err, "list organizational units")
}

// Parent is the root or OU that holds an account or OU; Type is "ROOT" or "ORGANIZATIONAL_UNIT".
type Parent struct {
	ID, Type string
}

// ListParents returns the root or OU that directly holds an account or OU.
func (s *Service) ListParents(ctx context.Context, c *actor.Caller, child string) ([]Parent, error) {
	var out []Parent
	err := s.store.View(ctx, func(tx meta.Tx) error {
		org, err := s.orgCall(ctx, tx, c, "organizations:ListParents", "*", false)
		if err != nil {
			return err
		}
		parent := ""
		if strings.HasPrefix(child, "ou-") {
			ou, err := getOU(tx, child)
			if err != nil {
				return orgError("ChildNotFoundException", "We can't find an organizational unit (OU) or AWS account with the ChildId that you specified.")
			}
			parent = ou.Parent
		} else {
			var a Account
			found, err := getJSON(tx, tableAccounts, child, &a)
			if err != nil {
				return err
			}
			if !found {
				return orgError("ChildNotFoundException", "We can't find an organizational unit (OU) or AWS account with the ChildId that you specified.")
			}
			parent = a.Parent
		}
		typ := "ORGANIZATIONAL_UNIT"
		if parent == org.RootID {
			typ = "ROOT"
		}
		out = []Parent{{ID: parent, Type: typ}}
		return nil
	})
	return out, wrapDomain(err, "list parents")
}
