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
	"github.com/seclake/seclake/internal/source/catalog"
)

const ocsfUsage = "usage: seclake ocsf normalize --source NAME [FILE…] | seclake ocsf validate [FILE…]\n"

func ocsfCommand(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) > 0 {
		switch args[0] {
		case "normalize":
			return ocsfNormalize(args[1:], stdin, stdout, stderr)
		case "validate":
			return ocsfValidate(args[1:], stdin, stdout, stderr)
		}
	}
	fmt.Fprint(stderr, ocsfUsage)
	return 2
}

func normalizeHelp() string {
	var b strings.Builder
	b.WriteString(`Usage: seclake ocsf normalize --source NAME [flags] [FILE…]

Reads vendor logs (each FILE, gzip or plain; standard input when there is none or FILE is -) and writes
the OCSF 1.1.0 events they become to standard output, one JSON object per line, as Security Lake (source
version 2.0) writes them. Records that cannot be normalized are reported on standard error with their line
number and the reason, and the rest goes on; the counts come last.
Exit status: 0 when every record was normalized, 1 when some were set aside (or on errors), 2 on usage errors.

Sources (--source, by name or Security Lake name):
`)
	for _, s := range catalog.Registry().All() {
		info := s.Info()
		fmt.Fprintf(&b, "  %-12s %s", info.Name, info.Summary)
		if info.SecurityLake != "" {
			fmt.Fprintf(&b, " [%s %s, table %s]", info.SecurityLake, info.Version, strings.Join(info.Tables, ", "))
		}
		b.WriteString("\n")
	}
	b.WriteString(`
Example:
  seclake ocsf normalize --source vpcflow --region us-east-1 flowlogs/*.log.gz > flows.ocsf.jsonl
  seclake ocsf validate flows.ocsf.jsonl

Flags:
`)
	return b.String()
}

func ocsfNormalize(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("ocsf normalize", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var in app.NormalizeInput
	fs.StringVar(&in.Source, "source", "", "the source (format) of the input: see above (required)")
	fs.StringVar(&in.Format, "format", "", `the records' layout when the files do not give it; for vpcflow, the flow log's LogFormat ("${version} ${vpc-id} …") for files without a header line`)
	fs.StringVar(&in.Region, "region", "", "the region of records that do not name theirs (as the delivery path AWSLogs/<account>/…/<region>/ gives it)")
	fs.StringVar(&in.Account, "account", "", "the account of records that do not name theirs")
	fs.Usage = func() { fmt.Fprint(fs.Output(), normalizeHelp()); fs.PrintDefaults() }
	if err := fs.Parse(args); err != nil {
		return flagExit(err)
	}
	if in.Source == "" {
		fmt.Fprintf(stderr, "seclake: give --source; the sources are %s\n", catalog.Registry().Names())
		return 2
	}
	in.Files = fs.Args()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	ok, err := app.NormalizeOCSF(ctx, in, stdin, stdout, stderr)
	return verdict(ok, err, stderr)
}

const validateHelp = `Usage: seclake ocsf validate [flags] [FILE…]

Checks OCSF events — one JSON object per line, of any class, in each FILE (gzip or plain; standard input when
there is none or FILE is -) — against the OCSF 1.1.0 schema, before you write them to a custom source: the
class named by class_uid and the profiles in metadata.profiles; required attributes; attributes the class or
object does not have (vendor fields belong under unmapped); the types of values (integers, ports, timestamps,
RFC 3339 datetimes, IP addresses, …); _id values and their captions; type_uid = class_uid × 100 +
activity_id; category_uid. Each problem is printed as FILE:LINE: field.path: what is wrong, then a summary.
With --table, each event must also fit the columns of that Security Lake 2.0 table.
Exit status: 0 when every event is valid, 1 when one is not (or on errors), 2 on usage errors.

Flags:
`

func ocsfValidate(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("ocsf validate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var in app.ValidateInput
	fs.StringVar(&in.Table, "table", "", "also check each event against this Security Lake 2.0 table's columns (cloud_trail_mgmt, eks_audit, lambda_execution, route53, s3_data, sh_findings, vpc_flow, waf)")
	fs.Usage = func() { fmt.Fprint(fs.Output(), validateHelp); fs.PrintDefaults() }
	if err := fs.Parse(args); err != nil {
		return flagExit(err)
	}
	in.Files = fs.Args()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	ok, err := app.ValidateOCSF(ctx, in, stdin, stdout)
	return verdict(ok, err, stderr)
}
