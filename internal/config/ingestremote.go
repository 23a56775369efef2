package config

import (
	"fmt"
	"net/url"
	"regexp"
)

// IngestRemote is another S3 endpoint (AWS, MinIO, another seclake) whose buckets remote ingest locations
// read, with an access key taken from the environment: the secret never sits in the config file.
type IngestRemote struct {
	// Name names the remote in AddIngestLocation's remote member, in logs and in failures. Required.
	Name string `json:"name"`
	// Endpoint is the remote's base URL, such as https://s3.eu-west-1.amazonaws.com.
	Endpoint string `json:"endpoint"`
	// Region signs the requests (default us-east-1).
	Region string `json:"region"`
	// AccessKeyIDEnv and SecretAccessKeyEnv name the environment variables that hold the access key.
	AccessKeyIDEnv     string `json:"accessKeyIdEnv"`
	SecretAccessKeyEnv string `json:"secretAccessKeyEnv"`
}

var ingestRemoteNameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$`)

// validateIngestRemotes returns every problem of ingest.remotes; secrets are never echoed.
func validateIngestRemotes(remotes []IngestRemote) []error {
	var errs []error
	names := map[string]bool{}
	for i, rm := range remotes {
		where := fmt.Sprintf("ingest.remotes[%d]", i)
		fail := func(format string, a ...any) { errs = append(errs, fmt.Errorf(where+": "+format, a...)) }
		if !ingestRemoteNameRE.MatchString(rm.Name) {
			fail("name %q: want 1-64 letters, digits, '.', '_' or '-'", rm.Name)
		} else if names[rm.Name] {
			fail("name %q given twice", rm.Name)
		}
		names[rm.Name] = true
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
	}
	return errs
}
