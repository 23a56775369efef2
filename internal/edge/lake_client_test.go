package edge_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/securitylake"
	sltypes "github.com/aws/aws-sdk-go-v2/service/securitylake/types"
	"github.com/aws/smithy-go"
	"github.com/stretchr/testify/require"
)

const subscriberID = "8c7a4b9e-1c2d-4e5f-8a9b-0c1d2e3f4a5b"

// boto3Script drives the test service with boto3's securitylake client and prints each call's result or error.
const boto3Script = `
import json, os, boto3, botocore.exceptions
from botocore.config import Config
c = boto3.client('securitylake', endpoint_url=os.environ['SECLAKE_ENDPOINT'], region_name='us-east-1',
    aws_access_key_id=os.environ['SECLAKE_KEY'], aws_secret_access_key=os.environ['SECLAKE_SECRET'],
    config=Config(retries={'total_max_attempts': 1}))
out = {}
def call(name, fn):
    try:
        r = fn()
        r.pop('ResponseMetadata', None)
        out[name] = {'ok': r}
    except botocore.exceptions.ClientError as e:
        r = e.response
        out[name] = {'code': r['Error']['Code'], 'message': r['Error'].get('Message', ''),
            'status': r['ResponseMetadata']['HTTPStatusCode'], 'headers': r['ResponseMetadata']['HTTPHeaders'],
            'fields': {k: v for k, v in r.items() if k not in ('Error', 'ResponseMetadata')}}
call('list', lambda: c.list_data_lakes(regions=['us-east-1', 'eu-west-1']))
call('subscribers', lambda: c.list_subscribers(maxResults=5))
call('get', lambda: c.get_subscriber(subscriberId='` + subscriberID + `'))
call('delete', lambda: c.delete_subscriber(subscriberId='odd id/with:chars'))
call('tag', lambda: c.tag_resource(resourceArn='arn:aws:securitylake:us-east-1:111122223333:subscriber/` + subscriberID + `',
    tags=[{'key': 'team', 'value': 'soc'}, {'key': 'env', 'value': ''}]))
call('missing', lambda: c.get_subscriber(subscriberId='missing'))
call('throttled', lambda: c.get_subscriber(subscriberId='busy'))
call('unknown', lambda: c.list_log_sources())
call('notallowed', lambda: c.update_subscriber(subscriberId='` + subscriberID + `', subscriberName='n'))
print(json.dumps(out, default=str))
`

type boto3Result struct {
	OK      map[string]any    `json:"ok"`
	Code    string            `json:"code"`
	Message string            `json:"message"`
	Status  int               `json:"status"`
	Headers map[string]string `json:"headers"`
	Fields  map[string]any    `json:"fields"`
}

func TestBoto3SecurityLakeREST(t *testing.T) {
	python, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 is not installed")
	}
	if exec.Command(python, "-c", "import boto3").Run() != nil {
		t.Skip("boto3 is not installed")
	}
	ts, l, rec := newLakeEdge(t)
	cmd := exec.Command(python, "-c", boto3Script)
	cmd.Env = append(os.Environ(), "SECLAKE_ENDPOINT="+ts.URL, "SECLAKE_KEY="+keyID, "SECLAKE_SECRET="+secret,
		"AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null", "AWS_EC2_METADATA_DISABLED=true")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.Output()
	require.NoError(t, err, stderr.String())
	var res map[string]boto3Result
	require.NoError(t, json.Unmarshal(stdout, &res), string(stdout))

	for _, call := range []string{"list", "subscribers", "get", "delete", "tag"} {
		require.Empty(t, res[call].Code, "%s: %s", call, res[call].Message)
	}
	require.Equal(t, listDataLakesInput{Regions: []string{"us-east-1", "eu-west-1"}}, l.input("ListDataLakes"))
	lakes := res["list"].OK["dataLakes"].([]any)
	require.Len(t, lakes, 2)
	require.Equal(t, "eu-west-1", lakes[1].(map[string]any)["region"])
	require.Equal(t, int32(5), *l.input("ListSubscribers").(listSubscribersInput).MaxResults)
	require.Equal(t, "after-5", res["subscribers"].OK["nextToken"])
	require.Equal(t, subscriberID, res["get"].OK["subscriber"].(map[string]any)["subscriberId"])
	require.Equal(t, subscriberInput{SubscriberID: "odd id/with:chars"}, l.input("DeleteSubscriber"), "a percent-encoded label, slash included")
	require.Equal(t, tagResourceInput{ResourceArn: "arn:aws:securitylake:us-east-1:111122223333:subscriber/" + subscriberID,
		Tags: []lakeTag{{"team", "soc"}, {"env", ""}}}, l.input("TagResource"))

	missing := res["missing"]
	require.Equal(t, "ResourceNotFoundException", missing.Code)
	require.Equal(t, 404, missing.Status)
	require.Equal(t, "The subscriber missing does not exist.", missing.Message)
	require.Equal(t, "missing", missing.Fields["resourceName"])
	require.Equal(t, "Subscriber", missing.Fields["resourceType"])
	throttled := res["throttled"]
	require.Equal(t, "ThrottlingException", throttled.Code)
	require.Equal(t, 429, throttled.Status)
	require.EqualValues(t, 7, throttled.Fields["retryAfterSeconds"], "the Retry-After header, bound to the error's member")
	require.Equal(t, "L-0001", throttled.Fields["quotaCode"])
	require.Equal(t, "UnknownOperationException", res["unknown"].Code)
	require.Equal(t, 404, res["unknown"].Status)
	require.Contains(t, res["unknown"].Message, "POST /v1/datalake/logsources/list")
	require.Equal(t, "MethodNotAllowedException", res["notallowed"].Code)
	require.Equal(t, 405, res["notallowed"].Status)
	require.Equal(t, "DELETE, GET", res["notallowed"].Headers["allow"])

	// audited as JSON operations are: the bound input as requestParameters; mutating calls durably
	r, durable := rec.find("DeleteSubscriber")
	require.True(t, durable)
	require.JSONEq(t, `{"subscriberId":"odd id/with:chars"}`, string(r.RequestParameters))
	r, durable = rec.find("TagResource")
	require.True(t, durable)
	require.JSONEq(t, `{"resourceArn":"arn:aws:securitylake:us-east-1:111122223333:subscriber/`+subscriberID+`","tags":[{"key":"team","value":"soc"},{"key":"env"}]}`, string(r.RequestParameters))
	r, durable = rec.find("ListDataLakes")
	require.False(t, durable)
	require.JSONEq(t, `{"regions":["us-east-1","eu-west-1"]}`, string(r.RequestParameters))
	r, _ = rec.find("GetSubscriber")
	require.Equal(t, "ThrottlingException", r.ErrorCode)
}

func TestSDKSecurityLakeREST(t *testing.T) {
	ts, l, _ := newLakeEdge(t)
	c := securitylake.New(securitylake.Options{Region: "us-east-1", BaseEndpoint: aws.String(ts.URL), HTTPClient: ts.Client(),
		Credentials: credentials.NewStaticCredentialsProvider(keyID, secret, ""), RetryMaxAttempts: 1})
	ctx := context.Background()

	lakes, err := c.ListDataLakes(ctx, &securitylake.ListDataLakesInput{Regions: []string{"us-east-1", "ap-south-1"}})
	require.NoError(t, err)
	require.ElementsMatch(t, []string{"us-east-1", "ap-south-1"}, l.input("ListDataLakes").(listDataLakesInput).Regions)
	require.Len(t, lakes.DataLakes, 2)
	subs, err := c.ListSubscribers(ctx, &securitylake.ListSubscribersInput{MaxResults: aws.Int32(9)})
	require.NoError(t, err)
	require.Equal(t, "after-9", aws.ToString(subs.NextToken))
	got, err := c.GetSubscriber(ctx, &securitylake.GetSubscriberInput{SubscriberId: aws.String(subscriberID)})
	require.NoError(t, err)
	require.Equal(t, subscriberID, aws.ToString(got.Subscriber.SubscriberId))
	_, err = c.DeleteSubscriber(ctx, &securitylake.DeleteSubscriberInput{SubscriberId: aws.String("a/b c")})
	require.NoError(t, err)
	require.Equal(t, subscriberInput{SubscriberID: "a/b c"}, l.input("DeleteSubscriber"))
	arn := "arn:aws:securitylake:us-east-1:111122223333:subscriber/" + subscriberID
	_, err = c.TagResource(ctx, &securitylake.TagResourceInput{ResourceArn: aws.String(arn), Tags: []sltypes.Tag{{Key: aws.String("team"), Value: aws.String("soc")}}})
	require.NoError(t, err)
	require.Equal(t, tagResourceInput{ResourceArn: arn, Tags: []lakeTag{{"team", "soc"}}}, l.input("TagResource"))

	_, err = c.GetSubscriber(ctx, &securitylake.GetSubscriberInput{SubscriberId: aws.String("missing")})
	var nf *sltypes.ResourceNotFoundException
	require.True(t, errors.As(err, &nf), "%v", err)
	require.Equal(t, "missing", aws.ToString(nf.ResourceName))
	require.Equal(t, "Subscriber", aws.ToString(nf.ResourceType))
	_, err = c.GetSubscriber(ctx, &securitylake.GetSubscriberInput{SubscriberId: aws.String("busy")})
	var th *sltypes.ThrottlingException
	require.True(t, errors.As(err, &th), "%v", err)
	require.Equal(t, int32(7), aws.ToInt32(th.RetryAfterSeconds))
	_, err = c.ListLogSources(ctx, &securitylake.ListLogSourcesInput{})
	var ae smithy.APIError
	require.True(t, errors.As(err, &ae), "%v", err)
	require.Equal(t, "UnknownOperationException", ae.ErrorCode())
}

// signedDo sends a request signed with the Go SDK's signer, as any client of a REST-JSON service may send it.
func signedDo(t *testing.T, method, url string, body []byte) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	sum := sha256.Sum256(body)
	require.NoError(t, v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: keyID, SecretAccessKey: secret},
		req, hex.EncodeToString(sum[:]), "securitylake", "us-east-1", time.Now()))
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp, out
}

func TestSignedRESTRequests(t *testing.T) {
	ts, l, _ := newLakeEdge(t)
	errorOf := func(body []byte) (code, message string) {
		var e struct {
			Type    string `json:"__type"`
			Message string `json:"message"`
		}
		require.NoError(t, json.Unmarshal(body, &e), string(body))
		return e.Type, e.Message
	}

	// a greedy label takes the rest of the path, raw slashes included
	resp, body := signedDo(t, "POST", ts.URL+"/v1/tags/arn:aws:securitylake:us-east-1:111122223333:subscriber/a/b%20c", []byte(`{"tags":[]}`))
	require.Equal(t, 200, resp.StatusCode, string(body))
	require.Equal(t, "application/json", resp.Header.Get("Content-Type"))
	require.Equal(t, "arn:aws:securitylake:us-east-1:111122223333:subscriber/a/b c", l.input("TagResource").(tagResourceInput).ResourceArn)

	resp, body = signedDo(t, "GET", ts.URL+"/v1/subscribers?maxResults=ten", nil)
	require.Equal(t, 400, resp.StatusCode)
	require.Equal(t, "SerializationException", resp.Header.Get("X-Amzn-ErrorType"))
	_, msg := errorOf(body)
	require.Equal(t, `The query parameter "maxResults" must be an integer from -2147483648 to 2147483647; got "ten".`, msg)

	resp, body = signedDo(t, "DELETE", ts.URL+"/v1/subscribers/", nil) // an empty label, not ListSubscribers' path
	require.Equal(t, 400, resp.StatusCode, string(body))
	code, msg := errorOf(body)
	require.Equal(t, "ValidationException", code)
	require.Contains(t, msg, "{subscriberId} is empty")

	resp, body = signedDo(t, "PATCH", ts.URL+"/v1/datalakes", nil)
	require.Equal(t, 405, resp.StatusCode)
	require.Equal(t, "GET", resp.Header.Get("Allow"))
	code, msg = errorOf(body)
	require.Equal(t, "MethodNotAllowedException", code)
	require.Equal(t, "The method PATCH is not allowed on /v1/datalakes; it allows GET.", msg)

	resp, body = signedDo(t, "GET", ts.URL+"/v2/nothing", nil)
	require.Equal(t, 404, resp.StatusCode)
	code, msg = errorOf(body)
	require.Equal(t, "UnknownOperationException", code)
	require.Equal(t, "No operation matches GET /v2/nothing.", msg)
}
