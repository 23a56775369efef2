// Package sts serves the AWS Security Token Service API (Query protocol): AssumeRole, GetSessionToken and
// GetCallerIdentity.
package sts

import (
	"context"
	"time"

	"github.com/seclake/seclake/internal/actor"

	"github.com/seclake/seclake/internal/api"
	"github.com/seclake/seclake/internal/awsproto"
	"github.com/seclake/seclake/internal/iam"
)

// Namespace is the XML namespace of STS responses.
const Namespace = "https://sts.amazonaws.com/doc/2011-06-15/"

// New returns the STS service backed by the identity service.
func New(ids *iam.Service) *api.Service {
	h := &handler{ids: ids}
	return &api.Service{
		Name:         "sts",
		EventSource:  "sts.amazonaws.com",
		Protocol:     awsproto.Query,
		XMLNamespace: Namespace,
		Ops: api.Ops(
			api.Query("GetCallerIdentity", "sts:GetCallerIdentity", true, getCallerIdentity).
				ExemptBecause("no permission is required to perform this operation; an explicit deny of sts:GetCallerIdentity does not stop it (STS API reference)"),
			api.Query("AssumeRole", "sts:AssumeRole", false, h.assumeRole),
			api.Query("GetSessionToken", "sts:GetSessionToken", false, h.getSessionToken).
				ExemptBecause("no permissions are required for users to perform this operation; IAM policies cannot control it (STS API reference)"),
		),
	}
}

type handler struct{ ids *iam.Service }

type getCallerIdentityInput struct{}

type getCallerIdentityOutput struct {
	Arn     string
	UserId  string
	Account string
}

func getCallerIdentity(_ context.Context, c *api.Call, _ *getCallerIdentityInput) (*getCallerIdentityOutput, error) {
	p := c.Caller.Identity
	return &getCallerIdentityOutput{Arn: p.ARN, UserId: p.ID, Account: p.Account}, nil
}

// credentials is STS's Credentials shape; the secret and token never reach the audit trail.
type credentials struct {
	AccessKeyId     string
	SecretAccessKey string `sensitive:"true"`
	SessionToken    string `sensitive:"true"`
	Expiration      time.Time
}

func credentialsOut(c iam.Credentials) credentials {
	return credentials{AccessKeyId: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey, SessionToken: c.SessionToken, Expiration: c.Expiration}
}

type tag struct {
	Key   string
	Value string
}

type policyDescriptor struct {
	Arn string `query:"arn"`
}

type assumeRoleInput struct {
	RoleArn           string
	RoleSessionName   string
	DurationSeconds   int
	ExternalId        string
	Policy            string
	PolicyArns        []policyDescriptor
	Tags              []tag
	TransitiveTagKeys []string
	SourceIdentity    string
	SerialNumber      string
	TokenCode         string `sensitive:"true"`
}

type assumedRoleUser struct {
	AssumedRoleId string
	Arn           string
}

type assumeRoleOutput struct {
	Credentials      credentials
	AssumedRoleUser  assumedRoleUser
	PackedPolicySize *int   `xml:",omitempty"`
	SourceIdentity   string `xml:",omitempty"`
}

func (h *handler) assumeRole(ctx context.Context, c *api.Call, in *assumeRoleInput) (*assumeRoleOutput, error) {
	req := iam.AssumeRoleInput{RoleARN: in.RoleArn, SessionName: in.RoleSessionName, DurationSeconds: in.DurationSeconds,
		ExternalID: in.ExternalId, SourceIdentity: in.SourceIdentity, Policy: in.Policy, TransitiveTagKeys: in.TransitiveTagKeys}
	for _, p := range in.PolicyArns {
		req.PolicyARNs = append(req.PolicyARNs, p.Arn)
	}
	for _, t := range in.Tags {
		req.Tags = append(req.Tags, actor.Tag{Key: t.Key, Value: t.Value})
	}
	out, err := h.ids.AssumeRole(ctx, c.Caller, req)
	if err != nil {
		return nil, err
	}
	// The role's account owns the event, as CloudTrail records AssumeRole where the role lives.
	c.Audit.RecipientAccount = out.RoleAccount
	c.AddResource(in.RoleArn, out.RoleAccount, "AWS::IAM::Role")
	res := &assumeRoleOutput{Credentials: credentialsOut(out.Credentials), SourceIdentity: out.SourceIdentity,
		AssumedRoleUser: assumedRoleUser{AssumedRoleId: out.AssumedRoleID, Arn: out.ARN}}
	if out.PackedPolicySize >= 0 {
		res.PackedPolicySize = &out.PackedPolicySize
	}
	return res, nil
}

type getSessionTokenInput struct {
	DurationSeconds int
	SerialNumber    string
	TokenCode       string `sensitive:"true"`
}

type getSessionTokenOutput struct {
	Credentials credentials
}

func (h *handler) getSessionToken(ctx context.Context, c *api.Call, in *getSessionTokenInput) (*getSessionTokenOutput, error) {
	creds, err := h.ids.GetSessionToken(ctx, c.Caller, in.DurationSeconds)
	if err != nil {
		return nil, err
	}
	return &getSessionTokenOutput{Credentials: credentialsOut(*creds)}, nil
}
