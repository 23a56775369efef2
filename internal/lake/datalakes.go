package lake

import (
	"context"
	"fmt"
	"slices"

	"github.com/seclake/seclake/internal/actor"
	"github.com/seclake/seclake/internal/meta"
)

const tableLakes = "lake.datalakes" // account/region → DataLake

// CreateDataLakeInput is CreateDataLake's request.
type CreateDataLakeInput struct {
	Configurations []Configuration
	MetaStoreRole  string
	Tags           []Tag
}

// CreateDataLake records a data lake in each configured region, INITIALIZED; the provisioning job (Provision)
// creates its bucket, checks its key and applies its configuration, and moves it to COMPLETED or FAILED.
func (s *Service) CreateDataLake(ctx context.Context, c *actor.Caller, in CreateDataLakeInput) ([]DataLake, error) {
	region := s.region(c)
	if err := s.check(ctx, c, "securitylake:CreateDataLake", LakeARN(region, c.Account)); err != nil {
		return nil, err
	}
	var f fields
	f.required("metaStoreManagerRoleArn", in.MetaStoreRole, reRoleARN)
	validConfigurations(&f, in.Configurations)
	f.tags(in.Tags)
	if f.err != nil {
		return nil, f.err
	}
	// The caller hands the role to Security Lake: iam:PassRole, as on AWS; the role must exist.
	if err := s.check(ctx, c, "iam:PassRole", in.MetaStoreRole); err != nil {
		return nil, err
	}
	if s.cfg.Roles != nil {
		ok, err := s.cfg.Roles.RoleExists(ctx, s.owner(c.Account, region), in.MetaStoreRole)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, badRequest("The metaStoreManagerRoleArn %s does not exist: create the role AmazonSecurityLakeMetaStoreManager first.", in.MetaStoreRole)
		}
	}
	var out []DataLake
	err := s.cfg.Store.Update(ctx, func(tx meta.Tx) error {
		out = out[:0]
		for _, cf := range in.Configurations {
			var old DataLake
			found, err := getJSON(tx, tableLakes, key(c.Account, cf.Region), &old)
			if err != nil {
				return err
			}
			if found {
				return conflict("DataLake", old.ARN, "A data lake already exists in %s for account %s.", cf.Region, c.Account)
			}
			dl := DataLake{Account: c.Account, Region: cf.Region, ARN: LakeARN(cf.Region, c.Account), Encryption: cf.Encryption,
				Lifecycle: cf.Lifecycle, Replication: cf.Replication, MetaStoreRole: in.MetaStoreRole,
				CreateStatus: StatusInitialized, Pending: "create", Created: s.cfg.Clock.Now().UTC()}
			if err := putJSON(tx, tableLakes, key(c.Account, cf.Region), dl); err != nil {
				return err
			}
			if err := putTags(tx, dl.ARN, in.Tags); err != nil {
				return err
			}
			out = append(out, dl)
		}
		return nil
	})
	return out, err
}

func validConfigurations(f *fields, cs []Configuration) {
	if len(cs) == 0 {
		f.fail("The request is missing the required member configurations.")
	}
	seen := map[string]bool{}
	for _, cf := range cs {
		f.required("configurations.member.region", cf.Region, reRegion)
		if seen[cf.Region] {
			f.fail("The region %s appears twice in configurations.", cf.Region)
		}
		seen[cf.Region] = true
		if lc := cf.Lifecycle; lc != nil {
			if lc.Expiration != nil {
				f.atLeast("lifecycleConfiguration.expiration.days", lc.Expiration.Days, 1)
			}
			for _, t := range lc.Transitions {
				f.atLeast("lifecycleConfiguration.transitions.member.days", t.Days, 1)
			}
		}
		if r := cf.Replication; r != nil {
			f.regions("replicationConfiguration.regions", r.Regions)
			f.match("replicationConfiguration.roleArn", r.RoleARN, reRoleARN)
		}
	}
}

// UpdateDataLake changes the configuration of the account's lakes in the given regions, as an upsert: what a
// configuration leaves out stays as it was (an encryptionConfiguration with kmsKeyId S3_MANAGED_KEY goes back to
// S3 managed keys), and a region without a lake gets one. The update's status is INITIALIZED until the
// provisioning job has checked the key and applied it.
func (s *Service) UpdateDataLake(ctx context.Context, c *actor.Caller, requestID string, configs []Configuration, metaStoreRole string) ([]DataLake, error) {
	region := s.region(c)
	if err := s.check(ctx, c, "securitylake:UpdateDataLake", LakeARN(region, c.Account)); err != nil {
		return nil, err
	}
	var f fields
	f.match("metaStoreManagerRoleArn", metaStoreRole, reRoleARN)
	validConfigurations(&f, configs)
	if f.err != nil {
		return nil, f.err
	}
	if metaStoreRole != "" {
		if err := s.check(ctx, c, "iam:PassRole", metaStoreRole); err != nil {
			return nil, err
		}
	}
	var out []DataLake
	err := s.cfg.Store.Update(ctx, func(tx meta.Tx) error {
		out = out[:0]
		for _, cf := range configs {
			var dl DataLake
			found, err := getJSON(tx, tableLakes, key(c.Account, cf.Region), &dl)
			if err != nil {
				return err
			}
			if !found {
				dl = DataLake{Account: c.Account, Region: cf.Region, ARN: LakeARN(cf.Region, c.Account), CreateStatus: StatusInitialized,
					Pending: "create", Created: s.cfg.Clock.Now().UTC()}
			}
			if cf.Encryption != nil {
				dl.Encryption = cf.Encryption
			}
			if cf.Lifecycle != nil {
				dl.Lifecycle = cf.Lifecycle
			}
			if cf.Replication != nil {
				dl.Replication = cf.Replication
			}
			if metaStoreRole != "" {
				dl.MetaStoreRole = metaStoreRole
			}
			dl.UpdateStatus = &UpdateStatus{RequestID: requestID, Status: StatusInitialized}
			switch {
			case dl.CreateStatus == StatusFailed: // the update retries the creation
				dl.CreateStatus, dl.Pending = StatusInitialized, "create"
			case dl.Pending == "":
				dl.Pending = "update"
			}
			if err := putJSON(tx, tableLakes, key(c.Account, cf.Region), dl); err != nil {
				return err
			}
			out = append(out, dl)
		}
		return nil
	})
	return out, err
}

// DeleteDataLake removes the account's lakes in regions from Security Lake; their buckets and data stay, and a
// lake created again in the region finds them.
func (s *Service) DeleteDataLake(ctx context.Context, c *actor.Caller, regions []string) error {
	region := s.region(c)
	if err := s.check(ctx, c, "securitylake:DeleteDataLake", LakeARN(region, c.Account)); err != nil {
		return err
	}
	var f fields
	if len(regions) == 0 {
		f.fail("The request is missing the required member regions.")
	}
	f.regions("regions", regions)
	if f.err != nil {
		return f.err
	}
	return s.cfg.Store.Update(ctx, func(tx meta.Tx) error {
		for _, r := range regions {
			var dl DataLake
			found, err := getJSON(tx, tableLakes, key(c.Account, r), &dl)
			if err != nil {
				return err
			}
			if !found {
				return notFound("DataLake", LakeARN(r, c.Account), "There is no data lake in %s for account %s.", r, c.Account)
			}
			if err := tx.Delete(tableLakes, key(c.Account, r)); err != nil {
				return err
			}
			if err := dropTags(tx, dl.ARN); err != nil {
				return err
			}
		}
		return nil
	})
}

// ListDataLakes returns the account's lakes, in the given regions (all when none).
func (s *Service) ListDataLakes(ctx context.Context, c *actor.Caller, regions []string) ([]DataLake, error) {
	region := s.region(c)
	if err := s.check(ctx, c, "securitylake:ListDataLakes", LakeARN(region, c.Account)); err != nil {
		return nil, err
	}
	var f fields
	f.regions("regions", regions)
	if f.err != nil {
		return nil, f.err
	}
	var all []DataLake
	err := s.cfg.Store.View(ctx, func(tx meta.Tx) error {
		var err error
		all, err = scanJSON[DataLake](tx, tableLakes, c.Account+"/")
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("list data lakes: %w", err)
	}
	out := []DataLake{}
	for _, dl := range all {
		if len(regions) == 0 || slices.Contains(regions, dl.Region) {
			out = append(out, dl)
		}
	}
	return out, nil
}

// lakeIn returns the account's lake in region, or ResourceNotFoundException.
func lakeIn(tx meta.Tx, account, region string) (DataLake, error) {
	var dl DataLake
	found, err := getJSON(tx, tableLakes, key(account, region), &dl)
	if err != nil {
		return dl, err
	}
	if !found {
		return dl, notFound("DataLake", LakeARN(region, account), "Security Lake is not enabled in %s for account %s: call CreateDataLake first.", region, account)
	}
	return dl, nil
}
