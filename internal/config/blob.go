package config

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"
)

// BlobEnv names the environment variables that hold the credentials of an s3:// blob store; when the access
// key is unset, the AWS SDK's default chain applies (AWS_* variables, shared files, instance or task roles).
var BlobEnv = struct{ AccessKeyID, SecretAccessKey, SessionToken string }{
	"SECLAKE_BLOB_ACCESS_KEY_ID", "SECLAKE_BLOB_SECRET_ACCESS_KEY", "SECLAKE_BLOB_SESSION_TOKEN",
}

// BlobLocation is a parsed s3:// Blob setting.
type BlobLocation struct {
	// Bucket and Prefix say where the blobs go: objects Prefix/<key> in Bucket.
	Bucket string
	Prefix string
	// Endpoint is the server's base URL; empty for AWS.
	Endpoint string
	// Region signs the requests; empty for the server's region setting.
	Region string
	// PathStyle addresses the bucket in the path (the default with an endpoint) instead of the host name.
	PathStyle bool
}

var (
	bucketRE     = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`)
	blobRegionRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)
)

// ParseBlob parses a Blob setting of the form s3://bucket[/prefix][?endpoint=URL&region=R&path_style=B]; it
// returns false for the empty setting (the local directory). Credentials are refused in the URL: they come
// from the environment (see BlobEnv).
func ParseBlob(s string) (BlobLocation, bool, error) {
	if s == "" {
		return BlobLocation{}, false, nil
	}
	u, err := url.Parse(s)
	if err != nil || u.Scheme != "s3" || u.Opaque != "" {
		return BlobLocation{}, false, errors.New("want s3://bucket[/prefix][?endpoint=URL&region=R&path_style=true|false], or empty for the data directory")
	}
	if u.User != nil {
		return BlobLocation{}, false, fmt.Errorf("credentials do not belong in the URL: set %s and %s", BlobEnv.AccessKeyID, BlobEnv.SecretAccessKey)
	}
	if !bucketRE.MatchString(u.Host) || strings.Contains(u.Host, "..") {
		return BlobLocation{}, false, fmt.Errorf("bucket %q is not an S3 bucket name", u.Host)
	}
	if u.Fragment != "" {
		return BlobLocation{}, false, errors.New("a fragment (#...) has no meaning here")
	}
	loc := BlobLocation{Bucket: u.Host, Prefix: strings.Trim(u.Path, "/")}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return BlobLocation{}, false, fmt.Errorf("options: %w", err)
	}
	if err := loc.setOptions(q); err != nil {
		return BlobLocation{}, false, err
	}
	return loc, true, nil
}

func (l *BlobLocation) setOptions(q url.Values) error {
	pathStyle := ""
	for name, vals := range q {
		if len(vals) != 1 {
			return fmt.Errorf("option %s given %d times", name, len(vals))
		}
		v := vals[0]
		switch name {
		case "endpoint":
			e, err := url.Parse(v)
			if err != nil {
				return errors.New("endpoint: want http(s)://host[:port]")
			}
			if (e.Scheme != "http" && e.Scheme != "https") || e.Host == "" || e.User != nil || e.RawQuery != "" {
				return fmt.Errorf("endpoint %q: want http(s)://host[:port] without credentials or query", e.Redacted())
			}
			l.Endpoint = v
		case "region":
			if !blobRegionRE.MatchString(v) {
				return fmt.Errorf("region %q: want a region name like us-east-1", v)
			}
			l.Region = v
		case "path_style":
			if _, err := strconv.ParseBool(v); err != nil {
				return fmt.Errorf("path_style %q: want true or false", v)
			}
			pathStyle = v
		default:
			return fmt.Errorf("unknown option %q: want endpoint, region or path_style", name)
		}
	}
	l.PathStyle = l.Endpoint != ""
	if pathStyle != "" {
		l.PathStyle, _ = strconv.ParseBool(pathStyle)
	}
	return nil
}
