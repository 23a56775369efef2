package query_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/actor"
	"github.com/seclake/seclake/internal/app/stacktest"
	"github.com/seclake/seclake/internal/awserr"
	"github.com/seclake/seclake/internal/clock"
	"github.com/seclake/seclake/internal/iam"
	"github.com/seclake/seclake/internal/kms"
	"github.com/seclake/seclake/internal/query"
	"github.com/seclake/seclake/internal/source"
	"github.com/seclake/seclake/internal/stack"
	"github.com/seclake/seclake/internal/table"
)

const (
	acct   = "111122223333"
	region = "us-east-1"
	lakeDB = "amazon_security_lake_glue_db_us_east_1"
)

var ctx = context.Background()

// lakeEnv is a stack with a lake in us-east-1 under a KMS key that the account's IAM policies govern.
type lakeEnv struct {
	st   *stack.Stack
	lake *table.Lake
	root *actor.Caller
	key  string
}

const keyPolicy = `{"Version":"2012-10-17","Statement":[{"Sid":"Enable IAM User Permissions","Effect":"Allow",
 "Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:*","Resource":"*"},
 {"Sid":"Allow Security Lake to use the key","Effect":"Allow","Principal":{"Service":"securitylake.amazonaws.com"},
 "Action":["kms:GenerateDataKey*","kms:Decrypt"],"Resource":"*","Condition":{"StringEquals":{"aws:SourceAccount":"111122223333"}}}]}`

func newLake(t testing.TB) *lakeEnv {
	t.Helper()
	return newLakeOn(t, stacktest.Start(t, clock.System))
}

// newLakeOn is newLake on a started stack.
func newLakeOn(t testing.TB, st *stack.Stack) *lakeEnv {
	t.Helper()
	_, err := st.IAM.Bootstrap(ctx, iam.BootstrapInput{AccountID: acct})
	require.NoError(t, err)
	root := &actor.Caller{Identity: actor.Identity{Type: actor.TypeRoot, Account: acct, ARN: actor.RootARN(acct), ID: acct},
		Region: region, Time: time.Now()}
	md, err := st.KMS.CreateKey(ctx, root, kms.CreateKeyRequest{Policy: keyPolicy})
	require.NoError(t, err)
	_, err = st.Lakes.Create(ctx, root, region, md.ARN)
	require.NoError(t, err)
	l, err := st.Lakes.Open(ctx, acct, region)
	require.NoError(t, err)
	return &lakeEnv{st: st, lake: l, root: root, key: md.ARN}
}

// user creates an IAM user with an inline policy allowing actions (none: no policy) and returns it as a caller.
func (e *lakeEnv) user(t testing.TB, name string, actions ...string) *actor.Caller {
	t.Helper()
	u, err := e.st.IAM.CreateUser(ctx, e.root, iam.CreateUserInput{Name: name})
	require.NoError(t, err)
	if len(actions) > 0 {
		doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["` + strings.Join(actions, `","`) +
			`"],"Resource":"*"}]}`
		require.NoError(t, e.st.IAM.PutInlinePolicy(ctx, e.root, iam.KindUser, name, "p", doc))
	}
	return &actor.Caller{Identity: actor.Identity{Type: actor.TypeUser, Account: acct, ARN: u.ARN(), ID: u.ID, Name: name},
		Region: region, Time: time.Now(), SourceIP: "192.0.2.10"}
}

// readAll is the actions a lake reader needs under IAM.
var readAll = []string{"glue:GetTable", "glue:GetDatabase", "s3:GetObject", "kms:Decrypt"}

type collect struct{ batches []source.Batch }

func (c *collect) Events(b source.Batch) error    { c.batches = append(c.batches, b); return nil }
func (c *collect) SetAside(source.SetAside) error { return nil }

// appendTo normalizes data with src and appends its events for tableName (a Security Lake source name, as
// "vpc_flow") to the lake; it returns the table's name.
func (e *lakeEnv) appendTo(t testing.TB, src source.Source, data []byte, tableName string) string {
	t.Helper()
	var c collect
	_, err := src.Normalize(ctx, source.Object{Name: "input", Body: bytes.NewReader(data), Account: acct, Region: region}, &c)
	require.NoError(t, err)
	b := table.Batch{Account: acct, Region: region}
	for _, sb := range c.batches {
		if sb.Table == tableName {
			b.Events = append(b.Events, sb.Events...)
		}
	}
	require.NotEmpty(t, b.Events, "no %s events", tableName)
	s, err := table.AWS(tableName)
	require.NoError(t, err)
	tbl, err := e.lake.Table(ctx, s)
	require.NoError(t, err)
	_, err = tbl.Append(ctx, b)
	require.NoError(t, err)
	return tbl.Name()
}

// flowLine is a VPC flow log record (version 2) from src to dst:dport at start (unix seconds).
func flowLine(eni, src, dst string, dport int, packets int, start int64, action string) string {
	return fmt.Sprintf("2 %s %s %s %s 40000 %d 6 %d %d %d %d %s OK", acct, eni, src, dst, dport, packets,
		packets*100, start, start+60, action)
}

// run runs sql as c and returns the rows (nil values as "NULL") and stats.
func run(t testing.TB, e *query.Engine, c *actor.Caller, sql string) ([]query.Column, [][]string, query.Stats) {
	t.Helper()
	rows, err := e.Query(ctx, query.Request{SQL: sql, Caller: c})
	require.NoError(t, err)
	defer rows.Close()
	var out [][]string
	for rows.Next() {
		var r []string
		for _, v := range rows.Row() {
			if v == nil {
				r = append(r, "NULL")
				continue
			}
			r = append(r, *v)
		}
		out = append(out, r)
	}
	require.NoError(t, rows.Err())
	return rows.Columns(), out, rows.Stats()
}

// queryErr runs sql as c and returns the AWS error it fails with.
func queryErr(t testing.TB, e *query.Engine, c *actor.Caller, sql string) *awserr.Error {
	t.Helper()
	rows, err := e.Query(ctx, query.Request{SQL: sql, Caller: c})
	if err == nil {
		for rows.Next() {
		}
		err = rows.Err()
		rows.Close()
	}
	require.Error(t, err)
	ae, ok := awserr.As(err)
	require.True(t, ok, "not an AWS error: %v", err)
	return ae
}
