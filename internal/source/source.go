package source

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/seclake/seclake/internal/ocsf"
)

// Source turns one vendor format into OCSF events.
type Source interface {
	// Info describes the source.
	Info() Info
	// Normalize reads obj.Body to its end (gzip or plain; Open tells them apart) and hands the sink the events
	// it makes and the records it sets aside, as it goes, in batches. Memory stays bounded whatever the size of
	// the input. It returns the counts, and an error only when reading fails (an I/O error, a corrupt gzip
	// stream), ctx is done, or the sink returns one: a bad record is set aside, never an error, and the rest
	// of the object goes on. It never panics, whatever the input.
	Normalize(ctx context.Context, obj Object, sink Sink) (Counts, error)
}

// Info describes a source.
type Info struct {
	// Name is the source's name in seclake ("vpcflow"): `seclake ocsf normalize --source vpcflow`.
	Name string
	// SecurityLake is the name of the Security Lake source ("VPC_FLOW"); empty for sources Security Lake does
	// not have natively.
	SecurityLake string
	// Version is the Security Lake source version whose output the source reproduces ("2.0").
	Version string
	// Product is metadata.product.name of the events ("Amazon VPC").
	Product string
	// Classes are the OCSF class_uids the source emits.
	Classes []int32
	// Tables are the tables its events go to: Security Lake 2.0 table names ("vpc_flow"), or for a source
	// Security Lake does not have, the name of its custom-source table.
	Tables []string
	// Summary is one line for --help: the format read and what it becomes.
	Summary string
}

// Object is one raw object to normalize: an S3 object, a file, stdin.
type Object struct {
	// Name identifies the object in set-aside records (an S3 key, a file name).
	Name string
	// Body is the object's content, gzip-compressed or plain.
	Body io.Reader
	// Account and Region are the account and region the delivery layout gives (AWSLogs/<account>/…/<region>/),
	// for formats whose records may lack them; empty when unknown.
	Account, Region string
	// Time is when the object was written (its S3 LastModified, a file's modification time), for records that
	// carry no time of their own; zero when unknown.
	Time time.Time
	// Format describes the layout of the records when the object does not say it itself, in the source's own
	// terms: for VPC flow logs, the flow log's LogFormat ("${version} ${vpc-id} …") for files without a header
	// line. Empty when unknown.
	Format string
}

// Batch is a run of events bound for one table.
type Batch struct {
	// Table is the table the events go to.
	Table string
	// Events are the events, pointers to the generated class structs of package ocsf. The sink owns the batch
	// and its events: the source does not touch them again.
	Events []ocsf.Event
}

// SetAside is a record that could not be normalized.
type SetAside struct {
	// Object is the name of the object the record came from.
	Object string
	// Record is the record's number in the object, from 1: its line number for line-oriented formats.
	Record int64
	// Reason says why the record was set aside.
	Reason string
	// Raw is the record as read (at most MaxRecord bytes of it; Truncated says when there was more). The sink
	// owns it.
	Raw       []byte
	Truncated bool
}

// Sink receives what a source produces. Its methods are called from the goroutine that called Normalize.
type Sink interface {
	// Events receives a batch of events.
	Events(Batch) error
	// SetAside receives a record that could not be normalized.
	SetAside(SetAside) error
}

// Counts count what a call of Normalize did. Read = Normalized + SetAside + Skipped.
type Counts struct {
	// Read is the number of records read (header lines and blank lines are not records).
	Read int64
	// Normalized is the number of records that became events.
	Normalized int64
	// SetAside is the number of records set aside.
	SetAside int64
	// Skipped is the number of records the source deliberately does not turn into events (records of a kind
	// Security Lake does not map), counted so that nothing disappears without a trace.
	Skipped int64
	// Events is the number of events made (a record may make more than one).
	Events int64
	// Bytes is the number of bytes of the object read, after decompression.
	Bytes int64
}

// Add adds o to c.
func (c *Counts) Add(o Counts) {
	c.Read += o.Read
	c.Normalized += o.Normalized
	c.SetAside += o.SetAside
	c.Skipped += o.Skipped
	c.Events += o.Events
	c.Bytes += o.Bytes
}

// String summarizes the counts.
func (c Counts) String() string {
	return fmt.Sprintf("%d records read, %d normalized into %d events, %d set aside, %d skipped (%d bytes)",
		c.Read, c.Normalized, c.Events, c.SetAside, c.Skipped, c.Bytes)
}

// Registry is a set of sources by name.
type Registry struct {
	byName map[string]Source
	all    []Source
}

// NewRegistry returns a registry of sources; names (seclake's and Security Lake's) must be unique.
func NewRegistry(sources ...Source) (*Registry, error) {
	r := &Registry{byName: map[string]Source{}, all: append([]Source(nil), sources...)}
	sort.Slice(r.all, func(i, j int) bool { return r.all[i].Info().Name < r.all[j].Info().Name })
	for _, s := range sources {
		info := s.Info()
		for _, name := range []string{info.Name, info.SecurityLake} {
			if name == "" {
				continue
			}
			if _, dup := r.byName[name]; dup {
				return nil, fmt.Errorf("source: two sources are named %q", name)
			}
			r.byName[name] = s
		}
	}
	return r, nil
}

// Lookup returns the source with the given name, seclake's ("vpcflow") or Security Lake's ("VPC_FLOW").
func (r *Registry) Lookup(name string) (Source, bool) {
	s, ok := r.byName[name]
	return s, ok
}

// All returns the sources ordered by name.
func (r *Registry) All() []Source {
	return append([]Source(nil), r.all...)
}

// Names returns the sources' names, comma-separated, for messages.
func (r *Registry) Names() string {
	var names []string
	for _, s := range r.All() {
		names = append(names, s.Info().Name)
	}
	return strings.Join(names, ", ")
}
