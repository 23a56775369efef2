package app

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
)

// IngestRequest is one call of `seclake ingest`: an operation of seclake's ingestion API.
type IngestRequest struct {
	// Endpoint is seclake's URL; Region the signing region ("" for the SDK's default chain, else us-east-1).
	// The credentials come from the AWS SDK's default chain (AWS_ACCESS_KEY_ID …, AWS_PROFILE with
	// AWS_SHARED_CREDENTIALS_FILE), as the aws CLI's do.
	Endpoint, Region string
	// Method, Path and Query are the operation's route; Body its JSON input (nil for none).
	Method, Path string
	Query        url.Values
	Body         any
}

// ingestClient calls seclake's ingestion API (REST-JSON, signing name "seclake") with SigV4.
type ingestClient struct {
	cfg    aws.Config
	signer *v4.Signer
	http   *http.Client
}

func newIngestClient(ctx context.Context, region string) (*ingestClient, error) {
	opts := []func(*awsconfig.LoadOptions) error{}
	if region != "" {
		opts = append(opts, awsconfig.WithRegion(region))
	}
	cfg, err := awsconfig.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("load AWS credentials: %w", err)
	}
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	return &ingestClient{cfg: cfg, signer: v4.NewSigner(), http: &http.Client{Timeout: time.Minute}}, nil
}

// CallIngest sends req and returns the response's JSON body; an error answer is returned as an error with
// the service's code and message.
func CallIngest(ctx context.Context, req IngestRequest) (json.RawMessage, error) {
	c, err := newIngestClient(ctx, req.Region)
	if err != nil {
		return nil, err
	}
	return c.call(ctx, req)
}

func (c *ingestClient) call(ctx context.Context, req IngestRequest) (json.RawMessage, error) {
	var body []byte
	if req.Body != nil {
		var err error
		if body, err = json.Marshal(req.Body); err != nil {
			return nil, err
		}
	}
	u := strings.TrimSuffix(req.Endpoint, "/") + req.Path
	if len(req.Query) > 0 {
		u += "?" + req.Query.Encode()
	}
	hr, err := http.NewRequestWithContext(ctx, req.Method, u, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	if body != nil {
		hr.Header.Set("Content-Type", "application/json")
	}
	return c.send(ctx, hr, body, "seclake")
}

// send signs hr (whose body is body) for service with the caller's credentials, sends it, and returns the
// answer's body; an error answer is returned as an error with the service's code and message.
func (c *ingestClient) send(ctx context.Context, hr *http.Request, body []byte, service string) (json.RawMessage, error) {
	creds, err := c.cfg.Credentials.Retrieve(ctx)
	if err != nil {
		return nil, fmt.Errorf("load AWS credentials: %w", err)
	}
	sum := sha256.Sum256(body)
	if err := c.signer.SignHTTP(ctx, creds, hr, hex.EncodeToString(sum[:]), service, c.cfg.Region, time.Now()); err != nil {
		return nil, err
	}
	resp, err := c.http.Do(hr)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode/100 != 2 {
		return nil, ingestError(resp, out)
	}
	if len(bytes.TrimSpace(out)) == 0 {
		out = []byte("{}")
	}
	return out, nil
}

// ingestError renders an error answer as "Code: message".
func ingestError(resp *http.Response, body []byte) error {
	var e struct {
		Message  string `json:"message"`
		Message2 string `json:"Message"`
		Type     string `json:"__type"`
	}
	_ = json.Unmarshal(body, &e)
	code := resp.Header.Get("X-Amzn-Errortype")
	if code == "" {
		code = e.Type[strings.LastIndexByte(e.Type, '#')+1:]
	}
	if i := strings.IndexByte(code, ':'); i >= 0 {
		code = code[:i]
	}
	msg := e.Message
	if msg == "" {
		msg = e.Message2
	}
	if code == "" {
		code = resp.Status
	}
	if msg == "" {
		msg = strings.TrimSpace(string(body))
	}
	return fmt.Errorf("%s: %s", code, msg)
}
