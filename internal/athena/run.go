package athena

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/seclake/seclake/internal/awserr"
	"github.com/seclake/seclake/internal/objstore"
)

// outcome is how a run ended.
type outcome struct {
	err     *QueryError // nil when it succeeded
	stats   ExecStats
	columns []ColumnInfo
}

// MetadataFormat names the format of the .csv.metadata files seclake writes. Athena's are a binary protobuf;
// seclake's are JSON: {"format": MetadataFormat, "columns": [ColumnInfo…], "rows": <rows>}.
const MetadataFormat = "seclake-athena-result-metadata/1"

// resultMetadata is a .csv.metadata file.
type resultMetadata struct {
	Format  string       `json:"format"`
	Columns []ColumnInfo `json:"columns"`
	Rows    int64        `json:"rows"`
}

// run runs e's query as its caller and writes its results; it returns how it ended.
func (s *Service) run(ctx context.Context, e *execution) *outcome {
	start := s.cfg.Clock.Now()
	out := &outcome{}
	if s.cfg.Engine == nil {
		out.err = &QueryError{Category: 1, Type: errTypeSystem, Message: "This seclake server has no query engine: queries cannot run."}
		return out
	}
	caller := e.Caller.Via(EventSource)
	rows, err := s.cfg.Engine.Query(ctx, QueryRequest{SQL: e.Query, Caller: caller, Catalog: e.Catalog, Database: e.Database, Region: e.Region})
	if err != nil {
		out.err = s.queryError(ctx, e, err)
		return out
	}
	defer rows.Close()
	if st := rows.Stats(); e.Cutoff > 0 && st.DataScannedBytes > e.Cutoff {
		out.stats.ScannedBytes = st.DataScannedBytes
		out.err = &QueryError{Category: 2, Type: errTypeUser, Message: fmt.Sprintf("Query cancelled! : Bytes scanned limit was exceeded: "+
			"the query would scan %d bytes, over work group %s's BytesScannedCutoffPerQuery of %d. Narrow it (a tighter WHERE on "+
			"eventday, region or accountid), or raise the limit.", st.DataScannedBytes, e.WorkGroup, e.Cutoff)}
		return out
	}
	cols := rows.Columns()
	out.columns = columnInfo(cols)
	bucket, prefix, err := splitS3(e.Result.OutputLocation)
	if err != nil {
		out.err = userError(err)
		return out
	}
	csvKey := prefix + e.ID + ".csv"
	n, werr := s.writeCSV(ctx, e, bucket, csvKey, cols, rows)
	out.stats.Rows = n
	st := rows.Stats()
	out.stats.ScannedBytes = st.DataScannedBytes
	out.stats.EngineMillis = st.EngineTime.Milliseconds()
	if out.stats.EngineMillis == 0 {
		out.stats.EngineMillis = s.cfg.Clock.Now().Sub(start).Milliseconds()
	}
	if werr == nil {
		md, _ := json.Marshal(resultMetadata{Format: MetadataFormat, Columns: out.columns, Rows: n})
		werr = s.put(ctx, e, bucket, csvKey+".metadata", strings.NewReader(string(md)), int64(len(md)), "application/json")
	}
	if werr != nil {
		out.err = s.queryError(ctx, e, werr)
	}
	out.stats.ProcessingMillis = s.cfg.Clock.Now().Sub(start).Milliseconds() - out.stats.EngineMillis
	if out.stats.ProcessingMillis < 0 {
		out.stats.ProcessingMillis = 0
	}
	return out
}

// writeCSV streams the rows into the result file and returns how many it wrote.
func (s *Service) writeCSV(ctx context.Context, e *execution, bucket, key string, cols []Column, rows Rows) (int64, error) {
	pr, pw := io.Pipe()
	var n int64
	written := make(chan error, 1)
	go func() {
		w := newCSVWriter(pw)
		names := make([]*string, len(cols))
		for i := range cols {
			names[i] = &cols[i].Name
		}
		err := w.write(names)
		for err == nil && rows.Next() {
			if err = w.write(rows.Row()); err == nil {
				n++
			}
		}
		if err == nil {
			err = rows.Err()
		}
		if err == nil {
			err = w.flush()
		}
		pw.CloseWithError(err)
		written <- err
	}()
	perr := s.put(ctx, e, bucket, key, pr, -1, "text/csv")
	pr.CloseWithError(errors.Join(perr, io.ErrClosedPipe))
	werr := <-written
	if perr != nil {
		return n, perr
	}
	return n, werr
}

// put writes a result file as the execution's caller through Athena, encrypted as its result configuration
// says.
func (s *Service) put(ctx context.Context, e *execution, bucket, key string, body io.Reader, size int64, contentType string) error {
	in := objstore.PutInput{Bucket: bucket, Key: key, Body: body, Size: size, Headers: objstore.Headers{ContentType: contentType}}
	if enc := e.Result.Encryption; enc != nil {
		switch enc.Option {
		case EncryptionSSES3:
			in.SSE.Algorithm = "AES256"
		case EncryptionSSEKMS:
			in.SSE.Algorithm, in.SSE.KMSKeyID = "aws:kms", enc.KMSKey
		}
	}
	if e.Result.ACL == "BUCKET_OWNER_FULL_CONTROL" {
		in.ACL = "bucket-owner-full-control"
	}
	_, err := s.cfg.Objects.Deliver(ctx, objstore.DeliveryInput{Caller: e.Caller.Via(EventSource), Object: in})
	if err != nil {
		return &writeError{url: "s3://" + bucket + "/" + key, err: err}
	}
	return nil
}

// writeError is a result file that could not be written.
type writeError struct {
	url string
	err error
}

func (w *writeError) Error() string { return "write " + w.url + ": " + w.err.Error() }
func (w *writeError) Unwrap() error { return w.err }

// denied reports whether S3 or KMS refused the write, and how Athena says so.
func (w *writeError) denied() (string, bool) {
	var de *objstore.DeliveryError
	ae, isAWS := awserr.As(w.err)
	if !errors.As(w.err, &de) && !(isAWS && (ae.Status == awserr.StatusForbidden || strings.HasPrefix(ae.Code, "KMS."))) {
		return "", false
	}
	why := w.err.Error()
	if de == nil && isAWS {
		why = ae.Code + ": " + ae.Message
	}
	return "Access denied when writing output to url: " + w.url + " . Please ensure you are allowed to access the S3 bucket. " +
		"If you are encrypting query results with KMS key, please ensure you are allowed to access your KMS key. " + why, true
}

// queryError is the AthenaError of a failed run: the engine's or S3's message for errors the user can act on,
// a generic one (the cause logged) for the others.
func (s *Service) queryError(ctx context.Context, e *execution, err error) *QueryError {
	if ctx.Err() != nil {
		return &QueryError{Category: 3, Type: errTypeSystem, Message: "Query was interrupted: " + context.Cause(ctx).Error()}
	}
	var we *writeError
	if errors.As(err, &we) {
		if msg, ok := we.denied(); ok {
			return &QueryError{Category: 2, Type: errTypePermission, Message: msg}
		}
	}
	if ae, ok := awserr.As(err); ok && !ae.Server {
		typ := errTypeUser
		if ae.Status == awserr.StatusForbidden || strings.Contains(ae.Code, "AccessDenied") || ae.Code == "PERMISSION_DENIED" {
			typ = errTypePermission
		}
		msg := ae.Message
		if we == nil && strings.ToUpper(ae.Code) == ae.Code { // the engine's Athena error name: "COLUMN_NOT_FOUND: line 1:8: …"
			msg = ae.Code + ": " + ae.Message
		}
		return &QueryError{Category: 2, Type: typ, Message: msg}
	}
	s.cfg.Logger.Error("athena: query failed", "id", e.ID, "err", err)
	return &QueryError{Category: 1, Type: errTypeSystem, Retryable: true,
		Message: "The query failed inside seclake (the server's log has the cause, under the query's ID). Run it again."}
}

func userError(err error) *QueryError {
	msg := err.Error()
	if ae, ok := awserr.As(err); ok {
		msg = ae.Message
	}
	return &QueryError{Category: 2, Type: errTypeUser, Message: msg}
}

// columnInfo describes result columns as Athena's ResultSetMetadata does.
func columnInfo(cols []Column) []ColumnInfo {
	out := make([]ColumnInfo, len(cols))
	for i, c := range cols {
		typ, args, _ := strings.Cut(strings.ToLower(c.Type), "(")
		typ = strings.TrimSpace(typ)
		ci := ColumnInfo{Name: c.Name, Type: typ, Nullable: "UNKNOWN"}
		switch typ {
		case "varchar", "char", "string":
			ci.Precision, ci.CaseSensitive = 2147483647, true
		case "tinyint":
			ci.Precision = 3
		case "smallint":
			ci.Precision = 5
		case "integer", "int":
			ci.Precision = 10
		case "bigint":
			ci.Precision = 19
		case "real", "float":
			ci.Precision = 17
		case "double":
			ci.Precision = 17
		case "timestamp":
			ci.Precision = 3
		case "decimal":
			p, sc, _ := strings.Cut(strings.TrimSuffix(args, ")"), ",")
			ci.Precision, _ = strconv.Atoi(strings.TrimSpace(p))
			ci.Scale, _ = strconv.Atoi(strings.TrimSpace(sc))
		}
		if typ == "varchar" || typ == "char" {
			if n, err := strconv.Atoi(strings.TrimSuffix(args, ")")); err == nil {
				ci.Precision = n
			}
		}
		out[i] = ci
	}
	return out
}
