package iam

import (
	"context"
	"net/http"

	"github.com/seclake/seclake/internal/awserr"
)

// authorize decides whether the caller may perform an IAM action on a resource of its own account.
// An account's root user may do anything in its account. Every other principal needs a policy that allows the
// action; until identity policies are attached (they come with the policy engine), none does, so everything
// but root is denied by default.
func (s *Service) authorize(_ context.Context, c *Caller, action, resource string) error {
	if c.Type == TypeRoot {
		return nil
	}
	return awserr.New("AccessDenied", http.StatusForbidden,
		"User: %s is not authorized to perform: %s on resource: %s because no identity-based policy allows the %s action",
		c.ARN, action, resource, action)
}
