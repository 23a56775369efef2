package policy

// Kind is the role a policy document plays. It decides which elements a statement must, may and must not
// have, and how errors are worded.
type Kind uint8

const (
	// Identity is a policy attached to an IAM user, group or role (inline or managed).
	Identity Kind = iota
	// Resource is a resource-based policy: an S3 bucket policy, an SQS queue policy, …
	Resource
	// Trust is a role trust policy (AssumeRolePolicyDocument).
	Trust
	// KeyPolicy is a KMS key policy.
	KeyPolicy
	// Boundary is a permissions boundary (a managed policy used as one).
	Boundary
	// Session is a session policy passed to AssumeRole* or GetFederationToken.
	Session
	// SCP is an AWS Organizations service control policy.
	SCP
)

var kindNames = [...]string{"identity", "resource", "trust", "key", "boundary", "session", "scp"}

// String returns a short lowercase name of the kind ("identity", "key", …).
func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "unknown"
}

// hasPrincipal reports whether statements of this kind name principals (resource-based policies).
func (k Kind) hasPrincipal() bool { return k == Resource || k == Trust || k == KeyPolicy }

// iamWording reports whether IAM's validator (rather than KMS's or S3's) checks documents of this kind.
func (k Kind) iamWording() bool { return k == Identity || k == Boundary || k == Session || k == Trust }

// defaultName is how reasons refer to a policy of this kind when its Name is empty.
func (k Kind) defaultName() string {
	switch k {
	case Resource:
		return "resource-based policy"
	case Trust:
		return "role trust policy"
	case KeyPolicy:
		return "key policy"
	case Boundary:
		return "permissions boundary"
	case Session:
		return "session policy"
	case SCP:
		return "service control policy"
	default:
		return "identity-based policy"
	}
}

// Quota names one of AWS's documented size limits for a policy document.
type Quota uint8

const (
	// UserInline is the aggregate size of all inline policies of one IAM user: 2,048 characters.
	UserInline Quota = iota
	// GroupInline is the aggregate size of all inline policies of one IAM group: 5,120 characters.
	GroupInline
	// RoleInline is the aggregate size of all inline policies of one IAM role: 10,240 characters.
	RoleInline
	// Managed is the size of one customer managed policy (also used as a permissions boundary): 6,144
	// characters.
	Managed
	// RoleTrust is the size of a role trust policy: 2,048 characters (adjustable on AWS up to 4,096).
	RoleTrust
	// SessionPlaintext is the plaintext of inline and managed session policies: 2,048 characters.
	SessionPlaintext
	// KeyPolicySize is the size of a KMS key policy: 32 KB.
	KeyPolicySize
	// BucketPolicy is the size of an S3 bucket policy: 20 KB.
	BucketPolicy
	// QueuePolicy is the size of an SQS queue policy: 8,192 bytes.
	QueuePolicy
	// ServiceControlPolicy is the size of an AWS Organizations SCP: 5,120 characters.
	ServiceControlPolicy
)

// quotaInfo is a limit and how AWS counts against it.
type quotaInfo struct {
	max int
	// ignoreSpace: IAM "does not count white space when calculating the size of a policy" (IAM UG
	// reference_iam-quotas); the other services count every byte or character.
	ignoreSpace bool
	// bytes counts UTF-8 bytes instead of characters.
	bytes bool
}

// quotas holds the documented values, each with its source:
//   - UserInline, GroupInline, RoleInline, Managed, RoleTrust: IAM UG "IAM and AWS STS quotas"
//     (reference_iam-quotas): inline aggregates 2,048 / 5,120 / 10,240, managed 6,144, "Role trust policy
//     length 2048 characters" — white space not counted.
//   - SessionPlaintext: STS AssumeRole API (botocore sts model, Policy member): "The plaintext that you use
//     for both inline and managed session policies can't exceed 2,048 characters."
//   - KeyPolicySize: KMS DG resource-limits "Key policy document size: 32 KB (32,768 bytes)".
//   - BucketPolicy: S3 UG using-iam-policies "Bucket policies are limited to 20 KB in size."
//   - QueuePolicy: SQS DG quotas-policies "Bytes 8,192".
//   - ServiceControlPolicy: Organizations UG orgs_reference_limits "Service control policy: 5120 characters".
var quotas = [...]quotaInfo{
	UserInline:           {max: 2048, ignoreSpace: true},
	GroupInline:          {max: 5120, ignoreSpace: true},
	RoleInline:           {max: 10240, ignoreSpace: true},
	Managed:              {max: 6144, ignoreSpace: true},
	RoleTrust:            {max: 2048, ignoreSpace: true},
	SessionPlaintext:     {max: 2048},
	KeyPolicySize:        {max: 32768, bytes: true},
	BucketPolicy:         {max: 20480, bytes: true},
	QueuePolicy:          {max: 8192, bytes: true},
	ServiceControlPolicy: {max: 5120},
}

// Max returns the largest size the quota allows, in the unit Size counts.
func (q Quota) Max() int {
	if int(q) >= len(quotas) {
		return 0
	}
	return quotas[q].max
}

// Size returns how much of quota q the document uses, counted the way AWS counts for that quota: IAM
// quotas count characters other than white space, KMS, S3 and SQS count bytes, and SCPs count every
// character. Aggregate quotas (inline policies) are the sum of Size over the entity's documents.
func (q Quota) Size(doc []byte) int {
	if int(q) >= len(quotas) {
		return len(doc)
	}
	info := quotas[q]
	if info.bytes {
		return len(doc)
	}
	n := 0
	for _, c := range string(doc) {
		if info.ignoreSpace && (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
			continue
		}
		n++
	}
	return n
}

// Fits reports whether doc is within quota q.
func (q Quota) Fits(doc []byte) bool { return q.Size(doc) <= q.Max() }

// validCharset reports whether s holds only the characters IAM and KMS accept in a policy document: tab,
// line feed, carriage return and U+0020 through U+00FF (IAM UG reference_iam-quotas "IAM name
// requirements"; the same pattern is in the iam, sts and kms API models).
func validCharset(s string) (bad rune, ok bool) {
	for _, c := range s {
		if c == '\t' || c == '\n' || c == '\r' || (c >= 0x20 && c <= 0xff) {
			continue
		}
		return c, false
	}
	return 0, true
}

// Quota returns the size quota that applies to a single document of kind k where it is attached alone:
// Identity and Boundary documents as managed policies, Resource documents as S3 bucket policies. Inline
// identity policies count against the aggregate UserInline, GroupInline or RoleInline quota instead, and SQS
// queue policies against QueuePolicy.
func (k Kind) Quota() Quota {
	switch k {
	case Resource:
		return BucketPolicy
	case Trust:
		return RoleTrust
	case KeyPolicy:
		return KeyPolicySize
	case Session:
		return SessionPlaintext
	case SCP:
		return ServiceControlPolicy
	}
	return Managed
}

// MaxSize returns the size limit of a document of kind k (k.Quota().Max()).
func MaxSize(k Kind) int { return k.Quota().Max() }
