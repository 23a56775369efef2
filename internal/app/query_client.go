package app

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"
)

// QueryOptions is one `seclake query`: SQL run through seclake's Athena API with the caller's AWS credentials.
type QueryOptions struct {
	// Endpoint is seclake's URL; Region the signing region ("" for the SDK's default chain, else us-east-1).
	Endpoint, Region string
	SQL              string
	// Database, Catalog, WorkGroup and OutputLocation are StartQueryExecution's (empty: Athena's defaults).
	Database, Catalog, WorkGroup, OutputLocation string
	// Output is table, csv or json (JSON lines: one object a row, null for NULL).
	Output string
	// Progress, when set, gets a line while the query runs longer than a second; TTY says it is a terminal,
	// where the line is rewritten in place.
	Progress io.Writer
	TTY      bool
	// Poll is how often the query's state is asked (default 200 ms).
	Poll time.Duration
}

// athenaCall calls an Athena operation (JSON 1.1) and decodes its answer into out.
func (c *ingestClient) athenaCall(ctx context.Context, endpoint, op string, in, out any) error {
	body, err := json.Marshal(in)
	if err != nil {
		return err
	}
	hr, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimSuffix(endpoint, "/")+"/", bytes.NewReader(body))
	if err != nil {
		return err
	}
	hr.Header.Set("Content-Type", "application/x-amz-json-1.1")
	hr.Header.Set("X-Amz-Target", "AmazonAthena."+op)
	raw, err := c.send(ctx, hr, body, "athena")
	if err != nil {
		return err
	}
	return json.Unmarshal(raw, out)
}

type queryStatus struct {
	QueryExecution struct {
		QueryExecutionId string
		Status           struct{ State, StateChangeReason string }
		Statistics       struct{ DataScannedInBytes int64 }
	}
}

type queryPage struct {
	ResultSet struct {
		Rows []struct {
			Data []struct{ VarCharValue *string }
		}
		ResultSetMetadata struct{ ColumnInfo []struct{ Name, Type string } }
	}
	NextToken string
}

// RunQuery starts the query, waits for it (with a progress line), and writes its rows to w. A query that fails
// or is cancelled is an error with Athena's reason.
func RunQuery(ctx context.Context, o QueryOptions, w io.Writer) error {
	switch o.Output {
	case "table", "csv", "json":
	default:
		return fmt.Errorf("--output %q: want table, csv or json", o.Output)
	}
	c, err := newIngestClient(ctx, o.Region)
	if err != nil {
		return err
	}
	start := map[string]any{"QueryString": o.SQL}
	if o.WorkGroup != "" {
		start["WorkGroup"] = o.WorkGroup
	}
	if o.OutputLocation != "" {
		start["ResultConfiguration"] = map[string]string{"OutputLocation": o.OutputLocation}
	}
	if o.Database != "" || o.Catalog != "" {
		qc := map[string]string{}
		if o.Database != "" {
			qc["Database"] = o.Database
		}
		if o.Catalog != "" {
			qc["Catalog"] = o.Catalog
		}
		start["QueryExecutionContext"] = qc
	}
	var started struct{ QueryExecutionId string }
	if err := c.athenaCall(ctx, o.Endpoint, "StartQueryExecution", start, &started); err != nil {
		return err
	}
	if err := waitQuery(ctx, c, o, started.QueryExecutionId); err != nil {
		return err
	}
	return printResults(ctx, c, o, started.QueryExecutionId, w)
}

// waitQuery polls the query until it ends.
func waitQuery(ctx context.Context, c *ingestClient, o QueryOptions, id string) error {
	poll := o.Poll
	if poll <= 0 {
		poll = 200 * time.Millisecond
	}
	began, shown := time.Now(), time.Time{}
	defer func() {
		if !shown.IsZero() && o.TTY {
			fmt.Fprint(o.Progress, "\r\033[K")
		}
	}()
	for {
		var st queryStatus
		if err := c.athenaCall(ctx, o.Endpoint, "GetQueryExecution", map[string]string{"QueryExecutionId": id}, &st); err != nil {
			return err
		}
		s := st.QueryExecution.Status
		switch s.State {
		case "SUCCEEDED":
			return nil
		case "FAILED", "CANCELLED":
			return fmt.Errorf("query %s %s: %s", id, s.State, s.StateChangeReason)
		}
		if el := time.Since(began); o.Progress != nil && el > time.Second && (o.TTY || time.Since(shown) > 5*time.Second) {
			line := fmt.Sprintf("query %s: %s for %s", id, s.State, el.Truncate(100*time.Millisecond))
			if o.TTY {
				fmt.Fprint(o.Progress, "\r\033[K"+line)
			} else {
				fmt.Fprintln(o.Progress, line)
			}
			shown = time.Now()
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(poll):
		}
	}
}

// printResults pages through the results and prints them as o.Output says: CSV and JSON lines a page at a
// time, a table (which needs every row's width) at the end.
func printResults(ctx context.Context, c *ingestClient, o QueryOptions, id string, w io.Writer) error {
	var out rowSink = &tableRows{w: w}
	switch o.Output {
	case "csv":
		out = &csvRows{w: csv.NewWriter(w)}
	case "json":
		out = &jsonRows{enc: json.NewEncoder(w)}
	}
	token, first := "", true
	for {
		in := map[string]any{"QueryExecutionId": id, "MaxResults": 1000}
		if token != "" {
			in["NextToken"] = token
		}
		var p queryPage
		if err := c.athenaCall(ctx, o.Endpoint, "GetQueryResults", in, &p); err != nil {
			return err
		}
		rows := p.ResultSet.Rows
		if first {
			var cols []string
			for _, ci := range p.ResultSet.ResultSetMetadata.ColumnInfo {
				cols = append(cols, ci.Name)
			}
			if len(cols) > 0 && len(rows) > 0 {
				rows = rows[1:] // the header row
			}
			if err := out.header(cols); err != nil {
				return err
			}
		}
		page := make([][]*string, len(rows))
		for i, r := range rows {
			page[i] = make([]*string, len(r.Data))
			for j, d := range r.Data {
				page[i][j] = d.VarCharValue
			}
		}
		if err := out.rows(page); err != nil {
			return err
		}
		first = false
		if token = p.NextToken; token == "" {
			return out.close()
		}
	}
}

// rowSink prints result rows.
type rowSink interface {
	header(cols []string) error
	rows(rows [][]*string) error
	close() error
}

// csvRows prints CSV with a header row; NULL is an empty field.
type csvRows struct{ w *csv.Writer }

func (s *csvRows) header(cols []string) error { return s.w.Write(cols) }

func (s *csvRows) rows(rows [][]*string) error {
	for _, r := range rows {
		rec := make([]string, len(r))
		for i, v := range r {
			if v != nil {
				rec[i] = *v
			}
		}
		if err := s.w.Write(rec); err != nil {
			return err
		}
	}
	s.w.Flush()
	return s.w.Error()
}

func (s *csvRows) close() error { s.w.Flush(); return s.w.Error() }

// jsonRows prints JSON lines: one object a row, in column order, null for NULL.
type jsonRows struct {
	enc  *json.Encoder
	cols []string
}

func (s *jsonRows) header(cols []string) error { s.cols = cols; return nil }

func (s *jsonRows) rows(rows [][]*string) error {
	for _, r := range rows {
		var b bytes.Buffer
		b.WriteByte('{')
		for i, v := range r {
			if i > 0 {
				b.WriteByte(',')
			}
			name := fmt.Sprint(i)
			if i < len(s.cols) {
				name = s.cols[i]
			}
			k, _ := json.Marshal(name)
			b.Write(k)
			b.WriteByte(':')
			val, _ := json.Marshal(v)
			b.Write(val)
		}
		b.WriteByte('}')
		if err := s.enc.Encode(json.RawMessage(b.Bytes())); err != nil {
			return err
		}
	}
	return nil
}

func (s *jsonRows) close() error { return nil }

// tableRows collects the rows and prints them as a table at the end.
type tableRows struct {
	w    io.Writer
	cols []string
	all  [][]*string
}

func (s *tableRows) header(cols []string) error  { s.cols = cols; return nil }
func (s *tableRows) rows(rows [][]*string) error { s.all = append(s.all, rows...); return nil }
func (s *tableRows) close() error                { return writeTable(s.w, s.cols, s.all) }

// writeTable prints the rows as an aligned table (NULL for NULL, long values cut at 60 characters) and a count.
func writeTable(w io.Writer, cols []string, rows [][]*string) error {
	const maxWidth = 60
	cell := func(v *string) string {
		if v == nil {
			return "NULL"
		}
		s := strings.ReplaceAll(*v, "\n", " ")
		if utf8.RuneCountInString(s) > maxWidth {
			s = string([]rune(s)[:maxWidth-1]) + "…"
		}
		return s
	}
	widths := make([]int, len(cols))
	for i, c := range cols {
		widths[i] = utf8.RuneCountInString(c)
	}
	for _, r := range rows {
		for i, v := range r {
			if i < len(widths) {
				widths[i] = max(widths[i], utf8.RuneCountInString(cell(v)))
			}
		}
	}
	var b strings.Builder
	line := func(vals []string) {
		for i, v := range vals {
			if i > 0 {
				b.WriteString(" | ")
			}
			b.WriteString(v)
			if i < len(vals)-1 {
				b.WriteString(strings.Repeat(" ", widths[i]-utf8.RuneCountInString(v)))
			}
		}
		b.WriteByte('\n')
	}
	line(cols)
	sep := make([]string, len(cols))
	for i := range cols {
		sep[i] = strings.Repeat("-", widths[i])
	}
	line(sep)
	for _, r := range rows {
		vals := make([]string, len(r))
		for i, v := range r {
			vals[i] = cell(v)
		}
		line(vals)
	}
	fmt.Fprintf(&b, "(%d rows)\n", len(rows))
	_, err := io.WriteString(w, b.String())
	return err
}
