package query_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/ocsf"
	"github.com/seclake/seclake/internal/query"
	"github.com/seclake/seclake/internal/source"
	"github.com/seclake/seclake/internal/source/cloudtrail"
	"github.com/seclake/seclake/internal/source/eksaudit"
	"github.com/seclake/seclake/internal/source/route53"
	"github.com/seclake/seclake/internal/source/securityhub"
	"github.com/seclake/seclake/internal/source/vpcflow"
	"github.com/seclake/seclake/internal/source/waf"
	"github.com/seclake/seclake/internal/table"
)

const corpus = "../../../shared/corpus"

// example is one of Security Lake's published example queries: its heading and SQL.
type example struct{ title, sql string }

// examples reads the published example queries: each SQL block (from a line starting SELECT or WITH to the next
// blank line) under its #### heading. The "WHERE …" fragments are not queries.
func examples(t *testing.T) []example {
	f, err := os.Open(filepath.Join(corpus, "ocsf-output-examples/security-lake-table-schemas/amazon_security_lake_example_queries.md"))
	require.NoError(t, err)
	defer f.Close()
	var out []example
	var title string
	var cur []string
	flush := func() {
		if len(cur) > 0 {
			out = append(out, example{title: title, sql: strings.Join(cur, "\n")})
			cur = nil
		}
	}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "#"):
			flush()
			title = strings.TrimSpace(strings.TrimLeft(line, "# "))
		case len(cur) == 0 && (strings.HasPrefix(line, "SELECT") || strings.HasPrefix(line, "WITH")):
			cur = append(cur, line)
		case len(cur) > 0 && strings.TrimSpace(line) == "":
			flush()
		case len(cur) > 0:
			cur = append(cur, line)
		}
	}
	flush()
	return out
}

// recent moves the events' times to the hour before now, a second apart, so that the examples' "last 7 days"
// windows hold them all.
func recent(events []ocsf.Event, now time.Time) {
	for i, ev := range events {
		v := reflect.ValueOf(ev)
		if v.Kind() == reflect.Pointer {
			v = v.Elem()
		}
		ms := now.Add(-time.Hour).Add(-time.Duration(i) * time.Second).UnixMilli()
		if f := v.FieldByName("Time"); f.IsValid() && f.CanSet() {
			f.SetInt(ms)
		}
		if f := v.FieldByName("TimeDT"); f.IsValid() && f.CanSet() {
			f.SetInt(ms)
		}
	}
}

// fill normalizes each input with src and appends the events of tableName, made recent, to the lake.
func (e *lakeEnv) fill(t *testing.T, src source.Source, tableName string, inputs ...[]byte) int {
	t.Helper()
	b := table.Batch{Account: acct, Region: region}
	for _, data := range inputs {
		var c collect
		_, err := src.Normalize(ctx, source.Object{Name: "input", Body: strings.NewReader(string(data)), Account: acct,
			Region: region}, &c)
		require.NoError(t, err)
		for _, sb := range c.batches {
			if sb.Table == tableName {
				b.Events = append(b.Events, sb.Events...)
			}
		}
	}
	require.NotEmpty(t, b.Events, tableName)
	recent(b.Events, time.Now())
	s, err := table.AWS(tableName)
	require.NoError(t, err)
	tbl, err := e.lake.Table(ctx, s)
	require.NoError(t, err)
	_, err = tbl.Append(ctx, b)
	require.NoError(t, err)
	return len(b.Events)
}

func read(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(corpus, path))
	require.NoError(t, err)
	return b
}

// flowRecords are the corpus's VPC flow records in the default (version 2) format with IP addresses (one of the
// documentation's examples has MAC addresses), and their fields.
func flowRecords(t *testing.T) (lines []string, fields [][]string) {
	files, err := filepath.Glob(filepath.Join(corpus, "vpc-flow/*/*.log"))
	require.NoError(t, err)
	for _, f := range files {
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		for _, l := range strings.Split(string(b), "\n") {
			fs := strings.Fields(l)
			if len(fs) == 14 && fs[0] == "2" && fs[13] == "OK" && net.ParseIP(fs[3]) != nil && net.ParseIP(fs[4]) != nil {
				lines, fields = append(lines, strings.Join(fs, " ")), append(fields, fs)
			}
		}
	}
	return lines, fields
}

func jsonLines(t *testing.T, data []byte) []map[string]any {
	var out []map[string]any
	for _, l := range strings.Split(string(data), "\n") {
		if strings.TrimSpace(l) == "" {
			continue
		}
		var m map[string]any
		require.NoError(t, json.Unmarshal([]byte(l), &m))
		out = append(out, m)
	}
	return out
}

func min25(n int) int { return min(n, 25) }

// TestSecurityLakeExampleQueries runs every query of Security Lake's published examples, unchanged but for the
// 1.0 tables (named as their 2.0 tables: the lake has no 1.0 tables), against tables filled from the corpus, and
// checks the row counts that a count of the input (in Go, from the raw records) says.
func TestSecurityLakeExampleQueries(t *testing.T) {
	if _, err := os.Stat(corpus); err != nil {
		t.Skip("the corpus is not here:", err)
	}
	e := newLake(t)
	alice := e.user(t, "alice", readAll...)

	var c counts
	fillTrail(t, e, &c)
	fillFlows(t, e, &c)
	fillRoute53(t, e, &c)
	fillFindings(t, e, &c)
	fillOthers(t, e)

	want := map[string]int{
		"Unauthorized attempts against AWS services in the last 7 days":                     min25(c.unauthorized),
		"List of all IAM activity in the last 7 days":                                       min25(c.iamActivity),
		"All rejected traffic in the last 7 days":                                           min25(c.rejected),
		"Count of distinct destination IP addresses in the last 7 days":                     1,
		"List of activity from source IP 192.0.2.1 and source port 22 in the last 7 days":   min25(c.from22),
		"Order by packet count for connections destined to port 443 in the last 7 days":     min25(len(c.to443)),
		"List of DNS queries from CloudTrail in the last 7 days":                            min25(c.r53),
		"List of DNS queries that match s3.amazonaws.com in the last 7 days":                min25(c.s3Queries),
		"List of DNS queries that resolved to 192.0.2.1 in the last 7 days":                 min25(c.to192),
		"Which AWS accounts have the most security findings for EC2 instances?":             min(len(c.ec2ByAccount), 10),
		"Example: All Security Hub findings in table sh_findings_2_0 from us-east-1 Region": min25(c.findings),
	}
	oneZero := regexp.MustCompile(`_1_0\b`)
	checked := 0
	for _, ex := range examples(t) {
		sql := oneZero.ReplaceAllString(ex.sql, "_2_0")
		rows, err := e.st.Query.Query(ctx, query.Request{SQL: sql, Caller: alice})
		if !assertNoError(t, ex.title, err) {
			continue
		}
		n := 0
		var firstRows [][]string
		for rows.Next() {
			n++
			if len(firstRows) < 12 {
				var r []string
				for _, v := range rows.Row() {
					r = append(r, deref(v))
				}
				firstRows = append(firstRows, r)
			}
		}
		assertNoError(t, ex.title, rows.Err())
		require.NoError(t, rows.Close())
		t.Logf("%s: %d rows", ex.title, n)
		if w, ok := want[ex.title]; ok {
			checked++
			require.Equal(t, w, n, ex.title)
		}
		if ex.title == "Count of distinct destination IP addresses in the last 7 days" {
			require.Equal(t, fmt.Sprint(len(c.dsts)), firstRows[0][0])
		}
		if ex.title == "Which AWS accounts have the most security findings for EC2 instances?" {
			got := map[string]int{}
			for _, r := range firstRows {
				var c int
				fmt.Sscan(r[1], &c)
				got[r[0]] = c
			}
			require.Equal(t, c.ec2ByAccount, got)
		}
	}
	require.Equal(t, len(want), checked, "every counted example ran")
}

// counts are what counting the corpus's raw records says the example queries return.
type counts struct {
	unauthorized, iamActivity, rejected, from22, r53, s3Queries, to192, findings int
	dsts, to443                                                                  map[string]bool
	ec2ByAccount                                                                 map[string]int
}

// fillTrail fills the CloudTrail table from the documentation's examples and counts them.
func fillTrail(t *testing.T, e *lakeEnv, c *counts) {
	// CloudTrail management events.
	ctRaw := read(t, "cloudtrail/awsdocs/awsdocs-examples.Records.json")
	var trail struct{ Records []map[string]any }
	require.NoError(t, json.Unmarshal(ctRaw, &trail))
	validRegion := regexp.MustCompile(`^[a-z]{2}(-gov)?-[a-z]+-[0-9]$`)
	kept := trail.Records[:0]
	for _, r := range trail.Records { // the documentation's placeholders ("region-ID") have no partition
		if s, _ := r["awsRegion"].(string); validRegion.MatchString(s) {
			kept = append(kept, r)
		}
	}
	trail.Records = kept
	ctRaw, err := json.Marshal(trail)
	require.NoError(t, err)
	e.fill(t, cloudtrail.New(), "cloud_trail_mgmt", ctRaw)
	for _, r := range trail.Records {
		switch r["errorCode"] {
		case "Client.UnauthorizedOperation", "Client.InvalidPermission.NotFound", "Client.OperationNotPermitted", "AccessDenied":
			c.unauthorized++
		}
		if r["eventSource"] == "iam.amazonaws.com" {
			c.iamActivity++
		}
	}

}

// fillFlows fills the VPC flow table and counts its records.
func fillFlows(t *testing.T, e *lakeEnv, c *counts) {
	// VPC flow logs (the corpus's default-format records).
	lines, flowFields := flowRecords(t)
	require.NotEmpty(t, lines)
	e.fill(t, vpcflow.New(), "vpc_flow", []byte(strings.Join(lines, "\n")+"\n"))
	c.dsts, c.to443 = map[string]bool{}, map[string]bool{}
	for _, f := range flowFields {
		if f[12] == "REJECT" {
			c.rejected++
		}
		if f[4] != "-" {
			c.dsts[f[4]] = true
		}
		if f[3] == "192.0.2.1" && f[5] == "22" {
			c.from22++
		}
		if f[6] == "443" {
			c.to443[f[8]+"/"+f[4]] = true
		}
	}

}

// fillRoute53 fills the Route 53 table and counts its records.
func fillRoute53(t *testing.T, e *lakeEnv, c *counts) {
	// Route 53 resolver query logs.
	r53Raw := read(t, "route53-resolver/awsdocs/resolver-query-log-examples.jsonl")
	r53 := jsonLines(t, r53Raw)
	e.fill(t, route53.New(), "route53", r53Raw)
	c.r53 = len(r53)
	for _, r := range r53 {
		if r["query_name"] == "s3.amazonaws.com." {
			c.s3Queries++
		}
		answers, _ := r["answers"].([]any)
		for _, a := range answers {
			if a.(map[string]any)["Rdata"] == "192.0.2.1" {
				c.to192++
			}
		}
	}

}

// fillFindings fills the Security Hub table with the documentation's findings and counts them.
func fillFindings(t *testing.T, e *lakeEnv, c *counts) {
	// Security Hub findings.
	shFiles, err := filepath.Glob(filepath.Join(corpus, "securityhub-asff/awsdocs/*.json"))
	require.NoError(t, err)
	var shInputs [][]byte
	c.ec2ByAccount = map[string]int{}
	for _, f := range shFiles {
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		var finding struct {
			SchemaVersion string
			AwsAccountID  string `json:"AwsAccountId"`
			Resources     []struct{ Type string }
		}
		if json.Unmarshal(b, &finding) != nil || finding.SchemaVersion == "" {
			continue // not a finding (an EventBridge event of Security Hub's insights)
		}
		shInputs = append(shInputs, b)
		for _, r := range finding.Resources {
			if r.Type == "AwsEc2Instance" {
				c.ec2ByAccount[finding.AwsAccountID]++
				break
			}
		}
	}
	c.findings = e.fill(t, securityhub.New(), "sh_findings", shInputs...)
	require.Len(t, shInputs, c.findings, "one finding per example file")

}

// fillOthers fills the EKS audit and WAF tables.
func fillOthers(t *testing.T, e *lakeEnv) {
	// EKS audit logs and WAF logs.
	eksFiles, err := filepath.Glob(filepath.Join(corpus, "eks-k8s-audit/falco-trace-files/*.json"))
	require.NoError(t, err)
	var eksInputs [][]byte
	for _, f := range eksFiles {
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		eksInputs = append(eksInputs, b)
	}
	e.fill(t, eksaudit.New(), "eks_audit", eksInputs...)
	e.fill(t, waf.New(), "waf", read(t, "waf/awsdocs/waf-log-examples.jsonl"))
}

func deref(v *string) string {
	if v == nil {
		return "NULL"
	}
	return *v
}

func assertNoError(t *testing.T, title string, err error) bool {
	t.Helper()
	if err != nil {
		t.Errorf("%s: %v", title, err)
		return false
	}
	return true
}
