package app

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/seclake/seclake/internal/ocsf"
	"github.com/seclake/seclake/internal/ocsf/shape"
	"github.com/seclake/seclake/internal/source"
	"github.com/seclake/seclake/internal/source/catalog"
)

// NormalizeInput says what `seclake ocsf normalize` normalizes.
type NormalizeInput struct {
	// Source names the source (vpcflow, or its Security Lake name VPC_FLOW).
	Source string
	// Files are the files to read; none means standard input.
	Files []string
	// Format, Region and Account are the source.Object fields for records that lack them.
	Format, Region, Account string
}

// NormalizeOCSF normalizes each file (standard input when there is none) with a source and writes the events
// to out as OCSF JSON lines. It writes each record set aside ("file:line: reason") and the counts to report.
// It reports whether every record was normalized.
func NormalizeOCSF(ctx context.Context, in NormalizeInput, stdin io.Reader, out, report io.Writer) (bool, error) {
	src, ok := catalog.Registry().Lookup(in.Source)
	if !ok {
		return false, fmt.Errorf("no source %q; the sources are %s", in.Source, catalog.Registry().Names())
	}
	w := bufio.NewWriterSize(out, 1<<16)
	sink := &jsonSink{enc: json.NewEncoder(w), report: report}
	sink.enc.SetEscapeHTML(false)
	var total source.Counts
	err := eachInput(in.Files, stdin, func(name string, body io.Reader, info os.FileInfo) error {
		obj := source.Object{Name: name, Body: body, Format: in.Format, Region: in.Region, Account: in.Account}
		if info != nil {
			obj.Time = info.ModTime()
		}
		counts, err := src.Normalize(ctx, obj, sink)
		total.Add(counts)
		return err
	})
	if ferr := w.Flush(); err == nil {
		err = ferr
	}
	fmt.Fprintf(report, "%s: %s\n", src.Info().Name, total)
	return total.SetAside == 0, err
}

// jsonSink writes events as JSON lines and set-aside records as messages.
type jsonSink struct {
	enc    *json.Encoder
	report io.Writer
}

func (s *jsonSink) Events(b source.Batch) error {
	for _, ev := range b.Events {
		if err := s.enc.Encode(ev); err != nil {
			return err
		}
	}
	return nil
}

func (s *jsonSink) SetAside(r source.SetAside) error {
	_, err := fmt.Fprintf(s.report, "%s:%d: set aside: %s\n", r.Object, r.Record, r.Reason)
	return err
}

// ValidateInput says what `seclake ocsf validate` checks.
type ValidateInput struct {
	// Files are the files of OCSF JSON lines; none means standard input.
	Files []string
	// Table, when set, is a Security Lake table ("vpc_flow") that each event must fit as well.
	Table string
}

// ValidateOCSF checks files of OCSF JSON lines, one event per line, of any class: each against the OCSF 1.1.0
// schema (ocsf.ValidateJSON) and, with in.Table, the table's columns. It writes each problem to out as
// "file:line: path: message" and a summary, and reports whether every event is valid.
func ValidateOCSF(ctx context.Context, in ValidateInput, stdin io.Reader, out io.Writer) (bool, error) {
	var table *shape.Table
	if in.Table != "" {
		t, ok := shape.Lookup(in.Table)
		if !ok {
			return false, fmt.Errorf("no Security Lake table %q; the tables are %v", in.Table, shape.Names())
		}
		table = t
	}
	w := bufio.NewWriter(out)
	var events, invalid int
	err := eachInput(in.Files, stdin, func(name string, body io.Reader, _ os.FileInfo) error {
		lines := source.NewLines(body)
		for lines.Next() {
			if err := ctx.Err(); err != nil {
				return err
			}
			line := lines.Line()
			if len(line) == 0 {
				continue
			}
			events++
			problems := ocsf.ValidateJSON(line)
			if lines.Truncated() {
				problems = []ocsf.Problem{{Message: fmt.Sprintf("line longer than %d bytes", source.MaxRecord)}}
			} else if table != nil {
				problems = append(problems, table.FitJSON(line)...)
			}
			if len(problems) > 0 {
				invalid++
			}
			for _, p := range problems {
				fmt.Fprintf(w, "%s:%d: %s\n", name, lines.Number(), p)
			}
		}
		return lines.Err()
	})
	fmt.Fprintf(w, "%s, %d valid, %d with problems\n", plural(events, "event"), events-invalid, invalid)
	if ferr := w.Flush(); err == nil {
		err = ferr
	}
	return invalid == 0, err
}

// eachInput calls f with each file, or with standard input ("-") when there are none. Files may be gzip.
func eachInput(files []string, stdin io.Reader, f func(name string, body io.Reader, info os.FileInfo) error) error {
	if len(files) == 0 {
		files = []string{"-"}
	}
	for _, name := range files {
		if name == "-" {
			body, err := source.Open(stdin)
			if err != nil {
				return fmt.Errorf("standard input: %w", err)
			}
			if err := f("-", body, nil); err != nil {
				return err
			}
			continue
		}
		if err := eachFile(name, f); err != nil {
			return err
		}
	}
	return nil
}

func eachFile(name string, f func(name string, body io.Reader, info os.FileInfo) error) error {
	file, err := os.Open(name)
	if err != nil {
		return err
	}
	defer file.Close()
	info, err := file.Stat()
	if err != nil {
		return err
	}
	body, err := source.Open(file)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	return f(name, body, info)
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}
