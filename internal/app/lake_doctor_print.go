package app

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"
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

// reencryption is GetReencryption's and StartReencryption's answer.
type reencryption struct {
	Reencryption struct {
		Region, KmsKeyArn, Status, Cursor, Reason string
		Examined, Reencrypted, Skipped            int64
	}
}

// Reencrypt starts the re-encryption of the lake req names (its Endpoint, Region and Query) and prints it; with
// wait, it polls GetReencryption every second and prints the progress until the job ends. It returns 1 when
// the job failed.
func Reencrypt(ctx context.Context, w io.Writer, req IngestRequest, wait, asJSON bool) (int, error) {
	c, err := newIngestClient(ctx, req.Region)
	if err != nil {
		return 0, err
	}
	start := req
	start.Method, start.Path, start.Query = http.MethodPost, "/v1/lake/reencryption", nil
	start.Body = map[string]string{"region": req.Region}
	answer, err := c.call(ctx, start)
	last := ""
	for err == nil {
		var r reencryption
		if err = json.Unmarshal(answer, &r); err != nil {
			break
		}
		j := r.Reencryption
		line := fmt.Sprintf("%s: %d objects examined, %d re-encrypted, %d already under %s", j.Status, j.Examined, j.Reencrypted,
			j.Skipped, cmp.Or(j.KmsKeyArn, "SSE-S3"))
		switch {
		case asJSON && (!wait || j.Status != "RUNNING"):
			_, err = w.Write(append(answer, '\n'))
		case !asJSON && line != last:
			fmt.Fprintln(w, line)
		}
		last = line
		if j.Status == "FAILED" {
			if !asJSON {
				fmt.Fprintln(w, j.Reason)
			}
			return 1, err
		}
		if !wait || j.Status != "RUNNING" || err != nil {
			break
		}
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-time.After(time.Second):
		}
		get := req
		get.Path = "/v1/lake/reencryption"
		answer, err = c.call(ctx, get)
	}
	return 0, err
}
