package athena

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/seclake/seclake/internal/actor"
	"github.com/seclake/seclake/internal/objstore"
)

// MaxResultsPage is the most rows GetQueryResults returns at once.
const MaxResultsPage = 1000

// ResultPage is a page of an execution's results: the rows (the first page of a query with columns starts with
// the row of their names, as Athena's does), the columns, and the token of the next page ("" after the last).
type ResultPage struct {
	Rows      [][]*string
	Columns   []ColumnInfo
	NextToken string
}

// GetQueryResults returns a page of a SUCCEEDED execution's results, read from its result file through S3 as
// the caller (through Athena): the caller needs s3:GetObject on the file and, for SSE-KMS, kms:Decrypt. A
// token holds the byte offset of the page's first row, so each page reads only its own part of the file.
func (s *Service) GetQueryResults(ctx context.Context, c *actor.Caller, id, token string, max int) (*ResultPage, error) {
	e, err := s.execution(ctx, c, "athena:GetQueryResults", id)
	if err != nil {
		return nil, err
	}
	switch {
	case max < 0 || max > MaxResultsPage:
		return nil, invalid(codeInvalidInput, "MaxResults must be 1 to %d.", MaxResultsPage)
	case max == 0:
		max = MaxResultsPage
	}
	switch e.State {
	case StateSucceeded:
	case StateQueued, StateRunning:
		return nil, invalid(codeInvalidInput, "Query has not yet finished. Current state: %s", e.State)
	default:
		msg := fmt.Sprintf("Query did not finish successfully. Final query state: %s", e.State)
		if e.Reason != "" {
			msg += ": " + e.Reason
		}
		return nil, invalid(codeInvalidInput, "%s", msg)
	}
	var offset int64
	if token != "" {
		p, err := s.openToken(token)
		id2, off, ok := strings.Cut(p, "\x00")
		if err == nil && ok && id2 == id {
			offset, err = strconv.ParseInt(off, 10, 64)
		}
		if err != nil || !ok || id2 != id || offset <= 0 {
			return nil, invalid(codeInvalidInput, "NextToken is not valid for query %s: pass the NextToken of the previous page of its results.", id)
		}
	}
	bucket, prefix, err := splitS3(e.Result.OutputLocation)
	if err != nil {
		return nil, err
	}
	in := objstore.GetInput{Bucket: bucket, Key: prefix + e.ID + ".csv"}
	if offset > 0 {
		in.Range = &objstore.Range{Start: offset, End: -1}
	}
	obj, err := s.cfg.Objects.GetObject(ctx, c.Via(EventSource), in)
	if err != nil {
		return nil, fmt.Errorf("read the results of %s at s3://%s/%s: %w", id, bucket, in.Key, err)
	}
	defer obj.Body.Close()
	r := newCSVReader(obj.Body)
	page := &ResultPage{Columns: e.Columns}
	for len(page.Rows) < max {
		row, err := r.next()
		if errors.Is(err, io.EOF) {
			return page, nil
		}
		if err != nil {
			return nil, fmt.Errorf("read the results of %s: %w", id, err)
		}
		page.Rows = append(page.Rows, row)
	}
	if _, err := r.r.Peek(1); err == nil {
		page.NextToken = s.sealToken(id + "\x00" + strconv.FormatInt(offset+r.read, 10))
	}
	return page, nil
}
