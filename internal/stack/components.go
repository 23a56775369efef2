package stack

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/seclake/seclake/internal/audit"
	"github.com/seclake/seclake/internal/component"
	"github.com/seclake/seclake/internal/envelope"
	"github.com/seclake/seclake/internal/iam"
	"github.com/seclake/seclake/internal/kms"
	"github.com/seclake/seclake/internal/objstore"
	"github.com/seclake/seclake/internal/schedule"
	"github.com/seclake/seclake/internal/trail"
)

// Names of the stack's components, for the Needs of components built around them.
const (
	NameStores   = "stores"
	NameIAM      = "iam"
	NameAudit    = "audit"
	NameKMS      = "kms"
	NameObjects  = "objstore"
	NameTrail    = "trail"
	NameLogs     = "logdelivery"
	NameFlows    = "flowlog"
	NameFirewall = "firewall"
)

// Names are the names of all the stack's components.
var Names = []string{NameStores, NameIAM, NameAudit, NameKMS, NameObjects, NameTrail, NameLogs, NameFlows, NameFirewall, NameQueues, NameNotify, NameEvents, NameLake, NameIngest, NameLocations, NameRAM, NameLakeFormation, NameSecurityLake, NameQuery, NameAthena}

// Names of the stack's jobs.
const (
	JobIAMJanitor   = "iam.janitor"
	JobKMSDue       = "kms.due"
	JobS3Lifecycle  = "s3.lifecycle"
	JobS3Sweep      = "s3.sweep"
	JobS3Replicate  = "s3.replication"
	JobTrailDeliver = "trail.deliver"
	JobLogDelivery  = "logdelivery.deliver"
)

// Components returns the stack's components: the stores, then each service after the services it uses.
func (s *Stack) Components() []component.Component {
	return []component.Component{s.stores(), s.iam(), s.audit(), s.kms(), s.objects(), s.trail(), s.logDelivery(), s.flowLogs(), s.firewalls(),
		s.queues(), s.events(), s.notifications(), s.lake(), s.ingestion(), s.locations(), s.ram(), s.lakeFormation(), s.securityLake(), s.queryEngine(), s.athena()}
}

// job is a periodic job that worker nodes run.
func job(name string, every time.Duration, run func(ctx context.Context) error) component.Job {
	return component.Job{Target: component.Worker, Job: schedule.Job{Name: name, Every: every, Run: run}}
}

func (s *Stack) stores() component.Component {
	return component.Component{
		Name: NameStores,
		Start: func(ctx context.Context) error {
			if s.cfg.Open != nil {
				st, err := s.cfg.Open(ctx)
				if err != nil {
					return err
				}
				s.Stores = st
			} else {
				s.Stores = s.cfg.Stores
			}
			if s.Meta == nil || s.Blobs == nil || s.Seal == nil {
				return errors.Join(errors.New("stack: the metadata store, the blob store and the root key are required"), s.closeStores())
			}
			return nil
		},
		Stop: func(context.Context) error { return s.closeStores() },
	}
}

func (s *Stack) closeStores() error {
	if s.cfg.Open == nil || s.cfg.Close == nil {
		return nil
	}
	return s.cfg.Close()
}

// iam is identities: users, roles, keys, policies. Its job purges temporary credentials long expired.
func (s *Stack) iam() component.Component {
	return component.Component{
		Name:  NameIAM,
		Needs: []string{NameStores},
		Start: func(context.Context) error {
			cfg := iam.Config{Store: s.Meta, Seal: s.Seal, Clock: s.cfg.Clock, Rand: s.cfg.Rand}
			if s.cfg.Edit.IAM != nil {
				s.cfg.Edit.IAM(&cfg)
			}
			s.IAM = iam.New(cfg)
			return nil
		},
		Jobs: []component.Job{job(JobIAMJanitor, JanitorInterval, func(ctx context.Context) error {
			_, err := s.IAM.PurgeExpiredCredentials(ctx, 0)
			return err
		})},
	}
}

// audit is the audit log that every call is recorded on.
func (s *Stack) audit() component.Component {
	return component.Component{
		Name:  NameAudit,
		Needs: []string{NameStores},
		Start: func(ctx context.Context) error {
			cfg := audit.Config{Store: s.Meta, Clock: s.cfg.Clock, ChainKey: s.Seal.Derive("audit chain"), MaxDelay: s.cfg.AuditMaxDelay}
			if s.cfg.Edit.Audit != nil {
				s.cfg.Edit.Audit(&cfg)
			}
			log, err := audit.Open(ctx, cfg)
			if err != nil {
				return fmt.Errorf("open audit trail: %w", err)
			}
			s.Audit = log
			s.Recorder = audit.NewRecorder(log, s.cfg.Clock)
			return nil
		},
		Stop: func(context.Context) error { return s.Audit.Close() },
	}
}

// kms is the key management service. Its job does the scheduled rotations and deletions that are due; each is
// checked again in the transaction that does it, so a late or repeated run does no harm.
func (s *Stack) kms() component.Component {
	return component.Component{
		Name:  NameKMS,
		Needs: []string{NameStores, NameIAM, NameAudit},
		Start: func(context.Context) error {
			cfg := kms.Config{Store: s.Meta, Seal: s.Seal, Identity: s.IAM, Principals: s.IAM, Recorder: s.Recorder, Clock: s.cfg.Clock,
				Rand: s.cfg.Rand, Logger: s.cfg.Logger}
			if s.cfg.Edit.KMS != nil {
				s.cfg.Edit.KMS(&cfg)
			}
			svc, err := kms.New(cfg)
			if err != nil {
				return fmt.Errorf("start key management service: %w", err)
			}
			s.KMS = svc
			return nil
		},
		Jobs: []component.Job{job(JobKMSDue, KMSInterval, func(ctx context.Context) error {
			_, err := s.KMS.RunDue(ctx)
			return err
		})},
	}
}

// objects is S3, with KMS for SSE-KMS through an envelope client (as the requester, through S3, with S3's
// errors, on the audit trail). Its jobs apply lifecycle rules and sweep unreferenced blobs; stopping it waits
// for the deletions of retired blobs in flight.
func (s *Stack) objects() component.Component {
	log := s.cfg.Logger.With("service", "s3")
	return component.Component{
		Name:  NameObjects,
		Needs: []string{NameStores, NameIAM, NameAudit, NameKMS},
		Start: func(context.Context) error {
			keys, err := envelope.New(envelope.Config{Keys: s.KMS, Service: objstore.EventSource, Recorder: s.Recorder,
				Failure: envelope.S3Failure, Clock: s.cfg.Clock})
			if err != nil {
				return err
			}
			cfg := objstore.Config{Store: s.Meta, Blobs: s.Blobs, Authz: s.IAM, Keys: keys, Recorder: s.Recorder, Seal: s.Seal,
				Clock: s.cfg.Clock, Rand: s.cfg.Rand, Region: s.cfg.Region, Logger: log, Sessions: s.IAM, Metrics: s.cfg.Metrics,
				Remotes: s.cfg.Remotes}
			if s.cfg.Edit.Objects != nil {
				s.cfg.Edit.Objects(&cfg)
			}
			svc, err := objstore.New(cfg)
			if err != nil {
				return fmt.Errorf("start object store: %w", err)
			}
			s.Objects = svc
			return nil
		},
		Stop: func(context.Context) error { s.Objects.Wait(); return nil },
		Jobs: []component.Job{
			job(JobS3Lifecycle, LifecycleInterval, func(ctx context.Context) error {
				res, err := s.Objects.RunLifecycle(ctx)
				if res != (objstore.LifecycleResult{}) {
					log.Info("lifecycle", "expired", res.Expired, "transitioned", res.Transitioned, "aborted", res.Aborted,
						"noncurrent_expired", res.NoncurrentExpired, "markers_removed", res.MarkersRemoved)
				}
				return err
			}),
			job(JobS3Sweep, SweepInterval, func(ctx context.Context) error {
				_, err := s.Objects.Sweep(ctx)
				return err
			}),
			job(JobS3Replicate, ReplicationInterval, func(ctx context.Context) error {
				_, err := s.Objects.RunReplication(ctx)
				return err
			}),
		},
	}
}

// trail is CloudTrail's trails: they read the audit log and deliver it through S3, encrypted with KMS. Its job
// delivers every trail; each trail is delivered under a lease of its own as well.
func (s *Stack) trail() component.Component {
	return component.Component{
		Name:  NameTrail,
		Needs: []string{NameStores, NameIAM, NameAudit, NameKMS, NameObjects},
		Start: func(context.Context) error {
			keys, err := envelope.New(envelope.Config{Keys: s.KMS, Service: trail.EventSource, Recorder: s.Recorder, Clock: s.cfg.Clock})
			if err != nil {
				return err
			}
			cfg := trail.Config{Store: s.Meta, Records: s.Audit, Objects: s.Objects, Keys: keys, Authz: s.IAM, Seal: s.Seal,
				Clock: s.cfg.Clock, Rand: s.cfg.Rand, Region: s.cfg.Region, Logger: s.cfg.Logger.With("service", "cloudtrail"),
				Interval: s.cfg.TrailInterval, DigestInterval: s.cfg.TrailDigestInterval}
			if s.cfg.Edit.Trail != nil {
				s.cfg.Edit.Trail(&cfg)
			}
			svc, err := trail.New(cfg)
			if err != nil {
				return fmt.Errorf("start trails: %w", err)
			}
			s.Trails = svc
			return nil
		},
		Jobs: []component.Job{job(JobTrailDeliver, s.trailInterval(), func(ctx context.Context) error { return s.Trails.Deliver(ctx) })},
	}
}

func (s *Stack) trailInterval() time.Duration {
	if s.cfg.TrailInterval > 0 {
		return s.cfg.TrailInterval
	}
	return trail.DefaultInterval
}
