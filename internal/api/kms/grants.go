package kms

import (
	"context"

	"github.com/seclake/seclake/internal/api"
	"github.com/seclake/seclake/internal/awsproto"
	"github.com/seclake/seclake/internal/kms"
)

type grantConstraints struct {
	EncryptionContextSubset map[string]string `json:",omitempty"`
	EncryptionContextEquals map[string]string `json:",omitempty"`
	SourceArn               string            `json:",omitempty"`
}

func constraintsIn(in *grantConstraints) *kms.GrantConstraints {
	if in == nil {
		return nil
	}
	return &kms.GrantConstraints{EncryptionContextSubset: in.EncryptionContextSubset, EncryptionContextEquals: in.EncryptionContextEquals,
		SourceArn: in.SourceArn}
}

type createGrantInput struct {
	KeyId                    string
	GranteePrincipal         string
	GranteeServicePrincipal  string
	RetiringPrincipal        string
	RetiringServicePrincipal string
	Operations               []string
	Constraints              *grantConstraints
	GrantTokens              []string `sensitive:"true"`
	Name                     string
	DryRun                   bool
}

type createGrantOutput struct {
	// GrantToken is a bearer credential for the grant: it is not written to the audit trail.
	GrantToken string `sensitive:"true"`
	GrantId    string
}

func (h *handler) createGrant(ctx context.Context, c *api.Call, in *createGrantInput) (*createGrantOutput, error) {
	g, err := h.kms.CreateGrant(ctx, c.Caller, kms.CreateGrantRequest{KeyID: in.KeyId, GranteePrincipal: in.GranteePrincipal,
		GranteeServicePrincipal: in.GranteeServicePrincipal, RetiringPrincipal: in.RetiringPrincipal,
		RetiringServicePrincipal: in.RetiringServicePrincipal, Operations: in.Operations, Constraints: constraintsIn(in.Constraints),
		GrantTokens: in.GrantTokens, Name: in.Name, DryRun: in.DryRun})
	if err != nil {
		return nil, err
	}
	return &createGrantOutput{GrantToken: g.GrantToken, GrantId: g.GrantID}, nil
}

type grantListEntry struct {
	KeyId                    string
	GrantId                  string
	Name                     string `json:",omitempty"`
	CreationDate             awsproto.Timestamp
	GranteePrincipal         string `json:",omitempty"`
	GranteeServicePrincipal  string `json:",omitempty"`
	RetiringPrincipal        string `json:",omitempty"`
	RetiringServicePrincipal string `json:",omitempty"`
	IssuingAccount           string
	Operations               []string
	Constraints              *grantConstraints `json:",omitempty"`
}

func grantOut(g *kms.Grant) grantListEntry {
	out := grantListEntry{KeyId: g.KeyARN, GrantId: g.GrantID, Name: g.Name, CreationDate: awsproto.Timestamp(g.Created),
		IssuingAccount: g.Issuing, Operations: g.Operations}
	if g.GranteeIsService {
		out.GranteeServicePrincipal = g.Grantee
	} else {
		out.GranteePrincipal = g.Grantee
	}
	if g.RetiringIsService {
		out.RetiringServicePrincipal = g.Retiring
	} else {
		out.RetiringPrincipal = g.Retiring
	}
	if gc := g.Constraints; gc != nil {
		out.Constraints = &grantConstraints{EncryptionContextSubset: gc.EncryptionContextSubset, EncryptionContextEquals: gc.EncryptionContextEquals,
			SourceArn: gc.SourceArn}
	}
	return out
}

type listGrantsInput struct {
	KeyId                   string
	GrantId                 string
	GranteePrincipal        string
	GranteeServicePrincipal string
	Limit                   int
	Marker                  string
}

type listGrantsOutput struct {
	Grants []grantListEntry
	listing
}

func (h *handler) listGrants(ctx context.Context, c *api.Call, in *listGrantsInput) (*listGrantsOutput, error) {
	p, err := h.kms.ListGrants(ctx, c.Caller, kms.ListGrantsRequest{KeyID: in.KeyId, GrantID: in.GrantId,
		GranteePrincipal: in.GranteePrincipal, GranteeServicePrincipal: in.GranteeServicePrincipal, Limit: in.Limit, Marker: in.Marker})
	if err != nil {
		return nil, err
	}
	return &listGrantsOutput{Grants: mapItems(p.Items, grantOut), listing: listingOf(p)}, nil
}

type listRetirableGrantsInput struct {
	RetiringPrincipal        string
	RetiringServicePrincipal string
	Limit                    int
	Marker                   string
}

func (h *handler) listRetirableGrants(ctx context.Context, c *api.Call, in *listRetirableGrantsInput) (*listGrantsOutput, error) {
	p, err := h.kms.ListRetirableGrants(ctx, c.Caller, kms.ListRetirableGrantsRequest{RetiringPrincipal: in.RetiringPrincipal,
		RetiringServicePrincipal: in.RetiringServicePrincipal, Limit: in.Limit, Marker: in.Marker})
	if err != nil {
		return nil, err
	}
	return &listGrantsOutput{Grants: mapItems(p.Items, grantOut), listing: listingOf(p)}, nil
}

type retireGrantInput struct {
	GrantToken string `sensitive:"true"`
	KeyId      string
	GrantId    string
	DryRun     bool
}

func (h *handler) retireGrant(ctx context.Context, c *api.Call, in *retireGrantInput) (*empty, error) {
	return nil, h.kms.RetireGrant(ctx, c.Caller, kms.RetireGrantRequest{GrantToken: in.GrantToken, KeyID: in.KeyId,
		GrantID: in.GrantId, DryRun: in.DryRun})
}

type revokeGrantInput struct {
	KeyId   string
	GrantId string
	DryRun  bool
}

func (h *handler) revokeGrant(ctx context.Context, c *api.Call, in *revokeGrantInput) (*empty, error) {
	return nil, h.kms.RevokeGrant(ctx, c.Caller, in.KeyId, in.GrantId, in.DryRun)
}
