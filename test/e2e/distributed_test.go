package e2e

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"os"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	cttypes "github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/config"
)

// postgresSchema returns the test DSN and a fresh schema that is dropped after the test, or skips the test
// when SECLAKE_TEST_POSTGRES is not set.
func postgresSchema(t *testing.T) (dsn, schema string) {
	t.Helper()
	dsn = os.Getenv("SECLAKE_TEST_POSTGRES")
	if dsn == "" {
		t.Skip("SECLAKE_TEST_POSTGRES is not set; .ci/run sets it to the local PostgreSQL")
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	schema = fmt.Sprintf("e2e_%x", b)
	t.Cleanup(func() {
		conn, err := pgx.Connect(context.Background(), dsn)
		if err != nil {
			t.Logf("drop schema %s: %v", schema, err)
			return
		}
		defer conn.Close(context.Background())
		_, _ = conn.Exec(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
	})
	return dsn, schema
}

// TestTwoNodesShareOnePostgres runs two seclake nodes over one PostgreSQL schema with one root key: what one
// node writes, the other serves; both append to one audit chain, which verifies.
func TestTwoNodesShareOnePostgres(t *testing.T) {
	dsn, schema := postgresSchema(t)
	rootKey := make([]byte, 32)
	_, _ = rand.Read(rootKey)
	env := map[string]string{"SECLAKE_ROOT_KEY": base64.StdEncoding.EncodeToString(rootKey)}
	pg := withConfig(func(c *config.Config) { c.Meta, c.MetaSchema = dsn, schema })
	a := startServer(t, pg, withEnv(env))
	b := startServer(t, pg, withEnv(env))
	ctx := context.Background()

	_, err := iam.NewFromConfig(a.rootConfig()).CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("dana")})
	require.NoError(t, err)
	key, err := iam.NewFromConfig(a.rootConfig()).CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("dana")})
	require.NoError(t, err)

	// The key made on node A authenticates on node B.
	who, err := sts.NewFromConfig(b.sdkConfig(aws.ToString(key.AccessKey.AccessKeyId), aws.ToString(key.AccessKey.SecretAccessKey), "")).
		GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	require.NoError(t, err)
	require.Equal(t, "arn:aws:iam::"+testAccount+":user/dana", aws.ToString(who.Arn))

	// Concurrent writes through both nodes land in one chain.
	errs := make(chan error, 40)
	for i := 0; i < 20; i++ {
		for j, s := range []*server{a, b} {
			go func(i, j int, s *server) {
				_, err := iam.NewFromConfig(s.rootConfig()).CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(fmt.Sprintf("n%d-%d", j, i))})
				errs <- err
			}(i, j, s)
		}
	}
	for i := 0; i < 40; i++ {
		require.NoError(t, <-errs)
	}
	ev, err := cloudtrail.NewFromConfig(b.rootConfig()).LookupEvents(ctx, &cloudtrail.LookupEventsInput{
		LookupAttributes: []cttypes.LookupAttribute{{AttributeKey: cttypes.LookupAttributeKeyEventName, AttributeValue: aws.String("CreateUser")}},
	})
	require.NoError(t, err)
	require.Len(t, ev.Events, 41)

	out, code := runSeclakeEnv(t, []string{"SECLAKE_ROOT_KEY=" + env["SECLAKE_ROOT_KEY"]},
		"audit", "verify", "--data", a.DataDir, "--meta", dsn, "--meta-schema", schema)
	require.Equal(t, 0, code, out)
	require.Contains(t, out, "audit chain OK")
}
