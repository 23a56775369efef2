// Package iam serves the AWS Identity and Access Management API (Query protocol).
package iam

import (
	"time"

	"github.com/seclake/seclake/internal/api"
	"github.com/seclake/seclake/internal/awsproto"
	"github.com/seclake/seclake/internal/iam"
)

// Namespace is the XML namespace of IAM responses.
const Namespace = "https://iam.amazonaws.com/doc/2010-05-08/"

// New returns the IAM service backed by the identity service.
func New(ids *iam.Service) *api.Service {
	h := &handler{ids: ids}
	return &api.Service{
		Name:         "iam",
		EventSource:  "iam.amazonaws.com",
		Protocol:     awsproto.Query,
		XMLNamespace: Namespace,
		Global:       true,
		Ops: api.Ops(
			api.Query("CreateUser", false, h.createUser),
			api.Query("GetUser", true, h.getUser),
			api.Query("ListUsers", true, h.listUsers),
			api.Query("DeleteUser", false, h.deleteUser),
			api.Query("CreateAccessKey", false, h.createAccessKey),
			api.Query("ListAccessKeys", true, h.listAccessKeys),
			api.Query("UpdateAccessKey", false, h.updateAccessKey),
			api.Query("DeleteAccessKey", false, h.deleteAccessKey),
		),
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
	Path       string
	UserName   string
	UserId     string
	Arn        string
	CreateDate time.Time
	Tags       []tag `xml:"Tags>member,omitempty"`
}

func userOut(u *iam.User) user {
	out := user{Path: u.Path, UserName: u.Name, UserId: u.ID, Arn: u.ARN(), CreateDate: u.Created}
	if u.Name == "" { // the root user, as GetUser without a name answers for root credentials
		out.Arn, out.Path = iam.RootARN(u.Account), ""
	}
	for _, t := range u.Tags {
		out.Tags = append(out.Tags, tag{Key: t.Key, Value: t.Value})
	}
	return out
}

func tagsIn(in []tag) []iam.Tag {
	out := make([]iam.Tag, 0, len(in))
	for _, t := range in {
		out = append(out, iam.Tag{Key: t.Key, Value: t.Value})
	}
	return out
}
