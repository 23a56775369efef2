package datacatalog_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/actor"
	"github.com/seclake/seclake/internal/app/stacktest"
	"github.com/seclake/seclake/internal/awserr"
	"github.com/seclake/seclake/internal/clock"
	"github.com/seclake/seclake/internal/datacatalog"
	"github.com/seclake/seclake/internal/stack"
	"github.com/seclake/seclake/internal/table"
)

const acct = "111122223333"

var ctx = context.Background()

func rootIn(region string) *actor.Caller {
	return &actor.Caller{Identity: actor.Identity{Type: actor.TypeRoot, Account: acct, ARN: actor.RootARN(acct), ID: acct},
		Region: region}
}

func requireCode(t *testing.T, err error, code string) {
	t.Helper()
	ae, ok := awserr.As(err)
	require.True(t, ok, "%v", err)
	require.Equal(t, code, ae.Code, ae.Message)
}

func names(dbs []datacatalog.Database) []string {
	var out []string
	for _, d := range dbs {
		out = append(out, d.Name)
	}
	return out
}

// TestRegionsAndLakes: each region's catalog shows its own databases, though the account's lakes share one
// Iceberg catalog; a region without a lake keeps its databases and Hive tables here and refuses Iceberg tables;
// an Iceberg table changes by commits only, and a namespace with tables (or the lake's own) is not deleted.
func TestRegionsAndLakes(t *testing.T) {
	testRegionsAndLakes(t, stacktest.Start(t, clock.NewFake(time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC))))
}

// TestRegionsAndLakesOnPostgres is TestRegionsAndLakes with the catalog in PostgreSQL (SECLAKE_TEST_POSTGRES).
func TestRegionsAndLakesOnPostgres(t *testing.T) {
	store := stacktest.Postgres(t)
	testRegionsAndLakes(t, stacktest.StartOn(t, clock.NewFake(time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)), store))
}

func testRegionsAndLakes(t *testing.T, st *stack.Stack) {
	cat := datacatalog.New(st.Lakes, st.Meta, st.IAM, nil)
	east, west, south := rootIn("us-east-1"), rootIn("eu-west-1"), rootIn("ap-south-1")
	for _, c := range []*actor.Caller{east, west} {
		_, err := st.Lakes.Create(ctx, c, c.Region, "")
		require.NoError(t, err)
		_, err = st.Lakes.Open(ctx, acct, c.Region)
		require.NoError(t, err)
	}
	scEast, scWest, scSouth := datacatalog.ScopeOf(east, ""), datacatalog.ScopeOf(west, ""), datacatalog.ScopeOf(south, "")
	require.NoError(t, cat.CreateDatabase(ctx, east, scEast, datacatalog.Database{Name: "analytics", Description: "d"}))

	dbs, err := cat.Databases(ctx, east, scEast)
	require.NoError(t, err)
	require.Equal(t, []string{"amazon_security_lake_glue_db_us_east_1", "analytics"}, names(dbs))
	require.Equal(t, map[string]string{}, dbs[1].Parameters, "seclake's own properties stay hidden")
	dbs, err = cat.Databases(ctx, west, scWest)
	require.NoError(t, err)
	require.Equal(t, []string{"amazon_security_lake_glue_db_eu_west_1"}, names(dbs))
	_, err = cat.Database(ctx, west, scWest, "analytics")
	requireCode(t, err, "EntityNotFoundException")
	_, err = cat.Tables(ctx, west, scWest, "amazon_security_lake_glue_db_us_east_1")
	requireCode(t, err, "EntityNotFoundException")

	// Updates: Glue's replaces the fields; Iceberg's removes and sets properties; seclake's own stay.
	require.NoError(t, cat.UpdateDatabase(ctx, east, scEast, "analytics", datacatalog.Database{Description: "flows",
		Parameters: map[string]string{"owner": "secops"}}))
	d, err := cat.Database(ctx, east, scEast, "analytics")
	require.NoError(t, err)
	require.Equal(t, "flows", d.Description)
	require.Equal(t, map[string]string{"owner": "secops"}, d.Parameters)
	res, err := cat.UpdateNamespaceProperties(ctx, east, scEast, "analytics", []string{"owner", "nope"},
		map[string]string{"team": "ir"})
	require.NoError(t, err)
	require.Equal(t, datacatalog.PropertiesUpdate{Removed: []string{"owner"}, Updated: []string{"team"},
		Missing: []string{"nope"}}, res)
	_, err = cat.UpdateNamespaceProperties(ctx, east, scEast, "analytics", []string{"seclake.region"}, nil)
	requireCode(t, err, "InvalidInputException")

	// Without a lake: databases and Hive tables of their own; no Iceberg tables.
	require.NoError(t, cat.CreateDatabase(ctx, south, scSouth, datacatalog.Database{Name: "archive"}))
	require.NoError(t, cat.UpdateDatabase(ctx, south, scSouth, "archive", datacatalog.Database{Description: "old logs"}))
	res, err = cat.UpdateNamespaceProperties(ctx, south, scSouth, "archive", []string{"comment"}, map[string]string{"k": "v"})
	require.NoError(t, err)
	require.Equal(t, datacatalog.PropertiesUpdate{Removed: []string{"comment"}, Updated: []string{"k"}}, res)
	d, err = cat.Database(ctx, south, scSouth, "archive")
	require.NoError(t, err)
	require.Equal(t, "", d.Description)
	require.Equal(t, map[string]string{"k": "v"}, d.Parameters)
	requireCode(t, cat.CreateDatabase(ctx, south, scSouth, datacatalog.Database{Name: "archive"}), "AlreadyExistsException")
	hive := json.RawMessage(`{"Name":"old","StorageDescriptor":{"Location":"s3://x/old/"}}`)
	require.NoError(t, cat.CreateTable(ctx, south, scSouth, "archive", hive))
	requireCode(t, cat.CreateTable(ctx, south, scSouth, "nope", hive), "EntityNotFoundException")
	_, err = cat.CreateIcebergTable(ctx, south, scSouth, "archive", table.CreateTableRequest{Name: "x",
		Schema: json.RawMessage(`{"type":"struct","schema-id":0,"fields":[]}`)})
	requireCode(t, err, "InvalidInputException")
	ts, err := cat.Tables(ctx, south, scSouth, "archive")
	require.NoError(t, err)
	require.Len(t, ts, 1)
	require.NoError(t, cat.DeleteDatabase(ctx, south, scSouth, "archive"))
	_, err = cat.Table(ctx, south, scSouth, "archive", "old")
	requireCode(t, err, "EntityNotFoundException")

	// Iceberg tables: commits only; namespaces with tables stay.
	info, err := cat.CreateIcebergTable(ctx, east, scEast, "analytics", table.CreateTableRequest{Name: "events",
		Schema: json.RawMessage(`{"type":"struct","schema-id":0,"fields":[{"id":1,"name":"a","type":"string","required":false}]}`)})
	require.NoError(t, err)
	require.Equal(t, []table.Column{{Name: "a", Type: "string"}}, info.Columns)
	requireCode(t, cat.UpdateTable(ctx, east, scEast, "analytics", json.RawMessage(`{"Name":"events"}`), ""), "InvalidInputException")
	requireCode(t, cat.DeleteDatabase(ctx, east, scEast, "analytics"), "InvalidInputException")
	requireCode(t, cat.DeleteDatabase(ctx, east, scEast, "amazon_security_lake_glue_db_us_east_1"), "InvalidInputException")
	vs, err := cat.TableVersions(ctx, east, scEast, "analytics", "events")
	require.NoError(t, err)
	require.Len(t, vs, 1)
	require.NoError(t, cat.DeleteTable(ctx, east, scEast, "analytics", "events"))
	require.NoError(t, cat.DeleteDatabase(ctx, east, scEast, "analytics"))
}

// TestRefusalsNameTheGlueAction: a user without a policy is refused with AccessDeniedException naming the action
// and the catalog ARN.
func TestRefusalsNameTheGlueAction(t *testing.T) {
	st := stacktest.Start(t, clock.NewFake(time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)))
	cat := datacatalog.New(st.Lakes, st.Meta, st.IAM, nil)
	nobody := &actor.Caller{Identity: actor.Identity{Type: actor.TypeUser, Account: acct,
		ARN: "arn:aws:iam::" + acct + ":user/nobody", ID: "AIDANOBODY"}, Region: "us-east-1"}
	_, err := cat.Databases(ctx, nobody, datacatalog.ScopeOf(nobody, ""))
	requireCode(t, err, "AccessDeniedException")
	require.ErrorContains(t, err, "perform: glue:GetDatabases on resource: arn:aws:glue:us-east-1:"+acct+":catalog")
}
