package app

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
)

// ingestLocation is a location as the ingestion API answers it.
type ingestLocation struct {
	LocationID string `json:"locationId"`
	Bucket     string `json:"bucket"`
	Prefix     string `json:"prefix"`
	Source     string `json:"source"`
	Region     string `json:"region"`
	Remote     string `json:"remote"`
	CreatedAt  string `json:"createdAt"`
	Backfill   struct {
		Listed   int64  `json:"listed"`
		Enqueued int64  `json:"enqueued"`
		Complete bool   `json:"complete"`
		Error    string `json:"error"`
	} `json:"backfill"`
	Objects struct {
		Queued int64 `json:"queued"`
		Done   int64 `json:"done"`
		Failed int64 `json:"failed"`
	} `json:"objects"`
}

// PrintIngest prints the answer of a `seclake ingest` command: the JSON as it came with asJSON, else a table.
func PrintIngest(w io.Writer, cmd string, answer json.RawMessage, asJSON bool) error {
	if asJSON {
		var buf bytes.Buffer
		if err := json.Indent(&buf, answer, "", "  "); err != nil {
			return err
		}
		buf.WriteByte('\n')
		_, err := w.Write(buf.Bytes())
		return err
	}
	switch cmd {
	case "add":
		var out struct {
			Location        ingestLocation `json:"location"`
			LakeCreated     bool           `json:"lakeCreated"`
			LakeBucket      string         `json:"lakeBucket"`
			PolicyStatement string         `json:"policyStatement"`
		}
		if err := json.Unmarshal(answer, &out); err != nil {
			return err
		}
		if err := printLocations(w, []ingestLocation{out.Location}); err != nil {
			return err
		}
		if out.PolicyStatement != "" {
			fmt.Fprintf(w, "\nAdded to the bucket policy of %s: %s\n", out.Location.Bucket, out.PolicyStatement)
		}
		if out.LakeCreated {
			fmt.Fprintf(w, "\nCreated your data lake in %s (bucket %s, SSE-S3).\n", out.Location.Region, out.LakeBucket)
		}
		return nil
	case "list":
		var out struct {
			Locations []ingestLocation `json:"locations"`
		}
		if err := json.Unmarshal(answer, &out); err != nil {
			return err
		}
		return printLocations(w, out.Locations)
	case "get", "remove":
		var out struct {
			Location ingestLocation `json:"location"`
		}
		if err := json.Unmarshal(answer, &out); err != nil {
			return err
		}
		if cmd == "remove" {
			fmt.Fprintf(w, "Removed %s (s3://%s/%s); what was ingested stays in the lake.\n", out.Location.LocationID, out.Location.Bucket, out.Location.Prefix)
			return nil
		}
		return printLocations(w, []ingestLocation{out.Location})
	}
	return printRows(w, answer)
}

func printLocations(w io.Writer, locs []ingestLocation) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tLOCATION\tSOURCE\tREGION\tCREATED\tBACKFILL\tOBJECTS")
	for _, l := range locs {
		state, where := "listing", "s3://"
		if l.Backfill.Complete {
			state = "complete"
		}
		if l.Remote != "" {
			state, where = "polled", l.Remote+":s3://"
		}
		if l.Backfill.Error != "" {
			state = "failing (" + l.Backfill.Error + ")"
		}
		fmt.Fprintf(tw, "%s\t%s%s/%s\t%s\t%s\t%s\t%s: %d listed, %d queued\t%d done, %d waiting (%d failed)\n", l.LocationID,
			where, l.Bucket, l.Prefix, l.Source, l.Region, l.CreatedAt, state, l.Backfill.Listed, l.Backfill.Enqueued,
			l.Objects.Done, l.Objects.Queued, l.Objects.Failed)
	}
	return tw.Flush()
}

// printRows prints each list of objects in an answer as a table, its columns the objects' keys, and the
// answer's other members as "name: value" lines.
func printRows(w io.Writer, answer json.RawMessage) error {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(answer, &top); err != nil {
		return err
	}
	names := make([]string, 0, len(top))
	for k := range top {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, name := range names {
		var rows []map[string]any
		if json.Unmarshal(top[name], &rows) != nil {
			fmt.Fprintf(w, "%s: %s\n", name, top[name])
			continue
		}
		fmt.Fprintf(w, "%s (%d)\n", name, len(rows))
		if len(rows) == 0 {
			continue
		}
		cols := columns(rows)
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, strings.ToUpper(strings.Join(cols, "\t")))
		for _, r := range rows {
			vals := make([]string, len(cols))
			for i, c := range cols {
				vals[i] = cell(r[c])
			}
			fmt.Fprintln(tw, strings.Join(vals, "\t"))
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	return nil
}

func cell(v any) string {
	switch x := v.(type) {
	case nil:
		return "-"
	case string:
		return x
	case float64:
		return fmt.Sprint(x)
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// leading are the columns printed first when a table has them: what a row is about.
var leading = []string{"source", "locationId", "bucket", "key", "object", "record", "reason"}

// columns returns the keys of any of rows: the leading ones first, then the others sorted.
func columns(rows []map[string]any) []string {
	seen := map[string]bool{}
	var cols []string
	for _, r := range rows {
		for k := range r {
			if !seen[k] {
				seen[k] = true
				cols = append(cols, k)
			}
		}
	}
	rank := func(c string) int {
		for i, l := range leading {
			if l == c {
				return i
			}
		}
		return len(leading)
	}
	sort.Slice(cols, func(i, j int) bool {
		ri, rj := rank(cols[i]), rank(cols[j])
		return ri < rj || ri == rj && cols[i] < cols[j]
	})
	return cols
}
