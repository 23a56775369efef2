// Package sts serves the AWS Security Token Service API (Query protocol).
package sts

import (
	"context"

	"github.com/seclake/seclake/internal/api"
	"github.com/seclake/seclake/internal/awsproto"
)

// Namespace is the XML namespace of STS responses.
const Namespace = "https://sts.amazonaws.com/doc/2011-06-15/"

// New returns the STS service.
func New() *api.Service {
	return &api.Service{
		Name:         "sts",
		EventSource:  "sts.amazonaws.com",
		Protocol:     awsproto.Query,
		XMLNamespace: Namespace,
		Ops: api.Ops(
			api.Query("GetCallerIdentity", true, getCallerIdentity),
		),
	}
}

type getCallerIdentityInput struct{}

type getCallerIdentityOutput struct {
	Arn     string
	UserId  string
	Account string
}

func getCallerIdentity(_ context.Context, c *api.Call, _ *getCallerIdentityInput) (*getCallerIdentityOutput, error) {
	p := c.Caller.Principal
	return &getCallerIdentityOutput{Arn: p.ARN, UserId: p.ID, Account: p.Account}, nil
}
