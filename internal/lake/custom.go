package lake

import (
	"context"
	"errors"
	"strings"

	"github.com/seclake/seclake/internal/actor"
	"github.com/seclake/seclake/internal/meta"
)

const tableCustom = "lake.custom" // lake account/region/name/version → CustomSource

// SourceRef is a LogSourceResource: an AWS source or a custom one.
type SourceRef struct {
	Aws    *AwsSource    `json:"awsLogSource,omitempty"`
	Custom *CustomSource `json:"customLogSource,omitempty"`
}

// CustomSource is a CustomLogSourceResource: a custom source, where its provider writes and as which role, and
// its catalog names.
type CustomSource struct {
	SourceName    string            `json:"sourceName,omitempty"`
	SourceVersion string            `json:"sourceVersion,omitempty"`
	Provider      *Provider         `json:"provider,omitempty"`
	Attributes    *CustomAttributes `json:"attributes,omitempty"`
}

// Provider is where a custom source's provider writes (an S3 URI) and the role it writes as.
type Provider struct {
	Location string `json:"location,omitempty"`
	RoleARN  string `json:"roleArn,omitempty"`
}

// CustomAttributes are the catalog resources of a custom source.
type CustomAttributes struct {
	CrawlerARN  string `json:"crawlerArn,omitempty"`
	DatabaseARN string `json:"databaseArn,omitempty"`
	TableARN    string `json:"tableArn,omitempty"`
}

// CustomSourceInput is CreateCustomLogSource's request.
type CustomSourceInput struct {
	SourceName, SourceVersion string
	EventClasses              []string
	CrawlerRoleARN            string
	Provider                  AwsIdentity
}

// customRecord is the record of a custom source.
type customRecord struct {
	Source       CustomSource `json:"source"`
	EventClasses []string     `json:"eventClasses,omitempty"`
	Provider     AwsIdentity  `json:"providerIdentity"`
	CrawlerRole  string       `json:"crawlerRoleArn"`
	RoleName     string       `json:"roleName"`
	Region       string       `json:"region"`
}

// providerRoleName is the provider role's name, as Security Lake names it (at most 64 characters, the
// characters IAM allows).
func providerRoleName(name, region string) string {
	n := "AmazonSecurityLake-Provider-" + strings.ReplaceAll(name, ":", "-") + "-" + region
	if len(n) > 64 {
		n = n[:64]
	}
	return n
}

// trustFor is the trust policy of a role that principal (an account or a service) assumes with externalID.
func trustFor(principal, externalID string) string {
	p := `{"Service":"` + principal + `"}`
	if reAccount.MatchString(principal) {
		p = `{"AWS":"` + actor.RootARN(principal) + `"}`
	}
	return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":` + p + `,"Action":"sts:AssumeRole",` +
		`"Condition":{"StringEquals":{"sts:ExternalId":"` + externalID + `"}}}]}`
}

func glueNames(region, account, name, version string) *CustomAttributes {
	r := strings.ReplaceAll(region, "-", "_")
	db := "amazon_security_lake_glue_db_" + r
	tbl := "amazon_security_lake_table_" + r + "_ext_" + strings.ToLower(strings.NewReplacer("-", "_", ".", "_", ":", "_").Replace(name+"_"+version))
	base := "arn:aws:glue:" + region + ":" + account + ":"
	return &CustomAttributes{CrawlerARN: base + "crawler/" + name, DatabaseARN: base + "database/" + db, TableARN: base + "table/" + db + "/" + tbl}
}

// CreateCustomLogSource adds a custom source to the caller's lake in its region: the location ext/<name>/<version>/
// in the lake bucket, and the provider role AmazonSecurityLake-Provider-<name>-<region>, which the provider
// assumes with its external ID and which may write only under ext/<name>/ (every version). Creating it again returns it.
func (s *Service) CreateCustomLogSource(ctx context.Context, c *actor.Caller, in CustomSourceInput) (*CustomSource, error) {
	region := s.region(c)
	if err := s.check(ctx, c, "securitylake:CreateCustomLogSource", LakeARN(region, c.Account)); err != nil {
		return nil, err
	}
	if in.SourceVersion == "" {
		in.SourceVersion = "1.0"
	}
	var f fields
	f.required("sourceName", in.SourceName, reCustomName)
	f.length("sourceName", in.SourceName, 1, 64)
	f.match("sourceVersion", in.SourceVersion, reCustomVersion)
	f.length("sourceVersion", in.SourceVersion, 1, 32)
	for _, ec := range in.EventClasses {
		f.match("eventClasses", ec, reEventClass)
	}
	f.required("configuration.crawlerConfiguration.roleArn", in.CrawlerRoleARN, reRoleARN)
	f.identity("configuration.providerIdentity", in.Provider)
	if f.err != nil {
		return nil, f.err
	}
	k := key(c.Account, region, in.SourceName, in.SourceVersion)
	var rec customRecord
	var bucket string
	err := s.cfg.Store.View(ctx, func(tx meta.Tx) error {
		if _, err := lakeIn(tx, c.Account, region); err != nil {
			return err
		}
		_, err := getJSON(tx, tableCustom, k, &rec)
		return err
	})
	if err != nil {
		return nil, err
	}
	if rec.Source.SourceName != "" {
		return &rec.Source, nil
	}
	info, ok, err := s.cfg.Lakes.Get(ctx, c.Account, region)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, conflict("DataLake", LakeARN(region, c.Account), "The data lake in %s is still being created: try again once list-data-lakes shows it COMPLETED.", region)
	}
	bucket = info.Bucket
	prefix := "ext/" + in.SourceName + "/" + in.SourceVersion + "/"
	rec = customRecord{Source: CustomSource{SourceName: in.SourceName, SourceVersion: in.SourceVersion,
		Provider:   &Provider{Location: "s3://" + bucket + "/" + prefix},
		Attributes: glueNames(region, c.Account, in.SourceName, in.SourceVersion)},
		EventClasses: in.EventClasses, Provider: in.Provider, CrawlerRole: in.CrawlerRoleARN, RoleName: providerRoleName(in.SourceName, region), Region: region}
	if s.cfg.Roles != nil {
		prefix := "ext/" + in.SourceName + "/" // one role for every version of the source
		write := `{"Version":"2012-10-17","Statement":[{"Sid":"WriteToTheSourceLocation","Effect":"Allow","Action":["s3:PutObject","s3:PutObjectAcl"],` +
			`"Resource":"arn:aws:s3:::` + bucket + `/` + prefix + `*"},{"Sid":"ListTheSourceLocation","Effect":"Allow","Action":"s3:ListBucket",` +
			`"Resource":"arn:aws:s3:::` + bucket + `","Condition":{"StringLike":{"s3:prefix":"` + prefix + `*"}}}]}`
		arn, err := s.cfg.Roles.EnsureRole(ctx, s.forCaller(c, region), rec.RoleName, "/service-role/",
			trustFor(in.Provider.Principal, in.Provider.ExternalID), "AmazonSecurityLakeProviderWrite", write)
		if err != nil {
			return nil, asLake(err, "create the provider role")
		}
		rec.Source.Provider.RoleARN = arn
	}
	err = s.cfg.Store.Update(ctx, func(tx meta.Tx) error { return putJSON(tx, tableCustom, k, rec) })
	if err != nil {
		return nil, err
	}
	return &rec.Source, nil
}

// DeleteCustomLogSource removes a custom source (every version when version is empty) and its provider role;
// the data written under its location stays.
func (s *Service) DeleteCustomLogSource(ctx context.Context, c *actor.Caller, name, version string) error {
	region := s.region(c)
	if err := s.check(ctx, c, "securitylake:DeleteCustomLogSource", LakeARN(region, c.Account)); err != nil {
		return err
	}
	var f fields
	f.required("sourceName", name, reCustomName)
	f.match("sourceVersion", version, reCustomVersion)
	if f.err != nil {
		return f.err
	}
	// The provider role first, as the caller, when no version of the source stays: a refusal changes nothing.
	var gone []customRecord
	left := 0 // versions of the source that stay, which keep the provider role
	err := s.cfg.Store.View(ctx, func(tx meta.Tx) error {
		recs, err := scanJSON[customRecord](tx, tableCustom, key(c.Account, region, name)+"/")
		for _, r := range recs {
			switch {
			case r.Source.SourceName != name:
			case version != "" && r.Source.SourceVersion != version:
				left++
			default:
				gone = append(gone, r)
			}
		}
		return err
	})
	if err != nil {
		return err
	}
	if len(gone) == 0 {
		return notFound("CustomLogSource", name, "There is no custom source %s %s in %s.", name, version, region)
	}
	if s.cfg.Roles != nil && left == 0 {
		if err := s.cfg.Roles.DeleteRole(ctx, s.forCaller(c, region), gone[0].RoleName, "AmazonSecurityLakeProviderWrite"); err != nil {
			return asLake(err, "delete the provider role")
		}
	}
	return s.cfg.Store.Update(ctx, func(tx meta.Tx) error {
		for _, r := range gone {
			err := tx.Delete(tableCustom, key(c.Account, region, r.Source.SourceName, r.Source.SourceVersion))
			if err != nil && !errors.Is(err, meta.ErrNotFound) {
				return err
			}
		}
		return nil
	})
}
