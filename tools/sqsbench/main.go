// Command sqsbench measures an SQS server over loopback with the AWS SDK for Go v2: messages per second sent,
// received and deleted in batches of 10 on a queue encrypted with a customer managed KMS key (SSE-KMS), and
// the latency from a send to a receiver already waiting in a long poll. It starts the server itself, so that
// seclake and moto_server are measured the same way on the same machine:
//
//	go run ./tools/sqsbench -target moto -header
//	go run ./tools/sqsbench -target seclake -seclake /tmp/seclake
//
// It prints one Markdown table row per run, in the columns of docs/benchmarks.md ("SQS vs moto").
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/seclake/seclake/internal/blob/s3blob/s3peer"
)

type options struct {
	target, seclake string
	duration        time.Duration
	workers         int
	samples         int
	header          bool
}

func main() {
	var o options
	flag.StringVar(&o.target, "target", "seclake", "server to start: seclake or moto")
	flag.StringVar(&o.seclake, "seclake", "", "seclake binary (default: go build ./cmd/seclake into a temporary directory)")
	flag.DurationVar(&o.duration, "duration", 10*time.Second, "how long the throughput measurement runs")
	flag.IntVar(&o.workers, "workers", 16, "concurrent send+receive+delete loops")
	flag.IntVar(&o.samples, "samples", 200, "send → long-poll latency samples")
	flag.BoolVar(&o.header, "header", false, "print the table header and the machine first")
	flag.Parse()
	if err := run(context.Background(), o); err != nil {
		fmt.Fprintln(os.Stderr, "sqsbench:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, o options) error {
	tmp, err := os.MkdirTemp("", "sqsbench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	srv, err := start(ctx, o, tmp)
	if err != nil {
		return err
	}
	defer srv.Close()
	cfg := aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider(srv.AccessKeyID, srv.SecretAccessKey, ""),
		BaseEndpoint: aws.String(srv.Endpoint), RetryMaxAttempts: 1}
	c := sqs.NewFromConfig(cfg)
	key, err := kms.NewFromConfig(cfg).CreateKey(ctx, &kms.CreateKeyInput{})
	if err != nil {
		return fmt.Errorf("create key: %w", err)
	}
	q, err := c.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("bench"), Attributes: map[string]string{
		"KmsMasterKeyId": aws.ToString(key.KeyMetadata.Arn), "KmsDataKeyReusePeriodSeconds": "300"}})
	if err != nil {
		return fmt.Errorf("create queue: %w", err)
	}
	if o.header {
		fmt.Printf("Machine: %d cores, %s, %s/%s; %d workers, %s per throughput run, %d latency samples\n\n",
			runtime.NumCPU(), runtime.Version(), runtime.GOOS, runtime.GOARCH, o.workers, o.duration, o.samples)
		fmt.Println("| server | send+receive+delete, batches of 10 (per server CPU-second) | send → waiting long poll: median | p90 | p99 | server peak RSS |")
		fmt.Println("| --- | --- | --- | --- | --- | --- |")
	}
	cpu0, _ := srv.CPUTime()
	rate, err := throughput(ctx, c, aws.ToString(q.QueueUrl), o)
	if err != nil {
		return err
	}
	cpu1, _ := srv.CPUTime()
	perCPU := float64(rate) * o.duration.Seconds() / (cpu1 - cpu0).Seconds()
	lat, err := latency(ctx, c, aws.ToString(q.QueueUrl), o.samples)
	if err != nil {
		return err
	}
	fmt.Printf("| %s | %d msg/s (%.0f) | %s | %s | %s | %s |\n", srv.Name, rate, perCPU, ms(lat[len(lat)/2]), ms(lat[len(lat)*9/10]),
		ms(lat[len(lat)*99/100]), peakRSS(srv.PID()))
	return nil
}

func ms(d time.Duration) string {
	return strconv.FormatFloat(float64(d.Microseconds())/1000, 'f', 2, 64) + " ms"
}

// throughput runs o.workers loops of send batch → receive up to 10 → delete batch for o.duration and returns
// the messages deleted per second.
func throughput(ctx context.Context, c *sqs.Client, url string, o options) (int, error) {
	var done atomic.Int64
	var firstErr atomic.Value
	ctx, cancel := context.WithTimeout(ctx, o.duration)
	defer cancel()
	var wg sync.WaitGroup
	for w := range o.workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			entries := make([]types.SendMessageBatchRequestEntry, 10)
			for i := range entries {
				entries[i] = types.SendMessageBatchRequestEntry{Id: aws.String(strconv.Itoa(i)),
					MessageBody: aws.String(fmt.Sprintf(`{"worker":%d,"n":%d,"finding":"object created under a prefix"}`, w, i))}
			}
			for ctx.Err() == nil {
				if _, err := c.SendMessageBatch(ctx, &sqs.SendMessageBatchInput{QueueUrl: &url, Entries: entries}); err != nil {
					note(ctx, &firstErr, err)
					return
				}
				r, err := c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: &url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1})
				if err != nil {
					note(ctx, &firstErr, err)
					return
				}
				if len(r.Messages) == 0 {
					continue
				}
				del := make([]types.DeleteMessageBatchRequestEntry, len(r.Messages))
				for i, m := range r.Messages {
					del[i] = types.DeleteMessageBatchRequestEntry{Id: aws.String(strconv.Itoa(i)), ReceiptHandle: m.ReceiptHandle}
				}
				if _, err := c.DeleteMessageBatch(ctx, &sqs.DeleteMessageBatchInput{QueueUrl: &url, Entries: del}); err != nil {
					note(ctx, &firstErr, err)
					return
				}
				done.Add(int64(len(r.Messages)))
			}
		}()
	}
	wg.Wait()
	if err, ok := firstErr.Load().(error); ok {
		return 0, err
	}
	return int(float64(done.Load()) / o.duration.Seconds()), nil
}

func note(ctx context.Context, v *atomic.Value, err error) {
	if ctx.Err() == nil {
		v.CompareAndSwap(nil, err)
	}
}

// latency measures, n times, the time from just before a send to the return of a receive that was already
// waiting in a long poll, and returns the samples sorted.
func latency(ctx context.Context, c *sqs.Client, url string, n int) ([]time.Duration, error) {
	if _, err := c.PurgeQueue(ctx, &sqs.PurgeQueueInput{QueueUrl: &url}); err != nil {
		return nil, err
	}
	var out []time.Duration
	for i := range n {
		body := "ping " + strconv.Itoa(i)
		type result struct {
			at  time.Time
			err error
		}
		got := make(chan result, 1)
		go func() {
			for {
				r, err := c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: &url, WaitTimeSeconds: 20})
				if err != nil {
					got <- result{err: err}
					return
				}
				at := time.Now()
				for _, m := range r.Messages {
					if _, err := c.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: &url, ReceiptHandle: m.ReceiptHandle}); err != nil {
						got <- result{err: err}
						return
					}
					if aws.ToString(m.Body) == body { // not a late copy of an earlier ping
						got <- result{at: at}
						return
					}
				}
			}
		}()
		time.Sleep(20 * time.Millisecond) // the receiver is waiting
		sent := time.Now()
		if _, err := c.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: &url, MessageBody: aws.String(body)}); err != nil {
			return nil, err
		}
		r := <-got
		if r.err != nil {
			return nil, r.err
		}
		out = append(out, r.at.Sub(sent))
	}
	slices.Sort(out)
	return out, nil
}

func start(ctx context.Context, o options, tmp string) (*s3peer.Server, error) {
	switch o.target {
	case "moto":
		return s3peer.StartMoto(ctx)
	case "seclake":
		bin := o.seclake
		if bin == "" {
			bin = filepath.Join(tmp, "seclake")
			build := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/seclake")
			build.Stdout, build.Stderr = os.Stderr, os.Stderr
			if err := build.Run(); err != nil {
				return nil, fmt.Errorf("go build ./cmd/seclake (run sqsbench from the repository root): %w", err)
			}
		}
		return s3peer.StartSeclake(ctx, bin, filepath.Join(tmp, "seclake-data"))
	}
	return nil, fmt.Errorf("-target %q: want seclake or moto", o.target)
}

// peakRSS returns the peak resident memory of process pid (VmHWM), or "?".
func peakRSS(pid int) string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return "?"
	}
	var kb int64
	for line := range strings.Lines(string(b)) {
		if _, err := fmt.Sscanf(line, "VmHWM: %d kB", &kb); err == nil {
			return fmt.Sprintf("%d MiB", kb>>10)
		}
	}
	return "?"
}
