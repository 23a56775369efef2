package iam

import (
	"context"
	"time"

	"github.com/seclake/seclake/internal/actor"

	"github.com/seclake/seclake/internal/iam/policy"
	"github.com/seclake/seclake/internal/meta"
)

// GetSessionToken issues temporary credentials for the calling user or root user, with the caller's own
// permissions (they cannot call IAM). durationSeconds 0 means 12 hours for users and one hour for the root
// user, whose sessions are capped at one hour. Session credentials cannot get more session credentials.
func (s *Service) GetSessionToken(ctx context.Context, c *actor.Caller, durationSeconds int) (*Credentials, error) {
	if c.Session != nil || (c.Type != actor.TypeUser && c.Type != actor.TypeRoot) {
		return nil, accessDenied("Cannot call GetSessionToken with session credentials")
	}
	if durationSeconds != 0 && (durationSeconds < MinSessionDuration || durationSeconds > MaxUserSession) {
		return nil, constraint(itoa(durationSeconds), "durationSeconds", "must have value less than or equal to 129600 and greater than or equal to 900")
	}
	d := durationSeconds
	switch {
	case c.Type == actor.TypeRoot && (d == 0 || d > MaxRootSession):
		d = MaxRootSession
	case d == 0:
		d = DefaultUserSession
	}
	now := s.clock.Now().UTC().Truncate(time.Second)
	sess := &actor.Session{Issued: now, Expires: now.Add(time.Duration(d) * time.Second)}
	user := ""
	if c.Type == actor.TypeUser {
		user = c.Name
	}
	is, err := s.newTemporary(c.Account, user, "", sess, sess.Expires)
	if err != nil {
		return nil, err
	}
	if a, ok := parseIAMARN(c.ARN); ok && user != "" {
		is.key.UserID, is.key.UserPath = c.ID, a.Path
	}
	if err := s.store.Update(ctx, is.store); err != nil {
		return nil, wrapDomain(err, "get session token")
	}
	return &is.creds, nil
}

// ServiceRoleSession returns a caller acting as a session of a role, for seclake's own services: the service
// principal (for example "securitylake.amazonaws.com") assumes the role, as AWS services assume their
// service-linked and service roles. The role's trust policy must allow the service; src (may be empty) is the
// aws:SourceArn and aws:SourceAccount the trust policy sees. No
// credentials are issued: the returned caller is used in-process, with InvokedBy set to the service; set its
// Time (and Region) for each request it makes.
func (s *Service) ServiceRoleSession(ctx context.Context, service, roleARN, sessionName string, src actor.Source) (*actor.Caller, error) {
	svc := actor.ServicePrincipal(service, "", s.clock.Now(), src)
	var out *actor.Caller
	err := s.store.View(ctx, func(tx meta.Tx) error {
		a, ok := parseIAMARN(roleARN)
		if !ok || a.Kind != "role" {
			return validationError("%s is invalid", roleARN)
		}
		r, err := getRole(tx, a.Account, a.Name)
		if err != nil {
			return err
		}
		trust, err := s.policies.parse(r.TrustPolicy, policy.Trust)
		if err != nil {
			return err
		}
		var pc policy.Context
		pc.Set("sts:RoleSessionName", sessionName)
		err = s.decide(ctx, tx, svc, actor.Request{Action: "sts:AssumeRole", Resource: r.ARN(), ResourceAccount: r.Account,
			ResourcePolicy: named(trust, "trust policy of role "+r.Name), RequireResourcePolicy: true, Context: pc}, actor.AccessDenied)
		if err != nil {
			return err
		}
		now := s.clock.Now().UTC().Truncate(time.Second)
		sess := &actor.Session{RoleARN: r.ARN(), RoleID: r.ID, Name: sessionName, Issued: now, Expires: now.Add(time.Hour)}
		out = &actor.Caller{Identity: actor.Identity{Type: actor.TypeAssumedRole, Account: r.Account, ARN: sessionARN(r.Account, r.Name, sessionName),
			ID: r.ID + ":" + sessionName, Name: r.Name, Session: sess}, Time: now, InvokedBy: service}
		return nil
	})
	return out, wrapDomain(err, "service role session")
}
