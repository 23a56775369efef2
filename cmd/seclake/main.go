// Command seclake runs the seclake server and its maintenance commands. It parses the command line and hands
// over to internal/app.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
	"time"

	"github.com/seclake/seclake/internal/app"
	"github.com/seclake/seclake/internal/config"
)

const usage = `seclake — Amazon Security Lake, self-hosted, in one binary. Today it serves the AWS services the
lake stands on — STS, IAM, Organizations, KMS, S3 and CloudTrail — on one port, for the aws CLI, boto3 and
the SDKs; queues (SQS) and the lake itself (OCSF, Parquet/Iceberg, subscribers) are being built.

Usage:
  seclake <command> [flags]

Commands:
  serve          Run the server: every service on one port (default 127.0.0.1:4566); --target api or worker
                 splits the AWS APIs and the background jobs across nodes.
  audit verify   Check the audit trail's hash chain; report any changed, deleted or reordered record.
  trail validate Check a CloudTrail trail's log files against its signed digest files, through the S3 API.
  ocsf normalize Turn vendor logs (VPC flow logs, …) into OCSF 1.1.0 events, as JSON lines, as Security Lake does.
  events failures List EventBridge deliveries that failed: retrying, sent to a dead-letter queue, or kept.
  events redrive Queue the kept ones for delivery again, once their policy or endpoint is fixed.
  ingest         Register locations whose raw logs become rows in the lake (add, list, get, remove), and
                 report ingestion (status, failures, set-aside): a client of seclake's ingestion API.
  lake doctor    Check every path of a data lake (bucket, keys, replication, subscribers, queues, ingest
                 locations) with the policy engine; print what will fail and the statement that fixes it.
  lake reencrypt Re-encrypt a lake's existing objects under its current key (a background job; --wait shows progress).
  query          Run SQL over the lake through the Athena API and print the rows (a table, --output csv|json),
                 e.g. seclake query --database amazon_security_lake_glue_db_us_east_1 --output-location
                 s3://my-results/ 'SELECT count(*) FROM amazon_security_lake_table_us_east_1_cloud_trail_mgmt_2_0'
  ocsf validate  Check OCSF JSON lines of any class against the OCSF 1.1.0 schema, e.g. before a custom source.
  version        Print the version.

Run "seclake <command> --help" for the flags of a command.

Quick start:
  seclake serve          # first start creates ./seclake-data and prints where the root credentials are
  export AWS_SHARED_CREDENTIALS_FILE=$PWD/seclake-data/credentials AWS_PROFILE=seclake AWS_DEFAULT_REGION=us-east-1
  aws --endpoint-url http://127.0.0.1:4566 sts get-caller-identity
`

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	return runWith(args, os.Stdin, stdout, stderr)
}

func runWith(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	switch args[0] {
	case "-h", "--help", "-help", "help":
		fmt.Fprint(stdout, usage)
		return 0
	case "serve":
		return serve(args[1:], stdout, stderr)
	case "audit":
		if len(args) > 1 && args[1] == "verify" {
			return auditVerify(args[2:], stdout, stderr)
		}
		fmt.Fprint(stderr, "usage: seclake audit verify [--data DIR] [--meta DSN]\n")
		return 2
	case "trail":
		if len(args) > 1 && args[1] == "validate" {
			return trailValidate(args[2:], stdout, stderr)
		}
		fmt.Fprint(stderr, "usage: seclake trail validate --trail-arn ARN [--endpoint-url URL] [flags]\n")
		return 2
	case "ocsf":
		return ocsfCommand(args[1:], stdin, stdout, stderr)
	case "events":
		return eventsCommand(args[1:], stdout, stderr)
	case "ingest":
		return ingestCommand(args[1:], stdout, stderr)
	case "query":
		return queryCommand(args[1:], stdin, stdout, stderr)
	case "lake":
		return lakeCommand(args[1:], stdout, stderr)
	case "version":
		fmt.Fprintln(stdout, "seclake", version)
		return 0
	}
	fmt.Fprintf(stderr, "seclake: unknown command %q\n\n%s", args[0], usage)
	return 2
}

// configFlags binds the flags that override configuration fields; a flag's default is empty so that only flags
// the user gave override the file and the environment.
type configFlags struct {
	file                                                                                                string
	listen, data, tlsCert, tlsKey, region, meta, metaSchema, lvl, lfmt, blob, s3Domains                 string
	trailInterval, digestInterval, target, flowListen, flowPublish, eveListen, eveFile, firewallPublish string
}

func (f *configFlags) register(fs *flag.FlagSet, serve bool) {
	fs.StringVar(&f.data, "data", "", "data directory: root key, credentials, metadata and objects (env SECLAKE_DATA; default ./seclake-data)")
	fs.StringVar(&f.meta, "meta", "", "metadata store: empty for SQLite in the data directory, or a postgres:// DSN (env SECLAKE_META)")
	fs.StringVar(&f.metaSchema, "meta-schema", "", "PostgreSQL schema for seclake's tables (env SECLAKE_META_SCHEMA; default public)")
	fs.StringVar(&f.file, "config", "", "JSON config file; unknown keys are errors (flags and environment override it)")
	fs.StringVar(&f.lvl, "log-level", "", "log level: debug, info, warn or error (env SECLAKE_LOG_LEVEL; default info)")
	fs.StringVar(&f.lfmt, "log-format", "", "log format: text or json (env SECLAKE_LOG_FORMAT; default text)")
	if !serve {
		return
	}
	fs.StringVar(&f.target, "target", "", "what this node does: all, api or worker (env SECLAKE_TARGET; default all; see above)")
	fs.StringVar(&f.listen, "listen", "", "address of the edge port that serves every service (env SECLAKE_LISTEN; default 127.0.0.1:4566)")
	fs.StringVar(&f.tlsCert, "tls-cert", "", "TLS certificate file; with --tls-key, serve HTTPS (env SECLAKE_TLS_CERT)")
	fs.StringVar(&f.tlsKey, "tls-key", "", "TLS private key file (env SECLAKE_TLS_KEY)")
	fs.StringVar(&f.region, "region", "", "home region, for requests without a credential scope (env SECLAKE_REGION; default us-east-1)")
	fs.StringVar(&f.trailInterval, "trail-interval", "", "how often CloudTrail trails deliver log files (env SECLAKE_TRAIL_INTERVAL; default 5m)")
	fs.StringVar(&f.digestInterval, "trail-digest-interval", "", "how often trails deliver digest files (env SECLAKE_TRAIL_DIGEST_INTERVAL; default 1h, as on AWS)")
	fs.StringVar(&f.flowListen, "flow-listen", "", "UDP address of the NetFlow v5/v9 and IPFIX collector, e.g. 0.0.0.0:2055 (env SECLAKE_FLOW_LISTEN; default off; see README, Flow logs)")
	fs.StringVar(&f.eveListen, "eve-listen", "", "where Suricata EVE lines arrive for Network Firewall logs: TCP host:port, or unix:/path for Suricata's unix_stream eve-log (env SECLAKE_EVE_LISTEN; default off; see README, Network Firewall logs)")
	fs.StringVar(&f.eveFile, "eve-file", "", "a Suricata eve.json to follow for Network Firewall logs (env SECLAKE_EVE_FILE; default off)")
	fs.StringVar(&f.firewallPublish, "firewall-publish-interval", "", "how often Network Firewall logs write their files (env SECLAKE_FIREWALL_PUBLISH_INTERVAL; default 5m, as on AWS)")
	fs.StringVar(&f.flowPublish, "flow-publish-interval", "", "how often flow logs write their files (env SECLAKE_FLOW_PUBLISH_INTERVAL; default 5m, as on AWS)")
	fs.StringVar(&f.s3Domains, "s3-domains", "", "host names under which <bucket>.<domain> addresses a bucket, comma-separated (env SECLAKE_S3_DOMAINS; default s3.localhost,localhost)")
	fs.StringVar(&f.blob, "blob", "", "blob store for object bodies: empty for <data>/blobs, or s3://bucket[/prefix][?endpoint=URL&region=R&path_style=true|false] for any S3 API (env SECLAKE_BLOB)")
}

// resolve builds the configuration: defaults, then the file, then the environment, then the flags.
func (f *configFlags) resolve() (config.Config, error) {
	cfg := config.Default()
	if f.file != "" {
		if err := cfg.LoadFile(f.file); err != nil {
			return cfg, err
		}
	}
	cfg.ApplyEnv(os.LookupEnv)
	for _, o := range []struct{ v, dst *string }{
		{&f.listen, &cfg.Listen}, {&f.data, &cfg.DataDir}, {&f.tlsCert, &cfg.TLSCert}, {&f.tlsKey, &cfg.TLSKey},
		{&f.region, &cfg.Region}, {&f.meta, &cfg.Meta}, {&f.metaSchema, &cfg.MetaSchema}, {&f.lvl, &cfg.LogLevel}, {&f.lfmt, &cfg.LogFormat}, {&f.blob, &cfg.Blob}, {&f.s3Domains, &cfg.S3Domains},
		{&f.target, &cfg.Target}, {&f.flowListen, &cfg.FlowListen}, {&f.eveListen, &cfg.EVEListen}, {&f.eveFile, &cfg.EVEFile},
	} {
		if *o.v != "" {
			*o.dst = *o.v
		}
	}
	for _, o := range []struct {
		flag, v string
		dst     *config.Duration
	}{{"--trail-interval", f.trailInterval, &cfg.TrailInterval}, {"--trail-digest-interval", f.digestInterval, &cfg.TrailDigestInterval},
		{"--flow-publish-interval", f.flowPublish, &cfg.FlowPublishInterval}, {"--firewall-publish-interval", f.firewallPublish, &cfg.FirewallPublishInterval}} {
		if o.v == "" {
			continue
		}
		d, err := time.ParseDuration(o.v)
		if err != nil {
			return cfg, fmt.Errorf("%s %q: want a duration like 5m", o.flag, o.v)
		}
		*o.dst = config.Duration(d)
	}
	return cfg, cfg.Validate()
}

const serveHelp = `Usage: seclake serve [flags]

Runs seclake: STS, CloudTrail and the other AWS APIs on one port, with SigV4 authentication and an audit record
of every call. The first start creates the data directory, a root key (back it up), the management account and
its root access key, written to <data>/credentials as profile "seclake".

Secrets come only from the environment:
  SECLAKE_ROOT_KEY                  base64 root key (distributed mode: the same on every node)
  SECLAKE_ACCOUNT_ID                pin the management account ID on first start (12 digits)
  SECLAKE_ROOT_ACCESS_KEY_ID        pin the root access key on first start (with the secret below)
  SECLAKE_ROOT_SECRET_ACCESS_KEY
  SECLAKE_BLOB_ACCESS_KEY_ID        credentials of an s3:// --blob store (else the AWS SDK's default chain:
  SECLAKE_BLOB_SECRET_ACCESS_KEY    AWS_* variables, shared files, instance or task roles)
  SECLAKE_BLOB_SESSION_TOKEN

Targets (--target): what this node does.
  all      serve the AWS APIs and run the background jobs (the default; one node is a whole seclake)
  api      serve the AWS APIs only; no background jobs
  worker   run the background jobs only: KMS's scheduled rotations and deletions, S3 lifecycle and the blob
           sweeper, trail delivery, the purge of expired credentials. It serves /_seclake/* (health,
           metrics, jobs) on --listen and answers AWS API requests with 421 Misdirected Request.
  Several api and worker nodes share one PostgreSQL metadata store (--meta postgres://…), one blob store
  (--blob) and one root key (SECLAKE_ROOT_KEY). Each job runs once per schedule slot across the workers: a
  worker claims the slot in the metadata store, under a lease that another worker takes over if it dies.

Health: GET /_seclake/health    Metrics (Prometheus): GET /_seclake/metrics
Background jobs (schedule, last run, node, error, next due): GET /_seclake/jobs

Flags:
`

// serverGCPercent is the garbage collector's target for `seclake serve` when GOGC is not set. The server's
// live heap is small (tens of MiB) and its garbage is per-request, so letting the heap grow to five times the
// live data before a cycle spends less CPU on collection: 13 % less server CPU per audited request for about
// 10 MiB more memory (docs/benchmarks.md, edge). GOGC and GOMEMLIMIT, when set, are honoured as usual.
const serverGCPercent = 400

func tuneGC() {
	if _, set := os.LookupEnv("GOGC"); !set {
		debug.SetGCPercent(serverGCPercent)
	}
}

func serve(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var f configFlags
	f.register(fs, true)
	fs.Usage = func() { fmt.Fprint(fs.Output(), serveHelp); fs.PrintDefaults() }
	if err := fs.Parse(args); err != nil {
		return flagExit(err)
	}
	tuneGC()
	cfg, err := f.resolve()
	if err != nil {
		fmt.Fprintf(stderr, "seclake: %v\n", err)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	srv, err := app.Start(ctx, cfg, app.Options{Stdout: stdout, Stderr: stderr})
	if err != nil {
		fmt.Fprintf(stderr, "seclake: %v\n", err)
		return 1
	}
	select {
	case <-ctx.Done():
	case err := <-srv.Wait():
		fmt.Fprintf(stderr, "seclake: server stopped: %v\n", err)
	}
	stop() // a second signal now kills the process
	if err := srv.Shutdown(context.Background()); err != nil {
		fmt.Fprintf(stderr, "seclake: shutdown: %v\n", err)
		return 1
	}
	return 0
}

const auditHelp = `Usage: seclake audit verify [flags]

Walks the whole audit trail and checks its hash chain and the signed chain head. It reports the first record
that was changed, any deleted (missing) records, reordering, and a truncated or rewritten tail. It reads the
same data directory (and root key) as the server, and may run while the server runs.
Exit status: 0 when the chain verifies, 1 when it does not, 2 on usage errors.

Flags:
`

func auditVerify(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("audit verify", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var f configFlags
	f.register(fs, false)
	fs.Usage = func() { fmt.Fprint(fs.Output(), auditHelp); fs.PrintDefaults() }
	if err := fs.Parse(args); err != nil {
		return flagExit(err)
	}
	cfg, err := f.resolve()
	if err != nil {
		fmt.Fprintf(stderr, "seclake: %v\n", err)
		return 2
	}
	ok, err := app.VerifyAudit(context.Background(), cfg, stdout)
	return verdict(ok, err, stderr)
}

// verdict is the exit status of a check: 0 when it passed, 1 when it failed or could not run.
func verdict(ok bool, err error, stderr io.Writer) int {
	if err != nil {
		fmt.Fprintf(stderr, "seclake: %v\n", err)
		return 1
	}
	if !ok {
		return 1
	}
	return 0
}

func flagExit(err error) int {
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	return 2
}
