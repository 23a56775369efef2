package iam

import (
	"context"
	"strings"

	"github.com/seclake/seclake/internal/iam/policy"
	"github.com/seclake/seclake/internal/meta"
)

// PrincipalExists reports whether a principal that a policy names exists, so that services can refuse
// policies naming principals that do not, as AWS does ("Invalid principal in policy"; KMS "Policy contains a
// statement with one or more invalid principals."). p is as policy.Policy.Principals returns it.
//
//   - Accounts seclake holds exist; so do their users and roles (compared by ARN, path included), sessions of
//     their roles (the role must exist; any session name), and users and roles named by unique ID (AIDA…,
//     AROA…). Federated users of held accounts exist; identity providers of held accounts do not (seclake
//     has none).
//   - Service principals exist when they are AWS service names (anything ending in ".amazonaws.com"; seclake's
//     own components act as such principals).
//   - Principals of accounts seclake does not hold are taken as written: such an account is outside seclake's
//     view (a real AWS account, a partner's account), so seclake cannot tell whether its principals exist and
//     refusing them would reject policies that are valid on AWS. A typo in an account ID therefore goes
//     unnoticed, as it would for a foreign account on AWS. The same holds for well-known web identity
//     providers and S3 canonical users.
//   - Anonymous is never a named principal.
func (s *Service) PrincipalExists(ctx context.Context, p policy.Principal) (bool, error) {
	var ok bool
	err := s.store.View(ctx, func(tx meta.Tx) error {
		var err error
		ok, err = s.principalExists(tx, p)
		return err
	})
	return ok, err
}

func (s *Service) principalExists(tx meta.Tx, p policy.Principal) (bool, error) {
	switch p.Type {
	case policy.Anonymous:
		return false, nil
	case policy.Service:
		return isAWSServiceName(p.Service), nil
	case policy.CanonicalUser:
		return true, nil
	case policy.WebIdentity:
		return s.providerExists(tx, p.Provider)
	}
	if p.Account == "" {
		if p.ID == "" {
			return false, nil
		}
		var ref idRef
		return getJSON(tx, tableIDs, p.ID, &ref)
	}
	held, err := accountHeld(tx, p.Account)
	if err != nil || !held {
		return !held, err
	}
	switch p.Type {
	case policy.Root, policy.FederatedUser:
		return true, nil
	case policy.IAMUser:
		return entityARNExists(tx, KindUser, p.ARN)
	case policy.Role:
		return entityARNExists(tx, KindRole, p.ARN)
	case policy.AssumedRole:
		acct, role, _, ok := parseSessionARN(p.ARN)
		if !ok {
			return false, nil
		}
		var r Role
		return getJSON(tx, tableRoles, entityKey(acct, role), &r)
	}
	return false, nil
}

// isAWSServiceName reports whether name is an AWS service principal name ("cloudtrail.amazonaws.com").
func isAWSServiceName(name string) bool {
	prefix, ok := strings.CutSuffix(name, ".amazonaws.com")
	return ok && prefix != "" && !strings.HasPrefix(prefix, ".") && !strings.HasSuffix(prefix, ".")
}

// providerExists decides Federated principals: provider ARNs of held accounts do not exist (seclake has no
// identity providers); others (public providers, foreign accounts) are taken as written.
func (s *Service) providerExists(tx meta.Tx, provider string) (bool, error) {
	f := strings.SplitN(provider, ":", 6)
	if len(f) != 6 || f[0] != "arn" {
		return true, nil
	}
	held, err := accountHeld(tx, f[4])
	return !held, err
}

// entityARNExists reports whether the user or role with exactly this ARN exists.
func entityARNExists(tx meta.Tx, kind EntityKind, arn string) (bool, error) {
	a, ok := parseIAMARN(arn)
	if !ok || a.Kind != string(kind) {
		return false, nil
	}
	e, err := loadEntity(tx, kind, a.Account, a.Name)
	if _, missing := asNoSuchEntity(err); missing {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return e.arn() == arn, nil
}

// accountHeld reports whether seclake holds the account.
func accountHeld(tx meta.Tx, id string) (bool, error) {
	var a Account
	return getJSON(tx, tableAccounts, id, &a)
}
