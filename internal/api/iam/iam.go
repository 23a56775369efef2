// Package iam serves the AWS Identity and Access Management API (Query protocol): users, access keys, roles
// (service-linked ones included), inline and managed policies, permissions boundaries, tags and the policy
// simulator.
package iam

import (
	"strings"
	"time"

	"github.com/seclake/seclake/internal/actor"

	"github.com/seclake/seclake/internal/api"
	"github.com/seclake/seclake/internal/awsproto"
	"github.com/seclake/seclake/internal/iam"
)

// Namespace is the XML namespace of IAM responses.
const Namespace = "https://iam.amazonaws.com/doc/2010-05-08/"

// New returns the IAM service backed by the identity service.
func New(ids *iam.Service) *api.Service {
	h := &handler{ids: ids}
	ops := []*api.Op{
		api.Query("CreateUser", "iam:CreateUser", false, h.createUser),
		api.Query("GetUser", "iam:GetUser", true, h.getUser),
		api.Query("ListUsers", "iam:ListUsers", true, h.listUsers),
		api.Query("DeleteUser", "iam:DeleteUser", false, h.deleteUser),
		api.Query("CreateAccessKey", "iam:CreateAccessKey", false, h.createAccessKey),
		api.Query("ListAccessKeys", "iam:ListAccessKeys", true, h.listAccessKeys),
		api.Query("UpdateAccessKey", "iam:UpdateAccessKey", false, h.updateAccessKey),
		api.Query("DeleteAccessKey", "iam:DeleteAccessKey", false, h.deleteAccessKey),
	}
	ops = append(ops, h.roleOps()...)
	ops = append(ops, h.entityOps(iam.KindUser)...)
	ops = append(ops, h.entityOps(iam.KindRole)...)
	ops = append(ops, h.policyOps()...)
	ops = append(ops, h.simulateOps()...)
	return &api.Service{
		Name:         "iam",
		EventSource:  "iam.amazonaws.com",
		Protocol:     awsproto.Query,
		XMLNamespace: Namespace,
		Global:       true,
		Ops:          api.Ops(ops...),
	}
}

type handler struct{ ids *iam.Service }

// tag is IAM's Tag shape.
type tag struct {
	Key   string
	Value string
}

// user is IAM's User shape.
type user struct {
	Path                string
	UserName            string
	UserId              string
	Arn                 string
	CreateDate          time.Time
	PermissionsBoundary *boundary `xml:",omitempty"`
	Tags                []tag     `xml:"Tags>member,omitempty"`
}

// boundary is IAM's AttachedPermissionsBoundary shape.
type boundary struct {
	PermissionsBoundaryType string
	PermissionsBoundaryArn  string
}

func boundaryOut(arn string) *boundary {
	if arn == "" {
		return nil
	}
	return &boundary{PermissionsBoundaryType: "Policy", PermissionsBoundaryArn: arn}
}

func userOut(u *iam.User) user {
	out := user{Path: u.Path, UserName: u.Name, UserId: u.ID, Arn: u.ARN(), CreateDate: u.Created, Tags: tagsOut(u.Tags),
		PermissionsBoundary: boundaryOut(u.Boundary)}
	if u.Name == "" { // the root user, as GetUser without a name answers for root credentials
		out.Arn, out.Path = actor.RootARN(u.Account), ""
	}
	return out
}

func tagsIn(in []tag) []actor.Tag {
	out := make([]actor.Tag, 0, len(in))
	for _, t := range in {
		out = append(out, actor.Tag{Key: t.Key, Value: t.Value})
	}
	return out
}

func tagsOut(in []actor.Tag) []tag {
	out := make([]tag, 0, len(in))
	for _, t := range in {
		out = append(out, tag{Key: t.Key, Value: t.Value})
	}
	return out
}

// encodeDocument encodes a policy document as IAM returns it: percent-encoded (RFC 3986, everything but the
// unreserved characters), which botocore decodes for its users and other SDKs leave to them.
func encodeDocument(doc string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	b.Grow(len(doc) * 2)
	for i := 0; i < len(doc); i++ {
		c := doc[i]
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.' || c == '~' {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}

// Page is the paging part of IAM list outputs.
type Page struct {
	IsTruncated bool
	Marker      string `xml:",omitempty"`
}

func pageOf(next string) Page { return Page{IsTruncated: next != "", Marker: next} }
