package kms

import (
	"context"

	"github.com/seclake/seclake/internal/api"
	"github.com/seclake/seclake/internal/awsproto"
	"github.com/seclake/seclake/internal/kms"
)

// keyMetadata is KMS's KeyMetadata shape.
type keyMetadata struct {
	AWSAccountId                string
	KeyId                       string
	Arn                         string
	CreationDate                awsproto.Timestamp
	Enabled                     bool
	Description                 string
	KeyUsage                    string
	KeyState                    string
	DeletionDate                *awsproto.Timestamp `json:",omitempty"`
	Origin                      string
	KeyManager                  string
	CustomerMasterKeySpec       string
	KeySpec                     string
	EncryptionAlgorithms        []string
	MultiRegion                 bool
	PendingDeletionWindowInDays int `json:",omitempty"`
	CurrentKeyMaterialId        string
}

func metadataOut(m *kms.KeyMetadata) *keyMetadata {
	return &keyMetadata{
		AWSAccountId: m.AccountID, KeyId: m.KeyID, Arn: m.ARN, CreationDate: awsproto.Timestamp(m.CreationDate),
		Enabled: m.Enabled, Description: m.Description, KeyUsage: m.KeyUsage, KeyState: string(m.KeyState),
		DeletionDate: optTime(m.DeletionDate), Origin: m.Origin, KeyManager: m.KeyManager, CustomerMasterKeySpec: m.KeySpec,
		KeySpec: m.KeySpec, EncryptionAlgorithms: m.EncryptionAlgorithms, PendingDeletionWindowInDays: m.PendingWindowInDays,
		CurrentKeyMaterialId: m.CurrentKeyMaterialID,
	}
}

type tag struct {
	TagKey   string
	TagValue string
}

func tagsIn(in []tag) []kms.Tag {
	if in == nil {
		return nil
	}
	return mapItems(in, func(t tag) kms.Tag { return kms.Tag{TagKey: t.TagKey, TagValue: t.TagValue} })
}

type createKeyInput struct {
	Policy                         string
	Description                    string
	KeyUsage                       string
	KeySpec                        string
	CustomerMasterKeySpec          string
	Origin                         string
	CustomKeyStoreId               string
	XksKeyId                       string
	BypassPolicyLockoutSafetyCheck bool
	MultiRegion                    bool
	Tags                           []tag
}

type keyMetadataOutput struct {
	KeyMetadata *keyMetadata
}

func (h *handler) createKey(ctx context.Context, c *api.Call, in *createKeyInput) (*keyMetadataOutput, error) {
	md, err := h.kms.CreateKey(ctx, c.Caller, kms.CreateKeyRequest{
		Policy: in.Policy, Description: in.Description, KeyUsage: in.KeyUsage, KeySpec: in.KeySpec,
		CustomerMasterKeySpec: in.CustomerMasterKeySpec, Origin: in.Origin, CustomKeyStoreID: in.CustomKeyStoreId,
		XksKeyID: in.XksKeyId, BypassPolicyLockoutSafetyCheck: in.BypassPolicyLockoutSafetyCheck, MultiRegion: in.MultiRegion,
		Tags: tagsIn(in.Tags),
	})
	if err != nil {
		return nil, err
	}
	c.AddResource(md.ARN, md.AccountID, "AWS::KMS::Key")
	return &keyMetadataOutput{KeyMetadata: metadataOut(md)}, nil
}

type describeKeyInput struct {
	KeyId       string
	GrantTokens []string `sensitive:"true"`
}

func (h *handler) describeKey(ctx context.Context, c *api.Call, in *describeKeyInput) (*keyMetadataOutput, error) {
	md, err := h.kms.DescribeKeyFor(ctx, c.Caller, in.KeyId, in.GrantTokens)
	if err != nil {
		return nil, err
	}
	return &keyMetadataOutput{KeyMetadata: metadataOut(md)}, nil
}

type listInput struct {
	Limit  int
	Marker string
}

type keyListEntry struct {
	KeyId  string
	KeyArn string
}

type listKeysOutput struct {
	Keys []keyListEntry
	listing
}

func (h *handler) listKeys(ctx context.Context, c *api.Call, in *listInput) (*listKeysOutput, error) {
	p, err := h.kms.ListKeys(ctx, c.Caller, in.Limit, in.Marker)
	if err != nil {
		return nil, err
	}
	return &listKeysOutput{Keys: mapItems(p.Items, func(k kms.KeyListEntry) keyListEntry { return keyListEntry{KeyId: k.KeyID, KeyArn: k.KeyARN} }), listing: listingOf(p)}, nil
}

type keyInput struct {
	KeyId string
}

type updateKeyDescriptionInput struct {
	KeyId       string
	Description string
}

func (h *handler) updateKeyDescription(ctx context.Context, c *api.Call, in *updateKeyDescriptionInput) (*empty, error) {
	return nil, h.kms.UpdateKeyDescription(ctx, c.Caller, in.KeyId, in.Description)
}

func (h *handler) enableKey(ctx context.Context, c *api.Call, in *keyInput) (*empty, error) {
	return nil, h.kms.EnableKey(ctx, c.Caller, in.KeyId)
}

func (h *handler) disableKey(ctx context.Context, c *api.Call, in *keyInput) (*empty, error) {
	return nil, h.kms.DisableKey(ctx, c.Caller, in.KeyId)
}

type scheduleKeyDeletionInput struct {
	KeyId               string
	PendingWindowInDays *int
}

type scheduleKeyDeletionOutput struct {
	KeyId               string
	DeletionDate        awsproto.Timestamp
	KeyState            string
	PendingWindowInDays int
}

func (h *handler) scheduleKeyDeletion(ctx context.Context, c *api.Call, in *scheduleKeyDeletionInput) (*scheduleKeyDeletionOutput, error) {
	r, err := h.kms.ScheduleKeyDeletion(ctx, c.Caller, in.KeyId, in.PendingWindowInDays)
	if err != nil {
		return nil, err
	}
	return &scheduleKeyDeletionOutput{KeyId: r.KeyARN, DeletionDate: awsproto.Timestamp(r.DeletionDate), KeyState: string(r.KeyState),
		PendingWindowInDays: r.PendingWindowInDays}, nil
}

type keyIDOutput struct {
	KeyId string
}

func (h *handler) cancelKeyDeletion(ctx context.Context, c *api.Call, in *keyInput) (*keyIDOutput, error) {
	arn, err := h.kms.CancelKeyDeletion(ctx, c.Caller, in.KeyId)
	if err != nil {
		return nil, err
	}
	return &keyIDOutput{KeyId: arn}, nil
}

type tagResourceInput struct {
	KeyId string
	Tags  []tag
}

func (h *handler) tagResource(ctx context.Context, c *api.Call, in *tagResourceInput) (*empty, error) {
	return nil, h.kms.TagResource(ctx, c.Caller, in.KeyId, tagsIn(in.Tags))
}

type untagResourceInput struct {
	KeyId   string
	TagKeys []string
}

func (h *handler) untagResource(ctx context.Context, c *api.Call, in *untagResourceInput) (*empty, error) {
	return nil, h.kms.UntagResource(ctx, c.Caller, in.KeyId, in.TagKeys)
}

type listResourceTagsInput struct {
	KeyId  string
	Limit  int
	Marker string
}

type listResourceTagsOutput struct {
	Tags []tag
	listing
}

func (h *handler) listResourceTags(ctx context.Context, c *api.Call, in *listResourceTagsInput) (*listResourceTagsOutput, error) {
	p, err := h.kms.ListResourceTags(ctx, c.Caller, in.KeyId, in.Limit, in.Marker)
	if err != nil {
		return nil, err
	}
	return &listResourceTagsOutput{Tags: mapItems(p.Items, func(t kms.Tag) tag { return tag{t.TagKey, t.TagValue} }), listing: listingOf(p)}, nil
}
