package stack

import (
	"context"

	"github.com/seclake/seclake/internal/actor"
	"github.com/seclake/seclake/internal/awserr"
	"github.com/seclake/seclake/internal/clock"
	"github.com/seclake/seclake/internal/iam"
	"github.com/seclake/seclake/internal/table"
)

// slrSessions gives the sessions of Security Lake's resource-management service-linked role
// (AWSServiceRoleForSecurityLakeResourceManagement), assumed by resource-management.securitylake.amazonaws.com
// for a lake (table.Sessions, lake.Sessions). A lake whose account has no such role (made without Security
// Lake's control plane) gets no session: its I/O stays with the Security Lake service principal.
type slrSessions struct {
	iam   *iam.Service
	clock clock.Clock
}

func (l slrSessions) ResourceManagementSession(ctx context.Context, account, region string, src actor.Source) (*actor.Caller, error) {
	if l.iam == nil {
		return nil, nil
	}
	c, err := l.iam.ServiceRoleSession(ctx, table.ResourceManagementPrincipal, table.ResourceManagementRoleARN(account),
		"SecurityLakeResourceManagement", src)
	if ae, ok := awserr.As(err); ok && ae.Code == "NoSuchEntity" {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	c.Region, c.Time, c.Source = region, l.clock.Now(), src
	return c, nil
}
