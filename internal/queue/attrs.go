package queue

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/seclake/seclake/internal/iam/policy"
)

// Queue is a queue and its settings, as stored.
type Queue struct {
	ID      string `json:"id"` // random: a queue deleted and created again under its name starts empty
	Account string `json:"account"`
	Name    string `json:"name"`
	Region  string `json:"region"`
	// Created and Modified are Unix seconds.
	Created  int64 `json:"created"`
	Modified int64 `json:"modified"`
	// PurgedAt is when the last PurgeQueue started (Unix milliseconds): one purge per 60 seconds.
	PurgedAt int64 `json:"purgedAt,omitempty"`

	DelaySeconds    int               `json:"delay"`
	MaximumSize     int               `json:"maxSize"`
	Retention       int               `json:"retention"`
	WaitSeconds     int               `json:"wait"`
	Visibility      int               `json:"visibility"`
	Policy          string            `json:"policy,omitempty"`
	RedrivePolicy   string            `json:"redrive,omitempty"`
	RedriveAllow    string            `json:"redriveAllow,omitempty"`
	FIFO            bool              `json:"fifo,omitempty"`
	ContentDedup    bool              `json:"contentDedup,omitempty"`
	DedupScope      string            `json:"dedupScope,omitempty"`
	ThroughputLimit string            `json:"throughputLimit,omitempty"`
	KMSKey          string            `json:"kmsKey,omitempty"`
	KMSReuseSeconds int               `json:"kmsReuse,omitempty"`
	SQSManagedSSE   bool              `json:"sseSqs"`
	Tags            map[string]string `json:"tags,omitempty"`
}

// ARN returns the queue's ARN.
func (q *Queue) ARN() string { return ARN(q.Region, q.Account, q.Name) }

// Queue attribute names.
const (
	AttrAll                 = "All"
	AttrPolicy              = "Policy"
	AttrVisibilityTimeout   = "VisibilityTimeout"
	AttrMaximumMessageSize  = "MaximumMessageSize"
	AttrRetention           = "MessageRetentionPeriod"
	AttrMessages            = "ApproximateNumberOfMessages"
	AttrMessagesNotVisible  = "ApproximateNumberOfMessagesNotVisible"
	AttrMessagesDelayed     = "ApproximateNumberOfMessagesDelayed"
	AttrCreated             = "CreatedTimestamp"
	AttrModified            = "LastModifiedTimestamp"
	AttrQueueArn            = "QueueArn"
	AttrDelaySeconds        = "DelaySeconds"
	AttrWaitTime            = "ReceiveMessageWaitTimeSeconds"
	AttrRedrivePolicy       = "RedrivePolicy"
	AttrFifoQueue           = "FifoQueue"
	AttrContentDedup        = "ContentBasedDeduplication"
	AttrKmsMasterKeyID      = "KmsMasterKeyId"
	AttrKmsReuse            = "KmsDataKeyReusePeriodSeconds"
	AttrDedupScope          = "DeduplicationScope"
	AttrFifoThroughputLimit = "FifoThroughputLimit"
	AttrRedriveAllowPolicy  = "RedriveAllowPolicy"
	AttrSqsManagedSse       = "SqsManagedSseEnabled"
)

// attrOrder is the order GetQueueAttributes lists attributes in.
var attrOrder = []string{AttrQueueArn, AttrMessages, AttrMessagesNotVisible, AttrMessagesDelayed, AttrCreated, AttrModified,
	AttrVisibilityTimeout, AttrMaximumMessageSize, AttrRetention, AttrDelaySeconds, AttrWaitTime, AttrPolicy, AttrRedrivePolicy,
	AttrRedriveAllowPolicy, AttrFifoQueue, AttrContentDedup, AttrDedupScope, AttrFifoThroughputLimit, AttrKmsMasterKeyID, AttrKmsReuse, AttrSqsManagedSse}

// Limits of the model.
const (
	MaxBatch           = 10
	MaxMessageSize     = 1 << 20
	minMessageSize     = 1024
	maxDelay           = 900
	maxVisibility      = 43200
	maxWait            = 20
	minRetention       = 60
	maxRetention       = 1209600
	defaultRetention   = 345600
	defaultVisibility  = 30
	defaultKMSReuse    = 300
	minKMSReuse        = 60
	maxKMSReuse        = 86400
	defaultMaxReceives = 10
)

// newQueue returns a queue with AWS's defaults: SSE-SQS on, as for new queues on AWS.
func newQueue(account, name, region string, now int64) *Queue {
	return &Queue{Account: account, Name: name, Region: region, Created: now, Modified: now, MaximumSize: MaxMessageSize,
		Retention: defaultRetention, Visibility: defaultVisibility, SQSManagedSSE: true, FIFO: strings.HasSuffix(name, ".fifo")}
}

// set applies one attribute; creating allows FifoQueue.
func (q *Queue) set(name, v string, creating bool) error {
	var err error
	switch name {
	case AttrDelaySeconds:
		q.DelaySeconds, err = intAttr(name, v, 0, maxDelay)
	case AttrMaximumMessageSize:
		q.MaximumSize, err = intAttr(name, v, minMessageSize, MaxMessageSize)
	case AttrRetention:
		q.Retention, err = intAttr(name, v, minRetention, maxRetention)
	case AttrWaitTime:
		q.WaitSeconds, err = intAttr(name, v, 0, maxWait)
	case AttrVisibilityTimeout:
		q.Visibility, err = intAttr(name, v, 0, maxVisibility)
	case AttrPolicy:
		if v != "" {
			if _, perr := policy.Parse([]byte(v), policy.Resource); perr != nil {
				return errAttributeValue("Invalid value for the parameter Policy: %v", perr)
			}
		}
		q.Policy = v
	case AttrRedrivePolicy:
		if v != "" {
			if _, err := parseRedrive(v); err != nil {
				return err
			}
		}
		q.RedrivePolicy = v
	case AttrRedriveAllowPolicy:
		if v != "" {
			if _, err := parseRedriveAllow(v); err != nil {
				return err
			}
		}
		q.RedriveAllow = v
	case AttrFifoQueue:
		if !creating {
			return errAttributeName("Unknown Attribute FifoQueue: it can only be set when the queue is created.")
		}
		b, err := boolAttr(name, v)
		if err != nil {
			return err
		}
		if b != strings.HasSuffix(q.Name, ".fifo") {
			return errAttributeValue("Invalid value for the parameter FifoQueue: the name of a FIFO queue must end with the .fifo suffix, and only FIFO queues may have it.")
		}
		q.FIFO = b
	case AttrContentDedup, AttrDedupScope, AttrFifoThroughputLimit:
		if !q.FIFO {
			return errAttributeName("Unknown Attribute %s: it applies only to FIFO queues.", name)
		}
		return q.setFIFO(name, v)
	case AttrKmsMasterKeyID:
		q.KMSKey = v
		if v != "" {
			q.SQSManagedSSE = false
		}
	case AttrKmsReuse:
		q.KMSReuseSeconds, err = intAttr(name, v, minKMSReuse, maxKMSReuse)
	case AttrSqsManagedSse:
		q.SQSManagedSSE, err = boolAttr(name, v)
		if err == nil && q.SQSManagedSSE && q.KMSKey != "" {
			return errAttributeValue("Invalid value for the parameter SqsManagedSseEnabled: the queue is encrypted with the KMS key %s; set KmsMasterKeyId to \"\" first.", q.KMSKey)
		}
	default:
		return errAttributeName("Unknown Attribute %s.", name)
	}
	return err
}

func (q *Queue) setFIFO(name, v string) error {
	var err error
	switch name {
	case AttrContentDedup:
		q.ContentDedup, err = boolAttr(name, v)
	case AttrDedupScope:
		if v != "messageGroup" && v != "queue" {
			return errAttributeValue("Invalid value for the parameter DeduplicationScope: %q (messageGroup or queue).", v)
		}
		q.DedupScope = v
	case AttrFifoThroughputLimit:
		if v != "perQueue" && v != "perMessageGroupId" {
			return errAttributeValue("Invalid value for the parameter FifoThroughputLimit: %q (perQueue or perMessageGroupId).", v)
		}
		q.ThroughputLimit = v
	}
	return err
}

func intAttr(name, v string, lo, hi int) (int, error) {
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		return 0, errAttributeValue("Invalid value for the parameter %s: %q is not an integer from %d to %d.", name, clip(v, 40), lo, hi)
	}
	return n, nil
}

func boolAttr(name, v string) (bool, error) {
	switch strings.ToLower(v) {
	case "true":
		return true, nil
	case "false":
		return false, nil
	}
	return false, errAttributeValue("Invalid value for the parameter %s: %q is not true or false.", name, clip(v, 40))
}

// Counts are the Approximate* counters of a queue.
type Counts struct {
	Visible, NotVisible, Delayed int
}

// attributes returns the named attributes of q ("All" for all), with the counters c.
func (q *Queue) attributes(names []string, c Counts) (map[string]string, error) {
	want := map[string]bool{}
	for _, n := range names {
		if n == AttrAll {
			for _, a := range attrOrder {
				want[a] = true
			}
			continue
		}
		if !knownAttr(n) {
			return nil, errAttributeName("Unknown Attribute %s.", n)
		}
		want[n] = true
	}
	out := map[string]string{}
	put := func(name, v string) {
		if want[name] {
			out[name] = v
		}
	}
	itoa := strconv.Itoa
	put(AttrQueueArn, q.ARN())
	put(AttrMessages, itoa(c.Visible))
	put(AttrMessagesNotVisible, itoa(c.NotVisible))
	put(AttrMessagesDelayed, itoa(c.Delayed))
	put(AttrCreated, strconv.FormatInt(q.Created, 10))
	put(AttrModified, strconv.FormatInt(q.Modified, 10))
	put(AttrVisibilityTimeout, itoa(q.Visibility))
	put(AttrMaximumMessageSize, itoa(q.MaximumSize))
	put(AttrRetention, itoa(q.Retention))
	put(AttrDelaySeconds, itoa(q.DelaySeconds))
	put(AttrWaitTime, itoa(q.WaitSeconds))
	put(AttrSqsManagedSse, strconv.FormatBool(q.SQSManagedSSE))
	if q.Policy != "" {
		put(AttrPolicy, q.Policy)
	}
	if q.RedrivePolicy != "" {
		put(AttrRedrivePolicy, q.RedrivePolicy)
	}
	if q.RedriveAllow != "" {
		put(AttrRedriveAllowPolicy, q.RedriveAllow)
	}
	if q.KMSKey != "" {
		put(AttrKmsMasterKeyID, q.KMSKey)
		put(AttrKmsReuse, itoa(q.kmsReuse()))
	}
	if q.FIFO {
		put(AttrFifoQueue, "true")
		put(AttrContentDedup, strconv.FormatBool(q.ContentDedup))
		put(AttrDedupScope, or(q.DedupScope, "queue"))
		put(AttrFifoThroughputLimit, or(q.ThroughputLimit, "perQueue"))
	}
	return out, nil
}

func (q *Queue) kmsReuse() int {
	if q.KMSReuseSeconds == 0 {
		return defaultKMSReuse
	}
	return q.KMSReuseSeconds
}

func knownAttr(n string) bool {
	for _, a := range attrOrder {
		if a == n {
			return true
		}
	}
	return false
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// Redrive is a parsed RedrivePolicy.
type Redrive struct {
	DeadLetterTargetArn string
	MaxReceiveCount     int
}

func parseRedrive(v string) (Redrive, error) {
	var raw struct {
		DeadLetterTargetArn string `json:"deadLetterTargetArn"`
		MaxReceiveCount     any    `json:"maxReceiveCount"`
	}
	if err := json.Unmarshal([]byte(v), &raw); err != nil {
		return Redrive{}, errAttributeValue("Value %s for parameter RedrivePolicy is invalid. Reason: Redrive policy is not a valid JSON map.", clip(v, 200))
	}
	r := Redrive{DeadLetterTargetArn: raw.DeadLetterTargetArn, MaxReceiveCount: defaultMaxReceives}
	switch n := raw.MaxReceiveCount.(type) {
	case nil:
	case float64:
		r.MaxReceiveCount = int(n)
	case string:
		m, err := strconv.Atoi(n)
		if err != nil {
			return Redrive{}, errAttributeValue("Value %s for parameter RedrivePolicy is invalid. Reason: Invalid value for maxReceiveCount: %s.", clip(v, 200), n)
		}
		r.MaxReceiveCount = m
	}
	if r.DeadLetterTargetArn == "" || !strings.HasPrefix(r.DeadLetterTargetArn, "arn:aws:sqs:") {
		return Redrive{}, errAttributeValue("Value %s for parameter RedrivePolicy is invalid. Reason: Redrive policy does not contain mandatory attribute: deadLetterTargetArn.", clip(v, 200))
	}
	if r.MaxReceiveCount < 1 || r.MaxReceiveCount > 1000 {
		return Redrive{}, errAttributeValue("Value %s for parameter RedrivePolicy is invalid. Reason: Invalid value for maxReceiveCount: %d, valid values are from 1 to 1000 both inclusive.", clip(v, 200), r.MaxReceiveCount)
	}
	return r, nil
}

// RedriveAllow is a parsed RedriveAllowPolicy.
type RedriveAllow struct {
	Permission string   `json:"redrivePermission"`
	SourceARNs []string `json:"sourceQueueArns"`
}

func parseRedriveAllow(v string) (RedriveAllow, error) {
	var r RedriveAllow
	if err := json.Unmarshal([]byte(v), &r); err != nil {
		return r, errAttributeValue("Value %s for parameter RedriveAllowPolicy is invalid. Reason: Amazon SQS can't create the redrive allow policy, as it’s in an unsupported format.", clip(v, 200))
	}
	switch r.Permission {
	case "allowAll", "denyAll":
		if len(r.SourceARNs) > 0 {
			return r, errAttributeValue("Value %s for parameter RedriveAllowPolicy is invalid. Reason: Only byQueue may list sourceQueueArns.", clip(v, 200))
		}
	case "byQueue":
		if len(r.SourceARNs) == 0 || len(r.SourceARNs) > 10 {
			return r, errAttributeValue("Value %s for parameter RedriveAllowPolicy is invalid. Reason: byQueue needs from 1 to 10 sourceQueueArns.", clip(v, 200))
		}
	default:
		return r, errAttributeValue("Value %s for parameter RedriveAllowPolicy is invalid. Reason: redrivePermission must be allowAll, denyAll or byQueue.", clip(v, 200))
	}
	return r, nil
}

// allows reports whether a redrive allow policy lets the queue sourceARN use the queue as its DLQ.
func (r RedriveAllow) allows(sourceARN string) bool {
	switch r.Permission {
	case "denyAll":
		return false
	case "byQueue":
		for _, a := range r.SourceARNs {
			if a == sourceARN {
				return true
			}
		}
		return false
	}
	return true
}

func (q *Queue) String() string { return fmt.Sprintf("queue %s", q.ARN()) }
