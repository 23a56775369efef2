package ingest_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/ingest"
	"github.com/seclake/seclake/internal/source"
	"github.com/seclake/seclake/internal/source/catalog"
	"github.com/seclake/seclake/internal/table"
)

// perTable counts the events a source makes of data, per table.
type perTable map[string]int

func (p perTable) Events(b source.Batch) error    { p[b.Table] += len(b.Events); return nil }
func (p perTable) SetAside(source.SetAside) error { return nil }

// TestEverySourceTestdata puts the raw test files of every source into a bucket and ingests them: each table
// holds exactly the events the sources make of them, events of custom-source tables are skipped with the
// reason, and set-aside records are listable.
func TestEverySourceTestdata(t *testing.T) {
	e := newEnv(t, nil)
	s := e.service(nil)
	want := map[string]int{}
	skipped := map[string]int64{}
	setAside := map[string]int64{}
	goldens, err := filepath.Glob("../source/*/testdata/*.ocsf.jsonl")
	require.NoError(t, err)
	var refs []ingest.ObjectRef
	for _, golden := range goldens {
		name := strings.TrimSuffix(golden, ".ocsf.jsonl")
		srcName := filepath.Base(filepath.Dir(filepath.Dir(golden)))
		input := inputOf(t, name)
		if input == "" {
			continue // needs an object description (a flow log's format): not a plain upload
		}
		if strings.HasSuffix(input, "securityhub/testdata/vulnerability.jsonl") {
			continue // CVSS scores: the table cannot hold them yet (TestTableRefusalKeepsTheObject)
		}
		data, err := os.ReadFile(input)
		require.NoError(t, err)
		src, ok := catalog.Registry().Lookup(srcName)
		require.True(t, ok, srcName)
		counts := perTable{}
		// As ingestion reads them: the keys below follow no delivery layout, so they name no account or region;
		// the object's time is when it was written (the fake clock's now).
		c, err := src.Normalize(ctx, source.Object{Name: input, Body: bytes.NewReader(data), Time: e.clk.Now()}, counts)
		require.NoError(t, err)
		require.Positive(t, c.Read, input)
		for tbl, n := range counts {
			if _, err := table.AWS(tbl); err != nil {
				skipped[srcName] += int64(n)
				continue
			}
			want[tbl] += n
		}
		setAside[srcName] += c.SetAside
		ref := e.put("uploads/"+srcName+"/"+filepath.Base(input), data)
		ref.Source = srcName
		refs = append(refs, ref)
	}
	require.Greater(t, len(refs), 20)
	n, err := s.Enqueue(ctx, refs...)
	require.NoError(t, err)
	require.Equal(t, len(refs), n)
	drain(t, s)
	fails, err := s.Failures(ctx, 5)
	require.NoError(t, err)
	for _, f := range fails {
		t.Errorf("%s failed: %.300s", f.Ref.Key, f.Reason)
	}

	for _, name := range []string{"cloud_trail_mgmt", "s3_data", "vpc_flow", "route53", "sh_findings", "waf", "eks_audit"} {
		require.Positive(t, want[name], name)
		require.Equal(t, want[name], e.rows(name), name)
	}
	st, err := s.Status(ctx)
	require.NoError(t, err)
	require.EqualValues(t, len(refs), st.Done)
	require.Zero(t, st.Queued)
	for _, ss := range st.Sources {
		require.Equal(t, setAside[ss.Source], ss.SetAside, ss.Source)
		if skipped[ss.Source] > 0 {
			require.GreaterOrEqual(t, ss.Skipped, skipped[ss.Source], ss.Source)
			require.Contains(t, ss.SkippedReason, "custom-source table", ss.Source)
		}
		if setAside[ss.Source] > 0 {
			recs, err := s.SetAside(ctx, ss.Source, 0)
			require.NoError(t, err)
			require.Len(t, recs, int(setAside[ss.Source]), ss.Source)
			require.NotEmpty(t, recs[0].Reason)
			require.True(t, strings.HasPrefix(recs[0].Object, "s3://raw-logs/uploads/"), recs[0].Object)
		}
	}
	require.Positive(t, skipped["guardduty"])
	require.Positive(t, setAside["vpcflow"])
}

// inputOf returns the raw input of a golden file's case, "" when the case needs an object description.
func inputOf(t *testing.T, name string) string {
	if _, err := os.Stat(name + ".object.json"); err == nil {
		return ""
	}
	if _, err := os.Stat(name); err == nil {
		return name // two-members.log.gz → two-members.log.gz.ocsf.jsonl? no: the name is the input
	}
	matches, err := filepath.Glob(name + ".*")
	require.NoError(t, err)
	for _, m := range matches {
		if strings.HasSuffix(m, ".ocsf.jsonl") || strings.HasSuffix(m, ".setaside.txt") {
			continue
		}
		return m
	}
	gz, err := filepath.Glob(name + "*.gz")
	require.NoError(t, err)
	if len(gz) > 0 {
		return gz[0]
	}
	t.Fatalf("no input for %s", name)
	return ""
}
