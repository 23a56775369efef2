package stack

import (
	"context"
	"errors"
	"time"

	"github.com/seclake/seclake/internal/component"
	"github.com/seclake/seclake/internal/lake"
)

// NameSecurityLake is the Security Lake control plane's component.
const NameSecurityLake = "securitylake"

// JobLakeProvision finishes the data lakes' pending creations and updates.
const JobLakeProvision = "lake.provision"

// LakeProvisionInterval is how often the pending data lakes are provisioned.
const LakeProvisionInterval = time.Second

// securityLake is the Security Lake control plane over the lakes' storage, S3, KMS, IAM and SQS. Its job
// provisions what CreateDataLake and UpdateDataLake leave pending, and turns what ingestion fails at into data lake
// exceptions (SyncExceptions).
func (s *Stack) securityLake() component.Component {
	return component.Component{
		Name:  NameSecurityLake,
		Needs: []string{NameStores, NameIAM, NameAudit, NameKMS, NameObjects, NameQueues, NameEvents, NameNotify, NameLake, NameLakeFormation},
		Start: func(context.Context) error {
			svc, err := lake.New(lake.Config{Store: s.Meta, Authz: s.IAM, Lakes: s.Lakes, Buckets: lakeBuckets{s.Objects, s.Recorder},
				Keys: lakeKeys{kms: s.KMS, rec: s.Recorder}, Accounts: lakeAccounts{s.IAM}, Roles: lakeRoles{s.IAM, s.Recorder}, Sessions: slrSessions{s.IAM, s.cfg.Clock},
				Queues: lakeQueues{s.Queues, s.Recorder}, DataFiles: lakeDataFiles{s.Objects}, Probe: lakeProbe{s}, Objects: lakeObjects{s.Objects, s.Recorder},
				Collection: lakeCollection{s}, Endpoints: lakeEndpoints{s.Events, s.Recorder}, Problems: lakeProblems{s}, QueryAccess: lakeQueryAccess{s},
				Limit: s.cfg.LakeLimit, Seal: s.Seal, Clock: s.cfg.Clock, Rand: s.cfg.Rand, Region: s.cfg.Region,
				Logger: s.cfg.Logger.With("service", "securitylake")})
			if err != nil {
				return err
			}
			s.SecurityLake = svc
			s.Notify.SetLake(lakeEvents{svc})
			s.Events.SetObserver(lakeDeliveries{svc})
			return nil
		},
		Jobs: []component.Job{job(JobLakeProvision, LakeProvisionInterval, func(ctx context.Context) error {
			_, err := s.SecurityLake.Provision(ctx)
			_, serr := s.SecurityLake.SyncExceptions(ctx)
			return errors.Join(err, serr)
		}), job(JobLakeReencrypt, LakeProvisionInterval, func(ctx context.Context) error {
			_, err := s.SecurityLake.RunReencryption(ctx)
			return err
		})},
	}
}
