package iam

import (
	"context"
	"fmt"
	"regexp"
	"time"
	"unicode/utf8"

	"github.com/seclake/seclake/internal/actor"

	"github.com/seclake/seclake/internal/awserr"
	"github.com/seclake/seclake/internal/iam/policy"
	"github.com/seclake/seclake/internal/meta"
)

// Session duration limits, in seconds (STS AssumeRole and GetSessionToken).
const (
	MinSessionDuration     = 900
	DefaultRoleSession     = 3600
	RoleChainingMax        = 3600
	MaxSessionPolicyARNs   = 10
	DefaultUserSession     = 43200
	MaxUserSession         = 129600
	MaxRootSession         = 3600
	maxSessionTags         = 50
	packedPolicyLimitChars = 2048
)

var (
	sessionNameRE = regexp.MustCompile(`^[\w+=,.@-]*$`)
	externalIDRE  = regexp.MustCompile(`^[\w+=,.@:/-]*$`)
)

// AssumeRoleInput is an AssumeRole request.
type AssumeRoleInput struct {
	RoleARN     string
	SessionName string
	// DurationSeconds is the session's length; 0 means one hour.
	DurationSeconds int
	ExternalID      string
	SourceIdentity  string
	// Policy is an inline session policy; PolicyARNs are managed policies used as session policies.
	Policy            string
	PolicyARNs        []string
	Tags              []actor.Tag
	TransitiveTagKeys []string
}

// AssumeRoleOutput is what AssumeRole returns.
type AssumeRoleOutput struct {
	Credentials Credentials
	// AssumedRoleID is "<role ID>:<session name>"; ARN is the session's ARN.
	AssumedRoleID string
	ARN           string
	// PackedPolicySize is the percentage of the session policy and tag limit used, or -1 when the request
	// passed neither.
	PackedPolicySize int
	SourceIdentity   string
	// RoleAccount owns the role.
	RoleAccount string
}

func (in *AssumeRoleInput) validate() error {
	if n := len(in.RoleARN); n < 20 || n > 2048 {
		return constraint(in.RoleARN, "roleArn", "must have length less than or equal to 2048 and greater than or equal to 20")
	}
	if err := sessionString(in.SessionName, "roleSessionName", 64, sessionNameRE, `[\w+=,.@-]*`); err != nil {
		return err
	}
	if in.ExternalID != "" {
		if err := sessionString(in.ExternalID, "externalId", 1224, externalIDRE, `[\w+=,.@:\/-]*`); err != nil {
			return err
		}
	}
	if in.SourceIdentity != "" {
		if err := sessionString(in.SourceIdentity, "sourceIdentity", 64, sessionNameRE, `[\w+=,.@-]*`); err != nil {
			return err
		}
	}
	if in.DurationSeconds != 0 && (in.DurationSeconds < MinSessionDuration || in.DurationSeconds > MaxMaxSessionDuration) {
		return constraint(itoa(in.DurationSeconds), "durationSeconds", "must have value less than or equal to 43200 and greater than or equal to 900")
	}
	if in.Policy != "" && utf8.RuneCountInString(in.Policy) > packedPolicyLimitChars {
		return constraint("...", "policy", "must have length less than or equal to 2048")
	}
	if len(in.PolicyARNs) > MaxSessionPolicyARNs {
		return validationError("1 validation error detected: Value at 'policyArns' failed to satisfy constraint: Member must have length less than or equal to %d", MaxSessionPolicyARNs)
	}
	if len(in.Tags) > maxSessionTags {
		return constraint("...", "tags", "must have length less than or equal to 50")
	}
	return validateTags(in.Tags, "tags")
}

func sessionString(v, member string, max int, re *regexp.Regexp, pattern string) error {
	if n := utf8.RuneCountInString(v); n < 2 || n > max || !re.MatchString(v) {
		return constraint(v, member, "must satisfy regular expression pattern: "+pattern+" and have length between 2 and "+itoa(max))
	}
	return nil
}

// AssumeRole issues temporary credentials for a role to the caller, if the role's trust policy (and, for a
// role of another account or a trust policy that names only the account, the caller's own policies) allow
// sts:AssumeRole — and sts:TagSession and sts:SetSourceIdentity when the request sets tags or a source
// identity. The trust policy sees sts:ExternalId, sts:RoleSessionName, sts:SourceIdentity, aws:RequestTag/…,
// aws:TagKeys and sts:TransitiveTagKeys. A role session that assumes a role (role chaining) gets at most one
// hour.
func (s *Service) AssumeRole(ctx context.Context, c *actor.Caller, in AssumeRoleInput) (*AssumeRoleOutput, error) {
	if err := in.validate(); err != nil {
		return nil, err
	}
	if c.Type == actor.TypeRoot {
		return nil, accessDenied("Roles may not be assumed by root accounts.")
	}
	// The decision is made on a snapshot and the credentials are stored in a short write of their own, so
	// that concurrent AssumeRole calls do not evaluate policies while holding the store's writer. A trust
	// policy changed in between takes effect from the next call, as IAM's changes propagate on AWS.
	var r *Role
	var sess *actor.Session
	err := s.store.View(ctx, func(tx meta.Tx) error {
		var err error
		if r, err = s.assumable(ctx, tx, c, &in); err != nil {
			return err
		}
		sess, err = s.newRoleSession(tx, c, r, &in)
		return err
	})
	if err != nil {
		return nil, wrapDomain(err, "assume role "+in.RoleARN)
	}
	is, err := s.newTemporary(r.Account, "", r.Name, sess, sess.Expires)
	if err != nil {
		return nil, err
	}
	if err := s.store.Update(ctx, is.store); err != nil {
		return nil, fmt.Errorf("assume role %s: %w", in.RoleARN, err)
	}
	return &AssumeRoleOutput{Credentials: is.creds, AssumedRoleID: r.ID + ":" + in.SessionName,
		ARN: sessionARN(r.Account, r.Name, in.SessionName), PackedPolicySize: packedSize(&in),
		SourceIdentity: sess.SourceIdentity, RoleAccount: r.Account}, nil
}

// assumable loads the role and checks that the caller may assume it as asked.
func (s *Service) assumable(ctx context.Context, tx meta.Tx, c *actor.Caller, in *AssumeRoleInput) (*Role, error) {
	// AWS does not tell whether the role exists.
	denied := actor.AccessDenied.Deny(c, "sts:AssumeRole", in.RoleARN, "", policy.Decision{Effect: policy.ImplicitDeny})
	a, ok := parseIAMARN(in.RoleARN)
	if !ok || a.Kind != "role" {
		return nil, validationError("%s is invalid", in.RoleARN)
	}
	r, err := getRole(tx, a.Account, a.Name)
	if _, missing := asNoSuchEntity(err); missing || (err == nil && r.ARN() != in.RoleARN) {
		actor.Note(ctx, c, "sts:AssumeRole", in.RoleARN, denied.Decision)
		return nil, denied
	}
	if err != nil {
		return nil, err
	}
	trust, err := s.policies.parse(r.TrustPolicy, policy.Trust)
	if err != nil {
		return nil, err
	}
	trust = named(trust, "trust policy of role "+r.Name)
	pc := assumeContext(in)
	for _, action := range assumeActions(in) {
		err := s.decide(ctx, tx, c, actor.Request{Action: action, Resource: r.ARN(), ResourceAccount: r.Account,
			ResourcePolicy: trust, RequireResourcePolicy: true, Context: pc}, actor.AccessDenied)
		if err != nil {
			return nil, err
		}
	}
	return r, nil
}

// assumeActions are the actions an AssumeRole request needs: sts:AssumeRole, and sts:TagSession and
// sts:SetSourceIdentity when it passes tags or a source identity.
func assumeActions(in *AssumeRoleInput) []string {
	actions := []string{"sts:AssumeRole"}
	if len(in.Tags) > 0 || len(in.TransitiveTagKeys) > 0 {
		actions = append(actions, "sts:TagSession")
	}
	if in.SourceIdentity != "" {
		actions = append(actions, "sts:SetSourceIdentity")
	}
	return actions
}

// assumeContext is the request context the trust policy sees.
func assumeContext(in *AssumeRoleInput) policy.Context {
	pc := requestTagContext(in.Tags)
	pc.Set("sts:RoleSessionName", in.SessionName)
	if in.ExternalID != "" {
		pc.Set("sts:ExternalId", in.ExternalID)
	}
	if in.SourceIdentity != "" {
		pc.Set("sts:SourceIdentity", in.SourceIdentity)
	}
	if len(in.TransitiveTagKeys) > 0 {
		pc.Set("sts:TransitiveTagKeys", in.TransitiveTagKeys...)
	}
	return pc
}

// newRoleSession decides the session's length, policies, tags and source identity.
func (s *Service) newRoleSession(tx meta.Tx, c *actor.Caller, r *Role, in *AssumeRoleInput) (*actor.Session, error) {
	chained := c.Type == actor.TypeAssumedRole
	d := in.DurationSeconds
	if d == 0 {
		d = DefaultRoleSession
	}
	switch {
	case chained && d > RoleChainingMax:
		return nil, validationError("The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.")
	case d > r.MaxSessionDuration:
		return nil, validationError("The requested DurationSeconds exceeds the MaxSessionDuration set for this role.")
	}
	now := s.clock.Now().UTC().Truncate(time.Second)
	sess := &actor.Session{RoleARN: r.ARN(), RoleID: r.ID, Name: in.SessionName, Issued: now,
		Expires: now.Add(time.Duration(d) * time.Second), SourceIdentity: in.SourceIdentity, Chained: chained,
		Tags: in.Tags, TransitiveTagKeys: in.TransitiveTagKeys, PolicyARNs: in.PolicyARNs}
	if prev := c.Session; chained && prev != nil {
		if err := inheritChain(sess, prev); err != nil {
			return nil, err
		}
	}
	policies, err := s.sessionPolicies(tx, r.Account, in)
	if err != nil {
		return nil, err
	}
	sess.Policies = policies
	if packedSize(in) > 100 {
		return nil, awserr.New("PackedPolicyTooLarge", awserr.StatusBadRequest,
			"The session policies and session tags packed into the session token take %d%% of the allowed size.", packedSize(in))
	}
	return sess, nil
}

// inheritChain carries the calling session's source identity and transitive tags into a chained session.
func inheritChain(sess, prev *actor.Session) error {
	if prev.SourceIdentity != "" {
		if sess.SourceIdentity != "" && sess.SourceIdentity != prev.SourceIdentity {
			return accessDenied("The source identity of a role session cannot be changed: the calling session's source identity is " + prev.SourceIdentity + ".")
		}
		sess.SourceIdentity = prev.SourceIdentity
	}
	for _, key := range prev.TransitiveTagKeys {
		for _, t := range prev.Tags {
			if t.Key == key {
				sess.Tags = mergeTags([]actor.Tag{t}, sess.Tags)
				sess.TransitiveTagKeys = append(sess.TransitiveTagKeys, key)
			}
		}
	}
	return nil
}

// sessionPolicies validates the inline session policy and resolves the managed ones (which must be AWS
// managed or belong to the role's account); nil when the request passed none.
func (s *Service) sessionPolicies(tx meta.Tx, account string, in *AssumeRoleInput) ([]string, error) {
	if in.Policy == "" && len(in.PolicyARNs) == 0 {
		return nil, nil
	}
	var out []string
	if in.Policy != "" {
		if _, err := s.policies.parse(in.Policy, policy.Session); err != nil {
			return nil, malformed(err)
		}
		out = append(out, in.Policy)
	}
	for _, arn := range in.PolicyARNs {
		doc, err := loadPolicyDoc(tx, account, arn)
		if _, missing := asNoSuchEntity(err); missing {
			return nil, awserr.New("InvalidParameterValue", awserr.StatusBadRequest,
				"PolicyArns member %s is not a managed policy of account %s or an AWS managed policy.", arn, account)
		}
		if err != nil {
			return nil, err
		}
		out = append(out, doc)
	}
	return out, nil
}

// packedSize estimates the percentage of the packed session policy and tag limit a request uses: the
// characters of the inline policy, the policy ARNs and the tags against 2,048. It is -1 when the request
// passed none of them.
func packedSize(in *AssumeRoleInput) int {
	n := utf8.RuneCountInString(in.Policy)
	for _, a := range in.PolicyARNs {
		n += len(a)
	}
	for _, t := range in.Tags {
		n += utf8.RuneCountInString(t.Key) + utf8.RuneCountInString(t.Value)
	}
	if n == 0 {
		return -1
	}
	return (n*100 + packedPolicyLimitChars - 1) / packedPolicyLimitChars
}
