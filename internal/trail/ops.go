package trail

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/seclake/seclake/internal/actor"

	"github.com/seclake/seclake/internal/awserr"
	"github.com/seclake/seclake/internal/meta"
	"github.com/seclake/seclake/internal/objstore"
)

// CreateInput is a CreateTrail request. Nil pointers are absent members.
type CreateInput struct {
	Name         string
	S3BucketName string
	S3KeyPrefix  string
	// KmsKeyID is a key ID, key ARN, alias name or alias ARN.
	KmsKeyID                   string
	IncludeGlobalServiceEvents *bool // default true
	IsMultiRegionTrail         bool
	EnableLogFileValidation    bool
	Unsupported                Unsupported
}

// Unsupported are the members of CreateTrail and UpdateTrail that name features seclake does not have
// (SNS notifications, CloudWatch Logs delivery, organization trails). A request that sets one is refused
// rather than half done.
type Unsupported struct {
	SnsTopicName, CloudWatchLogsLogGroupArn, CloudWatchLogsRoleArn string
	IsOrganizationTrail                                            bool
}

func (u Unsupported) check() error {
	switch {
	case u.SnsTopicName != "":
		return errUnsupported("seclake does not send SNS notifications of log file delivery; leave SnsTopicName out.")
	case u.CloudWatchLogsLogGroupArn != "" || u.CloudWatchLogsRoleArn != "":
		return errUnsupported("seclake does not deliver trails to CloudWatch Logs; leave CloudWatchLogsLogGroupArn and CloudWatchLogsRoleArn out.")
	case u.IsOrganizationTrail:
		return errUnsupported("seclake does not have organization trails yet; create a trail in each account.")
	}
	return nil
}

// CreateTrail creates a trail in the caller's account and region, after checking its destination as AWS
// does (see checkDestination). The trail does not log until StartLogging.
func (s *Service) CreateTrail(ctx context.Context, c *actor.Caller, in CreateInput) (*Trail, error) {
	t := &Trail{Name: in.Name, Account: c.Account, HomeRegion: s.region(c), S3BucketName: in.S3BucketName,
		S3KeyPrefix: in.S3KeyPrefix, IsMultiRegionTrail: in.IsMultiRegionTrail, IncludeGlobalServiceEvents: true,
		LogFileValidationEnabled: in.EnableLogFileValidation, EventSelectors: DefaultSelectors(), Created: s.cfg.Clock.Now().UTC()}
	if in.IncludeGlobalServiceEvents != nil {
		t.IncludeGlobalServiceEvents = *in.IncludeGlobalServiceEvents
	}
	if err := validName(in.Name); err != nil {
		return nil, err
	}
	if err := s.authorize(ctx, c, "cloudtrail:CreateTrail", t.ARN()); err != nil {
		return nil, err
	}
	if err := validTrail(t, in.Unsupported); err != nil {
		return nil, err
	}
	if err := s.cfg.Store.View(ctx, func(tx meta.Tx) error { return canCreate(tx, t, true) }); err != nil {
		return nil, err
	}
	keyARN, err := s.checkDestination(ctx, t, in.KmsKeyID)
	if err != nil {
		return nil, err
	}
	t.KmsKeyID = keyARN
	err = s.cfg.Store.Update(ctx, func(tx meta.Tx) error {
		if err := canCreate(tx, t, true); err != nil {
			return err
		}
		if err := putJSON(tx, tableTrails, t.storeKey(), t); err != nil {
			return err
		}
		return putJSON(tx, tableStatus, t.storeKey(), &status{})
	})
	if err != nil {
		return nil, err
	}
	return t, nil
}

// validTrail checks a trail's settings.
func validTrail(t *Trail, u Unsupported) error {
	if err := u.check(); err != nil {
		return err
	}
	if err := objstore.ValidBucketName(t.S3BucketName); err != nil {
		msg := "Invalid S3 bucket name " + t.S3BucketName
		if e, ok := awserr.As(err); ok {
			msg = e.Message
		}
		return errInvalidBucketName(msg)
	}
	if err := validPrefix(t.S3KeyPrefix); err != nil {
		return err
	}
	if t.IsMultiRegionTrail && !t.IncludeGlobalServiceEvents {
		return ctError("InvalidParameterCombinationException", "Multi-Region trail must include global service events.")
	}
	return nil
}

// canCreate checks that t's name is free and that its account has room for it (creating: t is new, else t
// replaces its stored self): a name is taken by a trail of the same region, and by a multi-region trail of
// any region (whose shadow is in every region).
func canCreate(tx meta.Tx, t *Trail, creating bool) error {
	all, err := accountTrails(tx, t.Account)
	if err != nil {
		return err
	}
	var others []*Trail
	for _, o := range all {
		if o.storeKey() == t.storeKey() {
			if creating {
				return errTrailExists(t.Name, t.Account)
			}
			continue
		}
		if o.Name == t.Name && (o.HomeRegion == t.HomeRegion || o.IsMultiRegionTrail || t.IsMultiRegionTrail) {
			return errTrailExists(t.Name, t.Account)
		}
		others = append(others, o)
	}
	regions := []string{t.HomeRegion}
	if t.IsMultiRegionTrail {
		for _, o := range others {
			regions = append(regions, o.HomeRegion)
		}
	}
	for _, region := range regions {
		n := 1
		for _, o := range others {
			if o.HomeRegion == region || o.IsMultiRegionTrail {
				n++
			}
		}
		if n > MaxTrailsPerRegion {
			return errTooManyTrails(t.Account, region)
		}
	}
	return nil
}

// UpdateInput is an UpdateTrail request. Nil pointers are members left as they are; KmsKeyID "" removes the
// key.
type UpdateInput struct {
	Name                       string
	S3BucketName, S3KeyPrefix  *string
	KmsKeyID                   *string
	IncludeGlobalServiceEvents *bool
	IsMultiRegionTrail         *bool
	EnableLogFileValidation    *bool
	Unsupported                Unsupported
}

// UpdateTrail changes a trail's settings from its home region. A new destination (bucket, prefix or key) is
// checked as at creation. Turning log file validation off breaks the digest chain; turning it on starts one.
func (s *Service) UpdateTrail(ctx context.Context, c *actor.Caller, in UpdateInput) (*Trail, error) {
	old, err := s.lookup(ctx, c, in.Name, true)
	if err != nil {
		return nil, err
	}
	if err := s.authorize(ctx, c, "cloudtrail:UpdateTrail", old.ARN()); err != nil {
		return nil, err
	}
	t := *old
	apply(&t, in)
	if err := validTrail(&t, in.Unsupported); err != nil {
		return nil, err
	}
	if t.IsMultiRegionTrail != old.IsMultiRegionTrail {
		if err := s.cfg.Store.View(ctx, func(tx meta.Tx) error { return canCreate(tx, &t, false) }); err != nil {
			return nil, err
		}
	}
	if in.S3BucketName != nil || in.S3KeyPrefix != nil || in.KmsKeyID != nil {
		keyID := t.KmsKeyID
		if in.KmsKeyID != nil {
			keyID = *in.KmsKeyID
		}
		if t.KmsKeyID, err = s.checkDestination(ctx, &t, keyID); err != nil {
			return nil, err
		}
	}
	now := s.now()
	err = s.updateStatus(ctx, t.storeKey(), func(tx meta.Tx, cur *Trail, st *status) error {
		if cur.Created != t.Created {
			return errGone
		}
		if err := validationChanged(tx, &t, cur.LogFileValidationEnabled, st, now); err != nil {
			return err
		}
		return putJSON(tx, tableTrails, t.storeKey(), &t)
	})
	if errors.Is(err, errGone) {
		return nil, errTrailNotFound(old.ARN(), c.Account)
	}
	if err != nil {
		return nil, err
	}
	return &t, nil
}

// apply sets the members of an update on t.
func apply(t *Trail, in UpdateInput) {
	for _, f := range []struct {
		v   *string
		dst *string
	}{{in.S3BucketName, &t.S3BucketName}, {in.S3KeyPrefix, &t.S3KeyPrefix}} {
		if f.v != nil {
			*f.dst = *f.v
		}
	}
	for _, f := range []struct {
		v   *bool
		dst *bool
	}{{in.IncludeGlobalServiceEvents, &t.IncludeGlobalServiceEvents}, {in.IsMultiRegionTrail, &t.IsMultiRegionTrail},
		{in.EnableLogFileValidation, &t.LogFileValidationEnabled}} {
		if f.v != nil {
			*f.dst = *f.v
		}
	}
}

// validationChanged starts or ends t's digest chains when log file validation is turned on or off.
func validationChanged(tx meta.Tx, t *Trail, was bool, st *status, now time.Time) error {
	switch {
	case t.LogFileValidationEnabled && !was:
		st.Digests = map[string]*chain{t.HomeRegion: {Start: now}}
	case !t.LogFileValidationEnabled && was:
		st.Digests = nil
		return deletePending(tx, t.storeKey(), "")
	}
	return nil
}

// DeleteTrail deletes a trail from its home region. Records not yet delivered are not; the files and signing
// keys it made stay.
func (s *Service) DeleteTrail(ctx context.Context, c *actor.Caller, name string) (*Trail, error) {
	t, err := s.lookup(ctx, c, name, true)
	if err != nil {
		return nil, err
	}
	if err := s.authorize(ctx, c, "cloudtrail:DeleteTrail", t.ARN()); err != nil {
		return nil, err
	}
	err = s.cfg.Store.Update(ctx, func(tx meta.Tx) error {
		k := t.storeKey()
		if err := tx.Delete(tableTrails, k); err != nil {
			return err
		}
		if err := tx.Delete(tableStatus, k); err != nil && !errors.Is(err, meta.ErrNotFound) {
			return err
		}
		return deletePending(tx, k, "")
	})
	if errors.Is(err, meta.ErrNotFound) {
		return nil, errTrailNotFound(t.ARN(), c.Account)
	}
	if err != nil {
		return nil, fmt.Errorf("delete trail %s: %w", t.ARN(), err)
	}
	return t, nil
}
