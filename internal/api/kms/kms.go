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
			api.JSON("CreateKey", false, h.createKey),
			api.JSON("DescribeKey", true, h.describeKey),
			api.JSON("ListKeys", true, h.listKeys),
			api.JSON("UpdateKeyDescription", false, h.updateKeyDescription),
			api.JSON("EnableKey", false, h.enableKey),
			api.JSON("DisableKey", false, h.disableKey),
			api.JSON("ScheduleKeyDeletion", false, h.scheduleKeyDeletion),
			api.JSON("CancelKeyDeletion", false, h.cancelKeyDeletion),
			api.JSON("Encrypt", true, h.encrypt),
			api.JSON("Decrypt", true, h.decrypt),
			api.JSON("ReEncrypt", true, h.reEncrypt),
			api.JSON("GenerateDataKey", true, h.generateDataKey),
			api.JSON("GenerateDataKeyWithoutPlaintext", true, h.generateDataKeyWithoutPlaintext),
			api.JSON("GenerateRandom", true, h.generateRandom),
			api.JSON("CreateAlias", false, h.createAlias),
			api.JSON("UpdateAlias", false, h.updateAlias),
			api.JSON("DeleteAlias", false, h.deleteAlias),
			api.JSON("ListAliases", true, h.listAliases),
			api.JSON("PutKeyPolicy", false, h.putKeyPolicy),
			api.JSON("GetKeyPolicy", true, h.getKeyPolicy),
			api.JSON("ListKeyPolicies", true, h.listKeyPolicies),
			api.JSON("CreateGrant", false, h.createGrant),
			api.JSON("ListGrants", true, h.listGrants),
			api.JSON("ListRetirableGrants", true, h.listRetirableGrants),
			api.JSON("RetireGrant", false, h.retireGrant),
			api.JSON("RevokeGrant", false, h.revokeGrant),
			api.JSON("EnableKeyRotation", false, h.enableKeyRotation),
			api.JSON("DisableKeyRotation", false, h.disableKeyRotation),
			api.JSON("GetKeyRotationStatus", true, h.getKeyRotationStatus),
			api.JSON("RotateKeyOnDemand", false, h.rotateKeyOnDemand),
			api.JSON("ListKeyRotations", true, h.listKeyRotations),
			api.JSON("TagResource", false, h.tagResource),
			api.JSON("UntagResource", false, h.untagResource),
			api.JSON("ListResourceTags", true, h.listResourceTags),
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
