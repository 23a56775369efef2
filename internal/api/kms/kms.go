// Package kms serves the AWS Key Management Service API (JSON 1.1, TrentService) over the kms domain service.
package kms

import (
	"time"

	"github.com/seclake/seclake/internal/api"
	"github.com/seclake/seclake/internal/awsproto"
	"github.com/seclake/seclake/internal/kms"
)

// TargetPrefix is KMS's X-Amz-Target prefix.
const TargetPrefix = "TrentService"

// New returns the KMS service. Read-only operations are those CloudTrail marks readOnly (the cryptographic
// operations included), so their audit records are written after the response.
func New(svc *kms.Service) *api.Service {
	h := &handler{kms: svc}
	return &api.Service{
		Name:         "kms",
		EventSource:  kms.EventSource,
		Protocol:     awsproto.JSON11,
		TargetPrefix: TargetPrefix,
		Ops: api.Ops(
			api.JSON("CreateKey", "kms:CreateKey", false, h.createKey),
			api.JSON("DescribeKey", "kms:DescribeKey", true, h.describeKey),
			api.JSON("ListKeys", "kms:ListKeys", true, h.listKeys),
			api.JSON("UpdateKeyDescription", "kms:UpdateKeyDescription", false, h.updateKeyDescription),
			api.JSON("EnableKey", "kms:EnableKey", false, h.enableKey),
			api.JSON("DisableKey", "kms:DisableKey", false, h.disableKey),
			api.JSON("ScheduleKeyDeletion", "kms:ScheduleKeyDeletion", false, h.scheduleKeyDeletion),
			api.JSON("CancelKeyDeletion", "kms:CancelKeyDeletion", false, h.cancelKeyDeletion),
			api.JSON("Encrypt", "kms:Encrypt", true, h.encrypt),
			api.JSON("Decrypt", "kms:Decrypt", true, h.decrypt),
			withAlso(api.JSON("ReEncrypt", "kms:ReEncryptFrom", true, h.reEncrypt), "kms:ReEncryptTo"),
			api.JSON("GenerateDataKey", "kms:GenerateDataKey", true, h.generateDataKey),
			api.JSON("GenerateDataKeyWithoutPlaintext", "kms:GenerateDataKeyWithoutPlaintext", true, h.generateDataKeyWithoutPlaintext),
			api.JSON("GenerateRandom", "kms:GenerateRandom", true, h.generateRandom),
			api.JSON("CreateAlias", "kms:CreateAlias", false, h.createAlias),
			api.JSON("UpdateAlias", "kms:UpdateAlias", false, h.updateAlias),
			api.JSON("DeleteAlias", "kms:DeleteAlias", false, h.deleteAlias),
			api.JSON("ListAliases", "kms:ListAliases", true, h.listAliases),
			api.JSON("PutKeyPolicy", "kms:PutKeyPolicy", false, h.putKeyPolicy),
			api.JSON("GetKeyPolicy", "kms:GetKeyPolicy", true, h.getKeyPolicy),
			api.JSON("ListKeyPolicies", "kms:ListKeyPolicies", true, h.listKeyPolicies),
			api.JSON("CreateGrant", "kms:CreateGrant", false, h.createGrant),
			api.JSON("ListGrants", "kms:ListGrants", true, h.listGrants),
			api.JSON("ListRetirableGrants", "kms:ListRetirableGrants", true, h.listRetirableGrants),
			api.JSON("RetireGrant", "kms:RetireGrant", false, h.retireGrant),
			api.JSON("RevokeGrant", "kms:RevokeGrant", false, h.revokeGrant),
			api.JSON("EnableKeyRotation", "kms:EnableKeyRotation", false, h.enableKeyRotation),
			api.JSON("DisableKeyRotation", "kms:DisableKeyRotation", false, h.disableKeyRotation),
			api.JSON("GetKeyRotationStatus", "kms:GetKeyRotationStatus", true, h.getKeyRotationStatus),
			api.JSON("RotateKeyOnDemand", "kms:RotateKeyOnDemand", false, h.rotateKeyOnDemand),
			api.JSON("ListKeyRotations", "kms:ListKeyRotations", true, h.listKeyRotations),
			api.JSON("TagResource", "kms:TagResource", false, h.tagResource),
			api.JSON("UntagResource", "kms:UntagResource", false, h.untagResource),
			api.JSON("ListResourceTags", "kms:ListResourceTags", true, h.listResourceTags),
		),
	}
}

type handler struct{ kms *kms.Service }

// empty is the output of operations that return nothing.
type empty struct{}

// listing is the paging part of List outputs.
type listing struct {
	NextMarker string `json:",omitempty"`
	Truncated  bool
}

func listingOf[T any](p *kms.Page[T]) listing {
	return listing{NextMarker: p.Next, Truncated: p.Truncated()}
}

// mapItems converts a page's items to their wire form.
func mapItems[T, W any](items []T, f func(T) W) []W {
	out := make([]W, 0, len(items))
	for _, it := range items {
		out = append(out, f(it))
	}
	return out
}

// optTime returns t in the JSON protocol's form, or nil for the zero time.
func optTime(t time.Time) *awsproto.Timestamp {
	if t.IsZero() {
		return nil
	}
	ts := awsproto.Timestamp(t)
	return &ts
}

// withAlso lists the other actions an operation authorizes.
func withAlso(op *api.Op, actions ...string) *api.Op {
	op.Also = actions
	return op
}
