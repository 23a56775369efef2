package main

import (
	"context"
	"flag"
	"fmt"
	"io"

	"github.com/seclake/seclake/internal/app"
)

const eventsHelp = `Usage: seclake events failures|redrive [flags]

failures:

Lists the EventBridge deliveries that failed, one JSON object a line: the rule, the target, the principal
(events.amazonaws.com), the action and resource a policy refused with the statement that would allow it, the
reason, the attempts, and the state — RETRYING (kept and retried with backoff), SENT_TO_DLQ (given up and sent
to the target's dead-letter queue) or KEPT (given up with no dead-letter queue that took it; the event is kept,
sealed). A delivery that succeeds later leaves the list. It reads the same data directory as the server, and
may run while the server runs.

redrive: queues the KEPT failures for delivery again, with their retry budget renewed (after the policy or the
endpoint is fixed); the running server sends them.

Flags:
`

func eventsCommand(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] != "failures" && args[0] != "redrive" {
		fmt.Fprint(stderr, "usage: seclake events failures|redrive [--account ID] [--data DIR] [--meta DSN]\n")
		return 2
	}
	fs := flag.NewFlagSet("events "+args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	var f configFlags
	f.register(fs, false)
	account := fs.String("account", "", "only this account's failures (default: every account's)")
	fs.Usage = func() { fmt.Fprint(fs.Output(), eventsHelp); fs.PrintDefaults() }
	if err := fs.Parse(args[1:]); err != nil {
		return flagExit(err)
	}
	cfg, err := f.resolve()
	if err != nil {
		fmt.Fprintf(stderr, "seclake: %v\n", err)
		return 2
	}
	if args[0] == "redrive" {
		n, err := app.RedriveEventFailures(context.Background(), cfg, *account)
		if err != nil {
			fmt.Fprintf(stderr, "seclake: %v\n", err)
			return 1
		}
		fmt.Fprintf(stdout, "%d kept deliveries queued again\n", n)
		return 0
	}
	n, err := app.EventFailures(context.Background(), cfg, *account, stdout)
	if err != nil {
		fmt.Fprintf(stderr, "seclake: %v\n", err)
		return 1
	}
	fmt.Fprintf(stderr, "%d failed deliveries\n", n)
	return 0
}
