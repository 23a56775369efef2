package trail

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestNormalizeSelectors(t *testing.T) {
	no := false
	cases := []struct {
		name     string
		in       []EventSelector
		wantCode string
		want     []EventSelector
	}{
		{name: "defaults", in: []EventSelector{{}}, want: DefaultSelectors()},
		{name: "none", wantCode: "InvalidEventSelectorsException"},
		{name: "six", in: make([]EventSelector, 6), wantCode: "InvalidEventSelectorsException"},
		{name: "bad read/write type", in: []EventSelector{{ReadWriteType: "Both"}}, wantCode: "InvalidEventSelectorsException"},
		{name: "S3 data events", in: []EventSelector{{ReadWriteType: WriteOnly, IncludeManagementEvents: &no,
			DataResources: []DataResource{{Type: "AWS::S3::Object", Values: []string{"arn:aws:s3:::data/", "arn:aws:s3:::logs/raw/", "arn:aws:s3"}}}}},
			want: []EventSelector{{ReadWriteType: WriteOnly, IncludeManagementEvents: &no,
				DataResources: []DataResource{{Type: "AWS::S3::Object", Values: []string{"arn:aws:s3:::data/", "arn:aws:s3:::logs/raw/", "arn:aws:s3"}}}}}},
		{name: "S3 bucket without a slash", in: []EventSelector{{DataResources: []DataResource{{Type: "AWS::S3::Object", Values: []string{"arn:aws:s3:::data"}}}}},
			wantCode: "InvalidEventSelectorsException"},
		{name: "unknown type", in: []EventSelector{{DataResources: []DataResource{{Type: "AWS::SQS::Queue", Values: []string{"arn:aws:sqs"}}}}},
			wantCode: "InvalidEventSelectorsException"},
		{name: "Lambda function", in: []EventSelector{{DataResources: []DataResource{{Type: "AWS::Lambda::Function", Values: []string{"arn:aws:lambda:us-east-1:111122223333:function:f"}}}}}},
		{name: "excluded source", in: []EventSelector{{ExcludeManagementEventSources: []string{"kms.amazonaws.com"}}}},
		{name: "excluded source not allowed", in: []EventSelector{{ExcludeManagementEventSources: []string{"s3.amazonaws.com"}}}, wantCode: "InvalidEventSelectorsException"},
		{name: "too many data resources", in: []EventSelector{{DataResources: []DataResource{{Type: "AWS::S3::Object", Values: make251()}}}},
			wantCode: "InvalidEventSelectorsException"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := normalizeSelectors(tc.in)
			if tc.wantCode != "" {
				require.Equal(t, tc.wantCode, code(err), "%v", err)
				return
			}
			require.NoError(t, err)
			if tc.want != nil {
				require.Equal(t, tc.want, got)
			}
		})
	}
}

func make251() []string {
	out := make([]string, 251)
	for i := range out {
		out[i] = "arn:aws:s3:::b/"
	}
	return out
}

func TestSelects(t *testing.T) {
	s := &Service{global: map[string]bool{"iam.amazonaws.com": true}}
	no := false
	mgmt := func(account, region, source string, readOnly bool) *record {
		return &record{RecipientAccountID: account, AWSRegion: region, EventSource: source, ReadOnly: readOnly, EventCategory: "Management"}
	}
	data := func(arn string, readOnly bool) *record {
		r := &record{RecipientAccountID: acct, AWSRegion: home, EventSource: "s3.amazonaws.com", ReadOnly: readOnly, EventCategory: "Data"}
		r.Resources = append(r.Resources, struct {
			Type string `json:"type"`
			ARN  string `json:"ARN"`
		}{"AWS::S3::Object", arn})
		return r
	}
	base := Trail{Account: acct, HomeRegion: home, IncludeGlobalServiceEvents: true, EventSelectors: DefaultSelectors()}
	with := func(f func(*Trail)) *Trail {
		t := base
		f(&t)
		return &t
	}
	s3Writes := []EventSelector{{ReadWriteType: WriteOnly, IncludeManagementEvents: &no,
		DataResources: []DataResource{{Type: "AWS::S3::Object", Values: []string{"arn:aws:s3:::data/raw/"}}}}}
	cases := []struct {
		name  string
		trail *Trail
		rec   *record
		want  bool
	}{
		{"management event", &base, mgmt(acct, home, "kms.amazonaws.com", false), true},
		{"read-only management event", &base, mgmt(acct, home, "kms.amazonaws.com", true), true},
		{"another account", &base, mgmt(other, home, "kms.amazonaws.com", false), false},
		{"another region", &base, mgmt(acct, "eu-west-1", "kms.amazonaws.com", false), false},
		{"another region, multi-region trail", with(func(t *Trail) { t.IsMultiRegionTrail = true }), mgmt(acct, "eu-west-1", "kms.amazonaws.com", false), true},
		{"global service", &base, mgmt(acct, home, "iam.amazonaws.com", false), true},
		{"global service, not included", with(func(t *Trail) { t.IncludeGlobalServiceEvents = false }), mgmt(acct, home, "iam.amazonaws.com", false), false},
		{"data event, no data selector", &base, data("arn:aws:s3:::data/raw/x", false), false},
		{"write-only", with(func(t *Trail) { t.EventSelectors = []EventSelector{{ReadWriteType: WriteOnly}} }), mgmt(acct, home, "kms.amazonaws.com", true), false},
		{"read-only", with(func(t *Trail) { t.EventSelectors = []EventSelector{{ReadWriteType: ReadOnly}} }), mgmt(acct, home, "kms.amazonaws.com", true), true},
		{"KMS excluded", with(func(t *Trail) {
			t.EventSelectors = []EventSelector{{ReadWriteType: All, ExcludeManagementEventSources: []string{"kms.amazonaws.com"}}}
		}), mgmt(acct, home, "kms.amazonaws.com", false), false},
		{"S3 write in the prefix", with(func(t *Trail) { t.EventSelectors = s3Writes }), data("arn:aws:s3:::data/raw/x", false), true},
		{"S3 read in the prefix", with(func(t *Trail) { t.EventSelectors = s3Writes }), data("arn:aws:s3:::data/raw/x", true), false},
		{"S3 write outside the prefix", with(func(t *Trail) { t.EventSelectors = s3Writes }), data("arn:aws:s3:::data/curated/x", false), false},
		{"management off", with(func(t *Trail) { t.EventSelectors = s3Writes }), mgmt(acct, home, "kms.amazonaws.com", false), false},
		{"all S3 objects", with(func(t *Trail) {
			t.EventSelectors = []EventSelector{{DataResources: []DataResource{{Type: "AWS::S3::Object", Values: []string{"arn:aws:s3"}}}}}
		}), data("arn:aws:s3:::anything/x", true), true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, s.selects(tc.trail, tc.rec))
		})
	}
}

func TestTrailNames(t *testing.T) {
	cases := []struct {
		name string
		ok   bool
	}{
		{"MyTrail", true}, {"my.trail_1-x", true}, {"abc", true},
		{"ab", false}, {string(make([]byte, 129)), false}, {"my--trail", false}, {"my-_trail", false},
		{"-trail", false}, {"trail.", false}, {"192.168.5.4", false}, {"my trail", false}, {"my/trail", false},
	}
	for _, tc := range cases {
		err := validName(tc.name)
		if tc.ok {
			require.NoError(t, err, tc.name)
		} else {
			require.Equal(t, "InvalidTrailNameException", code(err), tc.name)
		}
	}
	for _, arn := range []string{"arn:aws:cloudtrail:us-east-1:111122223333:trail/ok-trail"} {
		r, ok := parseARN(arn)
		require.True(t, ok)
		require.Equal(t, ref{account: acct, region: home, name: "ok-trail", byARN: true}, r)
	}
	for _, bad := range []string{"arn:aws:cloudtrail:us-east-1:1111:trail/x1x", "arn:aws:s3:us-east-1:111122223333:trail/abc",
		"arn:aws:cloudtrail:us-east-1:111122223333:eventdatastore/abc", "arn:aws:cloudtrail::111122223333:trail/abc", "arn:aws:cloudtrail:us-east-1:111122223333:trail/a"} {
		_, ok := parseARN(bad)
		require.False(t, ok, bad)
	}
}
