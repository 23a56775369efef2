package config

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
)

// Replication configures S3 replication beyond this server.
type Replication struct {
	// Remotes map destination buckets of replication rules (or whole accounts) to other S3 servers: another
	// seclake, or any S3 API. AWS's ReplicationConfiguration has no endpoint, so this is where it is said.
	Remotes []Remote `json:"remotes"`
}

// Remote is another S3 server that replication rules write to.
type Remote struct {
	// Name names the remote in logs, metrics and failures; default the endpoint.
	Name string `json:"name"`
	// Bucket is a destination bucket (arn:aws:s3:::name, or the name) that lives on this remote.
	Bucket string `json:"bucket"`
	// Account instead sends every destination bucket of that account (a rule's Destination.Account) that is
	// not on this server to this remote.
	Account string `json:"account"`
	// Endpoint is the remote's base URL, such as https://seclake-b.example.com:4566.
	Endpoint string `json:"endpoint"`
	// Region signs the requests (default us-east-1).
	Region string `json:"region"`
	// AccessKeyIDEnv and SecretAccessKeyEnv name the environment variables that hold the access key used on
	// the remote: secrets never sit in the config file, nor anywhere at rest.
	AccessKeyIDEnv     string `json:"accessKeyIdEnv"`
	SecretAccessKeyEnv string `json:"secretAccessKeyEnv"`
	// RoleARN, when set, is a role of the remote assumed (through the remote's STS) with that access key,
	// with ExternalID when given; its temporary credentials then sign the replicas.
	RoleARN    string `json:"roleArn"`
	ExternalID string `json:"externalId"`
}

var (
	accountRE = regexp.MustCompile(`^[0-9]{12}$`)
	envNameRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	roleARNRE = regexp.MustCompile(`^arn:aws[a-z-]*:iam::[0-9]{12}:role/[\w+=,.@/-]+$`)
)

// BucketName returns the bucket a remote is configured for, without the ARN prefix.
func (r Remote) BucketName() string { return strings.TrimPrefix(r.Bucket, "arn:aws:s3:::") }

// DisplayName returns the remote's name, or its endpoint when it has none.
func (r Remote) DisplayName() string {
	if r.Name != "" {
		return r.Name
	}
	return r.Endpoint
}

// validate returns every problem of the replication settings; secrets are never echoed.
func (r Replication) validate() []error {
	var errs []error
	buckets, accounts := map[string]bool{}, map[string]bool{}
	for i, rm := range r.Remotes {
		where := fmt.Sprintf("replication.remotes[%d]", i)
		fail := func(format string, a ...any) { errs = append(errs, fmt.Errorf(where+": "+format, a...)) }
		switch {
		case (rm.Bucket == "") == (rm.Account == ""):
			fail("set bucket (arn:aws:s3:::name) or account (12 digits), not both")
		case rm.Bucket != "" && !bucketRE.MatchString(rm.BucketName()):
			fail("bucket %q is not a bucket ARN or name", rm.Bucket)
		case rm.Account != "" && !accountRE.MatchString(rm.Account):
			fail("account %q: want 12 digits", rm.Account)
		case (rm.Bucket != "" && buckets[rm.BucketName()]) || (rm.Account != "" && accounts[rm.Account]):
			fail("bucket or account given twice")
		}
		buckets[rm.BucketName()], accounts[rm.Account] = true, true
		if u, err := url.Parse(rm.Endpoint); err != nil {
			fail("endpoint: want http(s)://host[:port]")
		} else if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
			fail("endpoint %q: want http(s)://host[:port] without credentials", u.Redacted())
		}
		if rm.Region != "" && !blobRegionRE.MatchString(rm.Region) {
			fail("region %q is not a region name", rm.Region)
		}
		if !envNameRE.MatchString(rm.AccessKeyIDEnv) || !envNameRE.MatchString(rm.SecretAccessKeyEnv) {
			fail("accessKeyIdEnv and secretAccessKeyEnv must name the environment variables that hold the access key")
		}
		if rm.RoleARN != "" && !roleARNRE.MatchString(rm.RoleARN) {
			fail("roleArn %q is not an IAM role ARN", rm.RoleARN)
		}
		if rm.ExternalID != "" && rm.RoleARN == "" {
			fail("externalId needs roleArn")
		}
	}
	return errs
}
