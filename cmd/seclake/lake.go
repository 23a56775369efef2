package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"

	"github.com/seclake/seclake/internal/app"
)

const lakeHelp = `Usage: seclake lake doctor [--region R] [--json]
       seclake lake reencrypt [--region R] [--wait] [--json]

doctor checks every path of your data lake in a region with the policy engine, before anything fails: Security Lake
(securitylake.amazonaws.com) on the lake bucket and its KMS key (through S3, with the bucket as encryption
context), the replication role on the lake's and the rollup regions' buckets and keys, each subscriber's role on
its sources' prefixes and the key, Security Lake on each subscriber queue and the queue's key, and Security Lake
on each ingest location's bucket. Each check prints OK or FAIL; a failure names why and the statement that fixes
it, with the policy it goes into. The exit status is 1 when a check fails. You need seclake:CheckDataLake. A
client of seclake's API (CheckDataLake), signed with your AWS credentials (as the aws CLI finds them).

reencrypt re-encrypts the existing objects of the lake under its current key (AWS leaves them under the key they
were written with): a background job of the server copies each object onto itself as Security Lake, with
progress; Iceberg metadata is unaffected (paths do not change). Run it again after a failure (a key policy that
refuses: the reason names the statement to add) and it resumes where it stopped. --wait prints the progress
until it ends; the exit status is 1 when it failed. You need seclake:StartReencryption (and
seclake:GetReencryption for --wait).

Flags:
`

// lakeCommand runs `seclake lake <command>`.
func lakeCommand(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("lake", flag.ContinueOnError)
	endpoint := os.Getenv("AWS_ENDPOINT_URL")
	if endpoint == "" {
		endpoint = "http://127.0.0.1:4566"
	}
	fs.StringVar(&endpoint, "endpoint-url", endpoint, "seclake's URL (env AWS_ENDPOINT_URL)")
	region := fs.String("region", "", "the lake's region, also the signing region (default: AWS_REGION / the profile's, else us-east-1)")
	asJSON := fs.Bool("json", false, "print the API's JSON answer")
	wait := fs.Bool("wait", false, "reencrypt: print the progress until the re-encryption ends")
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(fs.Output(), lakeHelp); fs.PrintDefaults() }
	if len(args) == 0 || (args[0] != "doctor" && args[0] != "reencrypt") {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
			fs.SetOutput(stdout)
			fs.Usage()
			return 0
		}
		fs.Usage()
		return 2
	}
	if err := fs.Parse(args[1:]); err != nil {
		return flagExit(err)
	}
	req := app.IngestRequest{Endpoint: endpoint, Region: *region, Method: http.MethodGet, Path: "/v1/lake/check"}
	if *region != "" {
		req.Query = url.Values{"region": {*region}}
	}
	var failed int
	var err error
	if args[0] == "doctor" {
		var out []byte
		if out, err = app.CallIngest(context.Background(), req); err == nil {
			failed, err = app.PrintDoctor(stdout, out, *asJSON)
		}
	} else {
		failed, err = app.Reencrypt(context.Background(), stdout, req, *wait, *asJSON)
	}
	if err != nil {
		fmt.Fprintf(stderr, "seclake: %v\n", err)
		return 1
	}
	if failed > 0 {
		return 1
	}
	return 0
}
