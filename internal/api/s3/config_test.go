package s3

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"io"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/actor"
	"github.com/seclake/seclake/internal/api"
	"github.com/seclake/seclake/internal/objstore"
)

func ptr[T any](v T) *T { return &v }

// TestConfigDocumentsRoundTrip puts each bucket configuration document as the aws CLI sends it, checks the
// configuration objstore receives, stores it as a bucket is stored (JSON), gets it back, and compares the
// response with the document S3 returns for that configuration.
func TestConfigDocumentsRoundTrip(t *testing.T) {
	cases := []struct {
		name   string
		doc    func(*testing.T, string) (any, string) // puts the body, gets the response
		put    string
		domain any
		get    string
	}{{
		name: "ServerSideEncryptionConfiguration",
		doc:  throughHandlers(encryptionDoc),
		put: `<ServerSideEncryptionConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Rule>` +
			`<ApplyServerSideEncryptionByDefault><SSEAlgorithm>aws:kms</SSEAlgorithm><KMSMasterKeyID>arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab</KMSMasterKeyID></ApplyServerSideEncryptionByDefault>` +
			`<BucketKeyEnabled>true</BucketKeyEnabled></Rule></ServerSideEncryptionConfiguration>`,
		domain: &objstore.Encryption{Rules: []objstore.EncryptionRule{{
			Default:          &objstore.EncryptionDefault{SSEAlgorithm: "aws:kms", KMSMasterKeyID: "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"},
			BucketKeyEnabled: ptr(true)}}},
		get: `<?xml version="1.0" encoding="UTF-8"?>
<ServerSideEncryptionConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <Rule>
    <ApplyServerSideEncryptionByDefault>
      <SSEAlgorithm>aws:kms</SSEAlgorithm>
      <KMSMasterKeyID>arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab</KMSMasterKeyID>
    </ApplyServerSideEncryptionByDefault>
    <BucketKeyEnabled>true</BucketKeyEnabled>
  </Rule>
</ServerSideEncryptionConfiguration>`,
	}, {
		name: "PublicAccessBlockConfiguration",
		doc:  throughHandlers(publicAccessBlockDoc),
		put: `<PublicAccessBlockConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><BlockPublicAcls>true</BlockPublicAcls>` +
			`<IgnorePublicAcls>false</IgnorePublicAcls><BlockPublicPolicy>true</BlockPublicPolicy><RestrictPublicBuckets>true</RestrictPublicBuckets></PublicAccessBlockConfiguration>`,
		domain: &objstore.PublicAccessBlock{BlockPublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true},
		get: `<?xml version="1.0" encoding="UTF-8"?>
<PublicAccessBlockConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <BlockPublicAcls>true</BlockPublicAcls>
  <IgnorePublicAcls>false</IgnorePublicAcls>
  <BlockPublicPolicy>true</BlockPublicPolicy>
  <RestrictPublicBuckets>true</RestrictPublicBuckets>
</PublicAccessBlockConfiguration>`,
	}, {
		name: "Tagging",
		doc:  throughTagging,
		put: `<Tagging xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><TagSet><Tag><Key>team</Key><Value>security</Value></Tag>` +
			`<Tag><Key>env</Key><Value></Value></Tag></TagSet></Tagging>`,
		domain: []objstore.Tag{{Key: "team", Value: "security"}, {Key: "env", Value: ""}},
		get: `<?xml version="1.0" encoding="UTF-8"?>
<Tagging xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <TagSet>
    <Tag>
      <Key>team</Key>
      <Value>security</Value>
    </Tag>
    <Tag>
      <Key>env</Key>
      <Value></Value>
    </Tag>
  </TagSet>
</Tagging>`,
	}, {
		name: "LifecycleConfiguration",
		doc:  throughHandlers(lifecycleDoc),
		put: `<LifecycleConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">` +
			`<Rule><Expiration><Days>30</Days></Expiration><ID>expire-raw</ID><Filter><And><Prefix>raw/</Prefix>` +
			`<Tag><Key>tier</Key><Value>hot</Value></Tag><Tag><Key>team</Key><Value>sec</Value></Tag>` +
			`<ObjectSizeGreaterThan>1024</ObjectSizeGreaterThan><ObjectSizeLessThan>1048576</ObjectSizeLessThan></And></Filter>` +
			`<Status>Enabled</Status><Transition><Days>7</Days><StorageClass>STANDARD_IA</StorageClass></Transition>` +
			`<Transition><Date>2027-01-01T00:00:00.000Z</Date><StorageClass>GLACIER</StorageClass></Transition>` +
			`<NoncurrentVersionExpiration><NoncurrentDays>10</NoncurrentDays></NoncurrentVersionExpiration>` +
			`<AbortIncompleteMultipartUpload><DaysAfterInitiation>2</DaysAfterInitiation></AbortIncompleteMultipartUpload></Rule>` +
			`<Rule><Expiration><ExpiredObjectDeleteMarker>true</ExpiredObjectDeleteMarker></Expiration><ID>tagged</ID>` +
			`<Filter><Tag><Key>tier</Key><Value>cold</Value></Tag></Filter><Status>Disabled</Status></Rule>` +
			`<Rule><Expiration><Date>2027-06-01T00:00:00.000Z</Date></Expiration><Prefix>legacy/</Prefix><Status>Enabled</Status></Rule>` +
			`<Rule><ID>all</ID><Filter><Prefix></Prefix></Filter><Status>Enabled</Status>` +
			`<AbortIncompleteMultipartUpload><DaysAfterInitiation>1</DaysAfterInitiation></AbortIncompleteMultipartUpload></Rule>` +
			`</LifecycleConfiguration>`,
		domain: &objstore.Lifecycle{Rules: []objstore.LifecycleRule{{
			ID: "expire-raw",
			Filter: &objstore.LifecycleFilter{And: &objstore.LifecycleAnd{Prefix: ptr("raw/"),
				Tags:                  []objstore.Tag{{Key: "tier", Value: "hot"}, {Key: "team", Value: "sec"}},
				ObjectSizeGreaterThan: ptr(int64(1024)), ObjectSizeLessThan: ptr(int64(1048576))}},
			Status:                         "Enabled",
			Expiration:                     &objstore.LifecycleExpiration{Days: 30, DaysGiven: true},
			Transitions:                    []objstore.LifecycleTransition{{Days: 7, StorageClass: "STANDARD_IA"}, {Date: "2027-01-01T00:00:00.000Z", StorageClass: "GLACIER"}},
			AbortIncompleteMultipartUpload: &objstore.LifecycleAbortUpload{DaysAfterInitiation: 2},
			NoncurrentVersionExpiration:    &objstore.LifecycleNoncurrentExpiration{NoncurrentDays: 10},
		}, {
			ID:         "tagged",
			Filter:     &objstore.LifecycleFilter{Tag: &objstore.Tag{Key: "tier", Value: "cold"}},
			Status:     "Disabled",
			Expiration: &objstore.LifecycleExpiration{ExpiredObjectDeleteMarker: ptr(true)},
		}, {
			Prefix:     ptr("legacy/"),
			Status:     "Enabled",
			Expiration: &objstore.LifecycleExpiration{Date: "2027-06-01T00:00:00.000Z"},
		}, {
			ID:                             "all",
			Filter:                         &objstore.LifecycleFilter{Prefix: ptr("")},
			Status:                         "Enabled",
			AbortIncompleteMultipartUpload: &objstore.LifecycleAbortUpload{DaysAfterInitiation: 1},
		}}},
		get: `<?xml version="1.0" encoding="UTF-8"?>
<LifecycleConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <Rule>
    <ID>expire-raw</ID>
    <Filter>
      <And>
        <Prefix>raw/</Prefix>
        <Tag><Key>tier</Key><Value>hot</Value></Tag>
        <Tag><Key>team</Key><Value>sec</Value></Tag>
        <ObjectSizeGreaterThan>1024</ObjectSizeGreaterThan>
        <ObjectSizeLessThan>1048576</ObjectSizeLessThan>
      </And>
    </Filter>
    <Status>Enabled</Status>
    <Transition><Days>7</Days><StorageClass>STANDARD_IA</StorageClass></Transition>
    <Transition><Date>2027-01-01T00:00:00.000Z</Date><StorageClass>GLACIER</StorageClass></Transition>
    <Expiration><Days>30</Days></Expiration>
    <NoncurrentVersionExpiration><NoncurrentDays>10</NoncurrentDays></NoncurrentVersionExpiration>
    <AbortIncompleteMultipartUpload><DaysAfterInitiation>2</DaysAfterInitiation></AbortIncompleteMultipartUpload>
  </Rule>
  <Rule>
    <ID>tagged</ID>
    <Filter><Tag><Key>tier</Key><Value>cold</Value></Tag></Filter>
    <Status>Disabled</Status>
    <Expiration><ExpiredObjectDeleteMarker>true</ExpiredObjectDeleteMarker></Expiration>
  </Rule>
  <Rule>
    <Prefix>legacy/</Prefix>
    <Status>Enabled</Status>
    <Expiration><Date>2027-06-01T00:00:00.000Z</Date></Expiration>
  </Rule>
  <Rule>
    <ID>all</ID>
    <Filter><Prefix></Prefix></Filter>
    <Status>Enabled</Status>
    <AbortIncompleteMultipartUpload><DaysAfterInitiation>1</DaysAfterInitiation></AbortIncompleteMultipartUpload>
  </Rule>
</LifecycleConfiguration>`,
	}, {
		name: "NotificationConfiguration",
		doc:  throughHandlers(notificationDoc),
		put: `<NotificationConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">` +
			`<TopicConfiguration><Id>removed</Id><Topic>arn:aws:sns:us-east-1:111122223333:removed</Topic><Event>s3:ObjectRemoved:*</Event></TopicConfiguration>` +
			`<QueueConfiguration><Id>to-lake</Id><Queue>arn:aws:sqs:us-east-1:111122223333:lake-queue</Queue>` +
			`<Event>s3:ObjectCreated:Put</Event><Event>s3:ObjectCreated:CompleteMultipartUpload</Event>` +
			`<Filter><S3Key><FilterRule><Name>prefix</Name><Value>AWSLogs/</Value></FilterRule><FilterRule><Name>suffix</Name><Value>.gz</Value></FilterRule></S3Key></Filter></QueueConfiguration>` +
			`<CloudFunctionConfiguration><Id>fn</Id><CloudFunction>arn:aws:lambda:us-east-1:111122223333:function:parse</CloudFunction><Event>s3:ObjectCreated:*</Event></CloudFunctionConfiguration>` +
			`<EventBridgeConfiguration/></NotificationConfiguration>`,
		domain: &objstore.Notification{
			Topics: []objstore.NotificationTarget{{ID: "removed", Topic: "arn:aws:sns:us-east-1:111122223333:removed", Events: []string{"s3:ObjectRemoved:*"}}},
			Queues: []objstore.NotificationTarget{{ID: "to-lake", Queue: "arn:aws:sqs:us-east-1:111122223333:lake-queue",
				Events: []string{"s3:ObjectCreated:Put", "s3:ObjectCreated:CompleteMultipartUpload"},
				Filter: &objstore.NotificationFilter{Rules: []objstore.FilterRule{{Name: "prefix", Value: "AWSLogs/"}, {Name: "suffix", Value: ".gz"}}}}},
			Functions:   []objstore.NotificationTarget{{ID: "fn", Function: "arn:aws:lambda:us-east-1:111122223333:function:parse", Events: []string{"s3:ObjectCreated:*"}}},
			EventBridge: &struct{}{},
		},
		get: `<?xml version="1.0" encoding="UTF-8"?>
<NotificationConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <TopicConfiguration>
    <Id>removed</Id>
    <Topic>arn:aws:sns:us-east-1:111122223333:removed</Topic>
    <Event>s3:ObjectRemoved:*</Event>
  </TopicConfiguration>
  <QueueConfiguration>
    <Id>to-lake</Id>
    <Queue>arn:aws:sqs:us-east-1:111122223333:lake-queue</Queue>
    <Event>s3:ObjectCreated:Put</Event>
    <Event>s3:ObjectCreated:CompleteMultipartUpload</Event>
    <Filter>
      <S3Key>
        <FilterRule><Name>prefix</Name><Value>AWSLogs/</Value></FilterRule>
        <FilterRule><Name>suffix</Name><Value>.gz</Value></FilterRule>
      </S3Key>
    </Filter>
  </QueueConfiguration>
  <CloudFunctionConfiguration>
    <Id>fn</Id>
    <CloudFunction>arn:aws:lambda:us-east-1:111122223333:function:parse</CloudFunction>
    <Event>s3:ObjectCreated:*</Event>
  </CloudFunctionConfiguration>
  <EventBridgeConfiguration/>
</NotificationConfiguration>`,
	}, {
		name: "ReplicationConfiguration",
		doc:  throughHandlers(replicationDoc),
		put: `<ReplicationConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">` +
			`<Role>arn:aws:iam::111122223333:role/service-role/AmazonSecurityLakeS3ReplicationRole</Role>` +
			`<Rule><ID>to-rollup</ID><Priority>1</Priority><Filter><Prefix></Prefix></Filter><Status>Enabled</Status>` +
			`<SourceSelectionCriteria><SseKmsEncryptedObjects><Status>Enabled</Status></SseKmsEncryptedObjects></SourceSelectionCriteria>` +
			`<Destination><Bucket>arn:aws:s3:::replica-bucket</Bucket><Account>444455556666</Account><StorageClass>STANDARD</StorageClass>` +
			`<EncryptionConfiguration><ReplicaKmsKeyID>arn:aws:kms:us-west-2:444455556666:key/abcd</ReplicaKmsKeyID></EncryptionConfiguration></Destination>` +
			`<DeleteMarkerReplication><Status>Disabled</Status></DeleteMarkerReplication></Rule>` +
			`<Rule><ID>legacy</ID><Prefix>logs/</Prefix><Status>Disabled</Status><Destination><Bucket>arn:aws:s3:::replica-bucket</Bucket></Destination></Rule>` +
			`</ReplicationConfiguration>`,
		domain: &objstore.Replication{Role: "arn:aws:iam::111122223333:role/service-role/AmazonSecurityLakeS3ReplicationRole",
			Rules: []objstore.ReplicationRule{{
				ID: "to-rollup", Priority: ptr(1), Filter: &objstore.LifecycleFilter{Prefix: ptr("")}, Status: "Enabled",
				SourceSelectionCriteria: &objstore.ReplicationSourceSelection{SseKmsEncryptedObjects: &objstore.ReplicationSwitch{Status: "Enabled"}},
				Destination: objstore.ReplicationDestination{Bucket: "arn:aws:s3:::replica-bucket", Account: "444455556666", StorageClass: "STANDARD",
					EncryptionConfiguration: &objstore.ReplicationEncryption{ReplicaKmsKeyID: "arn:aws:kms:us-west-2:444455556666:key/abcd"}},
				DeleteMarkerReplication: &objstore.ReplicationSwitch{Status: "Disabled"},
			}, {
				ID: "legacy", Prefix: ptr("logs/"), Status: "Disabled",
				Destination: objstore.ReplicationDestination{Bucket: "arn:aws:s3:::replica-bucket"},
			}}},
		get: `<?xml version="1.0" encoding="UTF-8"?>
<ReplicationConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <Role>arn:aws:iam::111122223333:role/service-role/AmazonSecurityLakeS3ReplicationRole</Role>
  <Rule>
    <ID>to-rollup</ID>
    <Status>Enabled</Status>
    <Priority>1</Priority>
    <DeleteMarkerReplication><Status>Disabled</Status></DeleteMarkerReplication>
    <Filter><Prefix></Prefix></Filter>
    <SourceSelectionCriteria>
      <SseKmsEncryptedObjects><Status>Enabled</Status></SseKmsEncryptedObjects>
    </SourceSelectionCriteria>
    <Destination>
      <Bucket>arn:aws:s3:::replica-bucket</Bucket>
      <Account>444455556666</Account>
      <StorageClass>STANDARD</StorageClass>
      <EncryptionConfiguration><ReplicaKmsKeyID>arn:aws:kms:us-west-2:444455556666:key/abcd</ReplicaKmsKeyID></EncryptionConfiguration>
    </Destination>
  </Rule>
  <Rule>
    <ID>legacy</ID>
    <Status>Disabled</Status>
    <Prefix>logs/</Prefix>
    <Destination><Bucket>arn:aws:s3:::replica-bucket</Bucket></Destination>
  </Rule>
</ReplicationConfiguration>`,
	}}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			domain, got := tc.doc(t, tc.put)
			require.Equal(t, tc.domain, domain, "what objstore receives")
			requireSameXML(t, tc.get, got)
		})
	}
}

// TestConfigDocumentsOfDefaults checks the documents of configurations objstore reports without a PUT: the
// default encryption (SSE-S3) and the notification configuration of a bucket without notifications.
func TestConfigDocumentsOfDefaults(t *testing.T) {
	requireSameXML(t, `<?xml version="1.0" encoding="UTF-8"?>
<ServerSideEncryptionConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <Rule>
    <ApplyServerSideEncryptionByDefault><SSEAlgorithm>AES256</SSEAlgorithm></ApplyServerSideEncryptionByDefault>
    <BucketKeyEnabled>false</BucketKeyEnabled>
  </Rule>
</ServerSideEncryptionConfiguration>`, get(t, encryptionDoc, &objstore.Encryption{Rules: []objstore.EncryptionRule{{
		Default: &objstore.EncryptionDefault{SSEAlgorithm: objstore.SSEAES256}, BucketKeyEnabled: ptr(false)}}}))
	requireSameXML(t, `<?xml version="1.0" encoding="UTF-8"?>
<NotificationConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"/>`, get(t, notificationDoc, &objstore.Notification{}))
}

// throughHandlers returns a function that serves a PUT of the document with putDoc, keeps the configuration as
// a bucket keeps it, and serves the GET with getDoc.
func throughHandlers[D, W any](doc xmlDoc[D, W]) func(*testing.T, string) (any, string) {
	return func(t *testing.T, body string) (any, string) {
		var received *D
		put := putDoc(doc, func(_ context.Context, _ *actor.Caller, _ string, d *D) error {
			received = d
			return nil
		})
		_, err := put(context.Background(), &api.Call{Stream: strings.NewReader(body)}, target{bucket: "cfg-bucket"})
		require.NoError(t, err)
		return received, get(t, doc, stored(t, received))
	}
}

// throughTagging does for the Tagging document what throughHandlers does for the others.
func throughTagging(t *testing.T, body string) (any, string) {
	var tg tagging
	require.NoError(t, decodeXML(strings.NewReader(body), &tg, false))
	received := tg.tags()
	return received, render(t, xmlResponse(taggingXML(*stored(t, &received))))
}

// stored returns v after a trip through the bucket record's JSON.
func stored[D any](t *testing.T, v *D) *D {
	b, err := json.Marshal(v)
	require.NoError(t, err)
	out := new(D)
	require.NoError(t, json.Unmarshal(b, out))
	return out
}

// get serves a GET of the document for a configuration and returns the response body.
func get[D, W any](t *testing.T, doc xmlDoc[D, W], cfg *D) string {
	serve := getDoc(doc, func(context.Context, *actor.Caller, string) (*D, error) { return cfg, nil })
	out, err := serve(context.Background(), &api.Call{}, target{bucket: "cfg-bucket"})
	require.NoError(t, err)
	return render(t, out.(*response))
}

func render(t *testing.T, r *response) string {
	w := httptest.NewRecorder()
	require.NoError(t, r.WriteResponse(w, "req-1"))
	require.Equal(t, 200, w.Code)
	require.Equal(t, "application/xml", w.Header().Get("Content-Type"))
	return w.Body.String()
}

// requireSameXML compares two XML documents as an S3 client reads them: whitespace between elements, the
// spelling of empty elements and the order of differently named siblings do not matter (the SDKs read members
// by name), the order of repeated elements does.
func requireSameXML(t *testing.T, want, got string) {
	t.Helper()
	require.True(t, strings.HasPrefix(got, `<?xml version="1.0" encoding="UTF-8"?>`), "the XML declaration: %s", got)
	require.Equal(t, canonicalXML(t, want), canonicalXML(t, got), "got %s", got)
}

type xmlNode struct {
	start    xml.StartElement
	text     string
	children []*xmlNode
}

func canonicalXML(t *testing.T, doc string) string {
	t.Helper()
	d := xml.NewDecoder(strings.NewReader(doc))
	root := &xmlNode{}
	stack := []*xmlNode{root}
	for {
		tok, err := d.RawToken()
		if err == io.EOF {
			break
		}
		require.NoError(t, err, doc)
		top := stack[len(stack)-1]
		switch tok := tok.(type) {
		case xml.StartElement:
			n := &xmlNode{start: tok.Copy()}
			top.children = append(top.children, n)
			stack = append(stack, n)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if strings.TrimSpace(string(tok)) != "" {
				top.text += string(tok)
			}
		}
	}
	require.Len(t, stack, 1, "unbalanced document %s", doc)
	var b strings.Builder
	var write func(n *xmlNode, indent string)
	write = func(n *xmlNode, indent string) {
		b.WriteString(indent + "<" + n.start.Name.Local)
		for _, a := range n.start.Attr {
			name := a.Name.Local
			if a.Name.Space != "" {
				name = a.Name.Space + ":" + name
			}
			b.WriteString(" " + name + "=" + a.Value)
		}
		b.WriteString(">" + n.text + "\n")
		kids := slices.Clone(n.children)
		slices.SortStableFunc(kids, func(a, b *xmlNode) int { return strings.Compare(a.start.Name.Local, b.start.Name.Local) })
		for _, k := range kids {
			write(k, indent+"  ")
		}
	}
	for _, n := range root.children {
		write(n, "")
	}
	return b.String()
}
