package lake

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/seclake/seclake/internal/actor"
	"github.com/seclake/seclake/internal/awserr"
	"github.com/seclake/seclake/internal/meta"
)

// Provision does the work that CreateDataLake and UpdateDataLake left pending, and enables the organization
// configuration's sources in new accounts (AutoEnableNewAccounts): it creates each lake's bucket
// (through table.Lakes), checks that the lake's key lets Security Lake use it, switches the bucket's default
// encryption and lifecycle, and records COMPLETED, or FAILED with the reason and a data lake exception. It
// returns how many lakes it finished. Each lake is finished in a transaction that first checks that no newer
// update arrived meanwhile (that one is done on the next run).
func (s *Service) Provision(ctx context.Context) (int, error) {
	var pending []DataLake
	err := s.cfg.Store.View(ctx, func(tx meta.Tx) error {
		all, err := scanJSON[DataLake](tx, tableLakes, "")
		for _, dl := range all {
			if dl.Pending != "" {
				pending = append(pending, dl)
			}
		}
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("provision data lakes: %w", err)
	}
	n := 0
	var errs []error
	if _, err := s.AutoEnableNewAccounts(ctx); err != nil {
		errs = append(errs, err)
	}
	for _, dl := range pending {
		done, err := s.provision(ctx, dl)
		if done {
			n++
		}
		if err != nil {
			errs = append(errs, err)
		}
	}
	return n, errors.Join(errs...)
}

// provision finishes one lake's pending work.
func (s *Service) provision(ctx context.Context, dl DataLake) (bool, error) {
	fail := s.apply(ctx, &dl)
	if fail == errNotYet {
		return false, nil // the next run, once the rollup region's lake is there
	}
	var exc *Exception
	done := false
	err := s.cfg.Store.Update(ctx, func(tx meta.Tx) error {
		var cur DataLake
		found, err := getJSON(tx, tableLakes, key(dl.Account, dl.Region), &cur)
		if err != nil || !found || cur.Pending != dl.Pending || !sameRequest(cur.UpdateStatus, dl.UpdateStatus) {
			return err // deleted or changed meanwhile
		}
		cur.BucketARN, cur.Pending = dl.BucketARN, ""
		if dl.keyApplied {
			cur.AppliedKey = dl.AppliedKey
		}
		status := StatusCompleted
		if fail != nil {
			status = StatusFailed
			e, err := s.addException(tx, dl.Account, dl.Region, fail.Reason, fail.remediation)
			if err != nil {
				return err
			}
			exc = &e
		}
		if dl.Pending == "create" {
			cur.CreateStatus = status
		}
		if cur.UpdateStatus != nil || fail != nil {
			if cur.UpdateStatus == nil {
				cur.UpdateStatus = &UpdateStatus{}
			}
			cur.UpdateStatus.Status = status
			cur.UpdateStatus.Exception = nil
			if fail != nil {
				cur.UpdateStatus.Exception = &UpdateException{Code: fail.Code, Reason: fail.Reason}
			}
		}
		done = true
		return putJSON(tx, tableLakes, key(dl.Account, dl.Region), cur)
	})
	if err == nil && exc != nil {
		s.deliverException(ctx, dl.Account, *exc)
	}
	return done, err
}

func sameRequest(a, b *UpdateStatus) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.RequestID == b.RequestID
}

// failure is why provisioning a lake failed, and what to do.
type failure struct {
	UpdateException
	remediation string
}

func failed(err error, remediation string) *failure {
	f := &failure{UpdateException: UpdateException{Code: "InternalServerException", Reason: err.Error()}, remediation: remediation}
	if ae, ok := awserr.As(err); ok {
		f.Code, f.Reason = ae.Code, ae.Message
	}
	return f
}

// apply creates the lake's bucket if need be and applies its configuration; it returns why it failed, if it did.
func (s *Service) apply(ctx context.Context, dl *DataLake) *failure {
	owner := s.owner(dl.Account, dl.Region)
	info, err := s.cfg.Lakes.Create(ctx, owner, dl.Region, "")
	if err != nil {
		return failed(err, "Check that the account may create the bucket, then call UpdateDataLake again.")
	}
	dl.BucketARN = "arn:aws:s3:::" + info.Bucket
	if f := s.ensureServiceLinkedRoles(ctx, owner); f != nil {
		return f
	}
	if e := dl.Encryption; e != nil && s.cfg.Buckets != nil {
		keyARN := ""
		if e.KMSKeyID != "" && e.KMSKeyID != S3ManagedKey {
			if f := s.checkKey(ctx, owner, dl, e.KMSKeyID, &keyARN); f != nil {
				return f
			}
		}
		if err := s.cfg.Buckets.SetEncryption(ctx, owner, info.Bucket, keyARN); err != nil {
			return failed(err, "Check the lake bucket's encryption settings, then call UpdateDataLake again.")
		}
		dl.AppliedKey, dl.keyApplied = keyARN, true
	}
	if dl.Lifecycle != nil && s.cfg.Buckets != nil {
		if err := s.cfg.Buckets.SetLifecycle(ctx, owner, info.Bucket, dl.Lifecycle); err != nil {
			return failed(err, "Fix the lifecycleConfiguration (days and storage classes S3 knows), then call UpdateDataLake again.")
		}
	}
	if r := dl.Replication; r != nil && len(r.Regions) > 0 && s.cfg.Buckets != nil {
		return s.replicate(ctx, owner, dl, info.Bucket)
	}
	return nil
}

// errNotYet is a rollup region whose lake is still being created: the contributing lake waits for it.
var errNotYet = &failure{UpdateException: UpdateException{Code: "notYet"}}

// replicate makes the lake's bucket replicate to its rollup regions' lake buckets, as the replication role.
func (s *Service) replicate(ctx context.Context, owner *actor.Caller, dl *DataLake, bucket string) *failure {
	r := dl.Replication
	if r.RoleARN == "" {
		return failed(badRequest("The replicationConfiguration of %s has no roleArn.", dl.Region),
			"Give the replication role (for example arn:aws:iam::"+dl.Account+":role/service-role/AmazonSecurityLakeS3ReplicationRole).")
	}
	var to []ReplicaTarget
	for _, region := range r.Regions {
		var rollup DataLake
		found := false
		err := s.cfg.Store.View(ctx, func(tx meta.Tx) error {
			var err error
			found, err = getJSON(tx, tableLakes, key(dl.Account, region), &rollup)
			return err
		})
		if err != nil {
			return failed(err, "")
		}
		switch {
		case region == dl.Region:
			return failed(badRequest("A region cannot be its own rollup region (%s).", region), "Name other regions in replicationConfiguration.regions.")
		case !found:
			return failed(notFound("DataLake", LakeARN(region, dl.Account), "The rollup region %s has no data lake.", region),
				"Create the data lake in "+region+" first, then call UpdateDataLake again.")
		case rollup.CreateStatus != StatusCompleted:
			return errNotYet
		}
		t := ReplicaTarget{Bucket: strings.TrimPrefix(rollup.BucketARN, "arn:aws:s3:::")}
		if e := rollup.Encryption; e != nil && e.KMSKeyID != "" && e.KMSKeyID != S3ManagedKey && s.cfg.Keys != nil {
			arn, err := s.cfg.Keys.Resolve(ctx, s.owner(dl.Account, region), e.KMSKeyID)
			if err != nil {
				return failed(err, "Check the key of the rollup region "+region+".")
			}
			t.KMSKeyARN = arn
		}
		to = append(to, t)
	}
	if err := s.cfg.Buckets.SetReplication(ctx, owner, bucket, r.RoleARN, to); err != nil {
		return failed(err, "Check the replication role "+r.RoleARN+" and the rollup regions' lakes, then call UpdateDataLake again.")
	}
	return s.subscribeReplicas(ctx, to)
}

// checkKey resolves the lake key and tries it as Security Lake will use it: as the lake's caller (its
// resource-management role, or the service principal), through S3, with the bucket as encryption context.
func (s *Service) checkKey(ctx context.Context, owner *actor.Caller, dl *DataLake, keyID string, keyARN *string) *failure {
	if s.cfg.Keys == nil {
		return failed(errors.New("no key management service"), "")
	}
	arn, err := s.cfg.Keys.Resolve(ctx, owner, keyID)
	if err != nil {
		return failed(fmt.Errorf("the key %s cannot be used for the data lake: %w", keyID, err),
			"Give an existing, enabled symmetric key (key ID, key ARN or alias ARN) that the account may describe.")
	}
	c, slr := s.lakeCaller(ctx, *dl)
	action, err := s.cfg.Keys.Try(ctx, c.Via("s3.amazonaws.com"), arn, map[string]string{"aws:s3:arn": dl.BucketARN})
	if err != nil {
		sid, stmt := keyStatement(*dl, bucketName(dl.BucketARN), slr)
		msg := err.Error()
		if ae, ok := awserr.As(err); ok {
			msg = ae.Message
		}
		return &failure{UpdateException: UpdateException{Code: "AccessDeniedException",
			Reason: fmt.Sprintf("The key policy of %s does not let %s use the key: %s was refused (%s). The statement %q is missing.",
				arn, c.Who(), action, msg, sid)},
			remediation: "Add this statement to the key policy of " + arn + ", then call UpdateDataLake again: " + stmt}
	}
	*keyARN = arn
	return nil
}
