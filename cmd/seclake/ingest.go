package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"

	"github.com/seclake/seclake/internal/app"
)

const ingestHelp = `Usage: seclake ingest <command> [flags]

Registers locations — a bucket and prefix in seclake's S3 — whose raw logs (CloudTrail, VPC flow logs,
Route 53 Resolver, Security Hub, EKS audit, WAF, … as AWS delivers them) become OCSF rows in your lake's
tables, and reports ingestion. A client of seclake's ingestion API (the same API as
"AWS_DATA_PATH=<seclake>/internal/api/ingest/model aws seclake …"), signed with your AWS credentials.

Commands:
  add --bucket B [--prefix P] [--source S|auto] [--region R] [--grant-access]
            Register a location. Objects created under it from now on are ingested as they are written, and
            those already there are backfilled (see "list" for progress). You need s3:ListBucket and
            s3:GetObject on it and seclake:AddIngestLocation. The Security Lake service principal
            (securitylake.amazonaws.com, for your account) reads the objects: when the bucket policy does not
            let it, add is refused with the statement to add, or --grant-access adds it (you need
            s3:GetBucketPolicy and s3:PutBucketPolicy). If your account has no lake in the region (default:
            the bucket's region), one is created (SSE-S3), as you (s3:CreateBucket, s3:PutBucketPolicy,
            s3:PutEncryptionConfiguration).
  add --remote NAME --bucket B [--prefix P] [--source S|auto] [--region R]
            Register a location on another S3 endpoint (AWS, MinIO, another seclake) that the server's
            configuration names in ingest.remotes, with the access key its environment holds. The bucket is
            listed every ingest.pollInterval (default 60s; S3 has no notifications across endpoints) after
            the last key seen, so new keys must sort after it (as AWS's delivery layouts do), and its objects
            are read with the remote's credentials. You need seclake:AddIngestLocation; the region defaults
            to yours. A listing the remote refuses shows in "list" with the remote's message, and is retried.
  list      The locations of your account, with their backfill progress.
  get ID    One location.
  remove ID Unregister a location; what was ingested stays in the lake.
  status    Objects queued, done and failed, records, events, set-aside records and lag, per source and location.
  failures  Objects whose ingestion failed (and is retried), with the reason: a policy that refuses the
            Security Lake principal names the statement to add.
  set-aside Records that could not be normalized, with their object, record number and reason (--source).

Credentials come from the AWS SDK's default chain, as the aws CLI's: AWS_ACCESS_KEY_ID and
AWS_SECRET_ACCESS_KEY, or AWS_PROFILE with AWS_SHARED_CREDENTIALS_FILE (e.g. <data>/credentials and profile
"seclake"). Output is a table; --json prints the API's answer.

Flags:
`

// ingestCommand runs `seclake ingest <command>`.
func ingestCommand(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		w, code := stdout, 0
		if len(args) == 0 {
			w, code = stderr, 2
		}
		f := newIngestFlags("ingest")
		f.fs.SetOutput(w)
		fmt.Fprint(w, ingestHelp)
		f.fs.PrintDefaults()
		return code
	}
	f := newIngestFlags("ingest " + args[0])
	f.fs.SetOutput(stderr)
	f.fs.Usage = func() {
		fmt.Fprintf(f.fs.Output(), "Usage: seclake ingest %s [flags]\n\n%s", args[0], ingestHelp)
		f.fs.PrintDefaults()
	}
	if err := f.fs.Parse(args[1:]); err != nil {
		return flagExit(err)
	}
	req, ok := f.request(args[0])
	if !ok {
		fmt.Fprintf(stderr, "seclake: unknown or incomplete ingest command %q (see seclake ingest --help)\n", args[0])
		return 2
	}
	out, err := app.CallIngest(context.Background(), req)
	if err == nil {
		err = app.PrintIngest(stdout, args[0], out, f.json)
	}
	if err != nil {
		fmt.Fprintf(stderr, "seclake: %v\n", err)
		return 1
	}
	return 0
}

type ingestFlags struct {
	fs                                    *flag.FlagSet
	endpoint, region, bucket, prefix, src string
	remote                                string
	grant, json                           bool
	max                                   int
}

func newIngestFlags(name string) *ingestFlags {
	f := &ingestFlags{fs: flag.NewFlagSet(name, flag.ContinueOnError)}
	endpoint := os.Getenv("AWS_ENDPOINT_URL")
	if endpoint == "" {
		endpoint = "http://127.0.0.1:4566"
	}
	f.fs.StringVar(&f.endpoint, "endpoint-url", endpoint, "seclake's URL (env AWS_ENDPOINT_URL)")
	f.fs.StringVar(&f.region, "region", "", "add: the lake's region (default: the bucket's); also the signing region (default: AWS_REGION / the profile's, else us-east-1)")
	f.fs.StringVar(&f.bucket, "bucket", "", "add: the location's bucket (required)")
	f.fs.StringVar(&f.prefix, "prefix", "", "add: the key prefix of the location (default: the whole bucket)")
	f.fs.StringVar(&f.src, "source", "auto", "add: the source format (cloudtrail, vpcflow, route53, securityhub, eksaudit, waf, …), or auto to detect it from AWS's delivery layouts; set-aside: only this source's records")
	f.fs.StringVar(&f.remote, "remote", "", "add: the bucket is on this remote S3 endpoint of the server's configuration (ingest.remotes): it is polled with the remote's credentials")
	f.fs.BoolVar(&f.grant, "grant-access", false, "add: add the statement that lets securitylake.amazonaws.com read the location to the bucket policy")
	f.fs.BoolVar(&f.json, "json", false, "print the API's JSON answer instead of a table")
	f.fs.IntVar(&f.max, "max", 100, "failures, set-aside: at most this many")
	return f
}

// request is the API call of a command, and whether the command and its arguments are complete.
func (f *ingestFlags) request(cmd string) (app.IngestRequest, bool) {
	r := app.IngestRequest{Endpoint: f.endpoint, Region: f.region, Method: http.MethodGet}
	id := f.fs.Arg(0)
	switch cmd {
	case "add":
		r.Method, r.Path = http.MethodPost, "/v1/ingest/locations"
		body := map[string]any{"bucket": f.bucket, "prefix": f.prefix, "source": f.src, "region": f.region, "grantAccess": f.grant}
		if f.remote != "" {
			body["remote"] = f.remote
		}
		r.Body = body
		return r, f.bucket != ""
	case "list":
		r.Path = "/v1/ingest/locations"
	case "get":
		r.Path = "/v1/ingest/locations/" + url.PathEscape(id)
		return r, id != ""
	case "remove":
		r.Method, r.Path = http.MethodDelete, "/v1/ingest/locations/"+url.PathEscape(id)
		return r, id != ""
	case "status":
		r.Path = "/v1/ingest/status"
	case "failures":
		r.Path, r.Query = "/v1/ingest/failures", url.Values{"maxResults": {strconv.Itoa(f.max)}}
	case "set-aside":
		r.Path, r.Query = "/v1/ingest/set-aside", url.Values{"maxResults": {strconv.Itoa(f.max)}}
		if f.src != "auto" {
			r.Query.Set("source", f.src)
		}
	default:
		return r, false
	}
	return r, true
}
