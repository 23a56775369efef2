package iam

import (
	"context"

	"github.com/seclake/seclake/internal/api"
	"github.com/seclake/seclake/internal/iam"
)

type createUserInput struct {
	UserName string
	Path     string
	Tags     []tag
}

type userOutput struct {
	User user
}

func (h *handler) createUser(ctx context.Context, c *api.Call, in *createUserInput) (*userOutput, error) {
	u, err := h.ids.CreateUser(ctx, c.Caller, iam.CreateUserInput{Name: in.UserName, Path: in.Path, Tags: tagsIn(in.Tags)})
	if err != nil {
		return nil, err
	}
	c.AddResource(u.ARN(), u.Account, "AWS::IAM::User")
	return &userOutput{User: userOut(u)}, nil
}

type getUserInput struct {
	UserName string
}

func (h *handler) getUser(ctx context.Context, c *api.Call, in *getUserInput) (*userOutput, error) {
	u, err := h.ids.GetUser(ctx, c.Caller, in.UserName)
	if err != nil {
		return nil, err
	}
	return &userOutput{User: userOut(u)}, nil
}

type listUsersInput struct {
	PathPrefix string
	Marker     string
	MaxItems   int
}

type listUsersOutput struct {
	Users       []user `xml:"Users>member"`
	IsTruncated bool
	Marker      string `xml:",omitempty"`
}

func (h *handler) listUsers(ctx context.Context, c *api.Call, in *listUsersInput) (*listUsersOutput, error) {
	users, next, err := h.ids.ListUsers(ctx, c.Caller, iam.ListUsersInput{PathPrefix: in.PathPrefix, Marker: in.Marker, MaxItems: in.MaxItems})
	if err != nil {
		return nil, err
	}
	out := &listUsersOutput{Users: make([]user, 0, len(users)), IsTruncated: next != "", Marker: next}
	for _, u := range users {
		out.Users = append(out.Users, userOut(u))
	}
	return out, nil
}

type deleteUserInput struct {
	UserName string
}

func (h *handler) deleteUser(ctx context.Context, c *api.Call, in *deleteUserInput) (*struct{}, error) {
	if err := h.ids.DeleteUser(ctx, c.Caller, in.UserName); err != nil {
		return nil, err
	}
	return nil, nil
}
