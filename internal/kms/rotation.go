package kms

import (
	"context"
	"fmt"
	"time"

	"github.com/seclake/seclake/internal/actor"

	"github.com/seclake/seclake/internal/iam/policy"
	"github.com/seclake/seclake/internal/meta"
)

// Automatic rotation periods (EnableKeyRotation RotationPeriodInDays: 90–2560, default 365).
const (
	minRotationPeriod     = 90
	maxRotationPeriod     = 2560
	defaultRotationPeriod = 365
)

// onDemandConflictWindow: RotateKeyOnDemand is refused while an automatic rotation is due this soon.
const onDemandConflictWindow = 20 * time.Minute

// EnableKeyRotation turns on automatic rotation every periodDays (nil means 365). The first rotation is one
// period after the key's latest rotation, or after now if automatic rotation was off.
func (s *Service) EnableKeyRotation(ctx context.Context, c *actor.Caller, keyID string, periodDays *int) error {
	period := defaultRotationPeriod
	if periodDays != nil {
		period = *periodDays
		switch {
		case period < minRotationPeriod:
			return errValidation("rotationPeriodInDays", fmt.Sprint(period), fmt.Sprintf("Member must have value greater than or equal to %d", minRotationPeriod))
		case period > maxRotationPeriod:
			return errValidation("rotationPeriodInDays", fmt.Sprint(period), fmt.Sprintf("Member must have value less than or equal to %d", maxRotationPeriod))
		}
	}
	e, err := s.use(ctx, c, keyID, false, &access{action: "kms:EnableKeyRotation", sameAccountOnly: true,
		set: func(pc *policy.Context) { pc.SetInt("kms:RotationPeriodInDays", int64(period)) }})
	if err != nil {
		return err
	}
	_, err = s.update(ctx, e, func(_ meta.Tx, r *keyRecord) error {
		if err := rotatable(r); err != nil {
			return err
		}
		now := s.clock.Now().UTC().Truncate(time.Second)
		base := now
		if r.RotationPeriod > 0 {
			base = r.current().Created.Truncate(time.Second)
		}
		r.RotationPeriod = period
		r.NextRotation = base.Add(days(period))
		if r.NextRotation.Before(now) {
			r.NextRotation = now
		}
		return nil
	})
	return err
}

// DisableKeyRotation turns automatic rotation off.
func (s *Service) DisableKeyRotation(ctx context.Context, c *actor.Caller, keyID string) error {
	e, err := s.use(ctx, c, keyID, false, &access{action: "kms:DisableKeyRotation", sameAccountOnly: true})
	if err != nil {
		return err
	}
	_, err = s.update(ctx, e, func(_ meta.Tx, r *keyRecord) error {
		if err := rotatable(r); err != nil {
			return err
		}
		r.RotationPeriod, r.NextRotation = 0, time.Time{}
		return nil
	})
	return err
}

// rotatable returns the error for changing the rotation of a key that is not enabled.
func rotatable(r *keyRecord) error {
	switch r.State {
	case StateDisabled:
		return errDisabled(r.arn())
	case StatePendingDeletion:
		return errPendingDeletion(r.arn())
	}
	return nil
}

// RotationStatus is GetKeyRotationStatus's output.
type RotationStatus struct {
	KeyARN               string
	KeyRotationEnabled   bool
	RotationPeriodInDays int       // zero when automatic rotation is off
	NextRotationDate     time.Time // zero when automatic rotation is off
}

// GetKeyRotationStatus reports whether the key rotates automatically, how often and when next. A key pending
// deletion reports false; cancelling the deletion restores the earlier status.
func (s *Service) GetKeyRotationStatus(ctx context.Context, c *actor.Caller, keyID string) (*RotationStatus, error) {
	e, err := s.use(ctx, c, keyID, false, &access{action: "kms:GetKeyRotationStatus"})
	if err != nil {
		return nil, err
	}
	out := &RotationStatus{KeyARN: e.arn}
	if e.rec.RotationPeriod > 0 && e.rec.State != StatePendingDeletion {
		out.KeyRotationEnabled, out.RotationPeriodInDays, out.NextRotationDate = true, e.rec.RotationPeriod, e.rec.NextRotation
	}
	return out, nil
}

// RotateKeyOnDemand rotates a key's material now. It does not change the automatic rotation schedule; a key
// may be rotated on demand Config.OnDemandRotationLimit times. It returns the key's ARN.
func (s *Service) RotateKeyOnDemand(ctx context.Context, c *actor.Caller, keyID string) (string, error) {
	e, err := s.use(ctx, c, keyID, false, &access{action: "kms:RotateKeyOnDemand", sameAccountOnly: true})
	if err != nil {
		return "", err
	}
	limit := s.cfg.OnDemandRotationLimit
	_, err = s.update(ctx, e, func(_ meta.Tx, r *keyRecord) error {
		if err := rotatable(r); err != nil {
			return err
		}
		now := s.clock.Now().UTC()
		switch {
		case r.OnDemandRotations >= limit:
			return errLimit("The on-demand rotations limit has been reached for the given keyId. No more on-demand rotations can be performed for this key: %s", r.arn())
		case r.RotationPeriod > 0 && r.NextRotation.Sub(now) < onDemandConflictWindow:
			return kmsError("ConflictException", "An automatic rotation of %s is scheduled to begin within the next 20 minutes (at %s); retry after it has completed.", r.arn(), r.NextRotation.Format(time.RFC3339))
		}
		m, err := s.newMaterial(r.arn(), len(r.Materials)+1, RotationOnDemand)
		if err != nil {
			return err
		}
		r.Materials = append(r.Materials, m)
		r.OnDemandRotations++
		return nil
	})
	if err != nil {
		return "", err
	}
	return e.arn, nil
}

// KeyRotation is one entry of ListKeyRotations.
type KeyRotation struct {
	KeyID            string
	KeyMaterialID    string
	KeyMaterialState string    // CURRENT or NON_CURRENT
	RotationDate     time.Time // zero for the key's first material
	RotationType     string    // "" for the key's first material
}

// ListKeyRotations lists a key's rotations, oldest first; with includeKeyMaterial "ALL_KEY_MATERIAL" the
// key's first material is listed too ("ROTATIONS_ONLY", the default, lists rotations only).
func (s *Service) ListKeyRotations(ctx context.Context, c *actor.Caller, keyID, includeKeyMaterial string, limit int, marker string) (*Page[KeyRotation], error) {
	limit, err := pageLimit(limit, 100)
	if err != nil {
		return nil, err
	}
	switch includeKeyMaterial {
	case "", "ROTATIONS_ONLY", "ALL_KEY_MATERIAL":
	default:
		return nil, errValidation("includeKeyMaterial", includeKeyMaterial, "Member must satisfy enum value set: [ALL_KEY_MATERIAL, ROTATIONS_ONLY]")
	}
	e, err := s.use(ctx, c, keyID, false, &access{action: "kms:ListKeyRotations", sameAccountOnly: true})
	if err != nil {
		return nil, err
	}
	var out []KeyRotation
	for i, m := range e.rec.Materials {
		if m.Rotation == "" && includeKeyMaterial != "ALL_KEY_MATERIAL" {
			continue
		}
		state := "NON_CURRENT"
		if i == len(e.rec.Materials)-1 {
			state = "CURRENT"
		}
		kr := KeyRotation{KeyID: e.rec.ID, KeyMaterialID: m.ID, KeyMaterialState: state, RotationType: m.Rotation}
		if m.Rotation != "" {
			kr.RotationDate = m.Created
		}
		out = append(out, kr)
	}
	index := map[string]int{}
	for i, m := range e.rec.Materials {
		index[m.ID] = i
	}
	return paginate(out, func(k KeyRotation) string { return fmt.Sprintf("%08d", index[k.KeyMaterialID]) }, limit, marker)
}
