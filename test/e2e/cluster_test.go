package e2e

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/clock"
	"github.com/seclake/seclake/internal/config"
	"github.com/seclake/seclake/internal/schedule"
)

// The cluster's background jobs (internal/stack).
var clusterJobs = []string{"iam.janitor", "ingest.audit", "ingest.backfill", "ingest.run", "kms.due", "lake.provision", "lake.reencrypt", "logdelivery.deliver", "s3.lifecycle", "s3.notify", "s3.replication", "s3.sweep", "sqs.expire", "table.maintain", "trail.deliver"}

// TestAPIAndWorkerNodesOverPostgres runs two api nodes and one worker over one PostgreSQL schema on one fake
// clock: requests succeed on both api nodes, the worker refuses them, and each time the clock moves every
// background job runs exactly once, on the worker, with its effects.
func TestAPIAndWorkerNodesOverPostgres(t *testing.T) { testCluster(t, 1) }

// TestTwoWorkersRunEachSlotOnce is the same cluster with two workers: each slot of each job runs once, on one
// of them, never twice.
func TestTwoWorkersRunEachSlotOnce(t *testing.T) { testCluster(t, 2) }

func testCluster(t *testing.T, workers int) {
	dsn, schema := postgresSchema(t)
	rootKey := make([]byte, 32)
	_, _ = rand.Read(rootKey)
	env := withEnv(map[string]string{"SECLAKE_ROOT_KEY": base64.StdEncoding.EncodeToString(rootKey)})
	fake := clock.NewFake(time.Now())
	node := func(target string) *server {
		return startServer(t, withClock(fake), env, withConfig(func(c *config.Config) {
			c.Meta, c.MetaSchema, c.Target = dsn, schema, target
		}))
	}
	api1, api2 := node(config.TargetAPI), node(config.TargetAPI)
	var ws []*server
	for range workers {
		ws = append(ws, node(config.TargetWorker))
	}
	ctx := context.Background()

	// Each job ran once when the first worker started (its first slot); the api nodes report the same.
	runs := settle(t, ws[0], fake)
	for _, j := range clusterJobs {
		require.Equal(t, uint64(1), runs[j].Runs, j)
	}
	require.Equal(t, jobsOf(t, ws[0]).Jobs, jobsOf(t, api1).Jobs, "every node reads the same records")

	// Requests succeed on both api nodes; the worker does not serve them.
	c1, c2 := clients(api1, fake), clients(api2, fake)
	for i, c := range []clusterClients{c1, c2} {
		_, err := c.iam.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(fmt.Sprintf("user-%d", i))})
		require.NoError(t, err)
	}
	key, err := c1.kms.CreateKey(ctx, &kms.CreateKeyInput{})
	require.NoError(t, err)
	_, err = c2.kms.ScheduleKeyDeletion(ctx, &kms.ScheduleKeyDeletionInput{KeyId: key.KeyMetadata.KeyId, PendingWindowInDays: aws.Int32(7)})
	require.NoError(t, err)
	_, err = c1.s3.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("lc-bucket")})
	require.NoError(t, err)
	for _, k := range []string{"raw/a.log", "raw/b.log", "keep/c.log"} {
		_, err = c2.s3.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("lc-bucket"), Key: aws.String(k), Body: strings.NewReader("x")})
		require.NoError(t, err)
	}
	_, err = c1.s3.PutBucketLifecycleConfiguration(ctx, &s3.PutBucketLifecycleConfigurationInput{Bucket: aws.String("lc-bucket"),
		LifecycleConfiguration: &s3types.BucketLifecycleConfiguration{Rules: []s3types.LifecycleRule{{ID: aws.String("expire-raw"),
			Status: s3types.ExpirationStatusEnabled, Filter: &s3types.LifecycleRuleFilter{Prefix: aws.String("raw/")},
			Expiration: &s3types.LifecycleExpiration{Days: aws.Int32(2)}}}}})
	require.NoError(t, err)
	_, err = c1.s3.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(trailBucket)})
	require.NoError(t, err)
	_, err = c1.s3.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String(trailBucket), Policy: aws.String(trailBucketPolicy("cluster"))})
	require.NoError(t, err)
	_, err = c2.trail.CreateTrail(ctx, &cloudtrail.CreateTrailInput{Name: aws.String("cluster"), S3BucketName: aws.String(trailBucket)})
	require.NoError(t, err)
	_, err = c1.trail.StartLogging(ctx, &cloudtrail.StartLoggingInput{Name: aws.String("cluster")})
	require.NoError(t, err)
	_, err = c2.iam.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("after-logging-started")})
	require.NoError(t, err)
	for _, w := range ws {
		res, err := http.Get(w.URL + "/")
		require.NoError(t, err)
		res.Body.Close()
		require.Equal(t, http.StatusMisdirectedRequest, res.StatusCode, "a worker does not serve the AWS APIs")
	}

	// Eight days later every job has run once more — each for the current slot, not once per missed slot.
	fake.Advance(8 * 24 * time.Hour)
	runs = settle(t, ws[0], fake)
	for _, j := range clusterJobs {
		require.Equal(t, uint64(2), runs[j].Runs, j)
	}
	_, err = c1.kms.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: key.KeyMetadata.KeyId})
	require.Equal(t, "NotFoundException", apiCode(t, err), "the key scheduled for deletion is deleted")
	require.Equal(t, []string{"keep/c.log"}, listKeys(t, c2.s3, "lc-bucket", ""), "the expired objects are gone")
	require.NotEmpty(t, listKeys(t, c2.s3, trailBucket, "AWSLogs/"+testAccount+"/CloudTrail/"), "the trail delivered")
	st, err := c2.trail.GetTrailStatus(ctx, &cloudtrail.GetTrailStatusInput{Name: aws.String("cluster")})
	require.NoError(t, err)
	require.Empty(t, aws.ToString(st.LatestDeliveryError))

	// An hour later: once more each.
	fake.Advance(time.Hour)
	runs = settle(t, ws[0], fake)
	for _, j := range clusterJobs {
		require.Equal(t, uint64(3), runs[j].Runs, j)
	}

	// Every run was on a worker, once per slot, and the workers' own counts add up to the records.
	workerNodes := map[string]bool{}
	for _, w := range ws {
		workerNodes[jobsOf(t, w).Node] = true
	}
	for _, j := range clusterJobs {
		s := runs[j]
		require.Zero(t, s.Failures, "%s: %+v", j, s.Recent)
		require.Len(t, s.Recent, 3, j)
		slots := map[time.Time]bool{}
		for _, r := range s.Recent {
			require.True(t, workerNodes[r.Node], "%s ran on %s, not a worker", j, r.Node)
			require.Equal(t, schedule.OutcomeOK, r.Outcome, "%s: %s", j, r.Error)
			require.False(t, slots[r.Slot], "%s: slot %v ran twice", j, r.Slot)
			slots[r.Slot] = true
		}
		require.Eventually(t, func() bool { // a worker counts a run just after recording it
			total := 0
			for _, w := range ws {
				total += jobRunsMetric(t, w, j)
			}
			return total == 3
		}, 10*time.Second, 10*time.Millisecond, "%s: the workers' counts of runs", j)
		for _, a := range []*server{api1, api2} {
			require.Zero(t, jobRunsMetric(t, a, j), "%s: an api node runs no jobs", j)
		}
	}
}

// clusterClients are SDK clients of one node that sign with the server's (fake) time.
type clusterClients struct {
	iam   *iam.Client
	kms   *kms.Client
	s3    *s3.Client
	trail *cloudtrail.Client
}

func clients(s *server, fake clock.Clock) clusterClients {
	signer := serverTimeSigner{fake, v4.NewSigner()}
	cfg := s.rootConfig()
	return clusterClients{
		iam: iam.NewFromConfig(cfg, func(o *iam.Options) { o.HTTPSignerV4 = signer }),
		kms: kms.NewFromConfig(cfg, func(o *kms.Options) { o.HTTPSignerV4 = signer }),
		s3: s3.NewFromConfig(cfg, func(o *s3.Options) {
			o.UsePathStyle = true
			o.HTTPSignerV4 = signer
		}),
		trail: cloudtrail.NewFromConfig(cfg, func(o *cloudtrail.Options) { o.HTTPSignerV4 = signer }),
	}
}

func listKeys(t *testing.T, c *s3.Client, bucket, prefix string) []string {
	t.Helper()
	out, err := c.ListObjectsV2(context.Background(), &s3.ListObjectsV2Input{Bucket: aws.String(bucket), Prefix: aws.String(prefix)})
	require.NoError(t, err)
	var keys []string
	for _, o := range out.Contents {
		keys = append(keys, aws.ToString(o.Key))
	}
	return keys
}

// jobsReport is the answer of GET /_seclake/jobs.
type jobsReport struct {
	Node   string
	Target string
	Now    time.Time
	Jobs   []schedule.Status
}

func jobsOf(t *testing.T, s *server) jobsReport {
	t.Helper()
	res, err := http.Get(s.URL + "/_seclake/jobs")
	require.NoError(t, err)
	defer res.Body.Close()
	require.Equal(t, http.StatusOK, res.StatusCode)
	var r jobsReport
	require.NoError(t, json.NewDecoder(res.Body).Decode(&r))
	return r
}

// settle waits until every job has run for the current slot of the clock and none is running, and returns
// the jobs by name.
func settle(t *testing.T, s *server, fake *clock.Fake) map[string]schedule.Status {
	t.Helper()
	var byName map[string]schedule.Status
	require.Eventually(t, func() bool {
		byName = map[string]schedule.Status{}
		for _, j := range jobsOf(t, s).Jobs {
			if j.Running != nil || !j.NextDue.After(fake.Now()) {
				return false
			}
			byName[j.Name] = j
		}
		return len(byName) == len(clusterJobs)
	}, 30*time.Second, 10*time.Millisecond, "the jobs did not all run: %+v", byName)
	return byName
}

// jobRunsMetric returns how many runs of job the node counted (seclake_job_runs_total, all outcomes).
func jobRunsMetric(t *testing.T, s *server, job string) int {
	t.Helper()
	res, err := http.Get(s.URL + "/_seclake/metrics")
	require.NoError(t, err)
	defer res.Body.Close()
	n := 0
	sc := bufio.NewScanner(res.Body)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, "seclake_job_runs_total{") || !strings.Contains(line, `job="`+job+`"`) {
			continue
		}
		v, err := strconv.ParseFloat(line[strings.LastIndexByte(line, ' ')+1:], 64)
		require.NoError(t, err, line)
		n += int(v)
	}
	require.NoError(t, sc.Err())
	return n
}
