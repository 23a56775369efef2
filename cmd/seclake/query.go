package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"

	"github.com/seclake/seclake/internal/app"
)

const queryHelp = `Usage: seclake query [flags] 'SELECT …'

Runs SQL over your lake through seclake's Athena API (StartQueryExecution, then GetQueryExecution until it
ends, then GetQueryResults), signed with your AWS credentials, so the same permissions apply as to
"aws athena start-query-execution": athena:* on the work group, the tables' glue:GetTable and the lake's
s3:GetObject and kms:Decrypt, and s3:PutObject on the output location. SQL "-" reads it from stdin.

While a query runs longer than a second, a progress line goes to stderr. The rows go to stdout as a table
(--output table, the default), as CSV with a header row (--output csv; NULL is an empty field), or as JSON
lines, one object a row with null for NULL (--output json). A query that fails prints Athena's reason and
exits 1.

Tables are named as in Athena: amazon_security_lake_table_<region>_<source>_<version> in the database
amazon_security_lake_glue_db_<region> (--database, or qualify the names). Results are written as Athena
writes them, <output location><query id>.csv: give --output-location s3://bucket/path/ unless the work
group has one.

Credentials come from the AWS SDK's default chain, as the aws CLI's: AWS_ACCESS_KEY_ID and
AWS_SECRET_ACCESS_KEY, or AWS_PROFILE with AWS_SHARED_CREDENTIALS_FILE (e.g. <data>/credentials and profile
"seclake").

Flags:
`

// queryCommand runs `seclake query`.
func queryCommand(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("query", flag.ContinueOnError)
	fs.SetOutput(stderr)
	endpoint := os.Getenv("AWS_ENDPOINT_URL")
	if endpoint == "" {
		endpoint = "http://127.0.0.1:4566"
	}
	o := app.QueryOptions{Progress: stderr, TTY: isTerminal(os.Stderr) && stderr == io.Writer(os.Stderr)}
	fs.StringVar(&o.Endpoint, "endpoint-url", endpoint, "seclake's URL (env AWS_ENDPOINT_URL)")
	fs.StringVar(&o.Region, "region", "", "the signing region, whose catalog the query reads (default: AWS_REGION / the profile's, else us-east-1)")
	fs.StringVar(&o.Database, "database", "", "the database of unqualified table names (e.g. amazon_security_lake_glue_db_us_east_1)")
	fs.StringVar(&o.Catalog, "catalog", "", "the data catalog (default AwsDataCatalog)")
	fs.StringVar(&o.WorkGroup, "work-group", "", "the work group (default primary)")
	fs.StringVar(&o.OutputLocation, "output-location", "", "where the results are written, s3://bucket/path/ (default: the work group's)")
	fs.StringVar(&o.Output, "output", "table", "table, csv or json")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), queryHelp)
		fs.PrintDefaults()
	}
	if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
		fs.SetOutput(stdout)
		fs.Usage()
		return 0
	}
	if err := fs.Parse(args); err != nil {
		return flagExit(err)
	}
	if fs.NArg() != 1 {
		fmt.Fprint(stderr, "seclake: query takes one SQL statement (quote it), or - to read it from stdin (see seclake query --help)\n")
		return 2
	}
	o.SQL = fs.Arg(0)
	if o.SQL == "-" {
		b, err := io.ReadAll(stdin)
		if err != nil {
			fmt.Fprintf(stderr, "seclake: read the query from stdin: %v\n", err)
			return 1
		}
		o.SQL = string(b)
	}
	if strings.TrimSpace(o.SQL) == "" {
		fmt.Fprint(stderr, "seclake: the query is empty\n")
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := app.RunQuery(ctx, o, stdout); err != nil {
		fmt.Fprintf(stderr, "seclake: %v\n", err)
		return 1
	}
	return 0
}

// isTerminal reports whether f is a character device (a terminal).
func isTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
