package iam

import (
	"github.com/seclake/seclake/internal/iam/policy"
	"github.com/seclake/seclake/internal/meta"
)

// orgInfo is where an account sits in the organization: the organization's ID, the account's path
// ("o-…/r-…/ou-…/") and the service control policies that apply to it, one slice per level.
type orgInfo struct {
	id, path string
	scps     [][]*policy.Policy
}

// orgScope returns the organization facts of an account.
func (s *Service) orgScope(tx meta.Tx, account string) (orgInfo, error) {
	return orgInfo{}, nil
}
