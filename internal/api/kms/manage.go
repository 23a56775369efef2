package kms

import (
	"context"

	"github.com/seclake/seclake/internal/api"
	"github.com/seclake/seclake/internal/awsproto"
	"github.com/seclake/seclake/internal/kms"
)

// Key policies.

type putKeyPolicyInput struct {
	KeyId                          string
	PolicyName                     string
	Policy                         string
	BypassPolicyLockoutSafetyCheck bool
}

func (h *handler) putKeyPolicy(ctx context.Context, c *api.Call, in *putKeyPolicyInput) (*empty, error) {
	return nil, h.kms.PutKeyPolicy(ctx, c.Caller, in.KeyId, in.PolicyName, in.Policy, in.BypassPolicyLockoutSafetyCheck)
}

type getKeyPolicyInput struct {
	KeyId      string
	PolicyName string
}

type getKeyPolicyOutput struct {
	Policy     string
	PolicyName string
}

func (h *handler) getKeyPolicy(ctx context.Context, c *api.Call, in *getKeyPolicyInput) (*getKeyPolicyOutput, error) {
	doc, err := h.kms.GetKeyPolicy(ctx, c.Caller, in.KeyId, in.PolicyName)
	if err != nil {
		return nil, err
	}
	return &getKeyPolicyOutput{Policy: doc, PolicyName: "default"}, nil
}

type listKeyPoliciesInput struct {
	KeyId  string
	Limit  int
	Marker string
}

type listKeyPoliciesOutput struct {
	PolicyNames []string
	listing
}

func (h *handler) listKeyPolicies(ctx context.Context, c *api.Call, in *listKeyPoliciesInput) (*listKeyPoliciesOutput, error) {
	names, err := h.kms.ListKeyPolicies(ctx, c.Caller, in.KeyId)
	if err != nil {
		return nil, err
	}
	return &listKeyPoliciesOutput{PolicyNames: names}, nil
}

// Aliases.

type aliasInput struct {
	AliasName   string
	TargetKeyId string
}

func (h *handler) createAlias(ctx context.Context, c *api.Call, in *aliasInput) (*empty, error) {
	return nil, h.kms.CreateAlias(ctx, c.Caller, in.AliasName, in.TargetKeyId)
}

func (h *handler) updateAlias(ctx context.Context, c *api.Call, in *aliasInput) (*empty, error) {
	return nil, h.kms.UpdateAlias(ctx, c.Caller, in.AliasName, in.TargetKeyId)
}

type deleteAliasInput struct {
	AliasName string
}

func (h *handler) deleteAlias(ctx context.Context, c *api.Call, in *deleteAliasInput) (*empty, error) {
	return nil, h.kms.DeleteAlias(ctx, c.Caller, in.AliasName)
}

type listAliasesInput struct {
	KeyId  string
	Limit  int
	Marker string
}

type aliasListEntry struct {
	AliasName       string
	AliasArn        string
	TargetKeyId     string              `json:",omitempty"`
	CreationDate    *awsproto.Timestamp `json:",omitempty"`
	LastUpdatedDate *awsproto.Timestamp `json:",omitempty"`
}

type listAliasesOutput struct {
	Aliases []aliasListEntry
	listing
}

func (h *handler) listAliases(ctx context.Context, c *api.Call, in *listAliasesInput) (*listAliasesOutput, error) {
	p, err := h.kms.ListAliases(ctx, c.Caller, in.KeyId, in.Limit, in.Marker)
	if err != nil {
		return nil, err
	}
	return &listAliasesOutput{Aliases: mapItems(p.Items, func(a *kms.Alias) aliasListEntry {
		return aliasListEntry{AliasName: a.AliasName, AliasArn: a.AliasARN, TargetKeyId: a.TargetKeyID,
			CreationDate: optTime(a.Created), LastUpdatedDate: optTime(a.Updated)}
	}), listing: listingOf(p)}, nil
}

// Rotation.

type enableKeyRotationInput struct {
	KeyId                string
	RotationPeriodInDays *int
}

func (h *handler) enableKeyRotation(ctx context.Context, c *api.Call, in *enableKeyRotationInput) (*empty, error) {
	return nil, h.kms.EnableKeyRotation(ctx, c.Caller, in.KeyId, in.RotationPeriodInDays)
}

func (h *handler) disableKeyRotation(ctx context.Context, c *api.Call, in *keyInput) (*empty, error) {
	return nil, h.kms.DisableKeyRotation(ctx, c.Caller, in.KeyId)
}

type getKeyRotationStatusOutput struct {
	KeyRotationEnabled   bool
	KeyId                string
	RotationPeriodInDays int                 `json:",omitempty"`
	NextRotationDate     *awsproto.Timestamp `json:",omitempty"`
}

func (h *handler) getKeyRotationStatus(ctx context.Context, c *api.Call, in *keyInput) (*getKeyRotationStatusOutput, error) {
	st, err := h.kms.GetKeyRotationStatus(ctx, c.Caller, in.KeyId)
	if err != nil {
		return nil, err
	}
	return &getKeyRotationStatusOutput{KeyRotationEnabled: st.KeyRotationEnabled, KeyId: st.KeyARN,
		RotationPeriodInDays: st.RotationPeriodInDays, NextRotationDate: optTime(st.NextRotationDate)}, nil
}

func (h *handler) rotateKeyOnDemand(ctx context.Context, c *api.Call, in *keyInput) (*keyIDOutput, error) {
	arn, err := h.kms.RotateKeyOnDemand(ctx, c.Caller, in.KeyId)
	if err != nil {
		return nil, err
	}
	return &keyIDOutput{KeyId: arn}, nil
}

type listKeyRotationsInput struct {
	KeyId              string
	IncludeKeyMaterial string
	Limit              int
	Marker             string
}

type rotationsListEntry struct {
	KeyId            string
	KeyMaterialId    string
	KeyMaterialState string
	RotationDate     *awsproto.Timestamp `json:",omitempty"`
	RotationType     string              `json:",omitempty"`
}

type listKeyRotationsOutput struct {
	Rotations []rotationsListEntry
	listing
}

func (h *handler) listKeyRotations(ctx context.Context, c *api.Call, in *listKeyRotationsInput) (*listKeyRotationsOutput, error) {
	p, err := h.kms.ListKeyRotations(ctx, c.Caller, in.KeyId, in.IncludeKeyMaterial, in.Limit, in.Marker)
	if err != nil {
		return nil, err
	}
	return &listKeyRotationsOutput{Rotations: mapItems(p.Items, func(r kms.KeyRotation) rotationsListEntry {
		return rotationsListEntry{KeyId: r.KeyID, KeyMaterialId: r.KeyMaterialID, KeyMaterialState: r.KeyMaterialState,
			RotationDate: optTime(r.RotationDate), RotationType: r.RotationType}
	}), listing: listingOf(p)}, nil
}
