package lake

import (
	"context"

	"github.com/seclake/seclake/internal/actor"
)

// serviceLinkedServices are the services whose service-linked roles Security Lake creates with a data lake, as on
// AWS (AWSServiceRoleForSecurityLake and AWSServiceRoleForSecurityLakeResourceManagement): the first guide's
// key policy names them, and KMS refuses a policy that names a role that does not exist.
var serviceLinkedServices = []string{"securitylake.amazonaws.com", "resource-management.securitylake.amazonaws.com"}

// ensureServiceLinkedRoles creates Security Lake's service-linked roles in the lake's account if they are absent.
func (s *Service) ensureServiceLinkedRoles(ctx context.Context, owner *actor.Caller) *failure {
	if s.cfg.Roles == nil {
		return nil
	}
	for _, svc := range serviceLinkedServices {
		if _, err := s.cfg.Roles.EnsureServiceLinkedRole(ctx, owner, svc); err != nil {
			return failed(err, "Check that the account may create the service-linked role of "+svc+
				" (iam:CreateServiceLinkedRole), then call UpdateDataLake again.")
		}
	}
	return nil
}
