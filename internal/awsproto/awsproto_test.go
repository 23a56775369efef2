package awsproto

import (
	"encoding/json"
	"encoding/xml"
	"net/http/httptest"
	"net/url"
	"regexp"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/awserr"
)

func TestWriteErrorJSON(t *testing.T) {
	rec := httptest.NewRecorder()
	e := awserr.New("NotFoundException", 400, "Key 'x' does not exist")
	WriteError(rec, JSON11, e, "req-1", ErrorOptions{})
	require.Equal(t, 400, rec.Code)
	require.Equal(t, "application/x-amz-json-1.1", rec.Header().Get("Content-Type"))
	require.Equal(t, "req-1", rec.Header().Get("x-amzn-RequestId"))
	var body map[string]string
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &body))
	require.Equal(t, map[string]string{"__type": "NotFoundException", "message": "Key 'x' does not exist"}, body)
}

func TestWriteErrorQueryCompatible(t *testing.T) {
	rec := httptest.NewRecorder()
	e := &awserr.Error{Code: "QueueDoesNotExist", QueryCode: "AWS.SimpleQueueService.NonExistentQueue", Message: "The specified queue does not exist.", Status: 400}
	WriteError(rec, JSON10, e, "r", ErrorOptions{QueryCompatible: true})
	require.Equal(t, "AWS.SimpleQueueService.NonExistentQueue;Sender", rec.Header().Get("x-amzn-query-error"))
}

func TestWriteErrorRESTJSON(t *testing.T) {
	rec := httptest.NewRecorder()
	e := awserr.New("ResourceNotFoundException", 404, "no lake").With("resourceName", "lake").WithHeader("Retry-After", "3")
	WriteError(rec, RESTJSON, e, "r", ErrorOptions{})
	require.Equal(t, "ResourceNotFoundException", rec.Header().Get("X-Amzn-ErrorType"))
	require.Equal(t, "3", rec.Header().Get("Retry-After"))
	var body map[string]string
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &body))
	require.Equal(t, "lake", body["resourceName"])
}

func TestWriteErrorS3(t *testing.T) {
	rec := httptest.NewRecorder()
	e := awserr.New("NoSuchKey", 404, "The specified key does not exist.").With("Key", "a<b")
	WriteError(rec, RESTXML, e, "0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0ff", ErrorOptions{HostID: "host"})
	require.Equal(t, 404, rec.Code)
	require.Equal(t, "0F1E2D3C4B5A4978", rec.Header().Get("x-amz-request-id"))
	var doc struct {
		Code, Message, Key, RequestId, HostId string
	}
	require.NoError(t, xml.Unmarshal(rec.Body.Bytes(), &doc))
	require.Equal(t, "NoSuchKey", doc.Code)
	require.Equal(t, "a<b", doc.Key)
	require.Equal(t, "0F1E2D3C4B5A4978", doc.RequestId)
	require.Equal(t, "host", doc.HostId)
}

func TestWriteErrorQueryAndHEAD(t *testing.T) {
	rec := httptest.NewRecorder()
	e := &awserr.Error{Code: "InternalFailure", Message: "boom", Status: 500, Server: true}
	WriteError(rec, Query, e, "r-9", ErrorOptions{XMLNamespace: "https://sts.amazonaws.com/doc/2011-06-15/"})
	var doc struct {
		XMLName   xml.Name `xml:"ErrorResponse"`
		Error     struct{ Type, Code, Message string }
		RequestID string `xml:"RequestId"`
	}
	require.NoError(t, xml.Unmarshal(rec.Body.Bytes(), &doc))
	require.Equal(t, "Receiver", doc.Error.Type)
	require.Equal(t, "InternalFailure", doc.Error.Code)
	require.Equal(t, "r-9", doc.RequestID)

	head := httptest.NewRecorder()
	WriteError(head, RESTXML, awserr.New("NoSuchKey", 404, "x"), "r", ErrorOptions{NoBody: true})
	require.Equal(t, 404, head.Code)
	require.Zero(t, head.Body.Len())
}

func TestRequestIDShape(t *testing.T) {
	re := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	seen := map[string]bool{}
	for i := 0; i < 100; i++ {
		id := NewRequestID()
		require.Regexp(t, re, id)
		require.False(t, seen[id])
		seen[id] = true
		require.Len(t, S3RequestID(id), 16)
	}
}

type tag struct{ Key, Value string }

type queryInput struct {
	RoleArn         string
	DurationSeconds *int32
	Tags            []tag
	PolicyArns      []struct{ Arn string } `query:"PolicyArns"`
	TransitiveKeys  []string               `query:"TransitiveTagKeys"`
	Attributes      map[string]string      `query:"Attribute,flat,key=Name,value=Value"`
	Enabled         bool
	When            *time.Time
	Ignored         string `query:"-"`
}

func TestDecodeQuery(t *testing.T) {
	v := url.Values{
		"Action": {"AssumeRole"}, "RoleArn": {"arn:aws:iam::111122223333:role/r"}, "DurationSeconds": {"900"},
		"Tags.member.1.Key": {"a"}, "Tags.member.1.Value": {"1"}, "Tags.member.2.Key": {"b"}, "Tags.member.2.Value": {"2"},
		"PolicyArns.member.1.Arn": {"arn:p"}, "TransitiveTagKeys.member.2": {"y"}, "TransitiveTagKeys.member.1": {"x"},
		"Attribute.1.Name": {"DelaySeconds"}, "Attribute.1.Value": {"5"}, "Enabled": {"true"},
		"When": {"2026-01-02T03:04:05Z"}, "Ignored": {"x"},
	}
	var in queryInput
	require.NoError(t, DecodeQuery(v, &in))
	require.Equal(t, "arn:aws:iam::111122223333:role/r", in.RoleArn)
	require.EqualValues(t, 900, *in.DurationSeconds)
	require.Equal(t, []tag{{"a", "1"}, {"b", "2"}}, in.Tags)
	require.Equal(t, "arn:p", in.PolicyArns[0].Arn)
	require.Equal(t, []string{"x", "y"}, in.TransitiveKeys)
	require.Equal(t, map[string]string{"DelaySeconds": "5"}, in.Attributes)
	require.True(t, in.Enabled)
	require.Equal(t, time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), *in.When)
	require.Empty(t, in.Ignored)
}

func TestDecodeQueryBadValue(t *testing.T) {
	var in queryInput
	err := DecodeQuery(url.Values{"DurationSeconds": {"soon"}}, &in)
	e, ok := awserr.As(err)
	require.True(t, ok)
	require.Equal(t, "ValidationError", e.Code)
	require.Contains(t, e.Message, "DurationSeconds")
}

func TestEncodeQuery(t *testing.T) {
	type result struct {
		Arn     string
		Account string
	}
	b, err := EncodeQuery("GetCallerIdentity", "https://sts.amazonaws.com/doc/2011-06-15/", result{"arn:aws:iam::1:root", "1"}, "rid")
	require.NoError(t, err)
	require.Equal(t, `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult><Arn>arn:aws:iam::1:root</Arn><Account>1</Account></GetCallerIdentityResult><ResponseMetadata><RequestId>rid</RequestId></ResponseMetadata></GetCallerIdentityResponse>`, string(b))
}

func TestDecodeJSON(t *testing.T) {
	var in struct {
		KeyId         string
		NumberOfBytes *int32
		When          Timestamp
	}
	require.NoError(t, DecodeJSON(nil, &in))
	require.NoError(t, DecodeJSON([]byte(`{"KeyId":"k","NumberOfBytes":32,"When":1700000000.5,"Unknown":1}`), &in))
	require.Equal(t, "k", in.KeyId)
	require.EqualValues(t, 32, *in.NumberOfBytes)
	require.Equal(t, time.UnixMilli(1700000000500).UTC(), in.When.Time())

	for _, body := range []string{`{"KeyId":5}`, `{`, `{} {}`, `{"When":"tomorrow"}`} {
		err := DecodeJSON([]byte(body), &in)
		e, ok := awserr.As(err)
		require.True(t, ok, body)
		require.Equal(t, "SerializationException", e.Code, body)
	}
}

func TestTimestampJSON(t *testing.T) {
	b, err := json.Marshal(struct{ T Timestamp }{Timestamp(time.Unix(1700000000, 0))})
	require.NoError(t, err)
	require.JSONEq(t, `{"T":1700000000}`, string(b))
	b, err = json.Marshal(struct{ T Timestamp }{Timestamp(time.UnixMilli(1700000000250))})
	require.NoError(t, err)
	require.JSONEq(t, `{"T":1700000000.25}`, string(b))
}

func FuzzDecodeQuery(f *testing.F) {
	f.Add("Tags.member.1.Key=a&Tags.member.1.Value=b&DurationSeconds=5&Attribute.3.Name=x")
	f.Add("PolicyArns.member.99999.Arn=x&When=2026-01-01T00:00:00Z")
	f.Fuzz(func(t *testing.T, q string) {
		v, err := url.ParseQuery(q)
		if err != nil {
			return
		}
		var in queryInput
		_ = DecodeQuery(v, &in)
	})
}

func FuzzDecodeJSON(f *testing.F) {
	f.Add([]byte(`{"KeyId":"k","NumberOfBytes":32,"When":1.5}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var in struct {
			KeyId         string
			NumberOfBytes *int32
			When          Timestamp
			Context       map[string]string
		}
		err := DecodeJSON(b, &in)
		if err != nil {
			if _, ok := awserr.As(err); !ok {
				t.Fatalf("non-AWS error %v", err)
			}
		}
	})
}

func TestEncodeEC2(t *testing.T) {
	type item struct {
		ID string `xml:"flowLogId"`
	}
	out := struct {
		IDs   []string `xml:"flowLogIdSet>item"`
		Items []item   `xml:"flowLogSet>item"`
	}{IDs: []string{"fl-1"}, Items: []item{{"fl-2"}}}
	b, err := EncodeEC2("CreateFlowLogs", "http://ec2.amazonaws.com/doc/2016-11-15/", out, "req-1")
	if err != nil {
		t.Fatal(err)
	}
	want := xml.Header + `<CreateFlowLogsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>req-1</requestId>` +
		`<flowLogIdSet><item>fl-1</item></flowLogIdSet><flowLogSet><item><flowLogId>fl-2</flowLogId></item></flowLogSet></CreateFlowLogsResponse>`
	if string(b) != want {
		t.Fatalf("got  %s\nwant %s", b, want)
	}
	b, err = EncodeEC2("DeleteFlowLogs", "ns", nil, "req-2")
	if err != nil || string(b) != xml.Header+`<DeleteFlowLogsResponse xmlns="ns"><requestId>req-2</requestId></DeleteFlowLogsResponse>` {
		t.Fatalf("%s %v", b, err)
	}
}
