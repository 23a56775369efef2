package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/seclake/seclake/internal/app"
)

const trailHelp = `Usage: seclake trail validate --trail-arn ARN [flags]

Checks a CloudTrail trail's files in the spirit of "aws cloudtrail validate-logs": it reads the trail's
digest files through seclake's S3 API, checks each one's signature with the public keys from ListPublicKeys
and its link to the digest before it, then reads every log file a digest lists and compares its SHA-256. It
also lists the trail's log folders and reports files that no digest lists. It reports each log file that
was changed, deleted or added, and each digest file that is invalid or missing.

Credentials come from the AWS SDK's default chain (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or
AWS_PROFILE with AWS_SHARED_CREDENTIALS_FILE, e.g. <data>/credentials and profile "seclake"). They need
s3:ListBucket and s3:GetObject on the bucket, kms:Decrypt on the trail's key, and cloudtrail:DescribeTrails
and cloudtrail:ListPublicKeys.
Exit status: 0 when every file validates, 1 when one does not (or on errors), 2 on usage errors.

Flags:
`

func trailValidate(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("trail validate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	endpoint := os.Getenv("AWS_ENDPOINT_URL")
	if endpoint == "" {
		endpoint = "http://127.0.0.1:4566"
	}
	var in app.ValidateTrailInput
	var start, end, regions string
	fs.StringVar(&in.Endpoint, "endpoint-url", endpoint, "seclake's URL (env AWS_ENDPOINT_URL)")
	fs.StringVar(&in.Trail.TrailARN, "trail-arn", "", "the trail's ARN (required)")
	fs.StringVar(&start, "start-time", "", "validate files delivered at or after this time (RFC 3339, e.g. 2026-03-01T12:00:00Z; default: all)")
	fs.StringVar(&end, "end-time", "", "validate files delivered at or before this time (RFC 3339; default: all)")
	fs.StringVar(&regions, "region", "", "comma-separated regions of a multi-region trail to validate (default: every region found)")
	fs.StringVar(&in.Trail.Bucket, "s3-bucket", "", "the bucket of the files (default: the trail's, from DescribeTrails)")
	fs.StringVar(&in.Trail.Prefix, "s3-prefix", "", "the key prefix of the files, with --s3-bucket")
	fs.BoolVar(&in.Verbose, "verbose", false, "list every valid file too")
	fs.Usage = func() { fmt.Fprint(fs.Output(), trailHelp); fs.PrintDefaults() }
	if err := fs.Parse(args); err != nil {
		return flagExit(err)
	}
	var err error
	if in.Trail.Start, err = parseTime(start); err == nil {
		in.Trail.End, err = parseTime(end)
	}
	if err != nil || in.Trail.TrailARN == "" {
		fmt.Fprintf(stderr, "seclake: give --trail-arn, and times like 2026-03-01T12:00:00Z (%v)\n", err)
		return 2
	}
	if regions != "" {
		in.Trail.Regions = strings.Split(regions, ",")
	}
	ok, err := app.ValidateTrail(context.Background(), in, stdout)
	return verdict(ok, err, stderr)
}

// parseTime parses an RFC 3339 time; "" is the zero time.
func parseTime(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	return time.Parse(time.RFC3339, s)
}
