// Package config holds seclake's configuration: its defaults, strict decoding from a file, the environment
// overrides, and validation before start.
package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"regexp"
	"strings"
	"time"
)

// Config is the server's configuration. Secrets (root key, pinned root access key) are never part of it: they
// come from the environment only, so a config file can be shared and checked in.
type Config struct {
	// Listen is the address of the one edge port that serves every service.
	Listen string `json:"listen"`
	// DataDir holds the root key, the credentials file, the SQLite metadata store and the local blob store.
	DataDir string `json:"data"`
	// TLSCert and TLSKey, when both set, make the edge port serve HTTPS.
	TLSCert string `json:"tlsCert"`
	TLSKey  string `json:"tlsKey"`
	// Region is the home region: used for requests that carry no credential scope, and as the default region
	// printed in the quickstart.
	Region string `json:"region"`
	// Meta selects the metadata store: empty for SQLite in the data directory, or a postgres:// DSN.
	Meta string `json:"meta"`
	// MetaSchema is the PostgreSQL schema that holds seclake's tables (default "public").
	MetaSchema string `json:"metaSchema"`
	// Blob selects the blob store: empty for a directory in the data directory, or
	// s3://bucket[/prefix][?endpoint=URL&region=R&path_style=B] for an S3-compatible remote (see ParseBlob;
	// its credentials come from the environment, see BlobEnv).
	Blob string `json:"blob"`
	// S3Domains are the host names under which "<bucket>.<domain>" addresses a bucket (virtual-hosted-style
	// S3), comma-separated.
	S3Domains string `json:"s3Domains"`
	// LogLevel is debug, info, warn or error; LogFormat is text or json.
	LogLevel  string `json:"logLevel"`
	LogFormat string `json:"logFormat"`
	// ShutdownTimeout bounds how long a graceful shutdown waits for in-flight requests.
	ShutdownTimeout Duration `json:"shutdownTimeout"`
	// TrailInterval is how often CloudTrail trails deliver log files; TrailDigestInterval how often they
	// deliver digest files (an hour, as on AWS).
	TrailInterval       Duration `json:"trailInterval"`
	TrailDigestInterval Duration `json:"trailDigestInterval"`
	// FlowListen is the UDP address of the NetFlow v5/v9 and IPFIX collector ("0.0.0.0:2055"); empty for none.
	FlowListen string `json:"flowListen"`
	// FlowPublishInterval is how often flow logs write their files (five minutes, as on AWS).
	FlowPublishInterval Duration `json:"flowPublishInterval"`
	// EVEListen is where Suricata EVE lines are received: a TCP host:port, or unix:/path for a Unix stream
	// socket (Suricata's unix_stream eve-log); empty for none.
	EVEListen string `json:"eveListen"`
	// EVEFile is an eve.json file to follow; empty for none.
	EVEFile string `json:"eveFile"`
	// FirewallPublishInterval is how often Network Firewall logs write their files (five minutes, as on AWS).
	FirewallPublishInterval Duration `json:"firewallPublishInterval"`
	// Target is what this node does: "all" (serve the AWS APIs and run the background jobs), "api" (serve
	// requests only) or "worker" (run the background jobs only). Nodes of a cluster share one PostgreSQL
	// metadata store and one blob store; each background job runs once per schedule across its workers.
	Target string `json:"target"`
	// Replication configures S3 replication to buckets of other servers.
	Replication Replication `json:"replication"`
	// Ingest configures ingestion's flush policy.
	Ingest Ingest `json:"ingest"`
	// SecurityLake configures the Security Lake API (its per-account rate limit).
	SecurityLake SecurityLake `json:"securityLake"`
	// Athena configures how Athena runs queries.
	Athena Athena `json:"athena"`

	envErr error // a malformed environment variable, reported by Validate

}

// Duration is a time.Duration written as a Go duration string ("30s") in config files.
type Duration time.Duration

// MarshalJSON writes the duration as a string.
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(time.Duration(d).String()) }

// UnmarshalJSON reads a duration string.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("duration must be a string like \"30s\"")
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return err
	}
	*d = Duration(v)
	return nil
}

// Targets: what a node does.
const (
	// TargetAll serves the AWS APIs and runs the background jobs: the one-process default.
	TargetAll = "all"
	// TargetAPI serves the AWS APIs and runs no background jobs.
	TargetAPI = "api"
	// TargetWorker runs the background jobs and serves only seclake's own endpoints (/_seclake/…).
	TargetWorker = "worker"
)

// Default returns the configuration seclake runs with when nothing is set: the embedded mode, SQLite and a
// local directory, on 127.0.0.1:4566.
func Default() Config {
	return Config{
		Listen:                  "127.0.0.1:4566",
		DataDir:                 "./seclake-data",
		Region:                  "us-east-1",
		LogLevel:                "info",
		LogFormat:               "text",
		ShutdownTimeout:         Duration(30 * time.Second),
		S3Domains:               "s3.localhost,localhost",
		TrailInterval:           Duration(5 * time.Minute),
		TrailDigestInterval:     Duration(time.Hour),
		FlowPublishInterval:     Duration(5 * time.Minute),
		FirewallPublishInterval: Duration(5 * time.Minute),
		Target:                  TargetAll,
	}
}

// LoadFile decodes a JSON config file over c. Unknown keys are errors, so a typo never silently does nothing.
func (c *Config) LoadFile(path string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("read config: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(c); err != nil {
		return fmt.Errorf("config %s: %w", path, err)
	}
	return nil
}

// Env lists the environment variables that override the config, by the field they set.
var Env = []struct {
	Name  string
	Field func(*Config) *string
}{
	{"SECLAKE_LISTEN", func(c *Config) *string { return &c.Listen }},
	{"SECLAKE_DATA", func(c *Config) *string { return &c.DataDir }},
	{"SECLAKE_TLS_CERT", func(c *Config) *string { return &c.TLSCert }},
	{"SECLAKE_TLS_KEY", func(c *Config) *string { return &c.TLSKey }},
	{"SECLAKE_REGION", func(c *Config) *string { return &c.Region }},
	{"SECLAKE_META", func(c *Config) *string { return &c.Meta }},
	{"SECLAKE_META_SCHEMA", func(c *Config) *string { return &c.MetaSchema }},
	{"SECLAKE_BLOB", func(c *Config) *string { return &c.Blob }},
	{"SECLAKE_S3_DOMAINS", func(c *Config) *string { return &c.S3Domains }},
	{"SECLAKE_LOG_LEVEL", func(c *Config) *string { return &c.LogLevel }},
	{"SECLAKE_LOG_FORMAT", func(c *Config) *string { return &c.LogFormat }},
	{"SECLAKE_TARGET", func(c *Config) *string { return &c.Target }},
	{"SECLAKE_FLOW_LISTEN", func(c *Config) *string { return &c.FlowListen }},
	{"SECLAKE_EVE_LISTEN", func(c *Config) *string { return &c.EVEListen }},
	{"SECLAKE_EVE_FILE", func(c *Config) *string { return &c.EVEFile }},
}

// DurationEnv lists the environment variables that override durations, by the field they set.
var DurationEnv = []struct {
	Name  string
	Field func(*Config) *Duration
}{
	{"SECLAKE_SHUTDOWN_TIMEOUT", func(c *Config) *Duration { return &c.ShutdownTimeout }},
	{"SECLAKE_TRAIL_INTERVAL", func(c *Config) *Duration { return &c.TrailInterval }},
	{"SECLAKE_TRAIL_DIGEST_INTERVAL", func(c *Config) *Duration { return &c.TrailDigestInterval }},
	{"SECLAKE_FLOW_PUBLISH_INTERVAL", func(c *Config) *Duration { return &c.FlowPublishInterval }},
	{"SECLAKE_FIREWALL_PUBLISH_INTERVAL", func(c *Config) *Duration { return &c.FirewallPublishInterval }},
	{"SECLAKE_INGEST_FLUSH_AGE", func(c *Config) *Duration { return &c.Ingest.FlushAge }},
}

// ApplyEnv sets every field whose environment variable is set (lookup is os.LookupEnv in production). A
// malformed value is reported by Validate.
func (c *Config) ApplyEnv(lookup func(string) (string, bool)) {
	for _, e := range Env {
		if v, ok := lookup(e.Name); ok && v != "" {
			*e.Field(c) = v
		}
	}
	for _, e := range DurationEnv {
		if v, ok := lookup(e.Name); ok && v != "" {
			d, err := time.ParseDuration(v)
			if err != nil {
				c.envErr = errors.Join(c.envErr, fmt.Errorf("%s=%q: want a duration like 5m", e.Name, v))
				continue
			}
			*e.Field(c) = Duration(d)
		}
	}
}

var schemaRE = regexp.MustCompile(`^[a-z_][a-z0-9_]{0,62}$`)

var regionRE = regexp.MustCompile(`^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-[0-9]+$`)

// Validate checks the configuration and returns every problem at once.
func (c *Config) Validate() error {
	var errs []error
	if _, port, err := net.SplitHostPort(c.Listen); err != nil || port == "" {
		errs = append(errs, fmt.Errorf("listen %q: want host:port, for example 127.0.0.1:4566", c.Listen))
	}
	if c.DataDir == "" {
		errs = append(errs, errors.New("data: a data directory is required"))
	}
	if (c.TLSCert == "") != (c.TLSKey == "") {
		errs = append(errs, errors.New("tls: set both the certificate and the key, or neither"))
	}
	for _, f := range []string{c.TLSCert, c.TLSKey} {
		if f == "" {
			continue
		}
		if _, err := os.Stat(f); err != nil {
			errs = append(errs, fmt.Errorf("tls: %w", err))
		}
	}
	if !regionRE.MatchString(c.Region) {
		errs = append(errs, fmt.Errorf("region %q is not a region name like us-east-1", c.Region))
	}
	if c.Meta != "" && !strings.HasPrefix(c.Meta, "postgres://") && !strings.HasPrefix(c.Meta, "postgresql://") {
		errs = append(errs, fmt.Errorf("meta %q: leave empty for SQLite in the data directory, or give a postgres:// DSN", redactDSN(c.Meta)))
	}
	if c.MetaSchema != "" && (c.Meta == "" || !schemaRE.MatchString(c.MetaSchema)) {
		errs = append(errs, fmt.Errorf("metaSchema %q: needs a postgres:// meta DSN and a lower-case SQL identifier", c.MetaSchema))
	}
	if _, _, err := ParseBlob(c.Blob); err != nil {
		errs = append(errs, fmt.Errorf("blob: %w", err)) // the setting itself is not echoed: it might hold a secret
	}
	for _, d := range strings.Split(c.S3Domains, ",") {
		if d = strings.TrimSpace(d); d == "" || strings.ContainsAny(d, "/:@ ") {
			errs = append(errs, fmt.Errorf("s3Domains %q: want comma-separated host names such as s3.localhost", c.S3Domains))
			break
		}
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		errs = append(errs, fmt.Errorf("logLevel %q: want debug, info, warn or error", c.LogLevel))
	}
	switch c.LogFormat {
	case "text", "json":
	default:
		errs = append(errs, fmt.Errorf("logFormat %q: want text or json", c.LogFormat))
	}
	if c.ShutdownTimeout <= 0 {
		errs = append(errs, errors.New("shutdownTimeout must be positive"))
	}
	if c.TrailInterval < Duration(time.Second) || c.TrailDigestInterval < Duration(time.Second) {
		errs = append(errs, errors.New("trailInterval and trailDigestInterval must be at least a second"))
	}
	if err := c.SecurityLake.validate(); err != nil {
		errs = append(errs, err)
	}
	if err := c.Ingest.validate(); err != nil {
		errs = append(errs, err)
	}
	if err := c.Athena.validate(); err != nil {
		errs = append(errs, err)
	}
	if c.FlowPublishInterval < Duration(time.Second) || c.FirewallPublishInterval < Duration(time.Second) {
		errs = append(errs, errors.New("flowPublishInterval and firewallPublishInterval must be at least a second"))
	}
	if a, ok := strings.CutPrefix(c.EVEListen, "unix:"); ok && a == "" {
		errs = append(errs, fmt.Errorf("eveListen %q: want unix:/path/to/socket", c.EVEListen))
	} else if c.EVEListen != "" && !ok {
		if _, _, err := net.SplitHostPort(c.EVEListen); err != nil {
			errs = append(errs, fmt.Errorf("eveListen %q: want host:port (e.g. 127.0.0.1:5140) or unix:/path: %v", c.EVEListen, err))
		}
	}
	if c.FlowListen != "" {
		if _, _, err := net.SplitHostPort(c.FlowListen); err != nil {
			errs = append(errs, fmt.Errorf("flowListen %q: want host:port, e.g. 0.0.0.0:2055: %v", c.FlowListen, err))
		}
	}
	switch c.Target {
	case TargetAll, TargetAPI, TargetWorker:
	default:
		errs = append(errs, fmt.Errorf("target %q: want all, api or worker", c.Target))
	}
	errs = append(errs, c.Replication.validate()...)
	if c.envErr != nil {
		errs = append(errs, c.envErr)
	}
	return errors.Join(errs...)
}

// RedactedMeta returns the metadata DSN with any password removed, for logs.
func (c *Config) RedactedMeta() string { return redactDSN(c.Meta) }

var dsnPassword = regexp.MustCompile(`(://[^:/@]+:)[^@]*@`)

func redactDSN(dsn string) string {
	dsn = dsnPassword.ReplaceAllString(dsn, "${1}xxxxx@")
	return regexp.MustCompile(`(?i)(password=)[^& ]*`).ReplaceAllString(dsn, "${1}xxxxx")
}
