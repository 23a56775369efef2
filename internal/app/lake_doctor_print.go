package app

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
)

// PrintDoctor prints CheckDataLake's answer: a line per check (OK or FAIL), and for each failure why and the
// statement that fixes it; or the JSON answer. It returns the number of failed checks.
func PrintDoctor(w io.Writer, answer json.RawMessage, asJSON bool) (int, error) {
	var out struct {
		Region string
		Failed int
		Checks []struct {
			Path, Principal, Action, Resource, Reason, FixPolicy, Fix string
			OK                                                        bool
		}
	}
	if err := json.Unmarshal(answer, &out); err != nil {
		return 0, err
	}
	if asJSON {
		var buf bytes.Buffer
		if err := json.Indent(&buf, answer, "", "  "); err != nil {
			return 0, err
		}
		buf.WriteByte('\n')
		_, err := w.Write(buf.Bytes())
		return out.Failed, err
	}
	for _, c := range out.Checks {
		verdict := "OK  "
		if !c.OK {
			verdict = "FAIL"
		}
		fmt.Fprintf(w, "%s  %s: %s may %s on %s\n", verdict, c.Path, c.Principal, c.Action, c.Resource)
		if !c.OK {
			fmt.Fprintf(w, "      why: %s\n", c.Reason)
			if c.Fix != "" {
				fmt.Fprintf(w, "      fix: add to %s:\n        %s\n", c.FixPolicy, c.Fix)
			}
		}
	}
	fmt.Fprintf(w, "\n%d checks of the data lake in %s, %d failed.\n", len(out.Checks), out.Region, out.Failed)
	return out.Failed, nil
}
