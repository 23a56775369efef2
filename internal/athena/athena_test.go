package athena_test

import (
	"context"
	"encoding/json"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/actor"
	"github.com/seclake/seclake/internal/app/stacktest"
	"github.com/seclake/seclake/internal/athena"
	"github.com/seclake/seclake/internal/awserr"
	"github.com/seclake/seclake/internal/clock"
	"github.com/seclake/seclake/internal/iam"
	"github.com/seclake/seclake/internal/kms"
	"github.com/seclake/seclake/internal/objstore"
	"github.com/seclake/seclake/internal/stack"
)

const acct = "111122223333"

var (
	ctx  = context.Background()
	root = &actor.Caller{Identity: actor.Identity{Type: actor.TypeRoot, Account: acct, ARN: actor.RootARN(acct), ID: acct}, Region: "us-east-1",
		SourceIP: "192.0.2.1"}
	t0 = time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
)

type env struct {
	st  *stack.Stack
	clk *clock.Fake
	eng *cannedEngine
	svc *athena.Service
}

// start starts the services on SQLite with a bucket "results", and an Athena service on the canned engine whose
// work is driven by RunDue (the stack's own Athena loop is stopped, so that it claims nothing).
func start(t *testing.T, edit func(*athena.Config)) *env {
	t.Helper()
	clk := clock.NewFake(t0)
	return startStack(t, clk, stacktest.Start(t, clk), edit)
}

func startStack(t *testing.T, clk *clock.Fake, st *stack.Stack, edit func(*athena.Config)) *env {
	t.Helper()
	st.Athena.Stop()
	_, err := st.Objects.CreateBucket(ctx, root, objstore.CreateBucketInput{Bucket: "results"})
	require.NoError(t, err)
	e := &env{st: st, clk: clk, eng: &cannedEngine{}}
	e.svc = e.service(t, clk, "node-a", edit)
	return e
}

// service is another Athena node on the same stores, with its own clock.
func (e *env) service(t *testing.T, clk clock.Clock, node string, edit func(*athena.Config)) *athena.Service {
	t.Helper()
	cfg := athena.Config{Store: e.st.Meta, Seal: e.st.Seal, Authz: e.st.IAM, Objects: e.st.Objects, Engine: e.eng, Clock: clk, Node: node}
	if edit != nil {
		edit(&cfg)
	}
	svc, err := athena.New(cfg)
	require.NoError(t, err)
	return svc
}

func (e *env) run(t *testing.T, sql string, in athena.StartInput) string {
	t.Helper()
	in.Query = sql
	e.clk.Advance(time.Millisecond) // queued in order of submission
	if in.Result.OutputLocation == "" {
		in.Result.OutputLocation = "s3://results/athena/"
	}
	id, err := e.svc.StartQueryExecution(ctx, root, in)
	require.NoError(t, err)
	return id
}

func (e *env) state(t *testing.T, id string) *athena.Execution {
	t.Helper()
	x, err := e.svc.GetQueryExecution(ctx, root, id)
	require.NoError(t, err)
	return x
}

// finish runs what is due and waits for it to end.
func (e *env) finish(t *testing.T) {
	t.Helper()
	_, err := e.svc.RunDue(ctx)
	require.NoError(t, err)
	e.svc.Wait()
}

func athenaCode(t *testing.T, err error) (string, string) {
	t.Helper()
	ae, ok := awserr.As(err)
	require.True(t, ok, "an AWS error: %v", err)
	for _, f := range ae.Fields {
		if f.Name == "AthenaErrorCode" {
			return ae.Code, f.Value
		}
	}
	return ae.Code, ""
}

func readObject(t *testing.T, e *env, key string) (string, *objstore.Object) {
	t.Helper()
	out, err := e.st.Objects.GetObject(ctx, root, objstore.GetInput{Bucket: "results", Key: key})
	require.NoError(t, err)
	defer out.Body.Close()
	b, err := io.ReadAll(out.Body)
	require.NoError(t, err)
	return string(b), out.Object
}

// TestQuerySucceedsWritesAthenasCSVAndPagesThroughIt: a query runs as its caller through Athena, its results
// land as <id>.csv (every value quoted, NULL empty) with a JSON .metadata, and GetQueryResults pages through
// them: the header row first, at most MaxResults rows a page, NULL without a value and "" with one.
func TestQuerySucceedsWritesAthenasCSVAndPagesThroughIt(t *testing.T) {
	e := start(t, nil)
	id := e.run(t, "SELECT rows=2500", athena.StartInput{Database: "amazon_security_lake_glue_db_us_east_1"})
	x := e.state(t, id)
	require.Equal(t, athena.StateQueued, x.State)
	require.Equal(t, "SELECT rows=2500", x.Query)
	require.Equal(t, "DML", x.StatementType)
	require.Equal(t, athena.PrimaryWorkGroup, x.WorkGroup)

	e.finish(t)
	x = e.state(t, id)
	require.Equal(t, athena.StateSucceeded, x.State, x.Reason)
	require.EqualValues(t, 2500, x.Stats.Rows)
	require.EqualValues(t, 250000, x.Stats.ScannedBytes)
	require.Equal(t, []string{"arn:aws:iam::111122223333:root via athena.amazonaws.com"}, e.eng.callers)
	require.Equal(t, []athena.ColumnInfo{{Name: "id", Type: "bigint", Precision: 19, Nullable: "UNKNOWN"},
		{Name: "name", Type: "varchar", Precision: 2147483647, Nullable: "UNKNOWN", CaseSensitive: true},
		{Name: "note", Type: "varchar", Precision: 2147483647, Nullable: "UNKNOWN", CaseSensitive: true}}, x.Columns)

	body, obj := readObject(t, e, "athena/"+id+".csv")
	require.True(t, strings.HasPrefix(body, "\"id\",\"name\",\"note\"\n\"0\",\"row \"\"0\"\", x\",\"\"\n\"1\",\"row \"\"1\"\", x\",\n"), "%.100q", body)
	require.Equal(t, 2501, strings.Count(body, "\n"))
	require.Equal(t, "text/csv", obj.Headers.ContentType)
	md, _ := readObject(t, e, "athena/"+id+".csv.metadata")
	var meta struct {
		Format  string
		Columns []athena.ColumnInfo
		Rows    int
	}
	require.NoError(t, json.Unmarshal([]byte(md), &meta))
	require.Equal(t, athena.MetadataFormat, meta.Format)
	require.Equal(t, x.Columns, meta.Columns)
	require.Equal(t, 2500, meta.Rows)

	var rows [][]*string
	token, pages := "", 0
	for {
		page, err := e.svc.GetQueryResults(ctx, root, id, token, 1000)
		require.NoError(t, err)
		require.LessOrEqual(t, len(page.Rows), 1000)
		require.Equal(t, x.Columns, page.Columns)
		rows = append(rows, page.Rows...)
		pages++
		if token = page.NextToken; token == "" {
			break
		}
	}
	require.Equal(t, 3, pages)
	require.Len(t, rows, 2501)
	require.Equal(t, "id", *rows[0][0])
	require.Equal(t, "2499", *rows[2500][0])
	require.Equal(t, `row "7", x`, *rows[8][1])
	require.Nil(t, rows[8][2], "NULL has no value")
	require.NotNil(t, rows[9][2], "an empty string has one")
	require.Equal(t, "", *rows[9][2])

	_, err := e.svc.GetQueryResults(ctx, root, id, "forged."+token, 10)
	c, ac := athenaCode(t, err)
	require.Equal(t, "InvalidRequestException", c)
	require.Equal(t, "INVALID_INPUT", ac)
	_, err = e.svc.GetQueryResults(ctx, root, id, "", 1001)
	require.Error(t, err)
}

// TestStartQueryExecutionValidatesAsAthena: no output location anywhere is Athena's error; a work group's
// enforced configuration wins over the request's; a client token returns the same execution.
func TestStartQueryExecutionValidatesAsAthena(t *testing.T) {
	e := start(t, nil)
	_, err := e.svc.StartQueryExecution(ctx, root, athena.StartInput{Query: "SELECT rows=1"})
	c, ac := athenaCode(t, err)
	require.Equal(t, "InvalidRequestException", c)
	require.Equal(t, "INVALID_INPUT", ac)
	require.Contains(t, err.Error(), "No output location provided. An output location is required either through the Workgroup result configuration setting or as an API input.")

	require.NoError(t, e.svc.CreateWorkGroup(ctx, root, athena.WorkGroup{Name: "enforced", Config: athena.WorkGroupConfig{Enforce: true,
		Result: athena.ResultConfig{OutputLocation: "s3://results/enforced/"}}}))
	id := e.run(t, "SELECT rows=1", athena.StartInput{WorkGroup: "enforced", Result: athena.ResultConfig{OutputLocation: "s3://results/mine/"}})
	require.Equal(t, "s3://results/enforced/", e.state(t, id).Result.OutputLocation)

	tok := strings.Repeat("t", 32)
	a := e.run(t, "SELECT rows=1", athena.StartInput{Token: tok})
	b := e.run(t, "SELECT rows=1", athena.StartInput{Token: tok})
	require.Equal(t, a, b)

	_, err = e.svc.StartQueryExecution(ctx, root, athena.StartInput{Query: "SELECT rows=1", WorkGroup: "nope"})
	_, ac = athenaCode(t, err)
	require.Equal(t, "RESOURCE_NOT_FOUND", ac)

	_, err = e.svc.GetQueryExecution(ctx, root, "00000000-0000-4000-8000-000000000000")
	_, ac = athenaCode(t, err)
	require.Equal(t, "RESOURCE_NOT_FOUND", ac)
}

// TestAFailedQueryCarriesTheEnginesMessage: the engine's user error is the FAILED state's reason and AthenaError.
func TestAFailedQueryCarriesTheEnginesMessage(t *testing.T) {
	e := start(t, nil)
	id := e.run(t, "SELECT bad", athena.StartInput{})
	e.finish(t)
	x := e.state(t, id)
	require.Equal(t, athena.StateFailed, x.State)
	require.Equal(t, "COLUMN_NOT_FOUND: line 1:8: Column 'bad' cannot be resolved", x.Reason)
	require.Equal(t, &athena.QueryError{Category: 2, Type: 1100, Message: x.Reason}, x.Error)
	_, err := e.svc.GetQueryResults(ctx, root, id, "", 0)
	require.ErrorContains(t, err, "Final query state: FAILED")
}

// TestConcurrencyLimitQueuesAndStopCancels: with a limit of one query per work group, a second waits QUEUED
// while the first runs, however often workers look; stopping the first interrupts its engine and lets the
// second run; stopping a queued query cancels it without running it.
func TestConcurrencyLimitQueuesAndStopCancels(t *testing.T) {
	e := start(t, func(c *athena.Config) { c.Concurrency = 1 })
	first := e.run(t, "SELECT block", athena.StartInput{})
	second := e.run(t, "SELECT block", athena.StartInput{})
	third := e.run(t, "SELECT rows=1", athena.StartInput{})
	for range 3 {
		_, err := e.svc.RunDue(ctx)
		require.NoError(t, err)
	}
	require.Equal(t, athena.StateRunning, e.state(t, first).State)
	require.Equal(t, athena.StateQueued, e.state(t, second).State)
	require.Equal(t, athena.StateQueued, e.state(t, third).State)
	e.eng.await(1)
	require.Equal(t, 1, e.eng.runs())

	require.NoError(t, e.svc.StopQueryExecution(ctx, root, third))
	require.NoError(t, e.svc.StopQueryExecution(ctx, root, first))
	e.svc.Wait() // the engine saw the cancellation: the blocked query ended
	x := e.state(t, first)
	require.Equal(t, athena.StateCancelled, x.State)
	require.Equal(t, "Query cancelled by user", x.Reason)

	_, err := e.svc.RunDue(ctx)
	require.NoError(t, err)
	require.Equal(t, athena.StateRunning, e.state(t, second).State)
	require.Equal(t, athena.StateCancelled, e.state(t, third).State)
	e.eng.await(2)
	require.Equal(t, 2, e.eng.runs(), "the cancelled queued query never ran")
	require.NoError(t, e.svc.StopQueryExecution(ctx, root, second))
	e.svc.Wait()
	require.NoError(t, e.svc.StopQueryExecution(ctx, root, second), "stopping a finished query changes nothing")
	require.Equal(t, athena.StateCancelled, e.state(t, second).State)
}

// TestAQueryWhoseWorkerDiesIsRetriedOnceThenFails: a worker that stops renewing its claim (its clock stands
// still here) loses the query to the next worker after the lease; the second loss fails it with a reason.
func TestAQueryWhoseWorkerDiesIsRetriedOnceThenFails(t *testing.T) {
	testWorkerDies(t, start(t, nil))
}

// TestAQueryWhoseWorkerDiesIsRetriedOnceThenFailsOnPostgres is the same over PostgreSQL (SECLAKE_TEST_POSTGRES).
func TestAQueryWhoseWorkerDiesIsRetriedOnceThenFailsOnPostgres(t *testing.T) {
	clk := clock.NewFake(t0)
	testWorkerDies(t, startStack(t, clk, stacktest.StartOn(t, clk, stacktest.Postgres(t)), nil))
}

func testWorkerDies(t *testing.T, e *env) {
	id := e.run(t, "SELECT block", athena.StartInput{})
	dead1, stop1 := context.WithCancel(ctx)
	_, err := e.svc.RunDue(dead1)
	require.NoError(t, err)
	require.Equal(t, athena.StateRunning, e.state(t, id).State)

	clkB := clock.NewFake(t0.Add(time.Minute))
	b := e.service(t, clkB, "node-b", nil)
	dead2, stop2 := context.WithCancel(ctx)
	_, err = b.RunDue(dead2)
	require.NoError(t, err)
	require.Equal(t, athena.StateRunning, e.state(t, id).State, "taken over by node b")
	e.eng.await(2)

	c := e.service(t, clock.NewFake(t0.Add(2*time.Minute)), "node-c", nil)
	_, err = c.RunDue(ctx)
	require.NoError(t, err)
	x := e.state(t, id)
	require.Equal(t, athena.StateFailed, x.State)
	require.Contains(t, x.Reason, "stopped responding, twice")
	require.Equal(t, 1, x.Error.Category)
	require.Equal(t, 2, e.eng.runs(), "not run a third time")

	// The dead workers come back to life and end: their claims are gone, so they change nothing.
	stop1()
	stop2()
	e.svc.Wait()
	b.Wait()
	require.Equal(t, athena.StateFailed, e.state(t, id).State)
}

// TestResultsAreEncryptedWithTheWorkGroupsKMSKeyAndAKeyPolicyThatRefusesFailsTheQuery: SSE_KMS results are
// written under the key as the caller through Athena; a key whose policy does not let the caller use it fails
// the query with Athena's access-denied reason, naming what is missing.
func TestResultsAreEncryptedWithTheWorkGroupsKMSKeyAndAKeyPolicyThatRefusesFailsTheQuery(t *testing.T) {
	e := start(t, nil)
	key, err := e.st.KMS.CreateKey(ctx, root, kms.CreateKeyRequest{})
	require.NoError(t, err)
	require.NoError(t, e.svc.CreateWorkGroup(ctx, root, athena.WorkGroup{Name: "sealed", Config: athena.WorkGroupConfig{Result: athena.ResultConfig{
		OutputLocation: "s3://results/sealed", Encryption: &athena.Encryption{Option: athena.EncryptionSSEKMS, KMSKey: key.ARN}}}}))
	id := e.run(t, "SELECT rows=3", athena.StartInput{WorkGroup: "sealed", Result: athena.ResultConfig{OutputLocation: "s3://results/sealed"}})
	e.finish(t)
	require.Equal(t, athena.StateSucceeded, e.state(t, id).State)
	_, obj := readObject(t, e, "sealed/"+id+".csv")
	require.Equal(t, "aws:kms", obj.SSE.Algorithm)
	require.Equal(t, key.ARN, obj.SSE.KeyARN)

	other := `{"Version":"2012-10-17","Statement":[{"Sid":"OnlyAnotherAccount","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::444455556666:root"},"Action":"kms:*","Resource":"*"}]}`
	locked, err := e.st.KMS.CreateKey(ctx, root, kms.CreateKeyRequest{Policy: other, BypassPolicyLockoutSafetyCheck: true})
	require.NoError(t, err)
	id = e.run(t, "SELECT rows=3", athena.StartInput{Result: athena.ResultConfig{Encryption: &athena.Encryption{Option: athena.EncryptionSSEKMS, KMSKey: locked.ARN}}})
	e.finish(t)
	x := e.state(t, id)
	require.Equal(t, athena.StateFailed, x.State)
	require.Contains(t, x.Reason, "Access denied when writing output to url: s3://results/athena/"+id+".csv")
	require.Contains(t, x.Reason, "kms:GenerateDataKey")
	require.Equal(t, 2, x.Error.Category)
	_, err = e.st.Objects.GetObject(ctx, root, objstore.GetInput{Bucket: "results", Key: "athena/" + id + ".csv"})
	require.Error(t, err, "nothing written")
}

// TestStopOnAnotherNodeInterruptsTheQuery: StopQueryExecution answered by a node that does not run the query
// cancels it at once; the node that runs it sees its claim gone at its next renewal and interrupts the engine.
func TestStopOnAnotherNodeInterruptsTheQuery(t *testing.T) {
	e := start(t, nil)
	id := e.runBlocked(t)
	other := e.service(t, e.clk, "node-b", nil)
	require.NoError(t, other.StopQueryExecution(ctx, root, id))
	require.Equal(t, athena.StateCancelled, e.state(t, id).State)
	e.clk.Advance(2 * time.Second)
	e.svc.Wait() // returns only once the engine was interrupted
	require.Equal(t, athena.StateCancelled, e.state(t, id).State)
}

// TestBytesScannedCutoffFailsAQueryThatWouldScanMore: a work group's BytesScannedCutoffPerQuery fails a query
// whose plan scans more, before it runs, and lets one that scans less succeed.
func TestBytesScannedCutoffFailsAQueryThatWouldScanMore(t *testing.T) {
	e := start(t, nil)
	require.NoError(t, e.svc.CreateWorkGroup(ctx, root, athena.WorkGroup{Name: "capped", Config: athena.WorkGroupConfig{BytesScannedCutoff: 10_000_000,
		Result: athena.ResultConfig{OutputLocation: "s3://results/capped/"}}}))
	big := e.run(t, "SELECT rows=100001", athena.StartInput{WorkGroup: "capped"}) // 100 bytes a row
	small := e.run(t, "SELECT rows=10", athena.StartInput{WorkGroup: "capped"})
	e.finish(t)
	x := e.state(t, big)
	require.Equal(t, athena.StateFailed, x.State)
	require.Contains(t, x.Reason, "Bytes scanned limit was exceeded")
	require.EqualValues(t, 10_000_100, x.Stats.ScannedBytes)
	require.Equal(t, athena.StateSucceeded, e.state(t, small).State)
}

// TestFinishedExecutionsExpireAfter45Days: a finished execution is listed and described for 45 days, then
// dropped; a queued one is kept however old.
func TestFinishedExecutionsExpireAfter45Days(t *testing.T) {
	e := start(t, nil)
	tok := strings.Repeat("k", 32)
	done := e.run(t, "SELECT rows=1", athena.StartInput{Token: tok})
	e.finish(t)
	queued := e.run(t, "SELECT rows=1", athena.StartInput{})
	e.clk.Advance(athena.Retention - time.Hour)
	n, err := e.svc.ExpireExecutions(ctx, 10)
	require.NoError(t, err)
	require.Zero(t, n)
	e.clk.Advance(2 * time.Hour)
	n, err = e.svc.ExpireExecutions(ctx, 10)
	require.NoError(t, err)
	require.Equal(t, 1, n)
	_, err = e.svc.GetQueryExecution(ctx, root, done)
	_, ac := athenaCode(t, err)
	require.Equal(t, "RESOURCE_NOT_FOUND", ac)
	ids, _, err := e.svc.ListQueryExecutions(ctx, root, "", "", 0)
	require.NoError(t, err)
	require.Equal(t, []string{queued}, ids)
	again := e.run(t, "SELECT rows=1", athena.StartInput{Token: tok})
	require.NotEqual(t, done, again, "the token went with the execution")
}

// TestResultsAreWrittenWithTheCallersPermissions: a user allowed Athena but not s3:PutObject on the output
// location gets a FAILED query naming the missing permission; once allowed it, the results are written, and
// reading them back needs its s3:GetObject too.
func TestResultsAreWrittenWithTheCallersPermissions(t *testing.T) {
	e := start(t, nil)
	_, err := e.st.IAM.Bootstrap(ctx, iam.BootstrapInput{AccountID: acct})
	require.NoError(t, err)
	u, err := e.st.IAM.CreateUser(ctx, root, iam.CreateUserInput{Name: "analyst"})
	require.NoError(t, err)
	analyst := &actor.Caller{Identity: actor.Identity{Type: actor.TypeUser, Account: acct, ARN: u.ARN(), ID: u.ID, Name: "analyst"},
		Region: "us-east-1", SourceIP: "192.0.2.10"}
	allow := func(actions ...string) {
		doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["` + strings.Join(actions, `","`) + `"],"Resource":"*"}]}`
		require.NoError(t, e.st.IAM.PutInlinePolicy(ctx, root, iam.KindUser, "analyst", "p", doc))
	}
	allow("athena:*")
	in := athena.StartInput{Query: "SELECT rows=3", Result: athena.ResultConfig{OutputLocation: "s3://results/analyst/"}}
	id, err := e.svc.StartQueryExecution(ctx, analyst, in)
	require.NoError(t, err)
	e.finish(t)
	x, err := e.svc.GetQueryExecution(ctx, analyst, id)
	require.NoError(t, err)
	require.Equal(t, athena.StateFailed, x.State)
	require.Contains(t, x.Reason, "Access denied when writing output to url: s3://results/analyst/"+id+".csv")
	require.Contains(t, x.Reason, "s3:PutObject")
	require.Equal(t, 2, x.Error.Category)

	allow("athena:*", "s3:PutObject")
	id, err = e.svc.StartQueryExecution(ctx, analyst, in)
	require.NoError(t, err)
	e.finish(t)
	x, err = e.svc.GetQueryExecution(ctx, analyst, id)
	require.NoError(t, err)
	require.Equal(t, athena.StateSucceeded, x.State, x.Reason)
	_, err = e.svc.GetQueryResults(ctx, analyst, id, "", 0)
	require.ErrorContains(t, err, "s3:GetObject")
	allow("athena:*", "s3:PutObject", "s3:GetObject")
	page, err := e.svc.GetQueryResults(ctx, analyst, id, "", 0)
	require.NoError(t, err)
	require.Len(t, page.Rows, 4)
}

// TestAStoppingNodeGivesItsQueriesBack: a node that stops interrupts its queries and queues them again for
// another worker, without counting the attempt: a later lost claim still gets its one retry.
func TestAStoppingNodeGivesItsQueriesBack(t *testing.T) {
	e := start(t, nil)
	id := e.run(t, "SELECT block", athena.StartInput{})
	node, stop := context.WithCancel(ctx)
	_, err := e.svc.RunDue(node)
	require.NoError(t, err)
	e.eng.await(1)
	stop()
	e.svc.Wait()
	require.Equal(t, athena.StateQueued, e.state(t, id).State)

	b := e.service(t, e.clk, "node-b", nil)
	dead, die := context.WithCancel(ctx)
	_, err = b.RunDue(dead)
	require.NoError(t, err)
	e.eng.await(2)
	require.Equal(t, athena.StateRunning, e.state(t, id).State)
	c := e.service(t, clock.NewFake(t0.Add(time.Hour)), "node-c", nil)
	_, err = c.RunDue(ctx) // node b's claim has lapsed by c's clock: its first loss, so queued again
	require.NoError(t, err)
	e.eng.await(3)
	require.Equal(t, athena.StateRunning, e.state(t, id).State, "retried by node c")
	require.NoError(t, c.StopQueryExecution(ctx, root, id))
	c.Wait()
	die()
	b.Wait()
	require.Equal(t, athena.StateCancelled, e.state(t, id).State)
}
